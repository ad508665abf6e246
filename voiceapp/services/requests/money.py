"""A request's money is an ordinary order: `order_for_request` creates it (or reuses it)
from the request's product, its price (the list price, or the accepted quote), its plan
and the contact as buyer, so the payment URL, the pay page, manual payments and refunds
are the orders' own.

- The order is not auto-cancelled: a dossier waits in its pipeline (a deposit may come
  weeks before the rest), and the team archives it when it is over.
- A buyer the request does not fully describe is completed: no country -> the team's own
  (VAT as for a domestic customer, which the team corrects on the order if wrong); no
  last name -> the name the customer typed on the form.
- "Send payment link" e-mails the /p/CODE URL and moves a dossier to "awaiting payment".
- The online-payment switch: off, the pay page offers no online method (demo provider,
  card, SEPA direct debit), only a bank transfer, and the team records payments by hand.

Flushes, never commits: the caller owns the transaction.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.domain.dossiers import stage_after_payment_asked
from voiceapp.domain.requests import ACCEPTED, DECLINED
from voiceapp.domain.roles import is_manager_or_admin
from voiceapp.models import Order, Quote, Request, User
from voiceapp.models.orders import PAID, PENDING
from voiceapp.services.emails import queue_email
from voiceapp.services.orders.cancelling import mark_cancelled
from voiceapp.services.orders.manual_payments import PaymentForbidden, record_manual_payment
from voiceapp.services.orders.orders import (
    OrderError,
    buyer_with_defaults,
    create_order,
    payment_url,
)
from voiceapp.services.orders.payments import received
from voiceapp.services.orders.products import seller_country
from voiceapp.services.requests.activity import check_version, record

LINK_EMAIL = "request_payment_link"
MAX_PAYER = 200


class MoneyError(ValueError):
    """A rule the request's money breaks; `errors` is marshmallow-shaped."""

    def __init__(self, errors: dict):
        super().__init__(str(errors))
        self.errors = errors


def request_of_order(db: Session, order_id: int) -> Request | None:
    return db.scalar(select(Request).where(Request.order_id == order_id))


def live_order(request: Request) -> Order | None:
    """The request's order while it can still take money (pending or paid)."""
    order = request.order
    return order if order is not None and order.status in (PENDING, PAID) else None


def agreed_price(request: Request):
    """The price the order is for: the request's (an accepted quote set it), or the
    product's list price; None while an on-request product has no accepted quote."""
    if request.price is not None:
        return request.price
    return request.product.price if request.product is not None else None


def order_for_request(db: Session, request: Request, *, seller: User, now: datetime) -> Order:
    """The request's order: the live one, or a new one. Raises MoneyError when the
    request has no product, or no price yet (an on-request product needs an accepted
    quote), or the order service refuses (its field errors, under "order")."""
    order = live_order(request)
    if order is not None:
        return order
    if request.product is None:
        raise MoneyError({"product_id": ["add the product the customer pays for first"]})
    price = agreed_price(request)
    if price is None:
        raise MoneyError({"price": [f"{request.product.name} is on request: a quote is needed"]})
    item = {"product_id": request.product_id, "quantity": 1}
    if request.price is not None:
        item["unit_price"] = request.price
    data = {
        "contact_id": request.contact_id,
        "items": [item],
        "plan": request.plan or {"kind": "single"},
        "buyer": _buyer(db, request),
        "source": f"request #{request.id}",
    }
    try:
        order = create_order(db, data, seller=seller, now=now)
    except OrderError as exc:
        raise MoneyError({"order": exc.errors}) from exc
    order.auto_cancel_at = None
    request.order_id = order.id
    request.order = order
    request.updated_at = now
    record(
        db,
        request,
        "order",
        f"Order {order.number} created: {order.total} {order.currency}",
        actor_id=seller.id,
        data={"order_id": order.id},
        at=now,
    )
    db.flush()
    return order


def _buyer(db: Session, request: Request) -> dict:
    buyer = buyer_with_defaults({}, request.contact)
    buyer["country"] = buyer.get("country") or seller_country(db)
    if not (buyer.get("last_name") or buyer.get("company")):
        buyer["last_name"] = request.name
    buyer["email"] = buyer.get("email") or request.email
    buyer["language"] = request.language or buyer.get("language")
    buyer["phone"] = buyer.get("phone") or request.phone
    return buyer


