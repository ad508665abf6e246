"""Lists of commissions: My commissions, Approve, GET /api/commissions, and one
commission with its decisions.

Who sees whose (domain.commission_rights): everyone their own; managers, admins and
members with the right to approve the team's. What a sales manager earns on the team
reveals their manager commission, which only admins see: other members' "sales manager"
commissions are left out for everyone else.

One query reads a page of rows (with the member's name and the order's number joined),
one more the totals per status and currency of everything the filter matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from voiceapp.domain import commission_rights as rights
from voiceapp.domain.commissions import REASON_LABELS, SALES_MANAGER
from voiceapp.domain.dashboard import local_midnight
from voiceapp.models import Commission, CommissionDecision, Order, User
from voiceapp.models.commissions import STATUSES
from voiceapp.services.cases.history import team_zone

__all__ = [
    "STATUSES",
    "CommissionRow",
    "CommissionsForbidden",
    "commission_decisions",
    "list_commissions",
    "visible_commission",
]


class CommissionsForbidden(Exception):
    """The asker may not see the commissions they asked for (403)."""


@dataclass(frozen=True)
class CommissionRow:
    id: int
    member_id: int
    member_name: str
    order_id: int
    order_number: str
    reason: str
    amount: Decimal
    currency: str
    base_net: Decimal
    status: str
    earned_at: datetime
    due_at: datetime
    payout_id: int | None
    reverses_id: int | None
    decided_at: datetime | None
    note: str | None

    @property
    def reason_label(self) -> str:
        return REASON_LABELS.get(self.reason, self.reason)

    @property
    def member(self) -> dict:
        return {"id": self.member_id, "name": self.member_name}

    @property
    def order(self) -> dict:
        return {"id": self.order_id, "number": self.order_number}


def sees_others(user: User) -> bool:
    return rights.sees_others_commissions(user.role, user.can_approve_commissions)


def visibility_filter(user: User) -> ColumnElement[bool]:
    """The commissions `user` may see, as a condition on Commission."""
    if not sees_others(user):
        return Commission.user_id == user.id
    if rights.sees_manager_commissions(user.role):
        return true()
    return or_(Commission.user_id == user.id, Commission.reason != SALES_MANAGER)


def earned_between(db: Session, start: date | None, end: date | None) -> list:
    """Conditions: earned from `start`'s midnight to the midnight after `end` (either may
    be open), in the team's time zone (a period names whole days as the team lives them)."""
    zone = team_zone(db)
    conditions = []
    if start is not None:
        conditions.append(Commission.earned_at >= local_midnight(start, zone))
    if end is not None:
        conditions.append(Commission.earned_at < local_midnight(end + timedelta(days=1), zone))
    return conditions


def _conditions(db: Session, user: User, filters: dict, now: datetime) -> list:
    member_id = filters.get("member_id")
    if member_id is not None and member_id != user.id and not sees_others(user):
        raise CommissionsForbidden("you may only see your own commissions")
    conditions = [visibility_filter(user)]
    if member_id is not None:
        conditions.append(Commission.user_id == member_id)
    if filters.get("status"):
        conditions.append(Commission.status == filters["status"])
    if filters.get("reason"):
        conditions.append(Commission.reason == filters["reason"])
    if filters.get("due") is not None:
        conditions.append(Commission.due_at <= now if filters["due"] else Commission.due_at > now)
    if filters.get("others_only"):
        conditions.append(Commission.user_id != user.id)
    return conditions + earned_between(db, filters.get("from"), filters.get("to"))


def _row_columns():
    return (
        Commission.id,
        Commission.user_id.label("member_id"),
        User.name.label("member_name"),
        Commission.order_id,
        Order.number.label("order_number"),
        Commission.reason,
        Commission.amount,
        Commission.currency,
        Commission.base_net,
        Commission.status,
        Commission.earned_at,
        Commission.due_at,
        Commission.payout_id,
        Commission.reverses_id,
        Commission.decided_at,
        Commission.note,
    )


def list_commissions(
    db: Session, user: User, filters: dict, *, now: datetime, page: int, per_page: int
) -> tuple[list[CommissionRow], int, list[dict]]:
    """The page of commissions `user` may see that match `filters` (member_id, status,
    reason, due, from, to, others_only), newest first; the count of all that match; and
    their totals per status and currency ({status, currency, count, amount}).

    Raises CommissionsForbidden for a member_id of someone else the asker may not see."""
    conditions = _conditions(db, user, filters, now)
    rows = db.execute(
        select(*_row_columns())
        .join(User, User.id == Commission.user_id)
        .join(Order, Order.id == Commission.order_id)
        .where(*conditions)
        .order_by(Commission.earned_at.desc(), Commission.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    grouped = db.execute(
        select(
            Commission.status,
            Commission.currency,
            func.count(Commission.id),
            func.coalesce(func.sum(Commission.amount), 0),
        )
        .where(*conditions)
        .group_by(Commission.status, Commission.currency)
        .order_by(Commission.currency, Commission.status)
    ).all()
    totals = [
        {"status": status, "currency": currency, "count": count, "amount": Decimal(amount)}
        for status, currency, count, amount in grouped
    ]
    total = sum(t["count"] for t in totals)
    return [CommissionRow(**row._mapping) for row in rows], total, totals


def visible_commission(db: Session, user: User, commission_id: int) -> CommissionRow | None:
    """One commission as a row, when `user` may see it; None otherwise."""
    row = db.execute(
        select(*_row_columns())
        .join(User, User.id == Commission.user_id)
        .join(Order, Order.id == Commission.order_id)
        .where(and_(Commission.id == commission_id, visibility_filter(user)))
    ).first()
    return CommissionRow(**row._mapping) if row else None


@dataclass(frozen=True)
class DecisionRow:
    at: datetime
    before: str
    after: str
    by_id: int | None
    by_name: str | None
    note: str | None


def commission_decisions(db: Session, commission_id: int) -> list[DecisionRow]:
    """Every status change of the commission, oldest first, with who made it (None: the
    system, e.g. a refund taken by a job)."""
    actor = aliased(User)
    rows = db.execute(
        select(
            CommissionDecision.at,
            CommissionDecision.before,
            CommissionDecision.after,
            CommissionDecision.user_id,
            actor.name,
            CommissionDecision.note,
        )
        .outerjoin(actor, actor.id == CommissionDecision.user_id)
        .where(CommissionDecision.commission_id == commission_id)
        .order_by(CommissionDecision.at, CommissionDecision.id)
    ).all()
    return [DecisionRow(*row) for row in rows]
