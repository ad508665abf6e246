"""The one way an order becomes cancelled: by hand on the order page, by a "cancelled"
call outcome on its case, or by the auto-cancel at its date."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.models import Case, Order, User
from voiceapp.models.cases import OPEN
from voiceapp.models.orders import CANCELLED
from voiceapp.services.orders.history import log_event


def mark_cancelled(db: Session, order: Order, *, actor: User | None, now: datetime, reason: str):
    """The one way an order becomes cancelled (by hand, by a call outcome, by the
    auto-cancel): status, time, reason, history, and its open cases closed."""
    was = order.status
    order.status = CANCELLED
    order.cancelled_at = now
    order.cancel_reason = reason[:200]
    log_event(db, order, "status", f"{was} -> cancelled: {reason}", actor=actor, now=now)
    for case in db.scalars(select(Case).where(Case.order_id == order.id, Case.status == OPEN)):
        case.status, case.closed_at, case.close_reason = "closed", now, "order cancelled"
        case.updated_at = now
