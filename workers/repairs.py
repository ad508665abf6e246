"""Repairs and housekeeping, run by the clock: the periodic sweep (what lost or late jobs
missed, outbox rows a failed relay left behind) and purging old panel sessions."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select

from voiceapp.db import session, utcnow
from voiceapp.models import OutboxJob, Recording, UserSession
from voiceapp.redis_client import get_redis
from voiceapp.services.calls.recordings import FETCH_JOB
from voiceapp.services.outbox import add_job, purge_handed_over, relay_pending
from voiceapp.services.repairs import remind_overdue_cases, requeue_stale_emails
from workers.context import job_context


def purge_old_sessions(keep_days: int = 30) -> int:
    """Delete panel sessions that ended (or went idle) more than `keep_days` ago."""
    with job_context():
        cutoff = utcnow() - timedelta(days=keep_days)
        dbs = session()
        result = dbs.execute(
            delete(UserSession).where(
                or_(UserSession.ended_at < cutoff, UserSession.last_seen_at < cutoff)
            )
        )
        dbs.commit()
        return result.rowcount


# Outbox rows handed to Redis are kept this long (to look into what was queued), then purged.
OUTBOX_KEEP = timedelta(days=7)


def sweep(now: datetime | None = None) -> dict[str, int]:
    """Every minute (`voiceapp clock`): repair what lost or late jobs missed (recordings
    not fetched, reminders not sent, e-mails not sent), then hand over outbox rows a
    failed relay left behind."""
    with job_context():
        dbs = session()
        now = now or utcnow()
        redis = get_redis()
        stale = now - timedelta(minutes=10)
        queued_again = 0
        for recording in dbs.scalars(
            select(Recording).where(
                Recording.status == "completed",
                Recording.fetched_at.is_(None),
                Recording.created_at < stale,
            )
        ):
            job_id = f"fetch-recording-{recording.sid}-{int(now.timestamp()) // 600}"
            pending = dbs.scalar(select(OutboxJob.id).where(OutboxJob.job_id == job_id))
            if pending is None:
                add_job(dbs, FETCH_JOB, recording.id, job_id=job_id)
                queued_again += 1
        dbs.commit()
        reminded = remind_overdue_cases(dbs, now=now)
        emails = requeue_stale_emails(dbs, redis, now=now)
        handed = relay_pending(dbs, redis, now=now)
        purged = purge_handed_over(dbs, before=now - OUTBOX_KEEP)
        return {
            "relayed": handed,
            "recordings_requeued": queued_again,
            "reminders_sent": reminded,
            "emails_requeued": emails,
            "outbox_purged": purged,
        }
