"""Reading tasks: one task if the member may see it, "My tasks" (open ones overdue first,
and those done today), the tasks of a contact or a case, and the API's filtered list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, func, not_, select
from sqlalchemy.orm import Session, selectinload

from voiceapp.domain.dashboard import local_midnight
from voiceapp.models import Case, Contact, Task, User
from voiceapp.services.tasks.rights import visible_tasks_filter

# A page shows at most this many tasks of one contact, case or member (the API pages).
PAGE_LIMIT = 200


def _visible(user: User) -> Select:
    return (
        select(Task)
        .outerjoin(Contact, Task.contact_id == Contact.id)
        .where(visible_tasks_filter(user))
        .options(
            selectinload(Task.contact).selectinload(Contact.phones),
            selectinload(Task.assignee),
        )
    )


def visible_task(db: Session, user: User, task_id: int, *, lock: bool = False) -> Task | None:
    """The task, when it exists and `user` may see it (None: the caller answers 404, so
    nobody learns that a hidden task exists). `lock` takes the row for an update."""
    stmt = _visible(user).where(Task.id == task_id)
    if lock:
        stmt = stmt.with_for_update(of=Task)
    return db.scalar(stmt)


# Open first (by due time: the overdue ones come first by themselves), then the done ones,
# most recently done first. SQL twin of domain.tasks.my_tasks_order for the open ones.
OPEN_FIRST = (Task.done_at.is_not(None), Task.due_at, Task.done_at.desc(), Task.id)


@dataclass
class MyTasks:
    open: list[Task]
    done_today: list[Task]


def my_tasks(db: Session, user: User, *, now: datetime, zone: str) -> MyTasks:
    """The member's own open tasks, overdue first, and what they finished today (the
    team's day)."""
    own = _visible(user).where(Task.assignee_id == user.id)
    open_tasks = db.scalars(
        own.where(Task.done_at.is_(None)).order_by(Task.due_at, Task.id).limit(PAGE_LIMIT)
    ).all()
    since = local_midnight(now.astimezone(ZoneInfo(zone)).date(), zone)
    done = db.scalars(
        own.where(Task.done_at >= since).order_by(Task.done_at.desc()).limit(PAGE_LIMIT)
    ).all()
    return MyTasks(open=list(open_tasks), done_today=list(done))


def open_task_count(db: Session, user: User) -> int:
    """For the My tasks tab."""
    stmt = (
        select(func.count())
        .select_from(Task)
        .outerjoin(Contact, Task.contact_id == Contact.id)
        .where(visible_tasks_filter(user), Task.assignee_id == user.id, Task.done_at.is_(None))
    )
    return db.scalar(stmt) or 0


def tasks_of_contact(db: Session, user: User, contact: Contact) -> list[Task]:
    """The tasks on the contact (those on its cases too) that `user` may see."""
    stmt = _visible(user).where(Task.contact_id == contact.id)
    return list(db.scalars(stmt.order_by(*OPEN_FIRST).limit(PAGE_LIMIT)))


def tasks_of_case(db: Session, user: User, case: Case) -> list[Task]:
    stmt = _visible(user).where(Task.case_id == case.id)
    return list(db.scalars(stmt.order_by(*OPEN_FIRST).limit(PAGE_LIMIT)))


def list_tasks(
    db: Session, user: User, filters: dict, *, now: datetime, page: int, per_page: int
) -> tuple[list[Task], int]:
    """The API's list: every task `user` may see, narrowed by assignee_id, contact_id,
    case_id, status (open/done) and overdue; open ones first by due time."""
    conditions = [
        getattr(Task, name) == filters[name]
        for name in ("assignee_id", "contact_id", "case_id")
        if filters.get(name) is not None
    ]
    if filters.get("status") == "open":
        conditions.append(Task.done_at.is_(None))
    elif filters.get("status") == "done":
        conditions.append(Task.done_at.is_not(None))
    overdue = and_(Task.done_at.is_(None), Task.due_at < now)
    if filters.get("overdue") is not None:
        conditions.append(overdue if filters["overdue"] else not_(overdue))
    counted = (
        select(func.count())
        .select_from(Task)
        .outerjoin(Contact, Task.contact_id == Contact.id)
        .where(visible_tasks_filter(user), *conditions)
    )
    total = db.scalar(counted) or 0
    stmt = _visible(user).where(*conditions).order_by(*OPEN_FIRST)
    rows = db.scalars(stmt.offset((page - 1) * per_page).limit(per_page))
    return list(rows), total
