"""Reminder jobs: tell a case's agent that the case is due, a task's assignee that the
task is."""

from __future__ import annotations

from voiceapp.db import session, utcnow
from voiceapp.redis_client import get_redis
from voiceapp.services import tasks
from voiceapp.services.cases import reminders
from voiceapp.services.outbox import relay_pending
from workers.context import job_context


def remind_case_due(case_id: int, due_ts: int) -> bool:
    """Remind a case's agent that it is due, if due_ts is still its reminder time."""
    with job_context():
        dbs = session()
        reminded = reminders.remind_case_due(dbs, case_id, due_ts, now=utcnow())
        dbs.commit()
        if reminded:
            relay_pending(dbs, get_redis())  # the reminder e-mail, if any, at once
        return reminded


def remind_task_due(task_id: int, due_ts: int) -> bool:
    """Remind a task's assignee, if due_ts is still its reminder time."""
    with job_context():
        dbs = session()
        reminded = tasks.remind_task_due(dbs, task_id, due_ts, now=utcnow())
        dbs.commit()
        if reminded:
            relay_pending(dbs, get_redis())
        return reminded
