"""Reminding a task's assignee at its remind_at: a notification in the panel and an
e-mail for members who want one, through the same pieces as the cases' reminders
(services.reminding). remind_at is the truth: the task operations set, move and clear it
(with a job for its time); the reminder goes out only for the remind_at its job was made
for, and clears it, so the job and the sweep send it once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from voiceapp.models import Task
from voiceapp.services.outbox import add_job
from voiceapp.services.reminding import due_timestamp, notify, queue_reminder_email

TASK_DUE = "task_due"  # the notification's kind: the panel links it to My tasks
REMIND_JOB = "workers.reminders.remind_task_due"
MY_TASKS_PATH = "/tasks"


def task_title(task: Task) -> str:
    name = task.contact.display_name if task.contact is not None else ""
    return f'Task "{task.title}"' + (f" ({name})" if name else "")


def task_path(task: Task) -> str:
    """Where the panel shows the task: its case, else its contact, else My tasks."""
    if task.case_id is not None:
        return f"/cases/{task.case_id}"
    if task.contact_id is not None:
        return f"/contacts/{task.contact_id}"
    return MY_TASKS_PATH


def remind_job_id(task: Task) -> str:
    """One job per task, remind time and assignee (a reassigned task whose reminder went
    out reminds the new assignee: the old id would be refused as a duplicate)."""
    return f"remind-task-{task.id}-{due_timestamp(task.remind_at)}-{task.assignee_id}"


def schedule_task_reminder(db: Session, task: Task, wanted: datetime | None) -> None:
    """Set the task's reminder to `wanted` (None: no reminder), with a job for that time
    when it changed. The older job finds remind_at moved and does nothing."""
    if task.done_at is not None or task.assignee_id is None:
        wanted = None
    if wanted == task.remind_at:
        return
    task.remind_at = wanted
    if wanted is None:
        return
    task.reminded_at = None
    db.flush()
    add_job(
        db, REMIND_JOB, task.id, due_timestamp(wanted), job_id=remind_job_id(task), run_at=wanted
    )


def remind_task_due(db: Session, task_id: int, due_ts: int, *, now: datetime) -> bool:
    """Remind the assignee, if due_ts is still the task's remind time and it has come.
    Flushes, never commits; True when reminded. The row is locked so the job and the
    sweep never both remind."""
    task = db.scalar(
        select(Task)
        .where(Task.id == task_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if task is None or task.remind_at is None or due_timestamp(task.remind_at) != due_ts:
        return False
    member = task.assignee
    if task.done_at is not None or member is None or not member.active:
        task.remind_at = None  # nobody left to remind: stop the sweep looking at it
        return False
    if task.remind_at > now:
        return False  # early (a clock ahead of ours); the sweep comes back for it
    title = task_title(task)
    notify(db, member, kind=TASK_DUE, message=f"{title} is due", now=now, case_id=task.case_id)
    task.remind_at, task.reminded_at = None, now
    if member.notify_by_email:
        queue_reminder_email(
            db,
            member,
            title=title,
            due_at=task.due_at,
            path=task_path(task),
            link_text="Open it",
            now=now,
            case_id=task.case_id,
        )
    db.flush()
    return True


def late_reminders_statement(before: datetime, limit: int) -> Select:
    """Reminders that should have gone out before `before`, oldest first (served by
    ix_tasks_remind_at, which holds only the tasks with a reminder pending)."""
    return (
        select(Task.id, Task.remind_at)
        .where(Task.remind_at.is_not(None), Task.remind_at <= before)
        .order_by(Task.remind_at)
        .limit(limit)
    )


def late_reminders(db: Session, *, before: datetime, limit: int) -> list[tuple[int, datetime]]:
    return [(row.id, row.remind_at) for row in db.execute(late_reminders_statement(before, limit))]
