"""Card payments through Stripe Checkout: the session the pay page's "Pay by card" opens,
and the webhook events that say it was paid.

`start_checkout` asks Stripe (the official `stripe` library; STRIPE_API_BASE points it at
the local stand-in in development and tests) for a Checkout Session of what is due now,
and answers the URL of Stripe's hosted page. It writes nothing: a customer who opens the
page and walks away leaves no trace, and an abandoned session simply expires at Stripe.

`handle_event` takes a verified event (the webhook checks the signature first) and records
the payment through `payments.record_payment`, keyed by the session's id: Stripe delivers
an event at least once and in no particular order, so the same session told twice is
recorded once, and events that say nothing new (expired, a failed late payment after the
success) change nothing. Flushes, never commits: the caller owns the transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import stripe
from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.domain.payment_code import PaymentCodeError, parse_code
from voiceapp.domain.stripe_amounts import from_stripe_amount, to_stripe_amount
from voiceapp.models import Order
from voiceapp.models.orders import PENDING, STRIPE
from voiceapp.services.orders.payments import (
    PaymentError,
    due_now,
    received,
    record_payment,
)

if TYPE_CHECKING:
    from voiceapp.config import Settings

log = logging.getLogger(__name__)

# A checkout is started while the customer waits on the pay page: a connection that does
# not open in 5 s, or an answer that takes over 20 s, is an error page, not a hung request.
CONNECT_TIMEOUT, READ_TIMEOUT = 5, 20
# The library retries a failed connection (and Stripe's 409/5xx that ask for it) once,
# with the same idempotency key, so a retried create never makes a second session.
NETWORK_RETRIES = 1
# Stripe allows 30 minutes to 24 hours. An hour is enough to type in a card, and keeps
# the window short in which a customer could pay a second, forgotten session.
SESSION_LIFETIME = timedelta(hours=1)
# Locales Stripe Checkout speaks among the call centre's languages; "auto" otherwise
# (the customer's browser decides).
CHECKOUT_LOCALES = frozenset({"de", "en", "es", "fr", "it", "nl", "pl", "pt"})
PAYING_EVENTS = frozenset(
    {"checkout.session.completed", "checkout.session.async_payment_succeeded"}
)


class CheckoutUnavailable(RuntimeError):
    """Stripe could not be reached or refused the request; nothing was changed."""


@dataclass(frozen=True)
class EventOutcome:
    """What an event did: `recorded` (a payment), `duplicate` (its session was recorded
    before), `ignored` (nothing to do), `unknown_order` or `refused` (logged, nothing
    recorded: telling Stripe to send it again would not change that)."""

    action: str
    detail: str
    order_id: int | None = None


def order_for_code(db: Session, text: str) -> Order | None:
    """The order a payment code names (typed any way parse_code accepts), or None."""
    try:
        code = parse_code(text)
    except PaymentCodeError:
        return None
    return db.scalar(select(Order).where(Order.payment_code == code))


def can_pay_by_card(order: Order) -> bool:
    """Only a pending order is paid on the pay page; a paid or cancelled one says so."""
    return order.status == PENDING


def amount_due_now(db: Session, order: Order) -> Decimal:
    """What paying now must bring in for the order to be paid: due now less received."""
    return max(due_now(db, order) - received(order), Decimal("0.00"))


def stripe_client(settings: Settings) -> stripe.StripeClient:
    base = {"api": settings.stripe_api_base.rstrip("/")} if settings.stripe_api_base else None
    return stripe.StripeClient(
        settings.stripe_secret_key,
        base_addresses=base,
        http_client=stripe.RequestsClient(timeout=(CONNECT_TIMEOUT, READ_TIMEOUT)),
        max_network_retries=NETWORK_RETRIES,
    )


def checkout_params(
    order: Order, amount: Decimal, *, success_url: str, cancel_url: str, now: datetime
) -> dict:
    """The Checkout Session to create: one line of `amount`, in the currency's minor
    units."""
    params: dict = {
        "mode": "payment",
        "payment_method_types": ["card"],
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": order.currency.lower(),
                    "unit_amount": to_stripe_amount(amount, order.currency),
                    "product_data": {"name": f"Order {order.number}"},
                },
            }
        ],
        "client_reference_id": str(order.id),
        "metadata": {"order_id": str(order.id), "payment_code": order.payment_code},
        "success_url": success_url,
        "cancel_url": cancel_url,
        "expires_at": int((now + SESSION_LIFETIME).timestamp()),
        "locale": order.buyer_language if order.buyer_language in CHECKOUT_LOCALES else "auto",
    }
    if order.buyer_email:
        params["customer_email"] = order.buyer_email
    return params


def start_checkout(
    db: Session,
    order: Order,
    *,
    success_url: str,
    cancel_url: str,
    settings: Settings,
    now: datetime | None = None,
) -> str:
    """A new Checkout Session for `order`, of what is still due now (the first payment of
    the order's plan, less what already came in, say part of it by bank transfer); the
    URL of Stripe's page to send the customer to. Raises CheckoutUnavailable when Stripe
    fails (nothing is written either way)."""
    amount = amount_due_now(db, order)
    if amount <= 0:
        raise CheckoutUnavailable(f"nothing is due now on order {order.number}")
    params = checkout_params(
        order,
        amount,
        success_url=success_url,
        cancel_url=cancel_url,
        now=now or datetime.now(UTC),
    )
    try:
        checkout = stripe_client(settings).v1.checkout.sessions.create(params)
    except stripe.StripeError as exc:
        log.warning("Stripe checkout for order %s failed: %s", order.number, exc)
        raise CheckoutUnavailable(str(exc)) from exc
    if not checkout.url:
        raise CheckoutUnavailable("Stripe answered a session without a payment page")
    log.info("Stripe checkout %s started for order %s", checkout.id, order.number)
    return checkout.url


def handle_event(db: Session, event: Mapping, now: datetime) -> EventOutcome:
    """Act on one verified Stripe event (a plain dict): a paid checkout session records
    the payment; everything else is acknowledged and changes nothing."""
    kind = event.get("type")
    session = (event.get("data") or {}).get("object") or {}
    if kind not in PAYING_EVENTS or session.get("object") != "checkout.session":
        return EventOutcome("ignored", f"{kind}: nothing to do")
    if session.get("payment_status") != "paid":
        # A delayed method (a bank debit) completes the session unpaid; its
        # async_payment_succeeded event follows once the money is there.
        return EventOutcome("ignored", f"{kind}: not paid yet ({session.get('payment_status')})")
    order = _order_of(db, session)
    if order is None:
        log.warning(
            "Stripe event %s (%s) names no order of ours: session %s, metadata %s",
            event.get("id"),
            kind,
            session.get("id"),
            dict(session.get("metadata") or {}),
        )
        return EventOutcome("unknown_order", f"session {session.get('id')}: no such order")
    refused = _mismatch(session, order)
    if refused:
        log.error("Stripe event %s for order %s: %s", event.get("id"), order.number, refused)
        return EventOutcome("refused", refused, order.id)
    try:
        payment = record_payment(
            db,
            order.id,
            amount=from_stripe_amount(session["amount_total"], order.currency),
            method=STRIPE,
            now=now,
            provider_ref=session["id"],
            details={
                "checkout_session": session["id"],
                "payment_intent": _id_of(session.get("payment_intent")),
                "event": event.get("id"),
            },
        )
    except PaymentError as exc:
        log.error("Stripe payment for order %s not recorded: %s", order.number, exc)
        return EventOutcome("refused", str(exc), order.id)
    if payment is None:
        return EventOutcome("duplicate", f"session {session['id']} was recorded before", order.id)
    return EventOutcome("recorded", f"{payment.amount} {payment.currency} received", order.id)


def _order_of(db: Session, session: Mapping) -> Order | None:
    """The order the session was made for: its id and its payment code, both as
    start_checkout wrote them into the metadata (a session made by anything else that
    shares the Stripe account names no order of ours)."""
    metadata = session.get("metadata") or {}
    order_id, code = metadata.get("order_id"), metadata.get("payment_code")
    if not isinstance(order_id, str) or not order_id.isdigit() or not code:
        return None
    order = db.get(Order, int(order_id))
    if order is None or order.payment_code != code:
        return None
    return order


def _mismatch(session: Mapping, order: Order) -> str | None:
    currency = str(session.get("currency") or "").upper()
    if currency != order.currency:
        return f"paid in {currency or 'no currency'}, the order is in {order.currency}"
    amount = session.get("amount_total")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        return f"amount_total {amount!r} is not an amount received"
    if not session.get("id"):
        return "the session has no id"
    return None


def _id_of(value) -> str | None:
    if isinstance(value, Mapping):  # expanded
        return value.get("id")
    return value
