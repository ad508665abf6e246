"""Reading calls for the calls list, the missed-calls list and the API."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from voiceapp.domain.roles import is_manager_or_admin
from voiceapp.models import Call, Contact, User
from voiceapp.services.contacts import visible_contacts_filter


def calls_statement(user: User, filters: dict) -> Select:
    """Top-level calls (child legs are shown inside their parent). Agents see their own
    calls and calls nobody took; managers and admins see all."""
    stmt = select(Call).where(Call.parent_sid.is_(None))
    if not is_manager_or_admin(user.role):
        stmt = stmt.where((Call.agent_id == user.id) | Call.agent_id.is_(None))
    for name in ("direction", "missed", "agent_id", "contact_id", "status"):
        if filters.get(name) is not None:
            stmt = stmt.where(getattr(Call, name) == filters[name])
    if filters.get("contact_id") is not None:
        # A contact the user may not see is filtered on as if it did not exist: its
        # calls would tell a colleague's private contact's number and history.
        stmt = stmt.where(
            select(Contact.id)
            .where(Contact.id == filters["contact_id"], visible_contacts_filter(user))
            .exists()
        )
    if filters.get("since"):
        stmt = stmt.where(Call.started_at >= filters["since"])
    if filters.get("until"):
        stmt = stmt.where(Call.started_at < filters["until"])
    return stmt


def list_calls(
    db: Session, user: User, filters: dict, *, page: int, per_page: int
) -> tuple[list[Call], int]:
    stmt = calls_statement(user, filters)
    total = db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = db.scalars(
        stmt.order_by(Call.started_at.desc(), Call.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(items), total


def can_see_call(user: User, call: Call) -> bool:
    return is_manager_or_admin(user.role) or call.agent_id in (None, user.id)


def call_by_sid(db: Session, sid: str) -> Call | None:
    return db.scalar(select(Call).where(Call.sid == sid))
