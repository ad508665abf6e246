"""The one way an order becomes cancelled: by hand on the order page, by a "cancelled"
call outcome on its case, or by the auto-cancel at its date. An order that ends (cancelled,
or refunded in full) closes its open cases: nobody chases money for it any more."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.models import Case, Order, User
from voiceapp.models.cases import CLOSED, OPEN
from voiceapp.models.orders import CANCELLED
from voiceapp.services.cases.history import add_history
from voiceapp.services.commissions.earning import take_back
from voiceapp.services.orders.history import log_event


def mark_cancelled(db: Session, order: Order, *, actor: User | None, now: datetime, reason: str):
    """The one way an order becomes cancelled (by hand, by a call outcome, by the
    auto-cancel): status, time, reason, history, its open cases closed and its
    commissions taken back."""
    was = order.status
    order.status = CANCELLED
    order.cancelled_at = now
    order.cancel_reason = reason[:200]
    log_event(db, order, "status", f"{was} -> cancelled: {reason}", actor=actor, now=now)
    close_open_cases(db, order, reason="order cancelled", actor=actor, now=now)
    take_back(db, order, now=now, actor=actor, reason=f"order cancelled: {reason}")


def close_open_cases(
    db: Session, order: Order, *, reason: str, actor: User | None, now: datetime
) -> None:
    """Close the order's open cases (its follow-up, its payment reminders), each with a
    line in its history saying why."""
    for case in db.scalars(select(Case).where(Case.order_id == order.id, Case.status == OPEN)):
        case.status, case.closed_at, case.close_reason = CLOSED, now, reason
        case.updated_at = now
        add_history(db, case, "closed", f"Closed: {reason} ({order.number})", now=now, actor=actor)
