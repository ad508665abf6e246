"""What the clock runs, and how often. One clock per deployment is enough; more are
harmless (each job is safe to run twice)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from workers.dashboard import roll_up_call_hours
from workers.recordings import delete_expired_recordings
from workers.repairs import purge_old_sessions, remind_due_instalments, sweep
from workers.reports import purge_report_files


@dataclass(frozen=True)
class Periodic:
    func: Callable
    interval: int | None = None  # seconds; the clock's --interval when None
    cron: str | None = None  # a cron expression (UTC), instead of an interval
    job_timeout: int = 120


SCHEDULE = (
    # Repairs what lost or late jobs missed; its interval is the clock's --interval.
    Periodic(sweep),
    # Instalment and subscription payments fallen due: SEPA debits, payment reminders.
    # Hourly: dues are dated by the day, and the run reads every running plan.
    Periodic(remind_due_instalments, cron="23 * * * *", job_timeout=600),
    # Panel sessions that ended or went idle a month ago; nightly, out of office hours.
    Periodic(purge_old_sessions, cron="17 3 * * *"),
    # Recordings past the team's retention period: hourly, a bounded batch each time, so
    # a backlog (retention shortened) drains over a few runs.
    Periodic(delete_expired_recordings, cron="41 * * * *", job_timeout=600),
    # Report files the panel's downloads wrote, once they are a day old.
    Periodic(purge_report_files, cron="47 * * * *"),
    # The dashboard's calls added up per hour; the hours since are read from the calls,
    # so this only decides how much of a long period is read from the totals.
    Periodic(roll_up_call_hours, cron="*/10 * * * *", job_timeout=600),
)
