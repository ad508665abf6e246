"""Repairs and housekeeping, run by the clock: the periodic sweep (what lost or late jobs
missed, outbox rows a failed relay left behind), instalment and subscription payments that
fell due (hourly), and purging old panel sessions."""

from __future__ import annotations

from datetime import datetime, timedelta

from voiceapp.db import session, utcnow
from voiceapp.redis_client import get_redis
from voiceapp.services.accounts import purge_sessions
from voiceapp.services.orders.instalments import remind_due_instalments as remind_instalments
from voiceapp.services.outbox import purge_handed_over, relay_pending
from voiceapp.services.repairs import (
    cancel_overdue_orders,
    remind_overdue_cases,
    remind_overdue_tasks,
    requeue_stale_emails,
    requeue_unfetched_recordings,
)
from workers.context import job_context


def purge_old_sessions(keep_days: int = 30) -> int:
    """Delete panel sessions that ended (or went idle) more than `keep_days` ago."""
    with job_context():
        dbs = session()
        purged = purge_sessions(dbs, before=utcnow() - timedelta(days=keep_days))
        dbs.commit()
        return purged


# Outbox rows handed to Redis are kept this long (to look into what was queued), then purged.
OUTBOX_KEEP = timedelta(days=7)


def sweep(now: datetime | None = None) -> dict[str, int]:
    """Every minute (`voiceapp clock`): repair what lost or late jobs missed (recordings
    not fetched, reminders not sent, e-mails not sent, unpaid orders not cancelled), then
    hand over outbox rows a failed relay left behind."""
    with job_context():
        dbs = session()
        now = now or utcnow()
        redis = get_redis()
        queued_again = requeue_unfetched_recordings(dbs, now=now)
        dbs.commit()
        reminded = remind_overdue_cases(dbs, now=now)
        tasks_reminded = remind_overdue_tasks(dbs, now=now)
        cancelled = cancel_overdue_orders(dbs, now=now)
        emails = requeue_stale_emails(dbs, redis, now=now)
        handed = relay_pending(dbs, redis, now=now)
        purged = purge_handed_over(dbs, before=now - OUTBOX_KEEP)
        return {
            "relayed": handed,
            "recordings_requeued": queued_again,
            "reminders_sent": reminded,
            "task_reminders_sent": tasks_reminded,
            "emails_requeued": emails,
            "orders_cancelled": cancelled,
            "outbox_purged": purged,
        }


def remind_due_instalments(now: datetime | None = None) -> dict[str, int]:
    """Hourly (`voiceapp clock`): later payments of instalment and subscription orders.
    A SEPA debit recorded on its due date when the customer pays automatically; a
    payment-reminder case for a payment not received after its due date (once per order
    and date); reminder cases closed when the money arrived. Dues are dated by the day,
    so once an hour is often enough, and each run reads every running plan."""
    with job_context():
        dbs = session()
        swept = remind_instalments(dbs, now=now or utcnow())
        return {
            "instalment_reminders": swept.reminders,
            "sepa_debits": swept.debits,
            "instalment_reminders_closed": swept.closed,
        }
