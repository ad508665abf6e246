"""Commissions earned on payments, the decisions taken on them, and payouts.

A commission belongs to one member and one payment (or, when negative, to the refund or
cancellation that took a paid-out commission back). Its `key` is unique: computing the
commissions of a payment twice (the confirmation told twice, two workers at once) finds
them already there. A commission is in at most one payout: `payout_id` is a single column,
set under a row lock and only where it is still empty.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voiceapp.db import Base, utcnow
from voiceapp.domain.commissions import REASONS

# A commission's status. Pending waits for approval (teams that require it); approved may
# be paid out; paid was in a payout marked paid; rejected, reversed (its order was
# refunded or cancelled before it was paid) and reassigned (moved to the vendor) are not
# payable.
PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"
PAID = "paid"
REVERSED = "reversed"
REASSIGNED = "reassigned"
STATUSES = (PENDING, APPROVED, REJECTED, PAID, REVERSED, REASSIGNED)
# Still the member's, not yet paid: what a refund reverses and a reassignment moves.
UNPAID = (PENDING, APPROVED)

# A payout's status.
PAYOUT_PENDING = "pending"
PAYOUT_PAID = "paid"
PAYOUT_CANCELLED = "cancelled"
PAYOUT_STATUSES = (PAYOUT_PENDING, PAYOUT_PAID, PAYOUT_CANCELLED)


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Commission(Base):
    __tablename__ = "commissions"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint(_in("reason", REASONS), name="reason"),
        # My commissions, Approve and the payout run read a member's commissions by status.
        Index("ix_commissions_user_status", "user_id", "status"),
        # The dashboard's commission per member and period.
        Index("ix_commissions_user_earned", "user_id", "earned_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # What makes it unique: "pay:<payment>:<user>:<reason>" for what a payment earns,
    # "back:<commission>:<refund or cancellation>" for a negative one.
    key: Mapped[str] = mapped_column(String(100), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), index=True)
    payment_id: Mapped[int | None] = mapped_column(
        ForeignKey("payments.id", ondelete="RESTRICT"), index=True
    )
    reason: Mapped[str] = mapped_column(String(20))
    # Negative for a commission taken back after it was paid out.
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3))
    # The net amount it was computed on (the payment's net part), for the statement.
    base_net: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    earned_at: Mapped[datetime] = mapped_column(default=utcnow)
    # After the withdrawal period: paying it earlier is the vendor's risk.
    due_at: Mapped[datetime]
    # The commission this one takes back (negative commissions only).
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("commissions.id", ondelete="RESTRICT"), index=True
    )
    payout_id: Mapped[int | None] = mapped_column(
        ForeignKey("payouts.id", ondelete="SET NULL"), index=True
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(String(200))

    user = relationship("User", foreign_keys=[user_id])
    order = relationship("Order")
    payout: Mapped[Payout | None] = relationship(back_populates="commissions")


class CommissionDecision(Base):
    """Every change of a commission's status someone made: who, when, before, after."""

    __tablename__ = "commission_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    commission_id: Mapped[int] = mapped_column(
        ForeignKey("commissions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    before: Mapped[str] = mapped_column(String(12))
    after: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)


class PayoutRun(Base):
    """One "create payouts" action: its choices, and the payouts it made (one a member)."""

    __tablename__ = "payout_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    currency: Mapped[str] = mapped_column(String(3))
    minimum: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    include_not_due: Mapped[bool] = mapped_column(default=False)

    payouts: Mapped[list[Payout]] = relationship(back_populates="run", order_by="Payout.id")


class Payout(Base):
    __tablename__ = "payouts"
    __table_args__ = (CheckConstraint(_in("status", PAYOUT_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("payout_runs.id", ondelete="RESTRICT"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    # How many commissions it pays (kept when a cancellation releases them).
    commission_count: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(10), default=PAYOUT_PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None]
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    run: Mapped[PayoutRun] = relationship(back_populates="payouts")
    user = relationship("User", foreign_keys=[user_id])
    commissions: Mapped[list[Commission]] = relationship(back_populates="payout")
