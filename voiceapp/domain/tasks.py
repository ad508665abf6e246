"""Task rules (seed 001): what a valid task is, when its reminder goes out, when it is
overdue, the order "My tasks" shows, and who may see, change or delete one.

Plain functions with `now` passed in; no Flask, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from voiceapp.domain.roles import is_manager_or_admin

TITLE_MAX = 200
NOTES_MAX = 5000
# A reminder at most a week ahead of the due time: further is a second task.
REMIND_MAX_MINUTES = 7 * 24 * 60
# What the panel's reminder choice offers (minutes before the due time; None: none).
REMINDER_CHOICES: tuple[tuple[int | None, str], ...] = (
    (0, "At the due time"),
    (5, "5 minutes before"),
    (15, "15 minutes before"),
    (30, "30 minutes before"),
    (60, "1 hour before"),
    (24 * 60, "1 day before"),
    (None, "No reminder"),
)

SEE = "see"
CHANGE = "change"  # edit, complete, reopen
DELETE = "delete"
TASK_ACTIONS = (SEE, CHANGE, DELETE)


class TaskError(ValueError):
    """Bad input for a task; `field` names the input (a 422 with field errors)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def clean_title(title: str | None) -> str:
    """The title as stored: trimmed, required, at most TITLE_MAX characters."""
    text = " ".join((title or "").split())
    if not text:
        raise TaskError("title", "a task needs a title")
    if len(text) > TITLE_MAX:
        raise TaskError("title", f"at most {TITLE_MAX} characters")
    return text


def check_remind_minutes(minutes: int | None) -> int | None:
    if minutes is not None and not 0 <= minutes <= REMIND_MAX_MINUTES:
        raise TaskError("remind_minutes_before", f"from 0 to {REMIND_MAX_MINUTES} minutes")
    return minutes


def local_due(day: date, at: time, zone: str) -> datetime:
    """The UTC instant of `day` at `at` on the team's clock in `zone`.

    On the night the clocks go forward a time that does not exist (02:30 in Berlin) is
    read with the offset before the change, which is the time people end up meaning (it
    lands at 03:30 summer time); on the night they go back, an hour that happens twice is
    its first occurrence."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def reminder_time(due_at: datetime, minutes_before: int | None, now: datetime) -> datetime | None:
    """When the assignee is reminded: `minutes_before` the due time, but not in the past
    (a task due in ten minutes with "30 minutes before" is reminded at once). None when
    no reminder was asked for or the task is already past due (it shows as overdue)."""
    if minutes_before is None or due_at <= now:
        return None
    return max(due_at - timedelta(minutes=minutes_before), now)


def minutes_before(due_at: datetime, remind_at: datetime | None) -> int | None:
    """The reminder's offset as the form shows it (None: no reminder pending)."""
    if remind_at is None:
        return None
    return max(0, int((due_at - remind_at).total_seconds() // 60))


def is_overdue(due_at: datetime, done_at: datetime | None, now: datetime) -> bool:
    return done_at is None and due_at < now


def my_tasks_order(due_at: datetime, task_id: int, now: datetime) -> tuple:
    """Sort key of an open task in "My tasks": overdue first (the longest overdue on
    top), then the rest by due time; equal times in the order they were added."""
    return (0 if due_at < now else 1, due_at, task_id)


def done_today(done_at: datetime | None, now: datetime, zone: str) -> bool:
    """Done on the team's today (shown struck through under the open ones)."""
    if done_at is None:
        return False
    tz = ZoneInfo(zone)
    return done_at.astimezone(tz).date() == now.astimezone(tz).date()


@dataclass(frozen=True, slots=True)
class TaskFacts:
    """What the rights rule needs of a task: its people, and whether the asker may see
    the contact (or the case's contact) it is on."""

    assignee_id: int | None
    created_by_id: int | None
    contact_visible: bool


def task_refusal(action: str, role: str, user_id: int, task: TaskFacts) -> str | None:
    """Why the member may not do `action` to the task, or None when they may.

    Managers and admins may do everything. An agent sees and changes the tasks assigned to
    them or that they created, on contacts they may see; deleting is for the one who
    created it (a task a manager gave you is completed, not deleted). "task not found"
    means the agent must not learn that it exists (404)."""
    if action not in TASK_ACTIONS:
        raise ValueError(f"unknown task action {action!r}")
    if is_manager_or_admin(role):
        return None
    if not task.contact_visible or user_id not in (task.assignee_id, task.created_by_id):
        return "task not found"
    if action == DELETE and task.created_by_id != user_id:
        return "only the member who added a task, or a manager, may delete it"
    return None


def assign_refusal(role: str, user_id: int, assignee_id: int) -> str | None:
    """Managers and admins give tasks to anyone; an agent adds tasks for themselves."""
    if is_manager_or_admin(role) or assignee_id == user_id:
        return None
    return "only managers assign tasks to other members"
