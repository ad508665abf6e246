"""An order's history (seed 002): each status change, payment, refund, note, call outcome
and moved date, with who and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from voiceapp.models import Order, OrderEvent, User


def log_event(
    db: Session,
    order: Order,
    kind: str,
    text: str,
    *,
    actor: User | None,
    now: datetime,
    data: dict | None = None,
) -> OrderEvent:
    event = OrderEvent(
        order=order, kind=kind, text=text, actor_id=actor.id if actor else None, at=now, data=data
    )
    db.add(event)
    return event
