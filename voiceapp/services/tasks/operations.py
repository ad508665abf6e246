"""Adding, changing, completing, reopening and deleting tasks. Each checks the rights rule
first, changes rows and flushes; the caller commits. The reminder is kept in step (set,
moved with the due time, cleared when done) through reminders.schedule_task_reminder."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from voiceapp.domain.tasks import (
    CHANGE,
    DELETE,
    TaskError,
    assign_refusal,
    check_remind_minutes,
    clean_title,
    minutes_before,
    reminder_time,
)
from voiceapp.models import Case, Contact, Task, User
from voiceapp.services.cases.history import add_history
from voiceapp.services.contacts import add_event
from voiceapp.services.tasks.reminders import schedule_task_reminder
from voiceapp.services.tasks.rights import TaskForbidden, require

TASK_DONE, TASK_REOPENED = "task_done", "task_reopened"


def _assignee(db: Session, actor: User, assignee_id: int) -> User:
    member = db.get(User, assignee_id)
    if member is None or not member.active:
        raise TaskError("assignee_id", "no active team member with this id")
    refusal = assign_refusal(actor.role, actor.id, assignee_id)
    if refusal is not None:
        raise TaskForbidden(refusal)
    return member


def _clean_notes(notes: str | None) -> str | None:
    text = (notes or "").strip()
    if len(text) > 5000:
        raise TaskError("notes", "at most 5000 characters")
    return text or None


def create_task(
    db: Session,
    *,
    actor: User,
    title: str | None,
    due_at: datetime | None,
    now: datetime,
    contact: Contact | None = None,
    case: Case | None = None,
    assignee_id: int | None = None,
    notes: str | None = None,
    remind_minutes_before: int | None = 0,
) -> Task:
    """A task on `contact` or on `case` (then on the case's contact too), for
    `assignee_id` (the actor when None), reminded `remind_minutes_before` the due time
    (None: no reminder). The caller passes a contact or case the actor may see."""
    title = clean_title(title)
    if due_at is None:
        raise TaskError("due_at", "a task needs a due date and time")
    check_remind_minutes(remind_minutes_before)
    if case is not None:
        if contact is not None and contact.id != case.contact_id:
            raise TaskError("case_id", "this case is about another contact")
        contact = case.contact
    if contact is None:
        raise TaskError("contact_id", "a task belongs to a contact or a case")
    assignee = _assignee(db, actor, actor.id if assignee_id is None else assignee_id)
    task = Task(
        title=title,
        notes=_clean_notes(notes),
        due_at=due_at,
        assignee_id=assignee.id,
        contact_id=contact.id,
        case_id=case.id if case is not None else None,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    db.add(task)
    db.flush()
    schedule_task_reminder(db, task, reminder_time(due_at, remind_minutes_before, now))
    return task


def _wanted_reminder(task: Task, old_due: datetime, data: dict, now: datetime):
    """The reminder after a change: as asked, else the pending one moved with the due
    time; a task whose reminder already went out is reminded again at its new due time
    (its offset is not kept once sent)."""
    if "remind_minutes_before" in data:
        offset = check_remind_minutes(data["remind_minutes_before"])
    elif task.remind_at is not None:
        offset = minutes_before(old_due, task.remind_at)
    elif task.reminded_at is not None:
        offset = 0
    else:
        return None
    return reminder_time(task.due_at, offset, now)


def change_task(db: Session, task: Task, data: dict, *, actor: User, now: datetime) -> None:
    """Apply the given fields (title, notes, due_at, assignee_id, remind_minutes_before)."""
    require(CHANGE, actor, task)
    if "title" in data:
        task.title = clean_title(data["title"])
    if "notes" in data:
        task.notes = _clean_notes(data["notes"])
    if data.get("assignee_id") is not None and data["assignee_id"] != task.assignee_id:
        task.assignee_id = _assignee(db, actor, data["assignee_id"]).id
    elif "assignee_id" in data and data["assignee_id"] is None:
        raise TaskError("assignee_id", "a task is always someone's")
    old_due = task.due_at
    if "due_at" in data:
        if data["due_at"] is None:
            raise TaskError("due_at", "a task needs a due date and time")
        task.due_at = data["due_at"]
    if task.due_at != old_due or "remind_minutes_before" in data:
        schedule_task_reminder(db, task, _wanted_reminder(task, old_due, data, now))
    task.updated_at = now
    db.flush()


def _history(db: Session, task: Task, kind: str, summary: str, actor: User, now: datetime) -> None:
    """A line in the history of the task's case, or of its contact when on no case."""
    data = {"task_id": task.id}
    if task.case is not None:
        add_history(db, task.case, kind, summary, now=now, actor=actor, data=data)
    elif task.contact is not None:
        add_event(
            db,
            task.contact,
            kind=kind,
            summary=summary,
            now=now,
            actor=actor,
            ref_type="task",
            ref_id=str(task.id),
            data=data,
        )


def complete_task(db: Session, task: Task, *, actor: User, now: datetime) -> bool:
    """Mark the task done (its reminder no longer goes out). False when it already was."""
    require(CHANGE, actor, task)
    if task.done_at is not None:
        return False
    task.done_at, task.done_by_id, task.updated_at = now, actor.id, now
    schedule_task_reminder(db, task, None)
    _history(db, task, TASK_DONE, f"Task done: {task.title}", actor, now)
    db.flush()
    return True


def reopen_task(db: Session, task: Task, *, actor: User, now: datetime) -> bool:
    """Not done after all: open again, reminded at its due time if that is still ahead.
    False when it was open."""
    require(CHANGE, actor, task)
    if task.done_at is None:
        return False
    task.done_at, task.done_by_id, task.updated_at = None, None, now
    schedule_task_reminder(db, task, reminder_time(task.due_at, 0, now))
    _history(db, task, TASK_REOPENED, f"Task reopened: {task.title}", actor, now)
    db.flush()
    return True


def delete_task(db: Session, task: Task, *, actor: User) -> None:
    require(DELETE, actor, task)
    db.delete(task)
    db.flush()
