"""When a case assigned to an agent falls due, an RQ job (scheduled for the due time)
reminds the agent: a notification in the panel, an e-mail if the agent wants one. The
clock is travelled, never slept on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from redis import Redis
from sqlalchemy import func, select

import workers
from tests.case_helpers import make_case, remind_job_id, reschedule
from tests.conftest import TEST_REDIS_URL
from tests.factories import ContactFactory, UserFactory
from tests.mail_helpers import body, run_worker
from voiceapp.models import Case, CaseEvent, Notification, OutgoingEmail
from voiceapp.services.cases.reminders import due_timestamp
from voiceapp.services.outbox import relay_pending

# A fixed "now", so that the due time never falls on a bucket or day boundary by chance.
START = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def worker_app(make_app, smtp):
    app = make_app(**smtp.settings, public_base_url="https://calls.example.com")
    workers.set_job_app(app)
    yield app
    workers.set_job_app(None)


@pytest.fixture
def agent(ctx):
    return UserFactory(name="Jonas Weber", email="jonas@voiceapp.test")


@pytest.fixture
def contact(ctx):
    return ContactFactory(first_name="Anna", last_name="Schmidt")


def relay(dbs) -> int:
    return relay_pending(dbs, Redis.from_url(TEST_REDIS_URL))


def notifications(dbs) -> list[tuple[int, str, int | None]]:
    dbs.rollback()
    rows = dbs.scalars(select(Notification).order_by(Notification.id))
    return [(n.user_id, n.message, n.case_id) for n in rows]


def reload(dbs, case) -> Case:
    dbs.rollback()
    return dbs.get(Case, case.id, populate_existing=True)


def test_the_agent_is_reminded_at_the_due_time_and_not_before(
    clock, worker_app, dbs, agent, contact, smtp
):
    due = START + timedelta(minutes=30)
    case = make_case(dbs, contact, due_at=due, assignee=agent)
    assert relay(dbs) == 1

    run_worker()  # the job waits in RQ's scheduler until the due time
    clock.move_to(due - timedelta(seconds=1))
    run_worker()
    assert notifications(dbs) == []
    # Even run early by hand, the job does nothing before the due time.
    assert workers.remind_case_due(case.id, due_timestamp(due)) is False
    assert notifications(dbs) == []
    assert reload(dbs, case).remind_at == due

    clock.move_to(due + timedelta(seconds=1))
    run_worker()
    assert notifications(dbs) == [
        (agent.id, f"Case #{case.id} (Missed call, Anna Schmidt) is due", case.id)
    ]
    case = reload(dbs, case)
    assert case.remind_at is None and case.due_at == due
    [event] = dbs.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
    assert (event.kind, event.summary) == ("reminder", "Jonas Weber reminded that the case is due")
    # This agent did not ask for e-mails.
    assert dbs.scalar(select(func.count()).select_from(OutgoingEmail)) == 0

    # Running it twice is harmless.
    assert workers.remind_case_due(case.id, due_timestamp(due)) is False
    assert workers.sweep()["reminders_sent"] == 0
    assert len(notifications(dbs)) == 1
    assert smtp.delivered == []


def test_a_rescheduled_case_makes_the_older_reminder_a_no_op(
    clock, worker_app, dbs, agent, contact
):
    first_due = START + timedelta(minutes=30)
    case = make_case(dbs, contact, due_at=first_due, assignee=agent)
    later_due = START + timedelta(hours=2)
    reschedule(dbs, case, later_due)  # the agent moved the call
    dbs.commit()
    assert relay(dbs) == 2

    clock.move_to(first_due + timedelta(minutes=5))
    run_worker()  # runs remind-case-<id>-<first due>
    assert notifications(dbs) == []
    assert reload(dbs, case).remind_at == later_due
    assert workers.sweep()["reminders_sent"] == 0

    clock.move_to(later_due)
    run_worker()
    assert notifications(dbs) == [
        (agent.id, f"Case #{case.id} (Missed call, Anna Schmidt) is due", case.id)
    ]
    assert remind_job_id(case.id, later_due, agent.id) == (
        f"remind-case-{case.id}-{int(later_due.timestamp())}-{agent.id}"
    )


def test_only_agents_who_want_it_get_the_reminder_by_email(clock, worker_app, dbs, contact, smtp):
    wants = UserFactory(name="Lucia Romero", email="lucia@voiceapp.test", notify_by_email=True)
    panel_only = UserFactory(name="Camille Martin", email="camille@voiceapp.test")
    due = START + timedelta(minutes=10)
    emailed = make_case(dbs, contact, due_at=due, assignee=wants, case_type="callback_request")
    not_emailed = make_case(dbs, contact, due_at=due, assignee=panel_only)
    assert relay(dbs) == 2

    clock.move_to(due)
    run_worker()  # the reminders, then the e-mail job they queued

    assert sorted(n[0] for n in notifications(dbs)) == sorted([wants.id, panel_only.id])
    assert len(smtp.delivered) == 1
    delivered = smtp.delivered[0]
    assert delivered.rcpt_tos == ["lucia@voiceapp.test"]
    title = f"Case #{emailed.id} (Callback request, Anna Schmidt)"
    assert delivered.message["Subject"] == f"{title} is due"
    text = body(delivered.message, "plain")
    assert f"{title} is due (2026-03-10 10:10)" in text  # the team's zone, Europe/Berlin
    assert f"https://calls.example.com/cases/{emailed.id}" in text
    email = dbs.scalars(select(OutgoingEmail)).one()
    assert (email.purpose, email.case_id, email.status) == ("reminder", emailed.id, "sent")
    kinds = dbs.scalars(
        select(CaseEvent.kind).where(CaseEvent.case_id == emailed.id).order_by(CaseEvent.id)
    ).all()
    assert kinds == ["reminder", "email_sent"]
    assert dbs.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == not_emailed.id)).all() == [
        "reminder"
    ]


@pytest.mark.parametrize("change", ["closed", "released to the pool", "agent switched off"])
def test_no_reminder_for_a_case_nobody_is_to_be_reminded_of(
    clock, worker_app, dbs, agent, contact, change
):
    due = START + timedelta(minutes=30)
    case = make_case(dbs, contact, due_at=due, assignee=agent)
    relay(dbs)
    # A stale remind_at (the case code normally clears it): the job and the sweep must
    # still not remind, and the sweep must stop looking at the case.
    if change == "closed":
        case.status = "closed"
    elif change == "released to the pool":
        case.assignee_id = None
    else:
        agent.active = False
    dbs.commit()

    clock.move_to(due + timedelta(minutes=5))
    run_worker()
    assert notifications(dbs) == []
    assert reload(dbs, case).remind_at is None
    assert workers.sweep()["reminders_sent"] == 0