def reprice_order(db: Session, request: Request, *, now: datetime) -> Order | None:
    """A quote was accepted: the request's order asks for the new price. An order with
    no money in yet is replaced (cancelled, a new one made); one with money in keeps its
    price and the log says so, for the team to settle by hand. The new order's seller is
    the member who sent the quote (else the assignee); None when there is nobody."""
    seller = _quote_sender(db, request) or request.assignee
    order = live_order(request)
    if order is not None:
        if order.items and order.items[0].unit_price == request.price:
            return order
        if received(order) > 0:
            record(
                db,
                request,
                "price",
                f"the accepted price {request.price} {request.currency} differs from order "
                f"{order.number}, which has payments: settle the difference by hand",
                actor_id=None,
                at=now,
            )
            return order
        mark_cancelled(db, order, actor=None, now=now, reason="replaced: a new quote was accepted")
        request.order_id = None
        request.order = None
    if seller is None or not seller.active:
        return None
    return order_for_request(db, request, seller=seller, now=now)


def _quote_sender(db: Session, request: Request) -> User | None:
    quote = db.scalar(
        select(Quote)
        .where(Quote.request_id == request.id, Quote.status == ACCEPTED)
        .order_by(Quote.id.desc())
        .limit(1)
    )
    return quote.sent_by if quote is not None else None


def send_payment_link(
    db: Session,
    request: Request,
    *,
    actor: User,
    now: datetime,
    base_url: str,
    expected_version: int | None = None,
) -> Order:
    """E-mail the customer the order's payment URL (the order made first if needed); a
    dossier moves to "awaiting payment". Raises MoneyError or StaleRequest."""
    check_version(request, expected_version)
    if request.status == DECLINED:
        raise MoneyError({"request": ["the request was declined"]})
    to = request.email or buyer_email(request)
    if not to:
        raise MoneyError({"email": ["the customer has no e-mail address: read the link out"]})
    order = order_for_request(db, request, seller=actor, now=now)
    url = payment_url(order, base_url)
    queue_email(
        db,
        to=to,
        subject=f"Your payment link for order {order.number}",
        body_text="\n".join(
            [
                f"Hello {request.name},",
                "",
                f"please pay {order.total} {order.currency} for {order.items[0].name} here:",
                url,
            ]
        ),
        purpose=LINK_EMAIL,
        now=now,
    )
    was = request.stage
    request.stage = stage_after_payment_asked(request.stage)
    request.updated_at = now
    moved = f" ({was.replace('_', ' ')} -> awaiting payment)" if was != request.stage else ""
    record(
        db,
        request,
        "payment_link",
        f"Payment link sent to {to}: {url}{moved}",
        actor_id=actor.id,
        data={"order_id": order.id},
        at=now,
    )
    db.flush()
    return order


def buyer_email(request: Request) -> str | None:
    emails = request.contact.emails if request.contact is not None else []
    return emails[0].email if emails else None


def set_online_payment(
    db: Session,
    request: Request,
    on: bool,
    *,
    actor: User,
    now: datetime,
    expected_version: int | None = None,
) -> bool:
    """Switch online payment on or off for this dossier; True when it changed."""
    check_version(request, expected_version)
    if request.online_payment == on:
        return False
    request.online_payment = on
    request.updated_at = now
    record(
        db,
        request,
        "payment_method",
        f"Online payment switched {'on' if on else 'off'}",
        actor_id=actor.id,
        data={"online_payment": on},
        at=now,
    )
    db.flush()
    return True


def record_request_payment(
    db: Session,
    request: Request,
    *,
    amount,
    method: str,
    received_on: date,
    payer_name: str | None,
    payer_address: str | None,
    reference: str | None,
    actor: User,
    now: datetime,
    expected_version: int | None = None,
):
    """A payment recorded by hand on the request's order (made first if needed), with
    the day the money came and who paid (kept with the payment). The dossier's stage
    follows in services.requests.payments_arrived. Raises MoneyError, PaymentError,
    PaymentForbidden or StaleRequest."""
    if not is_manager_or_admin(actor.role):
        raise PaymentForbidden("only managers and admins record payments by hand")
    check_version(request, expected_version)
    if request.status == DECLINED:
        raise MoneyError({"request": ["the request was declined"]})
    if received_on > now.date():
        raise MoneyError({"received_on": ["the money cannot have come in the future"]})
    payer_name = (payer_name or "").strip() or None
    payer_address = (payer_address or "").strip() or None
    for field, value in (("payer_name", payer_name), ("payer_address", payer_address)):
        if value and len(value) > MAX_PAYER:
            raise MoneyError({field: [f"at most {MAX_PAYER} characters"]})
    order = order_for_request(db, request, seller=actor, now=now)
    return record_manual_payment(
        db,
        order.id,
        amount=amount,
        method=method,
        reference=reference,
        actor=actor,
        now=now,
        details={
            "received_on": received_on.isoformat(),
            "payer_name": payer_name,
            "payer_address": payer_address,
        },
    )


__all__ = [
    "MoneyError",
    "agreed_price",
    "live_order",
    "order_for_request",
    "record_request_payment",
    "reprice_order",
    "send_payment_link",
    "set_online_payment",
]
