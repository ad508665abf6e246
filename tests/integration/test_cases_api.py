"""/api/cases: create, Call today, All cases, claim and next, outcomes and the next call,
assignment; bad input is a 422 with field errors and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from tests.factories import CaseFactory, ContactFactory, OrderFactory, UserFactory
from voiceapp.models import (
    Call,
    Case,
    CaseEvent,
    ContactEmail,
    ContactPhone,
    OutboxJob,
    OutgoingEmail,
)
from voiceapp.services.team_settings import editable_team_settings

# Monday 23 November 2026, 10:05 in Berlin (09:05 UTC).
MONDAY_1005 = datetime(2026, 11, 23, 9, 5, tzinfo=UTC)


def at(when: datetime):
    return time_machine.travel(when, tick=False)


def iso(value: str) -> datetime:
    return datetime.fromisoformat(value)


@pytest.fixture
def agent(ctx):
    return UserFactory(
        role="agent", name="Jonas Becker", languages=["de"], case_types=["payment_reminder"]
    )


@pytest.fixture
def other_agent(ctx):
    return UserFactory(
        role="agent", name="Lucia Garcia", languages=["de"], case_types=["payment_reminder"]
    )


@pytest.fixture
def manager(ctx):
    return UserFactory(role="sales_manager", name="Mia Manager", email="mia@example.com")


@pytest.fixture
def contact(ctx):
    return ContactFactory(first_name="Anna", last_name="Schmidt")


def reread(dbs) -> None:
    """See what the requests committed: end the read snapshot and forget loaded rows (a
    rollback alone expires nothing when no transaction is open)."""
    dbs.rollback()
    dbs.expire_all()


def count(dbs, model, *where) -> int:
    reread(dbs)
    return dbs.scalar(select(func.count()).select_from(model).where(*where))


def fresh(dbs, case_id: int) -> Case:
    reread(dbs)
    return dbs.get(Case, case_id)


# --- creating ---------------------------------------------------------------------------


def test_a_case_created_by_hand_is_due_now_and_carries_the_documented_fields(
    as_user, manager, agent, contact, dbs
):
    with at(MONDAY_1005):
        response = as_user(manager)(
            "POST",
            "/api/cases",
            json={
                "contact_id": contact.id,
                "type": "payment_reminder",
                "language": "de",
                "assignee_id": agent.id,
                "note": "asked for the invoice",
            },
        )
    assert response.status_code == 201, response.text
    body = response.json
    for key in ("id", "status", "type", "language", "contact_id", "assignee_id", "due_at"):
        assert key in body
    assert body["status"] == "open" and body["assignee_id"] == agent.id
    assert iso(body["due_at"]) == MONDAY_1005
    assert body["due_at"].endswith("+00:00")
    assert body["attempts"] == 0 and body["last_outcome"] is None
    assert [e["kind"] for e in body["history"]] == ["created", "assigned"]
    # The assigned agent is reminded at the due time, through the outbox.
    job = dbs.scalar(select(OutboxJob).where(OutboxJob.func == "workers.reminders.remind_case_due"))
    assert job.args == [body["id"], int(MONDAY_1005.timestamp())]
    assert job.run_at == MONDAY_1005


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"type": "no_such_type"}, "type"),
        ({"language": "deu"}, "language"),
        ({"contact_id": 999999}, "contact_id"),
        ({"due_at": "2026-11-23T10:00:00"}, "due_at"),  # no offset: ambiguous
        ({"assignee_id": 999999}, "assignee_id"),
        ({"order_id": 999999}, "order_id"),
    ],
)
def test_bad_input_when_creating_is_a_422_naming_the_field_and_creates_nothing(
    as_user, manager, contact, dbs, payload, field
):
    body = {"contact_id": contact.id, "type": "payment_reminder", "language": "de", **payload}
    response = as_user(manager)("POST", "/api/cases", json=body)
    assert response.status_code == 422, response.text
    assert field in response.json["errors"]["json"]
    assert count(dbs, Case) == 0


def test_an_agent_cannot_assign_a_new_case_to_someone_else(
    as_user, agent, other_agent, contact, dbs
):
    response = as_user(agent)(
        "POST",
        "/api/cases",
        json={
            "contact_id": contact.id,
            "type": "payment_reminder",
            "language": "de",
            "assignee_id": other_agent.id,
        },
    )
    assert response.status_code == 403
    assert count(dbs, Case) == 0


# --- Call today ---------------------------------------------------------------------------


def test_call_today_lists_own_and_pool_cases_overdue_first_and_leaves_out_the_rest(
    as_user, agent, other_agent, dbs
):
    now = MONDAY_1005
    mine_later = CaseFactory(assignee_id=agent.id, due_at=now + timedelta(hours=5))
    mine_overdue = CaseFactory(assignee_id=agent.id, due_at=now - timedelta(days=3))
    pool_overdue = CaseFactory(due_at=now - timedelta(hours=2))
    pool_today = CaseFactory(due_at=now + timedelta(hours=1))
    # Not for this agent: tomorrow, someone else's, another type or language, closed.
    CaseFactory(assignee_id=agent.id, due_at=now + timedelta(days=1))
    CaseFactory(assignee_id=other_agent.id, due_at=now - timedelta(hours=1))
    CaseFactory(type="cancellation", due_at=now)
    CaseFactory(language="es", due_at=now)
    CaseFactory(assignee_id=agent.id, due_at=now - timedelta(hours=1), status="closed")

    with at(now):
        response = as_user(agent)("GET", "/api/cases?view=today")
    assert response.status_code == 200
    body = response.json
    assert [c["id"] for c in body["items"]] == [
        mine_overdue.id,
        pool_overdue.id,
        pool_today.id,
        mine_later.id,
    ]
    assert body["total"] == 4
    assert [c["overdue"] for c in body["items"]] == [True, True, False, False]

    with at(now):
        second = as_user(agent)("GET", "/api/cases?view=today&per_page=3&page=2").json
    assert [c["id"] for c in second["items"]] == [mine_later.id]
    assert second["total"] == 4
    # The total rides on the page's rows; a page past the end still tells it.
    with at(now):
        past = as_user(agent)("GET", "/api/cases?view=today&per_page=3&page=3").json
    assert past["items"] == [] and past["total"] == 4


def test_call_today_of_an_agent_with_nothing_to_do_is_empty(as_user, agent, dbs):
    CaseFactory(assignee_id=agent.id, due_at=MONDAY_1005 + timedelta(days=1))
    with at(MONDAY_1005):
        body = as_user(agent)("GET", "/api/cases?view=today").json
    assert body["items"] == [] and body["total"] == 0


def test_today_ends_at_midnight_in_the_team_zone(as_user, agent, dbs):
    # 23:30 Berlin is 22:30 UTC; a case due 23:45 Berlin is today, 00:15 is tomorrow.
    now = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)
    today = CaseFactory(assignee_id=agent.id, due_at=datetime(2026, 11, 23, 22, 45, tzinfo=UTC))
    CaseFactory(assignee_id=agent.id, due_at=datetime(2026, 11, 23, 23, 15, tzinfo=UTC))
    with at(now):
        items = as_user(agent)("GET", "/api/cases?view=today").json["items"]
    assert [c["id"] for c in items] == [today.id]


# --- All cases ----------------------------------------------------------------------------


def test_all_cases_filters_and_pages(as_user, manager, agent, dbs):
    open_pool = CaseFactory()
    assigned = CaseFactory(assignee_id=agent.id, type="cancellation")
    closed = CaseFactory(status="closed", language="en")
    api = as_user(manager)
    everything = api("GET", "/api/cases").json
    assert everything["total"] == 3
    assert [c["id"] for c in everything["items"]] == [closed.id, assigned.id, open_pool.id]
    assert [c["id"] for c in api("GET", "/api/cases?status=closed").json["items"]] == [closed.id]
    assert [c["id"] for c in api("GET", "/api/cases?assignee_id=0").json["items"]] == [
        closed.id,
        open_pool.id,
    ]
    assert [c["id"] for c in api("GET", f"/api/cases?assignee_id={agent.id}").json["items"]] == [
        assigned.id
    ]
    assert api("GET", "/api/cases?type=cancellation").json["total"] == 1
    assert api("GET", "/api/cases?language=en").json["total"] == 1
    page = api("GET", "/api/cases?per_page=2&page=2").json
    assert [c["id"] for c in page["items"]] == [open_pool.id] and page["total"] == 3
    assert api("GET", "/api/cases?view=yesterday").status_code == 422
    assert api("GET", "/api/cases?status=maybe").status_code == 422


def test_an_agent_does_not_see_cases_of_another_agents_private_contact(
    as_user, agent, other_agent, dbs
):
    private = ContactFactory(owner_id=other_agent.id, visibility="private")
    hidden = CaseFactory(contact=private)
    visible = CaseFactory()
    api = as_user(agent)
    assert [c["id"] for c in api("GET", "/api/cases").json["items"]] == [visible.id]
    assert api("GET", f"/api/cases/{hidden.id}").status_code == 404


# --- claims -------------------------------------------------------------------------------


def test_a_claim_held_by_another_agent_answers_409_saying_who(as_user, agent, other_agent, dbs):
    case = CaseFactory(due_at=MONDAY_1005)
    with at(MONDAY_1005):
        first = as_user(agent)("POST", f"/api/cases/{case.id}/claim")
        assert first.status_code == 200
        assert iso(first.json["claimed_until"]) == MONDAY_1005 + timedelta(minutes=15)
        refused = as_user(other_agent)("POST", f"/api/cases/{case.id}/claim")
        assert refused.status_code == 409
        # Who, and until when in the team's time (10:20 in Berlin, 09:20 UTC).
        assert "Jonas Becker" in refused.json["message"]
        assert "claimed until 10:20 CET" in refused.json["message"]
        assert refused.json["errors"]["claimed_by_id"] == agent.id
        # Nor may the other agent record an outcome meanwhile.
        outcome = as_user(other_agent)(
            "POST", f"/api/cases/{case.id}/outcome", json={"outcome": "not_reached"}
        )
        assert outcome.status_code == 409
    assert fresh(dbs, case.id).attempts == 0
    # The claim runs out after the team's claim time.
    with at(MONDAY_1005 + timedelta(minutes=16)):
        taken = as_user(other_agent)("POST", f"/api/cases/{case.id}/claim")
        assert taken.status_code == 200
        assert taken.json["claimed_by_id"] == other_agent.id
    assert fresh(dbs, case.id).claimed_by_id == other_agent.id


def test_next_gives_two_agents_different_cases_and_204_when_nothing_is_left(
    as_user, agent, other_agent, dbs
):
    first = CaseFactory(due_at=MONDAY_1005 - timedelta(hours=2))
    second = CaseFactory(due_at=MONDAY_1005 - timedelta(hours=1))
    with at(MONDAY_1005):
        a = as_user(agent)("POST", "/api/cases/next")
        b = as_user(other_agent)("POST", "/api/cases/next")
        assert (a.json["id"], b.json["id"]) == (first.id, second.id)
        assert a.json["claimed_by_id"] == agent.id
        # Asking again gives the agent the case they already hold.
        assert as_user(agent)("POST", "/api/cases/next").json["id"] == first.id
        outsider = UserFactory(role="agent", languages=["fr"], case_types=["payment_reminder"])
        assert as_user(outsider)("POST", "/api/cases/next").status_code == 204


# --- outcomes -----------------------------------------------------------------------------


def outcome(api, case_id: int, **body):
    return api("POST", f"/api/cases/{case_id}/outcome", json=body)


def test_the_seed_example_not_reached_twice(as_user, agent, dbs):
    """Seed 000: first call 10:05 not reached -> due 11:05; called 11:45 not reached ->
    due 11:45 the next day; then every 24 hours from the real call."""
    case = CaseFactory(assignee_id=agent.id, due_at=MONDAY_1005)
    api = as_user(agent)
    with at(MONDAY_1005):
        body = outcome(api, case.id, outcome="not_reached").json
    assert iso(body["due_at"]) == datetime(2026, 11, 23, 10, 5, tzinfo=UTC)  # 11:05 Berlin
    assert body["history"][-1]["data"]["reached"] is False
    with at(datetime(2026, 11, 23, 10, 45, tzinfo=UTC)):  # 11:45 Berlin
        body = outcome(api, case.id, outcome="not_reached").json
    assert iso(body["due_at"]) == datetime(2026, 11, 24, 10, 45, tzinfo=UTC)
    with at(datetime(2026, 11, 24, 13, 10, tzinfo=UTC)):  # called late, 14:10 Berlin
        body = outcome(api, case.id, outcome="not_reached").json
    assert iso(body["due_at"]) == datetime(2026, 11, 25, 13, 10, tzinfo=UTC)
    assert body["attempts"] == 3 and body["not_reached"] == 3
    assert body["last_outcome"] == "not_reached" and body["status"] == "open"
    kinds = [e["kind"] for e in body["history"]]
    assert kinds.count("outcome") == 3
    # Each reschedule asked for a reminder at the new due time.
    jobs = set(dbs.scalars(select(OutboxJob.job_id)))
    assert f"remind-case-{case.id}-{int(iso(body['due_at']).timestamp())}-{agent.id}" in jobs


def test_the_next_call_counts_from_the_agents_real_call_not_from_the_form(as_user, agent, dbs):
    case = CaseFactory(assignee_id=agent.id, due_at=MONDAY_1005)
    dbs.add(
        Call(
            sid="CA" + "7" * 32,
            direction="outbound",
            from_number="client:agent_1",
            to_number=case.contact.phones[0].number,
            agent_id=agent.id,
            contact_id=case.contact_id,
            status="no-answer",
            started_at=MONDAY_1005,
        )
    )
    dbs.commit()
    with at(MONDAY_1005 + timedelta(minutes=20)):
        body = outcome(as_user(agent), case.id, outcome="not_reached").json
    assert iso(body["due_at"]) == MONDAY_1005 + timedelta(hours=1)
    assert body["history"][-1]["data"]["call_sid"] == "CA" + "7" * 32


def test_not_reached_late_in_the_evening_moves_to_the_next_calling_window(as_user, agent, dbs):
    case = CaseFactory(assignee_id=agent.id)
    with at(datetime(2026, 11, 23, 18, 30, tzinfo=UTC)):  # 19:30 Berlin, +1 h = 20:30
        body = outcome(as_user(agent), case.id, outcome="not_reached").json
    assert iso(body["due_at"]) == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # 09:00 Berlin


def test_after_the_maximum_of_not_reached_calls_the_case_closes_as_unreachable(as_user, agent, dbs):
    editable_team_settings(dbs).max_not_reached = 2
    dbs.commit()
    case = CaseFactory(assignee_id=agent.id)
    api = as_user(agent)
    with at(MONDAY_1005):
        assert outcome(api, case.id, outcome="not_reached").json["status"] == "open"
    with at(MONDAY_1005 + timedelta(hours=2)):
        body = outcome(api, case.id, outcome="not_reached").json
    assert body["status"] == "closed"
    assert "unreachable" in body["close_reason"]


def test_completed_closes_the_case_or_keeps_the_chosen_callback_time(as_user, agent, dbs):
    api = as_user(agent)
    closing = CaseFactory(assignee_id=agent.id)
    later = CaseFactory(assignee_id=agent.id)
    # The customer chose 21:30 on a Sunday: kept as chosen, calling window or not.
    chosen = "2026-11-29T21:30:00+01:00"
    with at(MONDAY_1005):
        body = outcome(api, closing.id, outcome="completed", summary="ordered", comment="ok")
        assert body.json["status"] == "closed" and body.json["close_reason"]
        body = outcome(api, later.id, outcome="completed", callback_at=chosen).json
    assert body["status"] == "open"
    assert iso(body["due_at"]) == iso(chosen)
    details = body["history"][-1]["data"]
    assert details["reached"] is True
    assert fresh(dbs, closing.id).remind_at is None


def test_callback_needs_a_future_time(as_user, agent, dbs):
    case = CaseFactory(assignee_id=agent.id, due_at=MONDAY_1005)
    api = as_user(agent)
    with at(MONDAY_1005):
        missing = outcome(api, case.id, outcome="callback")
        past = outcome(api, case.id, outcome="callback", callback_at="2026-11-23T08:00:00+00:00")
        good = outcome(api, case.id, outcome="callback", callback_at="2026-11-24T15:00:00+00:00")
    assert missing.status_code == 422 and "callback_at" in missing.json["errors"]["json"]
    assert past.status_code == 422 and "callback_at" in past.json["errors"]["json"]
    assert good.status_code == 200
    assert iso(good.json["due_at"]) == datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    assert good.json["attempts"] == 1  # the refused requests changed nothing


def test_already_paid_closes_for_good(as_user, agent, dbs):
    case = CaseFactory(assignee_id=agent.id)
    api = as_user(agent)
    body = outcome(api, case.id, outcome="already_paid").json
    assert body["status"] == "closed" and body["last_outcome"] == "already_paid"
    # A closed case is never called again: not in Call today, no more outcomes.
    assert api("GET", "/api/cases?view=today").json["total"] == 0
    assert outcome(api, case.id, outcome="completed").status_code == 422


def test_cancelled_closes_the_case_and_cancels_its_pending_order(as_user, agent, contact, dbs):
    order = OrderFactory(contact_id=contact.id)
    case = CaseFactory(assignee_id=agent.id, contact=contact, order_id=order.id)
    body = outcome(as_user(agent), case.id, outcome="cancelled").json
    assert body["status"] == "closed"
    reread(dbs)
    assert dbs.get(type(order), order.id).status == "cancelled"


def test_invalid_contact_marks_the_number_invalid_and_closes(as_user, agent, contact, dbs):
    case = CaseFactory(assignee_id=agent.id, contact=contact)
    body = outcome(as_user(agent), case.id, outcome="invalid_contact").json
    assert body["status"] == "closed"
    reread(dbs)
    phone = dbs.scalar(select(ContactPhone).where(ContactPhone.contact_id == contact.id))
    assert phone.invalid is True
    # The dashboard's "cases done" counts it for the member whose outcome closed it.
    assert dbs.get(type(case), case.id).closed_by_id == agent.id


def test_an_outcome_that_leaves_the_case_open_names_no_closer(as_user, agent, contact, dbs):
    case = CaseFactory(assignee_id=agent.id, contact=contact, due_at=MONDAY_1005)
    with at(MONDAY_1005):
        body = outcome(as_user(agent), case.id, outcome="not_reached", reached=False).json
    assert body["status"] == "open"
    reread(dbs)
    assert dbs.get(type(case), case.id).closed_by_id is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "maybe"}, "outcome"),
        ({}, "outcome"),
        ({"outcome": "completed", "reached": "perhaps"}, "reached"),
        ({"outcome": "not_reached", "reached": True}, "reached"),
        ({"outcome": "completed", "callback_at": "tomorrow"}, "callback_at"),
        ({"outcome": "completed", "summary": "x" * 501}, "summary"),
        ({"outcome": "completed", "email": {"template": "no_such_template"}}, "email"),
        ({"outcome": "completed", "email": {"copy_to_manager": True}}, "email"),
    ],
)
def test_bad_outcomes_are_422_with_field_errors_and_change_nothing(
    as_user, agent, dbs, body, field
):
    case = CaseFactory(assignee_id=agent.id, due_at=MONDAY_1005)
    with at(MONDAY_1005):
        response = outcome(as_user(agent), case.id, **body)
    assert response.status_code == 422, response.text
    assert field in response.json["errors"]["json"]
    after = fresh(dbs, case.id)
    assert (after.attempts, after.status, after.due_at) == (0, "open", MONDAY_1005)
    assert count(dbs, CaseEvent, CaseEvent.kind == "outcome") == 0


def test_an_outcome_email_is_rendered_from_the_template_and_queued_with_a_copy(
    as_user, agent, manager, contact, dbs
):
    dbs.add(ContactEmail(contact_id=contact.id, email="anna@example.com"))
    dbs.commit()
    case = CaseFactory(assignee_id=agent.id, contact=contact)
    body = outcome(
        as_user(agent),
        case.id,
        outcome="not_reached",
        email={"template": "not_reached", "copy_to_manager": True},
    ).json
    reread(dbs)
    email = dbs.scalar(select(OutgoingEmail))
    assert email.to_address == "anna@example.com" and email.cc == ["mia@example.com"]
    assert "Hello Anna Schmidt" in email.body_text and "Jonas Becker" in email.body_text
    assert "Payment reminder" in email.body_text
    assert email.case_id == case.id and email.purpose == "outcome"
    assert body["history"][-1]["kind"] == "email_queued"
    job = dbs.scalar(select(OutboxJob).where(OutboxJob.func == "workers.email.send_email"))
    assert job.args == [email.id]


def test_an_email_to_a_contact_without_address_is_refused(as_user, agent, dbs):
    case = CaseFactory(assignee_id=agent.id)
    response = outcome(
        as_user(agent), case.id, outcome="completed", email={"template": "not_reached"}
    )
    assert response.status_code == 422
    assert response.json["errors"]["json"] == {
        "email": {"template": ["the contact has no e-mail address"]}
    }
    assert count(dbs, OutgoingEmail) == 0


# --- assignment ---------------------------------------------------------------------------


def test_a_manager_assigns_and_releases_an_agent_takes_from_the_pool_only(
    as_user, manager, agent, other_agent, dbs
):
    case = CaseFactory()
    taken = as_user(agent)("PATCH", f"/api/cases/{case.id}", json={"assignee_id": agent.id})
    assert taken.status_code == 200 and taken.json["assignee_id"] == agent.id
    # Another agent cannot take it away, nor give it to someone else.
    grab = as_user(other_agent)(
        "PATCH", f"/api/cases/{case.id}", json={"assignee_id": other_agent.id}
    )
    assert grab.status_code == 403
    moved = as_user(manager)("PATCH", f"/api/cases/{case.id}", json={"assignee_id": other_agent.id})
    assert moved.json["assignee_id"] == other_agent.id
    released = as_user(other_agent)("PATCH", f"/api/cases/{case.id}", json={"assignee_id": None})
    assert released.json["assignee_id"] is None
    assert fresh(dbs, case.id).remind_at is None
    kinds = [e["kind"] for e in released.json["history"]]
    assert kinds == ["assigned", "assigned", "released"]


def test_a_manager_moves_the_due_time_and_the_reminder_follows(as_user, manager, agent, dbs):
    case = CaseFactory(assignee_id=agent.id, due_at=MONDAY_1005)
    new_due = "2026-11-24T09:00:00+00:00"
    body = as_user(manager)("PATCH", f"/api/cases/{case.id}", json={"due_at": new_due}).json
    assert iso(body["due_at"]) == iso(new_due)
    assert fresh(dbs, case.id).remind_at == iso(new_due)
    bad = as_user(manager)("PATCH", f"/api/cases/{case.id}", json={"type": "nonsense"})
    assert bad.status_code == 422 and "type" in bad.json["errors"]["json"]


def test_agents_asking_for_the_next_case_at_the_same_moment_never_get_the_same_one(app, agent, dbs):
    """On PostgreSQL the rows another agent is claiming are skipped (SKIP LOCKED); on
    SQLite writers queue. Either way: eight agents, eight different cases."""
    import threading

    from voiceapp.services.accounts import create_api_token

    agents = [agent] + [
        UserFactory(role="agent", languages=["de"], case_types=["payment_reminder"])
        for _ in range(7)
    ]
    for n in range(10):
        CaseFactory(due_at=MONDAY_1005 - timedelta(minutes=n))
    tokens = []
    for user in agents:
        tokens.append(create_api_token(dbs, user, name="t", now=MONDAY_1005)[1])
    dbs.commit()
    barrier = threading.Barrier(len(agents))
    claimed: list[int] = []
    errors: list[str] = []

    def ask(token: str) -> None:
        client = app.test_client()
        try:
            barrier.wait(timeout=10)
            response = client.post("/api/cases/next", headers={"Authorization": f"Bearer {token}"})
        except BaseException as exc:  # reported by the assertion below, not lost
            errors.append(repr(exc))
            return
        if response.status_code == 200:
            claimed.append(response.json["id"])
        else:
            errors.append(f"{response.status_code} {response.text}")

    threads = [threading.Thread(target=ask, args=(t,)) for t in tokens]
    # The cases are due on a Monday morning: ask then, not at whatever hour the suite runs.
    with at(MONDAY_1005 + timedelta(minutes=5)):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "an agent's request never came back"
    assert errors == []
    assert len(claimed) == len(agents) == len(set(claimed))
    reread(dbs)
    holders = dbs.scalars(select(Case.claimed_by_id).where(Case.claimed_by_id.is_not(None)))
    assert sorted(holders) == sorted(a.id for a in agents)
