"""Money on an order: payments in, refunds out, and the order's status that follows.

Every way money arrives (the pay page's demo provider, Stripe's webhook, a bank transfer
or cash a manager records by hand, a collected SEPA debit) ends in `record_payment`, so
the rule "the payment asked for now has arrived -> paid" lives in one place. The order's
row is locked first, so a payment and the auto-cancel job (or two webhooks) never both
decide on a stale status. A provider's id makes the same event told twice harmless.

Flushes, never commits: the caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.domain import payment_schedule
from voiceapp.domain.payment_schedule import Due, Standing
from voiceapp.models import Order, Payment, User
from voiceapp.models.orders import (
    CANCELLED,
    PAID,
    PAYMENT,
    PENDING,
    REFUND,
    REFUNDED,
    SUCCEEDED,
)
from voiceapp.services.cases.history import team_zone
from voiceapp.services.commissions.earning import earn_on_order, take_back
from voiceapp.services.orders.cancelling import close_open_cases
from voiceapp.services.orders.history import log_event

METHOD_LABELS = {
    "demo": "demo provider",
    "bank_transfer": "bank transfer",
    "sepa": "SEPA direct debit",
    "stripe": "card (Stripe)",
    "manual": "recorded by hand",
}


class PaymentError(ValueError):
    """A payment or refund that breaks a rule; `field` names the input at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.errors = {field: [message]}


