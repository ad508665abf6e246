"""What the periodic sweep repairs: recordings never fetched, reminders and order
auto-cancels whose job never ran (Redis flushed, a worker killed, the scheduler down) and
e-mails still pending long after they were queued.

Reminders, auto-cancels and e-mails are read through partial indexes (ix_cases_remind_at,
ix_tasks_remind_at, ix_orders_pending_auto_cancel, ix_outgoing_emails_pending), so the
sweep stays cheap however many cases, tasks, orders and e-mails there are.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from redis import Redis
from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from voiceapp.models import OutboxJob, OutgoingEmail, Recording
from voiceapp.services.calls.recordings import FETCH_JOB
from voiceapp.services.cases import reminders
from voiceapp.services.emails import SEND_JOB, send_job_id
from voiceapp.services.orders import auto_cancel
from voiceapp.services.outbox import add_job
from voiceapp.services.reminding import remind_late
from voiceapp.services.tasks import reminders as task_reminders

log = logging.getLogger(__name__)

# A recording not fetched this long after Twilio completed it gets its fetch queued again.
RECORDING_STALE_AFTER = timedelta(minutes=10)
# A reminder's own job runs at the due time; the sweep steps in once it is this late.
REMINDER_GRACE = timedelta(minutes=2)
# Likewise an order's auto-cancel job.
AUTO_CANCEL_GRACE = timedelta(minutes=2)
# An e-mail still pending this long after it was queued has its job checked.
EMAIL_STALE_AFTER = timedelta(minutes=10)
# One repair job per e-mail per bucket, however often the sweep runs.
EMAIL_REPAIR_BUCKET_SECONDS = 600
# A running job whose worker has not sent a heartbeat for this long is dead (RQ's
# monitoring sends one every 30 seconds).
STALE_HEARTBEAT = timedelta(minutes=3)
BATCH = 500
LIVE_STATUSES = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


def requeue_unfetched_recordings(db: Session, *, now: datetime) -> int:
    """Queue the fetch again for completed recordings still not stored (at most once per
    ten-minute bucket each). The caller commits."""
    queued = 0
    for recording in db.scalars(
        select(Recording).where(
            Recording.status == "completed",
            Recording.fetched_at.is_(None),
            Recording.deleted_at.is_(None),  # retention deleted it before it was fetched
            Recording.created_at < now - RECORDING_STALE_AFTER,
        )
    ):
        job_id = f"fetch-recording-{recording.sid}-{int(now.timestamp()) // 600}"
        if db.scalar(select(OutboxJob.id).where(OutboxJob.job_id == job_id)) is None:
            add_job(db, FETCH_JOB, recording.id, job_id=job_id)
            queued += 1
    return queued


def remind_overdue_cases(db: Session, *, now: datetime) -> int:
    """Send the case reminders that are late (their job was lost or could not run)."""
    late = reminders.overdue_reminders(db, before=now - REMINDER_GRACE, limit=BATCH)
    return remind_late(
        db,
        late,
        lambda dbs, case_id, ts: reminders.remind_case_due(dbs, case_id, ts, now=now),
        "case",
    )


def remind_overdue_tasks(db: Session, *, now: datetime) -> int:
    """Likewise the tasks' reminders."""
    late = task_reminders.late_reminders(db, before=now - REMINDER_GRACE, limit=BATCH)
    return remind_late(
        db,
        late,
        lambda dbs, task_id, ts: task_reminders.remind_task_due(dbs, task_id, ts, now=now),
        "task",
    )


def cancel_overdue_orders(db: Session, *, now: datetime) -> int:
    """Cancel the unpaid orders whose auto-cancel job is late (lost or could not run).
    Each in its own transaction, through the same operation as the job, so a paid order
    is never cancelled here either."""
    cancelled = 0
    for order_id, due_at in auto_cancel.overdue_auto_cancels(db, now - AUTO_CANCEL_GRACE, BATCH):
        try:
            if auto_cancel.cancel_if_due(db, order_id, auto_cancel.due_timestamp(due_at), now=now):
                cancelled += 1
            db.commit()
        except Exception:
            db.rollback()
            log.exception("sweep: auto-cancel of order %s failed", order_id)
    return cancelled


def email_repair_job_id(email_id: int, now: datetime) -> str:
    return f"{send_job_id(email_id)}-r{int(now.timestamp()) // EMAIL_REPAIR_BUCKET_SECONDS}"


def _job_alive(redis: Redis, job_id: str, now: datetime) -> bool:
    try:
        job = Job.fetch(job_id, connection=redis)
    except NoSuchJobError:
        return False
    status = job.get_status(refresh=False)
    if status in LIVE_STATUSES:
        return True
    if status == JobStatus.STARTED:
        beat = job.last_heartbeat or job.started_at
        return beat is not None and beat > now - STALE_HEARTBEAT
    return False  # finished (a no-op), failed after its retries, stopped, canceled


def _candidate_job_ids(email_id: int, now: datetime) -> list[str]:
    earlier = now - timedelta(seconds=EMAIL_REPAIR_BUCKET_SECONDS)
    return [
        send_job_id(email_id),
        email_repair_job_id(email_id, earlier),
        email_repair_job_id(email_id, now),
    ]


def stale_emails_statement(before: datetime, limit: int) -> Select:
    """Pending e-mails queued before `before`, oldest first (ix_outgoing_emails_pending
    holds only pending ones)."""
    return (
        select(OutgoingEmail.id)
        .where(OutgoingEmail.status == "pending", OutgoingEmail.created_at <= before)
        .order_by(OutgoingEmail.created_at)
        .limit(limit)
    )


def requeue_stale_emails(db: Session, redis: Redis, *, now: datetime) -> int:
    """Give a new send job to pending e-mails whose job is gone from Redis (flushed, or
    failed after its retries) or died with its worker. Returns how many got one."""
    stale = db.scalars(stale_emails_statement(now - EMAIL_STALE_AFTER, BATCH)).all()
    db.commit()
    requeued = 0
    for email_id in stale:
        job_ids = _candidate_job_ids(email_id, now)
        waiting = db.scalar(
            select(OutboxJob.id).where(
                OutboxJob.enqueued_at.is_(None), OutboxJob.job_id.in_(job_ids)
            )
        )
        if waiting is not None:
            continue  # not handed to Redis yet: the relay will
        try:
            if any(_job_alive(redis, job_id, now) for job_id in job_ids):
                continue
        except RedisError as exc:
            log.warning("sweep: Redis unavailable, e-mails checked next time (%s)", exc)
            break
        add_job(db, SEND_JOB, email_id, job_id=email_repair_job_id(email_id, now))
        requeued += 1
    db.commit()
    return requeued
