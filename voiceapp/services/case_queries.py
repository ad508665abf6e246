"""Reading cases: "Call today" for an agent, "All cases" with filters, and the next case
to call.

Call today reads two partial indexes (models.cases): the agent's own open cases by due
time, and the unassigned pool by type, language and due time. The condition
`status = 'open'` is written as a literal so that SQLite and PostgreSQL can match it to
those partial indexes (a bound parameter would hide it from the planner).
"""

from __future__ import annotations

import heapq
from datetime import datetime

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.orm import Session, selectinload

from voiceapp.domain.cases import end_of_today
from voiceapp.domain.roles import is_manager_or_admin
from voiceapp.models import Case, Contact, User
from voiceapp.services.contacts import visible_contacts_filter

IS_OPEN = text("cases.status = 'open'")


def _mine(user: User):
    return and_(IS_OPEN, Case.assignee_id == user.id)


def _pool(user: User):
    return and_(
        IS_OPEN,
        Case.assignee_id.is_(None),
        Case.type.in_(list(user.case_types or [])),
        Case.language.in_(list(user.languages or [])),
    )


def _load(db: Session, ids: list[int]) -> list[Case]:
    if not ids:
        return []
    rows = db.scalars(
        select(Case)
        .where(Case.id.in_(ids))
        .options(selectinload(Case.contact), selectinload(Case.assignee))
    ).all()
    by_id = {case.id: case for case in rows}
    return [by_id[i] for i in ids if i in by_id]


def call_today(
    db: Session, user: User, *, now: datetime, zone: str, page: int = 1, per_page: int = 50
) -> tuple[list[Case], int]:
    """Open cases due before the end of today (team zone) that `user` may work: assigned to
    them, or unassigned and of a type and language they handle. Overdue first, oldest
    first; then the rest of today by due time."""
    end = end_of_today(now, zone)
    wanted = page * per_page
    branches = (_mine(user), _pool(user))
    streams = [
        db.execute(
            select(Case.due_at, Case.id)
            .where(condition, Case.due_at < end)
            .order_by(Case.due_at, Case.id)
            .limit(wanted)
        ).all()
        for condition in branches
    ]
    merged = list(heapq.merge(*streams))[(page - 1) * per_page : wanted]
    counts = [
        select(func.count()).select_from(Case).where(c, Case.due_at < end).scalar_subquery()
        for c in branches
    ]
    total = db.execute(select(*counts)).one()
    return _load(db, [case_id for _due, case_id in merged]), sum(total)


def next_case_statement(user: User, *, now: datetime, zone: str):
    """The first case of the user's Call today that nobody else holds."""
    return (
        select(Case)
        .where(
            or_(_mine(user), _pool(user)),
            Case.due_at < end_of_today(now, zone),
            or_(
                Case.claimed_by_id.is_(None),
                Case.claimed_by_id == user.id,
                Case.claimed_until <= now,
            ),
        )
        .order_by(Case.due_at, Case.id)
        .limit(1)
    )


def can_see_case(user: User, case: Case) -> bool:
    from voiceapp.services.contacts import user_can_view

    return is_manager_or_admin(user.role) or user_can_view(user, case.contact)


def list_cases(
    db: Session, user: User, filters: dict, *, page: int, per_page: int
) -> tuple[list[Case], int]:
    """Every case ever created that `user` may see, newest first, filtered by status, type,
    assignee (0: unassigned), language, contact and due range."""
    conditions = []
    for name in ("status", "type", "language", "contact_id"):
        if filters.get(name) is not None:
            conditions.append(getattr(Case, name) == filters[name])
    if filters.get("assignee_id") is not None:
        assignee = filters["assignee_id"]
        conditions.append(
            Case.assignee_id.is_(None) if assignee == 0 else Case.assignee_id == assignee
        )
    if filters.get("due_from") is not None:
        conditions.append(Case.due_at >= filters["due_from"])
    if filters.get("due_until") is not None:
        conditions.append(Case.due_at < filters["due_until"])
    statement = select(Case).where(*conditions)
    if not is_manager_or_admin(user.role):
        statement = statement.join(Contact, Contact.id == Case.contact_id).where(
            visible_contacts_filter(user)
        )
    total = db.scalar(select(func.count()).select_from(statement.subquery()))
    items = db.scalars(
        statement.options(selectinload(Case.contact), selectinload(Case.assignee))
        .order_by(Case.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return list(items), total or 0
