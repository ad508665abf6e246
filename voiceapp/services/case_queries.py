"""Reading cases: "Call today" for an agent, "All cases" with filters, and the next case
to call.

Call today reads two partial indexes (models.cases): the agent's own open cases by due
time, and the unassigned pool by type, language and due time. The condition
`status = 'open'` is written as a literal so that SQLite and PostgreSQL can match it to
those partial indexes (a bound parameter would hide it from the planner). Its statements
are compiled once per shape to SQL text, so a request only binds values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import (
    Select,
    TextClause,
    and_,
    bindparam,
    column,
    func,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlalchemy.orm import Session, selectinload

from voiceapp.db import UTCDateTime
from voiceapp.domain.cases import end_of_today
from voiceapp.domain.contacts import display_name
from voiceapp.domain.roles import is_manager_or_admin
from voiceapp.models import Case, Contact, ContactPhone, User
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


def _listed(row) -> ListedCase:
    phone = row.first_phone
    name = display_name(row.kind, row.first_name, row.last_name, row.company_name, phone)
    contact = ListedContact(row.contact_id, name, row.timezone, [phone] if phone else [])
    return ListedCase(*row[: len(_LISTED_COLUMNS)], contact, row.assignee_name)


def _today_selects(pairs: int) -> tuple[Select, Select]:
    """Call today's two statements for a user handling `pairs` (type, language) pairs,
    with bound parameters (compiled once per shape by _today_texts; a request only binds
    values).

    The page reads each stream in due order from its partial index (the user's own cases,
    one stream per pair of the pool), at most `wanted` ids each, merges them, keeps one
    page of ids, and only then joins those rows to the case, contact and agent."""
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
    streams = [
        select(Case.id, Case.due_at)
        .where(condition, Case.due_at < end)
        .order_by(Case.due_at, Case.id)
        .limit(bindparam("wanted"))
        .subquery()
        for condition in conditions
    ]
    merged = union_all(*(select(s.c.id, s.c.due_at) for s in streams)).subquery("merged")
    page = (
        select(merged.c.id, merged.c.due_at)
        .order_by(merged.c.due_at, merged.c.id)
        .offset(bindparam("skip"))
        .limit(bindparam("per_page"))
        .subquery("page")
    )
    first_phone = (
        select(ContactPhone.number)
        .where(ContactPhone.contact_id == Contact.id, ContactPhone.invalid.is_(False))
        .order_by(ContactPhone.position, ContactPhone.id)
        .limit(1)
        .scalar_subquery()
    )
    page_statement = (
        select(
            *_LISTED_COLUMNS,
            Contact.kind,
            Contact.first_name,
            Contact.last_name,
            Contact.company_name,
            Contact.timezone,
            first_phone.label("first_phone"),
            User.name.label("assignee_name"),
        )
        .select_from(page)
        .join(Case, Case.id == page.c.id)
        .join(Contact, Contact.id == Case.contact_id)
        .outerjoin(User, User.id == Case.assignee_id)
        .order_by(page.c.due_at, page.c.id)
    )
    counts = [
        select(func.count()).select_from(Case).where(c, Case.due_at < end).scalar_subquery()
        for c in conditions
    ]
    return page_statement, select(*counts)


# Dialects that write bound parameters as :name, the form text() reads (the generic
# PostgreSQL one: psycopg's adds ::casts to parameters, which text() cannot read).
_NAMED_DIALECTS = {"sqlite": sqlite_dialect, "postgresql": PGDialect}


@lru_cache(maxsize=256)
def _today_texts(pairs: int, dialect_name: str) -> tuple[TextClause, TextClause]:
    """_today_selects compiled once to SQL text with typed parameters and columns:
    running a text() statement skips building the cache key of a statement of
    2 + 2 * pairs subqueries on every call, most of what SQLAlchemy spent on it."""
    dialect = _NAMED_DIALECTS[dialect_name](paramstyle="named")
    return tuple(_as_text(s, dialect) for s in _today_selects(pairs))


def _as_text(statement: Select, dialect) -> TextClause:
    compiled = statement.compile(dialect=dialect)
    sql = str(compiled)
    # Some dialects write a few values inline (PostgreSQL: LIMIT 1): only the parameters
    # the text names are bound.
    binds = {
        name: bindparam(name, value=bind.value, type_=bind.type)
        for bind, name in compiled.bind_names.items()
        if re.search(rf":{name}\b", sql)
    }
    columns = [
        column(c.key or f"column_{n}", c.type) for n, c in enumerate(statement.selected_columns)
    ]
    return text(sql).bindparams(*binds.values()).columns(*columns)


def call_today_statements(
    user: User,
    *,
    dialect_name: str,
    now: datetime,
    zone: str,
    page: int = 1,
    per_page: int = 50,
) -> tuple[TextClause, TextClause, dict]:
    """Call today's page and count statements for the user's shape, and the values they
    are run with."""
    pairs = _pool_pairs(user)
    page_text, count_text = _today_texts(len(pairs), dialect_name)
    params: dict = {
        "end": end_of_today(now, zone),
        "user_id": user.id,
        "wanted": page * per_page,
        "skip": (page - 1) * per_page,
        "per_page": per_page,
    }
    for n, (case_type, language) in enumerate(pairs):
        params[f"type_{n}"], params[f"language_{n}"] = case_type, language
    return page_text, count_text, params


def call_today(
    db: Session, user: User, *, now: datetime, zone: str, page: int = 1, per_page: int = 50
) -> tuple[list[ListedCase], int]:
    """Open cases due before the end of today (team zone) that `user` may work: assigned to
    them, or unassigned and of a type and language they handle. Overdue first, oldest
    first; then the rest of today by due time. Two statements, no ORM objects."""
    # Plain column statements: run on the connection, without the ORM's layer.
    connection = db.connection()
    page_text, count_text, params = call_today_statements(
        user,
        dialect_name=connection.dialect.name,
        now=now,
        zone=zone,
        page=page,
        per_page=per_page,
    )
    rows = connection.execute(page_text, params).all()
    total = sum(connection.execute(count_text, params).one())
    return [_listed(row) for row in rows], total


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
