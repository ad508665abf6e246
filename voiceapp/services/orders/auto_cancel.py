"""Cancelling an unpaid order at its auto-cancel date.

The order's auto_cancel_at is the source of truth: taking the order sets it (the team's
days) and schedules a job for that time through the outbox. The job carries the due
time it was made for, so a moved date makes a new job and the old one finds nothing to
do; a date switched off (None) leaves every job a no-op. The sweep cancels what a lost
job missed, through the same operation.

Cancelling closes the order's open cases (its follow-up: nobody chases a payment for a
cancelled order). Only a pending order is ever cancelled: paid, refunded and cancelled
orders are left exactly as they are, whatever job or sweep comes along.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from voiceapp.models import Order
from voiceapp.models.orders import PENDING
from voiceapp.services.orders.cancelling import mark_cancelled
from voiceapp.services.outbox import add_job

AUTO_CANCEL_JOB = "workers.orders.auto_cancel_order"
AUTO_CANCEL_REASON = "not paid by its auto-cancel date"


def due_timestamp(due_at: datetime) -> int:
    """The number an auto-cancel job carries for the date it was made for."""
    return int(due_at.timestamp())


def auto_cancel_job_id(order_id: int, due_at: datetime) -> str:
    """One job per order and date: a moved date gets a job of its own (Redis would refuse
    the same id as a duplicate of the earlier one)."""
    return f"auto-cancel-order-{order_id}-{due_timestamp(due_at)}"


def schedule_auto_cancel(db: Session, order: Order) -> None:
    """A job at the order's auto-cancel date, handed to RQ after the caller commits.
    Nothing when the order has no date or is not pending. Call it again after moving the
    date; the earlier job then does nothing."""
    if order.auto_cancel_at is None or order.status != PENDING:
        return
    if order.id is None:
        db.flush()
    add_job(
        db,
        AUTO_CANCEL_JOB,
        order.id,
        due_timestamp(order.auto_cancel_at),
        job_id=auto_cancel_job_id(order.id, order.auto_cancel_at),
        run_at=order.auto_cancel_at,
    )


def cancel_if_due(db: Session, order_id: int, due_ts: int, *, now: datetime) -> bool:
    """Cancel the order if it is still pending, its auto-cancel date is the one this job
    was made for (due_ts) and that date has come. Flushes, never commits; True when
    cancelled.

    The row is locked, so a payment being recorded and the job (or the job and the sweep)
    never both win: whoever comes second sees the other's status.
    """
    order = db.scalar(
        select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if order is None or order.status != PENDING:
        return False  # paid, refunded or already cancelled: never touched
    if order.auto_cancel_at is None or due_timestamp(order.auto_cancel_at) != due_ts:
        return False  # switched off or moved: a newer job (or none) is in charge
    if order.auto_cancel_at > now:
        return False  # early (a clock ahead of ours); the sweep comes back for it
    mark_cancelled(db, order, actor=None, now=now, reason=AUTO_CANCEL_REASON)
    db.flush()
    return True


def overdue_auto_cancels_statement(before: datetime, limit: int) -> Select:
    """Pending orders whose auto-cancel date passed before `before`, oldest first. Served
    by ix_orders_pending_auto_cancel, which holds only pending orders."""
    return (
        select(Order.id, Order.auto_cancel_at)
        .where(
            Order.status == PENDING,
            Order.auto_cancel_at.is_not(None),
            Order.auto_cancel_at <= before,
        )
        .order_by(Order.auto_cancel_at)
        .limit(limit)
    )


def overdue_auto_cancels(db: Session, before: datetime, limit: int) -> list[tuple[int, datetime]]:
    rows = db.execute(overdue_auto_cancels_statement(before, limit)).all()
    return [(row.id, row.auto_cancel_at) for row in rows]