def lock_order(db: Session, order_id: int) -> Order | None:
    """The order, its row locked until the caller commits, read fresh from the database."""
    return db.scalar(
        select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def received(order: Order) -> Decimal:
    """Succeeded payments less refunds."""
    total = Decimal("0.00")
    for payment in order.payments:
        if payment.status != SUCCEEDED:
            continue
        total += payment.amount if payment.kind == PAYMENT else -payment.amount
    return total


def refunded(order: Order) -> Decimal:
    return sum(
        (p.amount for p in order.payments if p.kind == REFUND and p.status == SUCCEEDED),
        Decimal("0.00"),
    )


def ordered_on(db: Session, order: Order):
    """The order's day in the team's time zone: dues count from it."""
    return order.created_at.astimezone(ZoneInfo(team_zone(db))).date()


def order_schedule(db: Session, order: Order, horizon: int = 0) -> list[Due]:
    main = order.items[0] if order.items else None
    ratio = main.gross / (main.unit_price or 1) if main is not None else Decimal(1)
    return payment_schedule.schedule(
        order.plan, order.total, ordered_on(db, order), period_ratio=ratio, horizon=horizon
    )


def due_now(db: Session, order: Order) -> Decimal:
    """What the pay page asks for: the first payment of the order's schedule."""
    return order_schedule(db, order, horizon=1)[0].amount


def order_standing(db: Session, order: Order, now: datetime) -> Standing:
    today = now.astimezone(ZoneInfo(team_zone(db))).date()
    return payment_schedule.standing(order_schedule(db, order), received(order), today)


@dataclass(frozen=True)
class Amounts:
    """The order page's figures (seed 002): total, prepayments (paid beyond what is due
    today), income (money received) and expenses (refunds)."""

    total: Decimal
    prepayments: Decimal
    income: Decimal
    expenses: Decimal
    outstanding: Decimal


def order_amounts(db: Session, order: Order, now: datetime) -> Amounts:
    income = sum(
        (p.amount for p in order.payments if p.kind == PAYMENT and p.status == SUCCEEDED),
        Decimal("0.00"),
    )
    expenses = refunded(order)
    net_received = income - expenses
    today = now.astimezone(ZoneInfo(team_zone(db))).date()
    due_by_today = sum(
        (d.amount for d in order_schedule(db, order) if d.due_on <= today), Decimal("0.00")
    )
    return Amounts(
        total=order.total,
        prepayments=max(net_received - due_by_today, Decimal("0.00")),
        income=income,
        expenses=expenses,
        outstanding=max(order.total - net_received, Decimal("0.00")),
    )


def record_payment(
    db: Session,
    order_id: int,
    *,
    amount: Decimal,
    method: str,
    now: datetime,
    reference: str | None = None,
    provider_ref: str | None = None,
    actor: User | None = None,
    status: str = SUCCEEDED,
    details: dict | None = None,
    ip_address: str | None = None,
) -> Payment | None:
    """Record money received for the order and mark it paid once what is due now is in.

    Money that arrived is never refused, even on a cancelled order (a checkout started
    before the auto-cancel, completed after): it is recorded, and a cancelled order
    paid in full is paid again, with a history line saying so. A refunded order takes
    no payments. Returns None when `provider_ref` was recorded before (a repeated event),
    or when the order does not exist.
    """
    if amount <= 0:
        raise PaymentError("amount", "must be more than 0")
    order = lock_order(db, order_id)
    if order is None:
        return None
    if provider_ref is not None and db.scalar(
        select(Payment.id).where(Payment.provider_ref == provider_ref)
    ):
        return None
    if order.status == REFUNDED:
        raise PaymentError("order", "the order was refunded: it takes no more payments")
    payment = Payment(
        order=order,
        kind=PAYMENT,
        method=method,
        status=status,
        amount=amount,
        currency=order.currency,
        reference=reference,
        provider_ref=provider_ref,
        details=details,
        recorded_by_id=actor.id if actor else None,
        created_at=now,
    )
    db.add(payment)
    if ip_address and order.ip_address is None:
        order.ip_address = ip_address
    label = METHOD_LABELS.get(method, method)
    if status == SUCCEEDED:
        log_event(
            db,
            order,
            "payment",
            f"{amount} {order.currency} received ({label})"
            + (f", reference {reference}" if reference else ""),
            actor=actor,
            now=now,
            data={"method": method, "amount": str(amount)},
        )
        _settle(db, order, now, actor)
    else:
        log_event(
            db,
            order,
            "payment",
            f"{amount} {order.currency} announced ({label}), not received yet",
            actor=actor,
            now=now,
            data={"method": method, "amount": str(amount), "status": status},
        )
    db.flush()
    return payment


def mark_payment_received(
    db: Session, payment_id: int, *, now: datetime, actor: User | None = None
) -> Payment | None:
    """A pending payment (a SEPA debit) was collected: it counts from now on."""
    payment = db.get(Payment, payment_id)
    if payment is None:
        return None
    order = lock_order(db, payment.order_id)
    if payment.status == SUCCEEDED:
        return payment
    payment.status = SUCCEEDED
    log_event(
        db,
        order,
        "payment",
        f"{payment.amount} {order.currency} received "
        f"({METHOD_LABELS.get(payment.method, payment.method)})",
        actor=actor,
        now=now,
        data={"method": payment.method, "amount": str(payment.amount)},
    )
    _settle(db, order, now, actor)
    db.flush()
    return payment


def _settle(db: Session, order: Order, now: datetime, actor: User | None) -> None:
    """Mark the order paid once what is due now is in; a paid order's payments earn
    their commissions (each payment once: instalments earn as they arrive)."""
    db.flush()
    db.refresh(order, ["payments"])
    if order.status in (PENDING, CANCELLED) and received(order) >= due_now(db, order):
        was = order.status
        order.status = PAID
        order.paid_at = now
        order.auto_cancel_at = None  # nothing left for the auto-cancel to do
        text = "paid" if was == PENDING else "paid after it was cancelled: the money arrived late"
        log_event(db, order, "status", f"{was} -> paid ({text})", actor=actor, now=now)
    earn_on_order(db, order, now)
    # A request's order: its dossier moves to deposit paid / paid in full, its
    # subscription recovers (imported here: services.requests builds on the orders).
    from voiceapp.services.requests.payments_arrived import order_payment_arrived

    order_payment_arrived(db, order, received(order), now=now, actor=actor)


def refund(
    db: Session,
    order_id: int,
    *,
    now: datetime,
    actor: User,
    amount: Decimal | None = None,
    reason: str | None = None,
) -> Payment:
    """Pay money back: `amount` (partial) or everything received (None). All of it back
    -> the order is refunded, its open cases close and its commissions are taken back;
    part of it leaves the order paid and its commissions as they are (the sale stands)."""
    order = lock_order(db, order_id)
    net = received(order)
    if net <= 0:
        raise PaymentError("amount", "nothing was received on this order: nothing to refund")
    amount = net if amount is None else amount
    if amount <= 0:
        raise PaymentError("amount", "must be more than 0")
    if amount > net:
        raise PaymentError(
            "amount", f"at most {net} {order.currency}: what was received less refunds"
        )
    payment = Payment(
        order=order,
        kind=REFUND,
        method="manual",
        status=SUCCEEDED,
        amount=amount,
        currency=order.currency,
        reference=reason,
        recorded_by_id=actor.id,
        created_at=now,
    )
    db.add(payment)
    full = amount == net
    log_event(
        db,
        order,
        "refund",
        f"{amount} {order.currency} refunded" + (f": {reason}" if reason else ""),
        actor=actor,
        now=now,
        data={"amount": str(amount), "full": full},
    )
    if full:
        was = order.status
        order.status = REFUNDED
        order.auto_cancel_at = None
        log_event(db, order, "status", f"{was} -> refunded", actor=actor, now=now)
        close_open_cases(db, order, reason="order refunded", actor=actor, now=now)
        take_back(db, order, now=now, actor=actor, reason="order refunded")
    db.flush()
    return payment
