"""A task's reminder: at its remind_at (the due time, or the chosen minutes before) an RQ
job reminds the assignee once, with a notification and, for members who want them, an
e-mail through the real SMTP test server; moving the due time moves it, completing the
task drops it, and the sweep sends what a lost job missed. The clock is travelled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from redis import Redis
from sqlalchemy import func, select

import workers
from tests.conftest import TEST_REDIS_URL
from tests.factories import CaseFactory, ContactFactory, UserFactory
from tests.mail_helpers import body, run_worker
from voiceapp.models import Notification, OutgoingEmail, Task
from voiceapp.services import tasks
from voiceapp.services.outbox import relay_pending
from voiceapp.services.reminding import due_timestamp

START = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # 10:00 in Berlin


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def worker_app(shared_app, smtp):
    app = shared_app(**smtp.settings, public_base_url="https://calls.example.com")
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


def notifications(dbs) -> list[tuple]:
    dbs.rollback()
    rows = dbs.scalars(select(Notification).order_by(Notification.id))
    return [(n.user_id, n.kind, n.message, n.case_id) for n in rows]


def add_task(
    dbs, actor, *, due, contact=None, case=None, minutes=0, assignee=None, title="Send the contract"
):
    task = tasks.create_task(
        dbs,
        actor=actor,
        title=title,
        due_at=due,
        now=START,
        contact=contact,
        case=case,
        assignee_id=assignee.id if assignee else None,
        remind_minutes_before=minutes,
    )
    dbs.commit()
    return task


def reload(dbs, task) -> Task:
    dbs.rollback()
    return dbs.get(Task, task.id, populate_existing=True)


def test_the_assignee_is_reminded_once_the_chosen_minutes_before_and_not_earlier(
    clock, worker_app, dbs, agent, contact, smtp
):
    due = START + timedelta(hours=2)
    task = add_task(dbs, agent, due=due, contact=contact, minutes=15)
    remind_at = due - timedelta(minutes=15)
    assert relay(dbs) == 1

    run_worker()  # waits in RQ's scheduler
    clock.move_to(remind_at - timedelta(seconds=1))
    run_worker()
    assert notifications(dbs) == []
    assert workers.remind_task_due(task.id, due_timestamp(remind_at)) is False  # early

    clock.move_to(remind_at + timedelta(seconds=1))
    run_worker()
    message = 'Task "Send the contract" (Anna Schmidt) is due'
    assert notifications(dbs) == [(agent.id, "task_due", message, None)]
    task = reload(dbs, task)
    assert task.remind_at is None and task.reminded_at == remind_at + timedelta(seconds=1)
    assert dbs.scalar(select(func.count()).select_from(OutgoingEmail)) == 0  # not wanted

    assert workers.remind_task_due(task.id, due_timestamp(remind_at)) is False
    assert workers.sweep()["task_reminders_sent"] == 0
    assert len(notifications(dbs)) == 1
    assert smtp.delivered == []


def test_a_member_who_wants_e_mails_gets_one_with_the_local_due_time_and_a_link(
    clock, worker_app, dbs, contact, smtp
):
    wants = UserFactory(name="Lucia Romero", email="lucia@voiceapp.test", notify_by_email=True)
    case = CaseFactory(contact=contact, assignee_id=wants.id)
    due = START + timedelta(minutes=40)
    add_task(dbs, wants, due=due, case=case, title="Send the brochure")
    assert relay(dbs) == 1

    clock.move_to(due)
    run_worker()  # the reminder, then the e-mail job it queued

    [(user_id, kind, _message, case_id)] = notifications(dbs)
    assert (user_id, kind, case_id) == (wants.id, "task_due", case.id)
    [delivered] = smtp.delivered
    assert delivered.rcpt_tos == ["lucia@voiceapp.test"]
    title = 'Task "Send the brochure" (Anna Schmidt)'
    assert delivered.message["Subject"] == f"{title} is due"
    text = body(delivered.message, "plain")
    assert f"{title} is due (2026-03-10 10:40)" in text  # Europe/Berlin
    assert f"https://calls.example.com/cases/{case.id}" in text
    email = dbs.scalars(select(OutgoingEmail)).one()
    assert (email.purpose, email.status) == ("reminder", "sent")


def test_moving_the_due_time_moves_the_reminder_and_the_old_job_does_nothing(
    clock, worker_app, dbs, agent, contact
):
    first_due = START + timedelta(minutes=30)
    task = add_task(dbs, agent, due=first_due, contact=contact)
    later = START + timedelta(hours=3)
    tasks.change_task(dbs, task, {"due_at": later}, actor=agent, now=START)
    dbs.commit()
    assert relay(dbs) == 2

    clock.move_to(first_due + timedelta(minutes=5))
    run_worker()
    assert notifications(dbs) == []
    assert reload(dbs, task).remind_at == later
    assert workers.sweep()["task_reminders_sent"] == 0

    clock.move_to(later)
    run_worker()
    assert len(notifications(dbs)) == 1


def test_a_completed_task_is_not_reminded(clock, worker_app, dbs, agent, contact):
    due = START + timedelta(minutes=30)
    task = add_task(dbs, agent, due=due, contact=contact)
    relay(dbs)
    tasks.complete_task(dbs, task, actor=agent, now=START + timedelta(minutes=10))
    dbs.commit()
    assert reload(dbs, task).remind_at is None

    clock.move_to(due + timedelta(minutes=5))
    run_worker()
    assert workers.sweep()["task_reminders_sent"] == 0
    assert notifications(dbs) == []


def test_a_stale_reminder_of_a_done_task_or_a_switched_off_member_is_dropped_by_the_job(
    clock, worker_app, dbs, agent, contact
):
    due = START + timedelta(minutes=30)
    done = add_task(dbs, agent, due=due, contact=contact, title="Done already")
    left = add_task(dbs, agent, due=due, contact=contact, title="Of someone who left")
    relay(dbs)
    # remind_at left behind (the task code clears it): the job must still not remind.
    done.done_at = START
    other = UserFactory(name="Gone", active=False)
    left.assignee_id = other.id
    dbs.commit()

    clock.move_to(due + timedelta(minutes=5))
    run_worker()
    assert notifications(dbs) == []
    assert reload(dbs, done).remind_at is None and reload(dbs, left).remind_at is None


def test_the_sweep_sends_a_reminder_whose_job_was_lost(clock, worker_app, dbs, agent, contact):
    due = START + timedelta(minutes=30)
    task = add_task(dbs, agent, due=due, contact=contact)
    assert relay(dbs) == 1
    Redis.from_url(TEST_REDIS_URL).flushdb()  # the job is lost

    clock.move_to(due + timedelta(minutes=1))
    run_worker()
    assert workers.sweep()["task_reminders_sent"] == 0  # within the job's grace time
    clock.move_to(due + timedelta(minutes=3))
    assert workers.sweep()["task_reminders_sent"] == 1
    assert workers.sweep()["task_reminders_sent"] == 0
    [(user_id, kind, _message, _case)] = notifications(dbs)
    assert (user_id, kind) == (agent.id, "task_due")
    assert reload(dbs, task).reminded_at == due + timedelta(minutes=3)


def test_a_task_given_to_a_colleague_reminds_the_colleague(clock, worker_app, dbs, contact):
    manager = UserFactory(role="sales_manager", name="Mia")
    agent = UserFactory(name="Jonas")
    due = START + timedelta(minutes=20)
    add_task(dbs, manager, due=due, contact=contact, assignee=agent)
    relay(dbs)
    clock.move_to(due)
    run_worker()
    assert [n[0] for n in notifications(dbs)] == [agent.id]
