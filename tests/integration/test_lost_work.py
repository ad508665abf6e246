"""Killing the worker in the middle of a job, or flushing Redis after the jobs were handed
over, delays work but loses none of it: the database keeps what is to be done, and the
sweep (every minute in production) brings it back."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from redis import Redis
from sqlalchemy import select

import workers
from tests.case_helpers import make_case
from tests.conftest import TEST_REDIS_URL, TEST_SECRET_KEY
from tests.factories import ContactFactory, UserFactory
from tests.mail_helpers import SmtpServer, free_port, run_worker
from voiceapp.models import Notification, OutboxJob, OutgoingEmail
from voiceapp.services.emails import queue_email
from voiceapp.services.outbox import relay_pending

START = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
CUSTOMER = "anna@example.com"


@pytest.fixture
def worker_app(shared_app, smtp):
    app = shared_app(**smtp.settings)
    workers.set_job_app(app)
    yield app
    workers.set_job_app(None)


def redis() -> Redis:
    return Redis.from_url(TEST_REDIS_URL)


def queue_one_email(dbs, now: datetime) -> int:
    contact = ContactFactory(first_name="Anna", last_name="Schmidt")
    case = make_case(dbs, contact, due_at=now)
    email = queue_email(
        dbs,
        to=CUSTOMER,
        subject="We tried to call you",
        body_text="Hello Anna",
        case_id=case.id,
        purpose="outcome",
        now=now,
    )
    dbs.commit()
    assert relay_pending(dbs, redis(), now=now) == 1
    return email.id


def email_row(dbs, email_id: int) -> OutgoingEmail:
    dbs.rollback()
    return dbs.get(OutgoingEmail, email_id, populate_existing=True)


def test_an_email_whose_job_was_flushed_from_redis_is_sent_after_the_sweep(
    worker_app, ctx, dbs, smtp
):
    with time_machine.travel(START, tick=False) as clock:
        email_id = queue_one_email(dbs, START)
        redis().flushdb()
        run_worker()
        assert smtp.delivered == []

        # Young e-mails are left to their job (it may just be queued behind others).
        assert workers.sweep()["emails_requeued"] == 0
        clock.move_to(START + timedelta(minutes=11))
        summary = workers.sweep()
        assert (summary["emails_requeued"], summary["relayed"]) == (1, 1)
        # Every minute the sweep runs again; the repair job is in Redis: no second one.
        clock.shift(timedelta(minutes=1))
        assert workers.sweep()["emails_requeued"] == 0
        run_worker()

    assert [d.rcpt_tos for d in smtp.delivered] == [[CUSTOMER]]
    row = email_row(dbs, email_id)
    assert (row.status, row.attempts) == ("sent", 1)
    dbs.rollback()
    assert sorted(dbs.scalars(select(OutboxJob.job_id))) == [
        f"send-email-{email_id}",
        f"send-email-{email_id}-r{int((START + timedelta(minutes=11)).timestamp()) // 600}",
    ]


def test_a_reminder_whose_job_was_flushed_from_redis_is_sent_by_the_sweep(worker_app, ctx, dbs):
    agent = UserFactory(name="Jonas Weber")
    contact = ContactFactory(first_name="Anna", last_name="Schmidt")
    due = START + timedelta(minutes=30)
    with time_machine.travel(START, tick=False) as clock:
        case = make_case(dbs, contact, due_at=due, assignee=agent)
        assert relay_pending(dbs, redis()) == 1
        redis().flushdb()

        clock.move_to(due + timedelta(minutes=1))
        run_worker()
        assert workers.sweep()["reminders_sent"] == 0  # within the job's grace time
        dbs.rollback()
        assert dbs.scalars(select(Notification)).all() == []

        clock.move_to(due + timedelta(minutes=3))
        assert workers.sweep()["reminders_sent"] == 1
        assert workers.sweep()["reminders_sent"] == 0

    dbs.rollback()
    [notification] = dbs.scalars(select(Notification)).all()
    assert (notification.user_id, notification.case_id) == (agent.id, case.id)
    assert notification.created_at == due + timedelta(minutes=3)


def start_worker_process(database_url: str, instance_path, smtp: SmtpServer) -> subprocess.Popen:
    env = {
        **os.environ,
        "VOICEAPP_ENV": "testing",
        "SECRET_KEY": TEST_SECRET_KEY,
        "DATABASE_URL": database_url,
        "REDIS_URL": TEST_REDIS_URL,
        "VOICEAPP_INSTANCE_PATH": str(instance_path),
        "SMTP_HOST": smtp.host,
        "SMTP_PORT": str(smtp.port),
        "SMTP_SECURITY": "none",
        "SMTP_TIMEOUT_SECONDS": "120",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "voiceapp.cli", "worker", "--burst"],
        env=env,
        start_new_session=True,  # its own process group: the work horse dies with it
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def descendants(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return []
    found = [int(child) for child in children]
    return found + [grandchild for child in found for grandchild in descendants(child)]


def wait_dead(pid: int, timeout: float = 5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if "(zombie)" in Path(f"/proc/{pid}/status").read_text():
                return True
        except FileNotFoundError:
            return True
        time.sleep(0.02)
    return False


def kill_hard(worker: subprocess.Popen) -> None:
    """SIGKILL the worker and its work horse, as a crash or the OOM killer would. (RQ puts
    the horse in a process group of its own, so killing the worker's group is not enough.)"""
    for pid in descendants(worker.pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)


def test_an_email_whose_worker_was_killed_mid_send_is_sent_after_the_sweep(
    worker_app, ctx, dbs, smtp, database_url, instance_path
):
    now = datetime.now(UTC)
    email_id = queue_one_email(dbs, now)
    smtp.handler.stall = True  # the server takes the message and never answers
    worker = start_worker_process(database_url, instance_path, smtp)
    try:
        assert smtp.handler.stalled.wait(timeout=30), "the worker never reached the server"
        horses = descendants(worker.pid)
        assert horses, "no work horse"
    finally:
        kill_hard(worker)
    assert all(wait_dead(pid) for pid in horses), "a work horse survived"
    smtp.handler.stall = False
    assert smtp.delivered == []
    row = email_row(dbs, email_id)
    assert (row.status, row.attempts) == ("pending", 1)

    # Right away the job still looks alive (it is young and its heartbeat is fresh).
    assert workers.sweep()["emails_requeued"] == 0
    with time_machine.travel(now + timedelta(minutes=11), tick=False):
        assert workers.sweep()["emails_requeued"] == 1
        run_worker()

    assert [d.rcpt_tos for d in smtp.delivered] == [[CUSTOMER]]
    row = email_row(dbs, email_id)
    assert (row.status, row.attempts) == ("sent", 2)


def test_with_redis_down_the_sweep_still_sends_late_reminders_and_loses_no_email(
    make_app, ctx, dbs, smtp
):
    """Reminders need only the database; e-mails wait for Redis (their rows stay)."""
    # Redis on a port nothing listens on.
    workers.set_job_app(make_app(redis_url=f"redis://127.0.0.1:{free_port()}/13"))
    try:
        agent = UserFactory(name="Jonas Weber")
        contact = ContactFactory(first_name="Anna", last_name="Schmidt")
        with time_machine.travel(START, tick=False) as clock:
            make_case(dbs, contact, due_at=START + timedelta(minutes=5), assignee=agent)
            email = queue_email(
                dbs, to=CUSTOMER, subject="Hi", body_text="x", purpose="outcome", now=START
            )
            dbs.commit()
            clock.move_to(START + timedelta(minutes=15))
            summary = workers.sweep()
        assert summary == {
            "relayed": 0,
            "recordings_requeued": 0,
            "reminders_sent": 1,
            "task_reminders_sent": 0,
            "emails_requeued": 0,
            "orders_cancelled": 0,
            "outbox_purged": 0,
        }
        dbs.rollback()
        assert len(dbs.scalars(select(Notification)).all()) == 1
        assert email_row(dbs, email.id).status == "pending"
        waiting = dbs.scalars(select(OutboxJob).where(OutboxJob.enqueued_at.is_(None))).all()
        # The e-mail's job waits in the outbox for Redis, with the reminder's own.
        assert f"send-email-{email.id}" in {job.job_id for job in waiting}
    finally:
        workers.set_job_app(None)
