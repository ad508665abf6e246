"""Money a manager records by hand (POST /api/orders/<id>/payments): a bank transfer seen
on the account, or cash and the like ("manual").

Unlike a provider's event (money that has arrived and is never refused), a payment
typed in by a person is checked against what is still outstanding: more than that is a
typing mistake far more often than a real overpayment, and an overpayment would have to
be refunded anyway. The order's row is locked before the check, so two managers
recording the same transfer at once cannot both pass it.

Flushes, never commits: the caller owns the transaction.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from voiceapp.domain.roles import is_manager_or_admin
from voiceapp.models import Payment, User
from voiceapp.models.orders import BANK_TRANSFER, MANUAL, REFUNDED
from voiceapp.services.orders.payments import PaymentError, lock_order, received, record_payment

HAND_METHODS = (BANK_TRANSFER, MANUAL)


class PaymentForbidden(PermissionError):
    """Only managers and admins record money by hand."""


def outstanding(order) -> Decimal:
    """The order's total less what was received (refunds given back count as not
    received); never below zero."""
    return max(order.total - received(order), Decimal("0.00"))


def record_manual_payment(
    db: Session,
    order_id: int,
    *,
    amount: Decimal,
    method: str,
    actor: User,
    now: datetime,
    reference: str | None = None,
) -> Payment | None:
    """Record `amount` received by `method` (bank_transfer or manual) on the order; paid
    in full what is due now -> the order is paid (services.orders.payments). Returns None
    when the order does not exist. Raises PaymentForbidden or PaymentError."""
    if not is_manager_or_admin(actor.role):
        raise PaymentForbidden("only managers and admins record payments by hand")
    if method not in HAND_METHODS:
        raise PaymentError("method", f"one of: {', '.join(HAND_METHODS)}")
    order = lock_order(db, order_id)
    if order is None:
        return None
    if order.status == REFUNDED:
        raise PaymentError("order", "the order was refunded: it takes no more payments")
    left = outstanding(order)
    if left <= 0:
        raise PaymentError("amount", "nothing is outstanding on this order")
    if amount > left:
        raise PaymentError("amount", f"at most {left} {order.currency}: what is still outstanding")
    return record_payment(
        db,
        order.id,
        amount=amount,
        method=method,
        now=now,
        reference=reference,
        actor=actor,
    )
