"""What a manager does on the order page (seed 002): confirm, cancel, delete an unpaid
order, move or switch off the auto-cancel date, notes on the customer, automatic payments
on or off for the customer. Each writes a line of the order's history.

Flushes, never commits: the caller owns the transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.models import Case, Contact, CustomerNote, Order, User
from voiceapp.models.orders import CANCELLED, PAID, PENDING, SUCCEEDED
from voiceapp.services.orders.auto_cancel import schedule_auto_cancel
from voiceapp.services.orders.cancelling import mark_cancelled
from voiceapp.services.orders.history import log_event
from voiceapp.services.orders.payments import PaymentError, lock_order

MAX_NOTE = 2000


class OrderActionError(ValueError):
    """An action the order's status does not allow; the message says why."""


def confirm(db: Session, order_id: int, *, actor: User, now: datetime) -> Order:
    """The customer said yes again: the order is confirmed, still waiting for payment."""
    order = lock_order(db, order_id)
    if order.status not in (PENDING, PAID):
        raise OrderActionError(f"a {order.status} order cannot be confirmed")
    if order.confirmed_at is not None:
        return order
    order.confirmed_at = now
    log_event(db, order, "status", "confirmed", actor=actor, now=now)
    db.flush()
    return order


def cancel(
    db: Session, order_id: int, *, actor: User | None, now: datetime, reason: str | None = None
) -> Order:
    """Cancel an unpaid order (a paid one is refunded instead). Its open follow-up cases
    close with it: nobody needs to chase a payment for a cancelled order."""
    order = lock_order(db, order_id)
    if order.status == CANCELLED:
        return order
    if order.status != PENDING:
        raise OrderActionError(f"a {order.status} order cannot be cancelled: refund it instead")
    mark_cancelled(db, order, actor=actor, now=now, reason=reason or "cancelled by hand")
    db.flush()
    return order


def delete(db: Session, order_id: int, *, actor: User, now: datetime) -> None:
    """Delete an order nobody paid for (a mistake). An order with money received is a
    record the business must keep: refund or cancel it instead."""
    order = lock_order(db, order_id)
    if order.status == PAID or any(p.status == SUCCEEDED for p in order.payments):
        raise OrderActionError("an order with payments cannot be deleted: refund it instead")
    for case in db.scalars(select(Case).where(Case.order_id == order.id)):
        case.order_id = None
    db.delete(order)
    db.flush()


def set_auto_cancel(
    db: Session, order_id: int, at: datetime | None, *, actor: User, now: datetime
) -> Order:
    """Move the auto-cancel date, or switch it off (None). The job of the old date finds
    nothing to do; a new one is scheduled for the new date."""
    order = lock_order(db, order_id)
    if order.status != PENDING:
        raise OrderActionError(f"a {order.status} order is never cancelled automatically")
    if at is not None and at <= now:
        raise PaymentError("auto_cancel_at", "must be in the future")
    order.auto_cancel_at = at
    # `at` may carry the zone it was typed in: the history says it in UTC, as it claims.
    text = (
        f"auto-cancel moved to {at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
        if at
        else "auto-cancel switched off"
    )
    log_event(db, order, "auto_cancel", text, actor=actor, now=now)
    db.flush()
    schedule_auto_cancel(db, order)
    return order


def add_note(db: Session, contact_id: int, text: str, *, actor: User, now: datetime):
    text = (text or "").strip()
    if not text:
        raise PaymentError("text", "write the note")
    if len(text) > MAX_NOTE:
        raise PaymentError("text", f"at most {MAX_NOTE} characters")
    note = CustomerNote(contact_id=contact_id, text=text, author_id=actor.id, created_at=now)
    db.add(note)
    db.flush()
    return note


def delete_note(db: Session, contact_id: int, note_id: int) -> bool:
    note = db.get(CustomerNote, note_id)
    if note is None or note.contact_id != contact_id:
        return False
    db.delete(note)
    db.flush()
    return True


def customer_notes(db: Session, contact_id: int) -> list[CustomerNote]:
    return list(
        db.scalars(
            select(CustomerNote)
            .where(CustomerNote.contact_id == contact_id)
            .order_by(CustomerNote.created_at.desc(), CustomerNote.id.desc())
        )
    )


def set_auto_payments(
    db: Session, order: Order, enabled: bool, *, actor: User, now: datetime
) -> Contact:
    """Automatic payments on or off for the order's customer (all of their orders)."""
    contact = db.get(Contact, order.contact_id)
    contact.auto_payments = enabled
    text = "automatic payments switched " + ("on" if enabled else "off") + " for the customer"
    log_event(db, order, "note", text, actor=actor, now=now)
    db.flush()
    return contact
