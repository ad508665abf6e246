"""Reminding the assigned agent when a case falls due: a notification in the panel, and an
e-mail for agents who want one.

The case's remind_at is the source of truth: the case code sets it to the due time (and a
job for that time), and clears or moves it when the case is closed, released or
rescheduled. A reminder goes out only for the remind_at the job was made for, once: it
clears remind_at in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from voiceapp.models import Case, User
from voiceapp.models.cases import OPEN
from voiceapp.services.cases.history import add_history, case_type_labels
from voiceapp.services.reminding import (  # due_timestamp, REMINDER: this module's API too
    REMINDER,
    due_timestamp,
    notify,
    queue_reminder_email,
)

__all__ = ["REMINDER", "case_path", "case_title", "due_timestamp", "remind_case_due"]


def case_path(case_id: int) -> str:
    """Where the panel shows a case."""
    return f"/cases/{case_id}"


def case_title(case: Case, type_label: str) -> str:
    name = case.contact.display_name if case.contact is not None else ""
    detail = f"{type_label}, {name}" if name else type_label
    return f"Case #{case.id} ({detail})"


def _record_reminder(db: Session, case: Case, agent: User, title: str, *, now: datetime) -> None:
    """The notification in the agent's panel and the line in the case's history."""
    notify(db, agent, kind=REMINDER, message=f"{title} is due", now=now, case_id=case.id)
    add_history(
        db,
        case,
        REMINDER,
        f"{agent.name} reminded that the case is due",
        now=now,
        data={
            "agent_id": agent.id,
            "due_at": case.remind_at.isoformat(),
            "email": bool(agent.notify_by_email),
        },
    )


def remind_case_due(db: Session, case_id: int, due_ts: int, *, now: datetime) -> bool:
    """Remind the case's agent that it is due, if this reminder (due_ts) is still the
    case's current one and its time has come. Flushes, never commits; True when reminded.

    A job made for an older due time finds remind_at moved and does nothing; a second run
    finds remind_at cleared. The row is locked so the job and the sweep never both remind.
    """
    case = db.scalar(
        select(Case)
        .where(Case.id == case_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if case is None or case.remind_at is None or due_timestamp(case.remind_at) != due_ts:
        return False
    agent = case.assignee
    if case.status != OPEN or agent is None or not agent.active:
        case.remind_at = None  # nobody left to remind: stop the sweep looking at it
        return False
    if case.remind_at > now:
        return False  # early (a clock ahead of ours); the sweep comes back for it
    title = case_title(case, case_type_labels(db).get(case.type, case.type))
    _record_reminder(db, case, agent, title, now=now)
    case.remind_at = None
    if agent.notify_by_email:
        queue_reminder_email(
            db,
            agent,
            title=title,
            due_at=case.due_at,
            path=case_path(case.id),
            link_text="Open the case",
            now=now,
            case_id=case.id,
        )
    db.flush()
    return True


def overdue_reminders_statement(before: datetime, limit: int) -> Select:
    """Reminders that should have gone out before `before`, oldest first. Served by
    ix_cases_remind_at, which holds only the cases with a reminder pending."""
    return (
        select(Case.id, Case.remind_at)
        .where(Case.remind_at.is_not(None), Case.remind_at <= before)
        .order_by(Case.remind_at)
        .limit(limit)
    )


def overdue_reminders(db: Session, *, before: datetime, limit: int) -> list[tuple[int, datetime]]:
    rows = db.execute(overdue_reminders_statement(before, limit)).all()
    return [(row.id, row.remind_at) for row in rows]
