"""The cases pages through the test client: Call today, All cases with filters, a new
case, the case page (claim, outcome form with callback time, e-mail and file, assign)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from tests.conftest import form_token, sign_in
from tests.factories import PASSWORD, CaseFactory, ContactFactory, UserFactory
from tests.http_helpers import assert_redirect, assert_sign_in_redirect
from voiceapp.models import Case, CaseFile, ContactEmail, OutgoingEmail

# Monday 23 November 2026, 10:05 Berlin.
NOW = datetime(2026, 11, 23, 9, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    """Every test here runs at NOW, its sign-in included (a session is not valid before
    it began)."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def client(files_app):
    return files_app.test_client()


@pytest.fixture
def agent(frozen, ctx, client):
    user = UserFactory(
        role="agent", name="Jonas Becker", languages=["de"], case_types=["payment_reminder"]
    )
    sign_in(client, user.email, PASSWORD)
    return user


def reread(dbs):
    dbs.rollback()
    dbs.expire_all()


def test_call_today_shows_overdue_cases_first_marked_red(client, agent, dbs):
    overdue = CaseFactory(
        assignee_id=agent.id,
        due_at=NOW - timedelta(days=1),
        contact=ContactFactory(first_name="Olga", last_name="Overdue"),
    )
    later = CaseFactory(
        due_at=NOW + timedelta(hours=2),
        contact=ContactFactory(first_name="Lena", last_name="Later"),
    )
    CaseFactory(due_at=NOW + timedelta(days=2))  # not today
    page = client.get("/cases/today")
    assert page.status_code == 200
    html = page.text
    assert 'Call today <span class="muted">(2)</span>' in html
    assert html.index("Olga Overdue") < html.index("Lena Later")
    assert f'data-case-id="{overdue.id}" class="overdue"' in html
    assert f'data-case-id="{later.id}">' in html


def test_all_cases_filters_and_reports_bad_filters(client, agent, dbs):
    CaseFactory(status="closed", contact=ContactFactory(first_name="Clara", last_name="Closed"))
    CaseFactory(contact=ContactFactory(first_name="Otto", last_name="Open"))
    page = client.get("/cases?status=closed").text
    assert "Clara Closed" in page and "Otto Open" not in page
    bad = client.get("/cases?status=maybe")
    assert bad.status_code == 200 and "status:" in bad.text


def test_a_new_case_from_the_contact_page(client, agent, dbs):
    contact = ContactFactory(first_name="Nina", last_name="Neu")
    assert "New case" in client.get(f"/contacts/{contact.id}").text
    token = form_token(client, f"/cases/new?contact_id={contact.id}")
    refused = client.post(
        "/cases/new",
        data={"csrf_token": token, "contact_id": contact.id, "type": "bogus", "language": "de"},
    )
    assert refused.status_code == 422 and "unknown case type" in refused.text
    response = client.post(
        "/cases/new",
        data={
            "csrf_token": token,
            "contact_id": contact.id,
            "type": "payment_reminder",
            "language": "de",
            "assignee_id": agent.id,
            "due_at": "2026-11-24T15:30",
        },
    )
    reread(dbs)
    case = dbs.scalar(select(Case))
    assert_redirect(response, f"/cases/{case.id}")
    assert f"Case #{case.id} opened." in client.get(f"/cases/{case.id}").text
    assert case.assignee_id == agent.id
    assert case.due_at == datetime(2026, 11, 24, 14, 30, tzinfo=UTC)  # 15:30 Berlin


