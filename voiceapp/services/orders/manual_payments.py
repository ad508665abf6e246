"""Money a manager records by hand (POST /api/orders/<id>/payments): a bank transfer seen
on the account, or cash and the like ("manual").

Unlike a provider's event (money that has arrived and is never refused), a payment
typed in by a person is checked against what is still outstanding: more than that is a
typing mistake far more often than a real overpayment, and an overpayment would have to
be refunded anyway. A subscription has no end to pay ahead to, so it has no such cap.
The API and the order page both record through here. The order's row is locked before
the check, so two managers recording the same transfer at once cannot both pass it.

Flushes, never commits: the caller owns the transaction.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from voiceapp.domain.order_rights import MANUAL_METHODS
from voiceapp.domain.products import SUBSCRIPTION
from voiceapp.domain.roles import is_manager_or_admin
from voiceapp.models import Payment, User
from voiceapp.models.orders import REFUNDED
from voiceapp.services.orders.payments import PaymentError, lock_order, received, record_payment

HAND_METHODS = MANUAL_METHODS
MAX_REFERENCE = 200  # payments.reference


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
    details: dict | None = None,
) -> Payment | None:
    """Record `amount` received by `method` (bank_transfer or manual) on the order; paid
        in full what is due now -> the order is paid (services.orders.payments). `details`
    are kept with the payment (a dossier's payer and the day the money came). Returns None
        when the order does not exist. Raises PaymentForbidden or PaymentError."""
    if not is_manager_or_admin(actor.role):
        raise PaymentForbidden("only managers and admins record payments by hand")
    if method not in HAND_METHODS:
        raise PaymentError("method", f"one of: {', '.join(HAND_METHODS)}")
    reference = (reference or "").strip() or None
    if reference is not None and len(reference) > MAX_REFERENCE:
        raise PaymentError("reference", f"at most {MAX_REFERENCE} characters")
    order = lock_order(db, order_id)
    if order is None:
        return None
    if order.status == REFUNDED:
        raise PaymentError("order", "the order was refunded: it takes no more payments")
    if (order.plan or {}).get("kind") != SUBSCRIPTION:
        left = outstanding(order)
        if left <= 0:
            raise PaymentError("amount", "nothing is outstanding on this order")
        if amount > left:
            raise PaymentError(
                "amount", f"at most {left} {order.currency}: what is still outstanding"
            )
    return record_payment(
        db,
        order.id,
        amount=amount,
        method=method,
        now=now,
        reference=reference,
        actor=actor,
        details=details,
    )
