"""Who may work a case (domain.case_rights), through the API and the panel: every role x
every case action x a case that is the user's own, a colleague's, in the pool (of a type
the user handles or not), or not visible to them. A refused action answers 403 (API) or
says why on the case page (panel), and changes nothing; a case the user may not see is a
404 either way."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from tests.conftest import form_token, sign_in
from tests.factories import PASSWORD, CaseFactory, ContactFactory, UserFactory
from tests.http_helpers import assert_redirect
from voiceapp.models import Case, CaseEvent, CaseFile

# Monday 23 November 2026, 10:05 Berlin: inside the calling window.
NOW = datetime(2026, 11, 23, 9, 5, tzinfo=UTC)

ROLES = ("agent", "sales_manager", "admin")
SITUATIONS = ("own", "colleagues", "pool", "pool_of_another_type", "not_visible")
API_ACTIONS = ("claim", "outcome", "assign", "patch", "attach_file")
PANEL_ACTIONS = ("claim", "outcome", "assign")


def expected(role: str, situation: str) -> str:
    """The rule, spelled out once more for the test: allowed, forbidden or not found."""
    if role != "agent":
        return "allowed"
    return {
        "own": "allowed",
        "pool": "allowed",
        "colleagues": "forbidden",
        "pool_of_another_type": "forbidden",
        "not_visible": "not_found",
    }[situation]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def client(files_app):
    return files_app.test_client()


def make_case(situation: str, user, colleague) -> Case:
    """A case in `situation` for `user`; every contact but the hidden one is shared read
    only and owned by the colleague (seeing is not working)."""
    shared = ContactFactory(visibility="shared_read", owner_id=colleague.id)
    if situation == "own":
        return CaseFactory(contact=shared, assignee_id=user.id)
    if situation == "colleagues":
        return CaseFactory(contact=shared, assignee_id=colleague.id)
    if situation == "pool":
        return CaseFactory(contact=shared, type="payment_reminder", language="de")
    if situation == "pool_of_another_type":
        return CaseFactory(contact=shared, type="new_order", language="de")
    hidden = ContactFactory(visibility="private", owner_id=colleague.id)
    return CaseFactory(contact=hidden, assignee_id=colleague.id)


def assign_to(situation: str, user) -> int | None:
    """Assigning: taking the case, or giving one's own back to the pool."""
    return None if situation == "own" else user.id


def people(role: str):
    user = UserFactory(role=role, languages=["de"], case_types=["payment_reminder"])
    colleague = UserFactory(role="agent", languages=["de"], case_types=["payment_reminder"])
    return user, colleague


def snapshot(dbs, case_id: int) -> tuple:
    dbs.rollback()
    dbs.expire_all()
    case = dbs.get(Case, case_id)
    events = dbs.scalar(
        select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id)
    )
    files = dbs.scalar(
        select(func.count()).select_from(CaseFile).where(CaseFile.case_id == case_id)
    )
    return (
        case.assignee_id,
        case.status,
        case.claimed_by_id,
        case.attempts,
        case.note,
        events,
        files,
    )


def api_action(call, action: str, case_id: int, user_id: int | None):
    url = f"/api/cases/{case_id}"
    if action == "claim":
        return call("POST", f"{url}/claim")
    if action == "outcome":
        return call("POST", f"{url}/outcome", json={"outcome": "not_reached"})
    if action == "assign":
        return call("PATCH", url, json={"assignee_id": user_id})
    if action == "patch":
        return call("PATCH", url, json={"note": "changed by the test"})
    return call(
        "POST",
        f"{url}/files",
        data={"file": (io.BytesIO(b"notes"), "notes.txt")},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize("action", API_ACTIONS)
@pytest.mark.parametrize("situation", SITUATIONS)
@pytest.mark.parametrize("role", ROLES)
def test_case_actions_through_the_api(as_user, dbs, role, situation, action):
    user, colleague = people(role)
    case = make_case(situation, user, colleague)
    before = snapshot(dbs, case.id)
    response = api_action(as_user(user), action, case.id, assign_to(situation, user))
    outcome = expected(role, situation)
    if outcome == "allowed":
        assert response.status_code in (200, 201), response.text
        assert snapshot(dbs, case.id) != before
    else:
        assert response.status_code == (403 if outcome == "forbidden" else 404), response.text
        assert snapshot(dbs, case.id) == before


def panel_action(client, action: str, case_id: int, user_id: int | None):
    token = form_token(client, "/cases/today")
    url = f"/cases/{case_id}"
    if action == "claim":
        return client.post(f"{url}/claim", data={"csrf_token": token})
    if action == "outcome":
        return client.post(
            f"{url}/outcome",
            data={"csrf_token": token, "outcome": "not_reached"},
            content_type="multipart/form-data",
        )
    return client.post(f"{url}/assign", data={"csrf_token": token, "assignee_id": user_id or ""})


@pytest.mark.parametrize("action", PANEL_ACTIONS)
@pytest.mark.parametrize("situation", SITUATIONS)
@pytest.mark.parametrize("role", ROLES)
def test_case_actions_through_the_panel(client, dbs, role, situation, action):
    user, colleague = people(role)
    case = make_case(situation, user, colleague)
    sign_in(client, user.email, PASSWORD)
    before = snapshot(dbs, case.id)
    response = panel_action(client, action, case.id, assign_to(situation, user))
    outcome = expected(role, situation)
    if outcome == "allowed":
        # A recorded outcome goes back to the list; a claim or an assignment stays on the case.
        after = "/cases/today" if action == "outcome" else f"/cases/{case.id}"
        assert_redirect(response, after)
        assert snapshot(dbs, case.id) != before
    elif outcome == "forbidden":
        assert_redirect(response, f"/cases/{case.id}")
        assert snapshot(dbs, case.id) == before
        page = client.get(f"/cases/{case.id}").text
        assert "assigned to another member" in page or "do not handle" in page
    else:
        assert response.status_code == 404
        assert snapshot(dbs, case.id) == before


@pytest.mark.parametrize("situation", ("colleagues", "pool_of_another_type"))
def test_the_case_page_offers_an_agent_no_action_on_a_case_they_may_not_work(
    client, dbs, situation
):
    user, colleague = people("agent")
    case = make_case(situation, user, colleague)
    sign_in(client, user.email, PASSWORD)
    page = client.get(f"/cases/{case.id}").text
    assert 'data-testid="not-yours"' in page
    assert 'data-testid="outcome-form"' not in page
    assert "Start calling" not in page and 'data-testid="assign-form"' not in page


def test_the_case_page_offers_the_assignee_the_outcome_form(client, dbs):
    user, colleague = people("agent")
    case = make_case("own", user, colleague)
    sign_in(client, user.email, PASSWORD)
    page = client.get(f"/cases/{case.id}").text
    assert 'data-testid="outcome-form"' in page and "Start calling" in page
    assert 'data-testid="not-yours"' not in page
