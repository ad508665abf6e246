"""Reading cases: "Call today" for an agent, "All cases" with filters, and the next case
to call.

Call today reads two partial indexes (models.cases): the agent's own open cases by due
time, and the unassigned pool by type, language and due time. The condition
`status = 'open'` is written as a literal so that SQLite and PostgreSQL can match it to
those partial indexes (a bound parameter would hide it from the planner). Its statements
are compiled once per shape and dialect (voiceapp.precompiled), so a request only binds
values and runs them on the driver.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache, reduce

from sqlalchemy import (
    Select,
    and_,
    bindparam,
    func,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, selectinload

from voiceapp.db import UTCDateTime
from voiceapp.domain.cases import end_of_today
from voiceapp.domain.contacts import display_name
from voiceapp.domain.roles import is_manager_or_admin
from voiceapp.models import Case, Contact, ContactPhone, Order, User
from voiceapp.precompiled import Precompiled
from voiceapp.services.cases.lifecycle import lock_case

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


def _pool_pairs(user: User) -> list[tuple[str, str]]:
    """The (type, language) pairs of the pool the user handles."""
    return [
        (case_type, language)
        for case_type in dict.fromkeys(user.case_types or [])
        for language in dict.fromkeys(user.languages or [])
    ]


@dataclass(slots=True)
class ListedContact:
    id: int
    display_name: str
    timezone: str | None
    # The number to call: the first one not marked invalid.
    callable_numbers: list[str]


@dataclass(slots=True)
class ListedCase:
    """A row of Call today, read in one statement (no ORM objects to build): what a list
    shows of a case (schemas.cases.CaseSchema). The first fields are _LISTED_COLUMNS, in
    their order."""

    id: int
    status: str
    type: str
    language: str
    contact_id: int
    order_id: int | None
    assignee_id: int | None
    due_at: datetime
    attempts: int
    last_outcome: str | None
    claimed_by_id: int | None
    claimed_until: datetime | None
    contact: ListedContact
    assignee_name: str | None
    # The status of the order the case is about (pending, paid, cancelled, refunded).
    order_status: str | None = None


_LISTED_COLUMNS = (
    Case.id,
    Case.status,
    Case.type,
    Case.language,
    Case.contact_id,
    Case.order_id,
    Case.assignee_id,
    Case.due_at,
    Case.attempts,
    Case.last_outcome,
    Case.claimed_by_id,
    Case.claimed_until,
)


def _listed(row: tuple) -> ListedCase:
    """A row of Call today's page statement: _LISTED_COLUMNS, then the contact's kind,
    names, time zone and first callable number, the assignee's name, the order's status
    and the total."""
    kind, first_name, last_name, company_name, timezone, phone, assignee_name, order_status = row[
        -9:-1
    ]
    name = display_name(kind, first_name, last_name, company_name, phone)
    contact = ListedContact(row[4], name, timezone, [phone] if phone else [])
    return ListedCase(*row[: len(_LISTED_COLUMNS)], contact, assignee_name, order_status)


def _visible_to(user_id):
    """The SQL twin of domain.contacts.can_view_contact for an agent (`user_id`: their id,
    or a bound parameter for the precompiled statements), read from the case's own
    private_to (kept by triggers, models.cases) rather than from its contact: Call today's
    partial indexes hold it. Managers and admins see every contact and get no condition."""
    return or_(Case.private_to.is_(None), Case.private_to == user_id)


def _today_selects(pairs: int, *, rows_in_streams: bool, restricted: bool) -> tuple[Select, Select]:
    """Call today's statements for a user handling `pairs` (type, language) pairs, with
    bound parameters (compiled once per shape by _today_queries; a request only binds
    values): one page with the total in every row, and the total alone (for a page past
    the end, which has no rows to carry it).

    The page reads each stream in due order from its partial index (the user's own cases,
    one stream per pair of the pool), at most `wanted` each, merges them and keeps one
    page, joined to the contact, the agent and the order the case is about (its status
    for the list's badge). With `rows_in_streams` the streams read whole case rows:
    PostgreSQL merges them lazily (Merge Append), so it visits only the rows of the page.
    SQLite sorts each stream whole before merging, so there the streams read ids from the
    index alone and only the page's ids are joined to their rows. With `restricted` (an
    agent) a case counts only when its contact is visible to the user, as on the case
    page."""
    end = bindparam("end", type_=UTCDateTime())
    conditions = [and_(IS_OPEN, Case.assignee_id == bindparam("user_id"))] + [
        and_(
            IS_OPEN,
            Case.assignee_id.is_(None),
            Case.type == bindparam(f"type_{n}"),
            Case.language == bindparam(f"language_{n}"),
        )
        for n in range(pairs)
    ]
    if restricted:
        # The case page's rule: an agent is offered only cases whose contact they see.
        conditions = [and_(c, _visible_to(bindparam("user_id"))) for c in conditions]
    stream_columns = _LISTED_COLUMNS if rows_in_streams else (Case.id, Case.due_at)
    streams = [
        select(*stream_columns)
        .where(condition, Case.due_at < end)
        .order_by(Case.due_at, Case.id)
        .limit(bindparam("wanted"))
        .subquery()
        for condition in conditions
    ]
    merged = union_all(*(select(*s.c) for s in streams)).subquery("merged")
    page = (
        select(*merged.c)
        .order_by(merged.c.due_at, merged.c.id)
        .offset(bindparam("skip"))
        .limit(bindparam("per_page"))
        .subquery("page")
    )
    counts = [
        select(func.count()).select_from(Case).where(c, Case.due_at < end).scalar_subquery()
        for c in conditions
    ]
    total = reduce(operator.add, counts).label("total")
    first_phone = (
        select(ContactPhone.number)
        .where(ContactPhone.contact_id == Contact.id, ContactPhone.invalid.is_(False))
        .order_by(ContactPhone.position, ContactPhone.id)
        .limit(1)
        .scalar_subquery()
    )
    if rows_in_streams:
        case_columns = [page.c[c.key] for c in _LISTED_COLUMNS]
        rows = page
    else:
        case_columns = list(_LISTED_COLUMNS)
        rows = page.join(Case, Case.id == page.c.id)
    listed = {c.key: c for c in case_columns}
    page_statement = (
        select(
            *case_columns,
            Contact.kind,
            Contact.first_name,
            Contact.last_name,
            Contact.company_name,
            Contact.timezone,
            first_phone.label("first_phone"),
            User.name.label("assignee_name"),
            Order.status.label("order_status"),
            total,
        )
        .select_from(rows)
        .join(Contact, Contact.id == listed["contact_id"])
        .outerjoin(User, User.id == listed["assignee_id"])
        # The page's rows only (at most one page), each by the order's primary key.
        .outerjoin(Order, Order.id == listed["order_id"])
        .order_by(page.c.due_at, page.c.id)
    )
    return page_statement, select(total)


@lru_cache(maxsize=64)
def _today_queries(
    pairs: int, dialect: Dialect, restricted: bool
) -> tuple[Precompiled, Precompiled]:
    """_today_selects compiled once per shape and dialect: a request only binds values
    and runs the driver's SQL (SQLAlchemy's per-execution work on a statement of
    2 + 2 * pairs subqueries cost as much as the database)."""
    rows_in_streams = dialect.name == "postgresql"
    page, total = _today_selects(pairs, rows_in_streams=rows_in_streams, restricted=restricted)
    return Precompiled(page, dialect), Precompiled(total, dialect)


def call_today_queries(
    user: User,
    *,
    dialect: Dialect,
    now: datetime,
    zone: str,
    page: int = 1,
    per_page: int = 50,
) -> tuple[Precompiled, Precompiled, dict]:
    """Call today's page and total statements for the user's shape, and the values they
    are run with."""
    pairs = _pool_pairs(user)
    restricted = not is_manager_or_admin(user.role)
    page_query, total_query = _today_queries(len(pairs), dialect, restricted)
    values: dict = {
        "end": end_of_today(now, zone),
        "user_id": user.id,
        "wanted": page * per_page,
        "skip": (page - 1) * per_page,
        "per_page": per_page,
    }
    for n, (case_type, language) in enumerate(pairs):
        values[f"type_{n}"], values[f"language_{n}"] = case_type, language
    return page_query, total_query, values


def call_today(
    db: Session, user: User, *, now: datetime, zone: str, page: int = 1, per_page: int = 50
) -> tuple[list[ListedCase], int]:
    """Open cases due before the end of today (team zone) that `user` may work: assigned to
    them, or unassigned and of a type and language they handle. Overdue first, oldest
    first; then the rest of today by due time. One statement, no ORM objects."""
    connection = db.connection()
    page_query, total_query, values = call_today_queries(
        user, dialect=connection.dialect, now=now, zone=zone, page=page, per_page=per_page
    )
    rows = page_query.run(connection, values)
    if rows:
        total = rows[0][-1]
    elif page > 1:  # past the end: no row carries the total
        total = total_query.run(connection, values)[0][0]
    else:
        total = 0
    return [_listed(row) for row in rows], total


def next_case_statement(user: User, *, now: datetime, zone: str):
    """The first case of the user's Call today that nobody else holds."""
    return (
        select(Case)
        .where(
            or_(_mine(user), _pool(user)),
            Case.due_at < end_of_today(now, zone),
            # The case page's rule: never claim a case the user cannot open.
            _visible_case_condition(user),
            or_(
                Case.claimed_by_id.is_(None),
                Case.claimed_by_id == user.id,
                Case.claimed_until <= now,
            ),
        )
        .order_by(Case.due_at, Case.id)
        .limit(1)
    )


def _visible_case_condition(user: User):
    """can_see_case in SQL."""
    if is_manager_or_admin(user.role):
        return true()
    return _visible_to(user.id)


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
    statement = select(Case).where(*conditions, _visible_case_condition(user))
    total = db.scalar(select(func.count()).select_from(statement.subquery()))
    items = db.scalars(
        statement.options(
            selectinload(Case.contact), selectinload(Case.assignee), selectinload(Case.order)
        )
        .order_by(Case.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return list(items), total or 0


def open_counts_of_other_types(db: Session, keys) -> list[tuple[str, int]]:
    """(type, open cases) for the types not in `keys`: what removing them would strand."""
    return list(
        db.execute(
            select(Case.type, func.count())
            .where(Case.status == "open", Case.type.not_in(list(keys)))
            .group_by(Case.type)
        ).all()
    )


def visible_case(db: Session, user: User, case_id: int, *, lock: bool = False) -> Case | None:
    """The case, when it exists and `user` may see it (None otherwise: the caller answers
    404, so nobody learns that a hidden case exists). `lock` takes the row for an update."""
    case = lock_case(db, case_id) if lock else db.get(Case, case_id)
    if case is None or not can_see_case(user, case):
        return None
    return case