def test_claiming_on_the_case_page_and_another_agent_sees_who_holds_it(
    client, agent, dbs, files_app
):
    case = CaseFactory()
    token = form_token(client, f"/cases/{case.id}")
    client.post(f"/cases/{case.id}/claim", data={"csrf_token": token})
    assert 'data-testid="claim-mine"' in client.get(f"/cases/{case.id}").text
    other = files_app.test_client()
    colleague = UserFactory(role="agent", languages=["de"], case_types=["payment_reminder"])
    sign_in(other, colleague.email, PASSWORD)
    page = other.get(f"/cases/{case.id}").text
    assert "Jonas Becker is calling this customer" in page
    refused = other.post(
        f"/cases/{case.id}/claim",
        data={"csrf_token": form_token(other, f"/cases/{case.id}")},
        follow_redirects=True,
    )
    assert "Jonas Becker is calling this customer" in refused.text


def test_the_outcome_form_with_callback_time_email_and_file(client, agent, dbs):
    contact = ContactFactory(first_name="Anna", last_name="Schmidt")
    dbs.add(ContactEmail(contact_id=contact.id, email="anna@example.com"))
    dbs.commit()
    case = CaseFactory(assignee_id=agent.id, contact=contact)
    token = form_token(client, f"/cases/{case.id}")
    response = client.post(
        f"/cases/{case.id}/outcome",
        data={
            "csrf_token": token,
            "outcome": "callback",
            "summary": "wants to talk to her husband first",
            "callback_at": "2026-11-25T18:00",
            "email_template": "conversation_summary",
            "file": (io.BytesIO(b"notes of the call"), "notes.txt"),
        },
        content_type="multipart/form-data",
    )
    assert_redirect(response, "/cases/today")
    assert "Outcome recorded: Call back." in client.get("/cases/today").text
    reread(dbs)
    case = dbs.get(Case, case.id)
    assert case.due_at == datetime(2026, 11, 25, 17, 0, tzinfo=UTC)  # 18:00 Berlin
    assert case.last_outcome == "callback" and case.attempts == 1
    email = dbs.scalar(select(OutgoingEmail))
    assert email.to_address == "anna@example.com" and "Hello Anna" in email.body_text
    stored = dbs.scalar(select(CaseFile))
    assert stored.filename == "notes.txt" and stored.size == len(b"notes of the call")
    download = client.get(f"/cases/{case.id}/files/{stored.id}")
    assert download.status_code == 200 and download.data == b"notes of the call"
    page = client.get(f"/cases/{case.id}").text
    assert "wants to talk to her husband first" in page and "notes.txt" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"outcome": "callback"}, "a callback needs the time the customer chose"),
        ({"outcome": "callback", "callback_at": "2020-01-01T10:00"}, "must be in the future"),
        ({"outcome": "teleport"}, "Must be one of"),
        (
            {"outcome": "completed", "file": (io.BytesIO(b"MZ\x90\x00"), "tool.exe")},
            "are not kept",
        ),
    ],
)
def test_a_refused_outcome_shows_a_readable_message_and_changes_nothing(
    client, agent, dbs, fields, message
):
    case = CaseFactory(assignee_id=agent.id, due_at=NOW)
    token = form_token(client, f"/cases/{case.id}")
    response = client.post(
        f"/cases/{case.id}/outcome",
        data={"csrf_token": token, **fields},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert message in response.text
    reread(dbs)
    after = dbs.get(Case, case.id)
    assert (after.attempts, after.due_at, after.status) == (0, NOW, "open")
    assert dbs.scalar(select(CaseFile)) is None


def test_assigning_on_the_case_page(client, agent, dbs):
    case = CaseFactory()
    token = form_token(client, f"/cases/{case.id}")
    client.post(f"/cases/{case.id}/assign", data={"csrf_token": token, "assignee_id": agent.id})
    reread(dbs)
    assert dbs.get(Case, case.id).assignee_id == agent.id
    someone = UserFactory(role="agent")
    page = client.post(
        f"/cases/{case.id}/assign",
        data={"csrf_token": token, "assignee_id": someone.id},
        follow_redirects=True,
    )
    assert "only managers assign cases to other members" in page.text
    reread(dbs)
    assert dbs.get(Case, case.id).assignee_id == agent.id


def test_the_case_pages_need_a_sign_in(files_app, ctx):
    case = CaseFactory()
    anonymous = files_app.test_client()
    for path in ("/cases/today", "/cases", f"/cases/{case.id}"):
        assert_sign_in_redirect(anonymous.get(path), path)


def test_an_admin_changes_case_types_and_the_calling_window(files_app, ctx, dbs):
    from voiceapp.services.team_settings import get_team_settings

    admin_client = files_app.test_client()
    admin = UserFactory(role="admin")
    sign_in(admin_client, admin.email, PASSWORD)
    CaseFactory(type="debt_collection")
    token = form_token(admin_client, "/settings/cases")
    good = {
        "csrf_token": token,
        "case_types": "missed_call: Missed call\nvoicemail: Voicemail\n"
        "debt_collection: Debt collection\nwinback: Win-back",
        "case_claim_minutes": "20",
        "max_not_reached": "6",
        "calling_window_opens": "08:30",
        "calling_window_closes": "19:00",
        "calling_days": ["0", "1", "2", "3", "4"],
    }
    refused = [
        ({"case_types": "debt_collection: Debt"}, "missed_call, voicemail must stay"),
        (
            {"case_types": "missed_call: M\nvoicemail: V"},
            "still used by open cases: debt_collection (1 open)",
        ),
        ({"case_types": "Missed Call"}, "line 1: write key: Label"),
        ({"calling_window_closes": "08:00"}, "must be later than the opening time"),
        ({"calling_window_opens": "9 am"}, "a time such as 09:00"),
        ({"calling_days": []}, "pick at least one day"),
        ({"max_not_reached": "0"}, "Number must be between 1 and 100"),
    ]
    for change, message in refused:
        response = admin_client.post("/settings/cases", data={**good, **change})
        assert response.status_code == 422, change
        assert message in response.text, change
    reread(dbs)
    assert get_team_settings(dbs).max_not_reached == 10  # nothing saved
    assert_redirect(admin_client.post("/settings/cases", data=good), "/settings/cases")
    reread(dbs)
    saved = get_team_settings(dbs)
    assert [t["key"] for t in saved.case_types][-1] == "winback"
    assert (saved.case_claim_minutes, saved.max_not_reached) == (20, 6)
    assert (saved.calling_window_opens, saved.calling_window_closes) == ("08:30", "19:00")
    assert saved.calling_days == [0, 1, 2, 3, 4]
    assert "08:30-19:00 (Mon, Tue, Wed, Thu, Fri)" in admin_client.get("/settings/cases").text


def test_agents_cannot_open_case_settings(client, agent):
    assert client.get("/settings/cases").status_code == 403


def test_the_case_page_offers_the_shipped_templates_without_writing_them(client, agent, dbs):
    from sqlalchemy import func

    from voiceapp.models import EmailTemplate

    case = CaseFactory(assignee_id=agent.id)
    page = client.get(f"/cases/{case.id}").text
    assert '<option value="not_reached"' in page and "We tried to reach you" in page
    reread(dbs)
    assert dbs.scalar(select(func.count()).select_from(EmailTemplate)) == 0


@pytest.mark.parametrize(
    ("due_at", "message"),
    [
        ("9999-12-31T23:30", "choose a date between 2000 and 2999"),
        ("0001-01-01T00:10", "choose a date between 2000 and 2999"),
        ("tomorrow", "Not a valid datetime."),
    ],
)
def test_a_new_case_due_at_an_impossible_time_is_refused_on_its_field(
    client, agent, dbs, due_at, message
):
    contact = ContactFactory()
    token = form_token(client, f"/cases/new?contact_id={contact.id}")
    response = client.post(
        "/cases/new",
        data={
            "csrf_token": token,
            "contact_id": contact.id,
            "type": "payment_reminder",
            "language": "de",
            "due_at": due_at,
        },
    )
    assert response.status_code == 422
    assert message in response.text
    reread(dbs)
    assert dbs.scalar(select(func.count()).select_from(Case)) == 0
