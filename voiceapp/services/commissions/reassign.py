"""Moving a member's pending commissions to the vendor (SPEC "Reassign"): check first (how
many, how much per currency), then execute. What moves: the member's commissions still
unpaid (pending or approved) and in no payout; a negative commission (the member's debt
to the vendor) stays. Each one becomes "reassigned" through earning.record_decision.
Flushes, never commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voiceapp.models import Commission, User
from voiceapp.models.commissions import REASSIGNED, UNPAID
from voiceapp.services.commissions.earning import record_decision

NOTE = "reassigned to the vendor"


@dataclass
class ReassignSummary:
    member: User
    count: int = 0
    # currency -> total, e.g. {"EUR": Decimal("110.00")}
    totals: dict[str, Decimal] = field(default_factory=dict)
    executed: bool = False


def _movable(member_id: int):
    return (
        Commission.user_id == member_id,
        Commission.status.in_(UNPAID),
        Commission.payout_id.is_(None),
        Commission.reverses_id.is_(None),
    )


def find_member(db: Session, member_id: int) -> User | None:
    return db.get(User, member_id)


def check(db: Session, member: User) -> ReassignSummary:
    """What executing would move; changes nothing."""
    rows = db.execute(
        select(Commission.currency, func.count(Commission.id), func.sum(Commission.amount))
        .where(*_movable(member.id))
        .group_by(Commission.currency)
        .order_by(Commission.currency)
    ).all()
    return ReassignSummary(
        member=member,
        count=sum(count for _c, count, _a in rows),
        totals={currency: Decimal(amount) for currency, _n, amount in rows},
    )


def execute(db: Session, member: User, *, actor: User, now: datetime) -> ReassignSummary:
    """Move them; the rows are locked first, so a payout run taking them at the same
    moment either gets them before (and they stay) or not at all."""
    commissions = list(
        db.scalars(
            select(Commission).where(*_movable(member.id)).order_by(Commission.id).with_for_update()
        )
    )
    summary = ReassignSummary(member=member, executed=True)
    for commission in commissions:
        if commission.payout_id is not None or commission.status not in UNPAID:
            continue  # taken by a payout between the read and the lock (SQLite)
        record_decision(db, commission, REASSIGNED, actor=actor, now=now, note=NOTE)
        summary.count += 1
        summary.totals[commission.currency] = (
            summary.totals.get(commission.currency, Decimal(0)) + commission.amount
        )
    db.flush()
    return summary
