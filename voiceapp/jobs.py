"""RQ job functions. Thin: get an app context, load rows by id, call an operation, commit.

Jobs run in RQ's work horse (a forked child of `voiceapp worker`), so each job builds or
reuses the process's app and never shares database connections across a fork.
"""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select

from voiceapp.db import session, utcnow

log = logging.getLogger(__name__)

_app = None


def _forget_app_after_fork() -> None:
    global _app
    if _app is not None:
        # Connections opened by the parent must not be used by the child.
        _app.extensions["voiceapp.db"].engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_app_after_fork)


def set_job_app(app) -> None:
    global _app
    _app = app


@contextmanager
def job_context():
    global _app
    if _app is None:
        from voiceapp import create_app

        _app = create_app()
    with _app.app_context():
        yield


def purge_old_sessions(keep_days: int = 30) -> int:
    """Delete panel sessions that ended (or went idle) more than `keep_days` ago."""
    from voiceapp.models import UserSession

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


def fetch_recording(recording_id: int) -> str | None:
    """Copy a recording's media from Twilio into local storage; then, if the team wants
    it, delete it at Twilio. Safe to run twice: what was done is not done again."""
    from flask import current_app

    from voiceapp.models import Recording
    from voiceapp.services.recordings import store_media
    from voiceapp.services.team_settings import get_team_settings
    from voiceapp.telephony.factory import telephony_adapter

    with job_context():
        dbs = session()
        recording = dbs.get(Recording, recording_id)
        if recording is None:
            return None
        # A retry after a failed delete still has the delete to do.
        delete = (
            get_team_settings(dbs).delete_recordings_at_twilio
            and recording.deleted_at_twilio is None
        )
        if recording.fetched_at is not None and not delete:
            return None
        adapter = telephony_adapter(dbs)
        if recording.fetched_at is None:
            media = adapter.fetch_recording(recording.sid)  # raises: RQ retries the job
            root = current_app.config["VOICEAPP"].resolved_recordings_path()
            store_media(recording, media, root, utcnow())
            dbs.commit()
        if delete:
            adapter.delete_recording(recording.sid)  # raises: RQ retries the delete
            recording.deleted_at_twilio = utcnow()
            dbs.commit()
        return recording.media_path


def send_email(email_id: int) -> str | None:
    """Send one queued e-mail. A passing failure (server unreachable, 4xx) raises, so RQ
    tries again; a permanent one marks it failed, in the case's history too."""
    from flask import current_app

    from voiceapp.mailer import current_mailer
    from voiceapp.services.email_delivery import deliver_email

    with job_context():
        return deliver_email(
            session(),
            email_id,
            current_mailer(),
            mail_from=current_app.config["VOICEAPP"].mail_from,
            clock=utcnow,
        )


def remind_case_due(case_id: int, due_ts: int) -> bool:
    """Remind a case's agent that it is due, if due_ts is still its reminder time."""
    from voiceapp.redis_client import get_redis
    from voiceapp.services import reminders
    from voiceapp.services.outbox import relay_pending

    with job_context():
        dbs = session()
        reminded = reminders.remind_case_due(dbs, case_id, due_ts, now=utcnow())
        dbs.commit()
        if reminded:
            relay_pending(dbs, get_redis())  # the reminder e-mail, if any, at once
        return reminded


# Outbox rows handed to Redis are kept this long (to look into what was queued), then purged.
OUTBOX_KEEP = timedelta(days=7)


def sweep(now: datetime | None = None) -> dict[str, int]:
    """Every minute (`voiceapp clock`): repair what lost or late jobs missed (recordings
    not fetched, reminders not sent, e-mails not sent), then hand over outbox rows a
    failed relay left behind."""
    from voiceapp.models import OutboxJob, Recording
    from voiceapp.redis_client import get_redis
    from voiceapp.services.outbox import add_job, purge_handed_over, relay_pending
    from voiceapp.services.repairs import remind_overdue_cases, requeue_stale_emails

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
                add_job(dbs, "voiceapp.jobs.fetch_recording", recording.id, job_id=job_id)
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
