"""RQ's side of voiceapp: the job functions by purpose (recordings, email, reminders,
orders, repairs), the worker's and the clock's entry points, and the clock's schedule.

A job is thin: an app context (workers.context), load rows by id, call one service,
commit. Jobs import voiceapp's services and adapters, not its models (the services load
and change rows); nothing in voiceapp imports
this package (services name a job by its dotted path, written into the outbox).
"""

from __future__ import annotations

from workers.calls import fetch_call_price
from workers.context import job_context, set_job_app
from workers.dashboard import roll_up_call_hours
from workers.email import send_email
from workers.orders import auto_cancel_order
from workers.recordings import fetch_recording
from workers.reminders import remind_case_due, remind_task_due
from workers.repairs import purge_old_sessions, remind_due_instalments, sweep
from workers.reports import purge_report_files, write_report_file

__all__ = [
    "auto_cancel_order",
    "fetch_call_price",
    "fetch_recording",
    "job_context",
    "purge_old_sessions",
    "purge_report_files",
    "remind_case_due",
    "remind_due_instalments",
    "remind_task_due",
    "roll_up_call_hours",
    "send_email",
    "set_job_app",
    "sweep",
    "write_report_file",
]
