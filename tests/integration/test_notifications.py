"""Notifications: the API (own only, unread first, 401/404) and the panel (the unread badge
in the header, the list, marking read)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import form_token, sign_in
from tests.factories import PASSWORD, ContactFactory, UserFactory
from tests.http_helpers import assert_redirect, assert_sign_in_redirect
from voiceapp.db import utcnow
from voiceapp.models import Case, Notification
from voiceapp.services.accounts import create_api_token

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def bearer(dbs, user) -> dict:
    _row, token = create_api_token(dbs, user, name="test", now=utcnow())
    dbs.commit()
    return {"Authorization": f"Bearer {token}"}


def notify(dbs, user, message: str, *, minutes: int, read: bool = False, case_id=None) -> int:
    row = Notification(
        user_id=user.id,
        kind="reminder",
        message=message,
        case_id=case_id,
        created_at=T0 + timedelta(minutes=minutes),
        read_at=T0 + timedelta(hours=1) if read else None,
    )
    dbs.add(row)
    dbs.commit()
    return row.id


@pytest.fixture
def jonas(ctx):
    return UserFactory(name="Jonas Weber")


@pytest.fixture
def lucia(ctx):
    return UserFactory(name="Lucia Romero")


@pytest.fixture
def three(dbs, jonas, lucia):
    """Jonas: an old read one, two unread; Lucia: one unread."""
    return {
        "old read": notify(dbs, jonas, "Case #1 is due", minutes=0, read=True),
        "unread 1": notify(dbs, jonas, "Case #2 is due", minutes=5),
        "unread 2": notify(dbs, jonas, "Case #3 is due", minutes=10),
        "lucia": notify(dbs, lucia, "Case #4 is due", minutes=15),
    }


def test_the_api_lists_my_notifications_unread_first(client, dbs, jonas, three):
    response = client.get("/api/notifications", headers=bearer(dbs, jonas))
    assert response.status_code == 200
    body = response.json
    assert [n["message"] for n in body["items"]] == [
        "Case #3 is due",
        "Case #2 is due",
        "Case #1 is due",
    ]
    assert [n["read"] for n in body["items"]] == [False, False, True]
    assert (body["total"], body["unread"], body["page"]) == (3, 2, 1)
    first = body["items"][0]
    assert first["id"] == three["unread 2"]
    assert first["created_at"].startswith("2026-03-10T09:10:00")
    assert first["read_at"] is None

    unread = client.get("/api/notifications?unread=1", headers=bearer(dbs, jonas)).json
    assert [n["id"] for n in unread["items"]] == [three["unread 2"], three["unread 1"]]
    assert unread["total"] == 2


def test_the_api_marks_my_notification_read_and_not_someone_elses(client, dbs, jonas, lucia, three):
    headers = bearer(dbs, jonas)
    response = client.post(f"/api/notifications/{three['unread 1']}/read", headers=headers)
    assert response.status_code == 200
    assert response.json["read"] is True
    read_at = response.json["read_at"]
    # Again: still read, at the first time.
    again = client.post(f"/api/notifications/{three['unread 1']}/read", headers=headers)
    assert again.json["read_at"] == read_at
    assert client.get("/api/notifications", headers=headers).json["unread"] == 1

    # Lucia's notification is not Jonas's to read (nor to know about): 404, unchanged.
    response = client.post(f"/api/notifications/{three['lucia']}/read", headers=headers)
    assert response.status_code == 404
    assert client.post("/api/notifications/999999/read", headers=headers).status_code == 404
    dbs.rollback()
    assert dbs.get(Notification, three["lucia"]).read_at is None


def test_the_api_wants_a_token(client, three):
    assert client.get("/api/notifications").status_code == 401
    response = client.post(f"/api/notifications/{three['lucia']}/read")
    assert response.status_code == 401
    bad = client.get("/api/notifications", headers={"Authorization": "Bearer va_nope"})
    assert bad.status_code == 401


def test_the_api_refuses_a_bad_page_with_422(client, dbs, jonas):
    response = client.get("/api/notifications?per_page=0", headers=bearer(dbs, jonas))
    assert response.status_code == 422
    assert "per_page" in response.json["errors"]["query"]


def test_the_panel_shows_the_unread_count_and_marks_read(client, dbs, jonas, lucia, three):
    contact = ContactFactory(first_name="Anna", last_name="Schmidt")
    case = Case(type="missed_call", contact_id=contact.id, language="de", due_at=T0)
    dbs.add(case)
    dbs.commit()
    with_case = notify(dbs, jonas, f"Case #{case.id} is due", minutes=20, case_id=case.id)
    sign_in(client, jonas.email, PASSWORD)

    home = client.get("/")
    assert 'data-testid="unread-badge">3</span>' in home.text
    page = client.get("/notifications")
    assert page.status_code == 200
    assert "Case #2 is due" in page.text and "Case #4 is due" not in page.text  # Lucia's

    token = form_token(client, "/notifications")
    response = client.post(f"/notifications/{three['unread 1']}/read", data={"csrf_token": token})
    assert_redirect(response, "/notifications")
    assert 'data-testid="unread-badge">2</span>' in client.get("/").text

    # "Open case": read, and on to the case's page.
    response = client.post(
        f"/notifications/{with_case}/read", data={"csrf_token": token, "open": "1"}
    )
    assert_redirect(response, f"/cases/{case.id}")

    assert (
        client.post(f"/notifications/{three['lucia']}/read", data={"csrf_token": token}).status_code
        == 404
    )

    client.post("/notifications/read-all", data={"csrf_token": token})
    assert "unread-badge" not in client.get("/").text
    dbs.rollback()
    unread = dbs.scalars(select(Notification.user_id).where(Notification.read_at.is_(None)))
    assert unread.all() == [lucia.id]


def test_the_notifications_page_wants_a_sign_in(client, ctx):
    response = client.get("/notifications")
    assert_sign_in_redirect(response, "/notifications")
