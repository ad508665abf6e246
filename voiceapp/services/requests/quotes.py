"""Quotes (seed 003's "on request" products): the team proposes a price, the customer
accepts or rejects it on their private page, and the team is told.

- Sending a quote withdraws the one before (only the latest can be accepted), moves the
  request to "awaiting reply" and a dossier to "awaiting payment", and e-mails the
  customer a link to their page (the link is the caller's: it is signed with the app's
  key).
- Accepting sets the request's price and currency and creates (or re-prices) the
  request's order, so the pay page asks for that amount (services.requests.money).
- Every step is a line in the request's activity log, in the same transaction.

Flushes, never commits: the caller owns the transaction.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.domain.dossiers import acceptable_quote_id, stage_after_payment_asked
from voiceapp.domain.money import minor_units
from voiceapp.domain.requests import (
    ACCEPTED,
    AWAITING_REPLY,
    CONFIRMED,
    DECLINED,
    IN_PROGRESS,
    REJECTED,
    SENT,
    WITHDRAWN,
)
from voiceapp.domain.roles import ADMIN, SALES_MANAGER
from voiceapp.models import Quote, Request, User
from voiceapp.services.cases.mail import public_base_url
from voiceapp.services.emails import queue_email
from voiceapp.services.reminding import notify
from voiceapp.services.requests.activity import check_version, record

MAX_MESSAGE = 5000
MAX_AMOUNT = Decimal("9999999999.99")  # quotes.amount is NUMERIC(12, 2)
QUOTE_EMAIL = "request_quote"
TOLD_KIND = "quote_answered"


class QuoteError(ValueError):
    """Input that breaks a rule; `errors` is marshmallow-shaped ({"amount": [...]})."""

    def __init__(self, errors: dict):
        super().__init__(str(errors))
        self.errors = errors


def quotes_of(db: Session, request: Request) -> list[Quote]:
    """The request's quotes, newest first."""
    return list(
        db.scalars(
            select(Quote)
            .where(Quote.request_id == request.id)
            .order_by(Quote.created_at.desc(), Quote.id.desc())
        )
    )


def latest_open_quote(db: Session, request: Request) -> Quote | None:
    """The quote the customer may still answer: the latest, while it is "sent"."""
    quotes = quotes_of(db, request)
    chosen = acceptable_quote_id([(q.id, q.status) for q in quotes])
    return next((q for q in quotes if q.id == chosen), None)


def _checked_amount(amount: Decimal | None, currency: str) -> Decimal:
    if amount is None or amount <= 0:
        raise QuoteError({"amount": ["more than 0, please"]})
    if amount > MAX_AMOUNT:
        raise QuoteError({"amount": [f"at most {MAX_AMOUNT}"]})
    places = minor_units(currency)
    if amount != round(amount, places):
        raise QuoteError({"amount": [f"{currency} amounts have {places} decimals"]})
    return round(amount, 2)


def send_quote(
    db: Session,
    request: Request,
    *,
    amount: Decimal,
    currency: str | None,
    message: str | None,
    actor: User,
    now: datetime,
    page_url: str | None,
    expected_version: int | None = None,
) -> Quote:
    """A new price proposal; the one before (if still open) is withdrawn. The currency
    is the product's (its VAT and price terms are in it); a request without a product
    cannot be quoted (the team adds the product first). Raises QuoteError or
    StaleRequest."""
    check_version(request, expected_version)
    if request.status in (CONFIRMED, DECLINED):
        raise QuoteError({"request": [f"the request is {request.status}: no more quotes"]})
    if request.product is None:
        raise QuoteError({"request": ["add the product to be priced before sending a quote"]})
    wanted = (currency or request.product.currency).strip().upper()
    if wanted != request.product.currency:
        raise QuoteError(
            {"currency": [f"{request.product.name} is sold in {request.product.currency}"]}
        )
    amount = _checked_amount(amount, wanted)
    message = (message or "").strip() or None
    if message and len(message) > MAX_MESSAGE:
        raise QuoteError({"message": [f"at most {MAX_MESSAGE} characters"]})
    for earlier in quotes_of(db, request):
        if earlier.status == SENT:
            _withdraw(db, request, earlier, actor=actor, now=now, why="a new quote replaces it")
    quote = Quote(
        request_id=request.id,
        amount=amount,
        currency=wanted,
        message=message,
        status=SENT,
        sent_by_id=actor.id,
        created_at=now,
    )
    db.add(quote)
    db.flush()
    was = request.status
    request.status = AWAITING_REPLY
    request.stage = stage_after_payment_asked(request.stage)
    request.updated_at = now
    record(
        db,
        request,
        "quote",
        f"Quote sent: {amount} {wanted}"
        + (f" ({was.replace('_', ' ')} -> awaiting reply)" if was != AWAITING_REPLY else ""),
        actor_id=actor.id,
        data={"quote_id": quote.id, "amount": str(amount), "currency": wanted},
        at=now,
    )
    _email_quote(db, request, quote, page_url=page_url, now=now)
    db.flush()
    return quote


def _email_quote(db: Session, request: Request, quote: Quote, *, page_url, now) -> None:
    to = request.email or _contact_email(request)
    if not to:
        return  # no address: the team tells the customer on the phone
    product = request.product.name if request.product else "your request"
    lines = [
        f"Hello {request.name},",
        "",
        f"our price for {product}: {quote.amount} {quote.currency}.",
    ]
    if quote.message:
        lines += ["", quote.message]
    if page_url:
        lines += ["", f"Accept or decline it on your page: {page_url}"]
    queue_email(
        db,
        to=to,
        subject=f"Our quote for {product}: {quote.amount} {quote.currency}",
        body_text="\n".join(lines),
        purpose=QUOTE_EMAIL,
        now=now,
    )


def _contact_email(request: Request) -> str | None:
    emails = request.contact.emails if request.contact is not None else []
    return emails[0].email if emails else None


def _withdraw(db, request: Request, quote: Quote, *, actor: User, now, why: str) -> None:
    quote.status = WITHDRAWN
    quote.decided_at = now
    record(
        db,
        request,
        "quote",
        f"Quote of {quote.amount} {quote.currency} withdrawn ({why})",
        actor_id=actor.id,
        data={"quote_id": quote.id, "status": WITHDRAWN},
        at=now,
    )


def withdraw_quote(
    db: Session,
    request: Request,
    quote_id: int,
    *,
    actor: User,
    now: datetime,
    expected_version: int | None = None,
) -> Quote | None:
    """The team takes a sent quote back (the customer can no longer accept it); the
    request waits on the team again (in progress). None: no such quote on the request."""
    check_version(request, expected_version)
    quote = db.get(Quote, quote_id)
    if quote is None or quote.request_id != request.id:
        return None
    if quote.status != SENT:
        raise QuoteError({"quote": [f"the quote was {quote.status} already"]})
    _withdraw(db, request, quote, actor=actor, now=now, why="by the team")
    if request.status == AWAITING_REPLY:
        request.status = IN_PROGRESS
    request.updated_at = now
    db.flush()
    return quote


def answer_quote(db: Session, request: Request, *, accept: bool, now: datetime) -> Quote:
    """The customer's answer on their page, to the latest open quote. Accepting sets the
    request's price and currency and prepares the order the pay page takes the money
    for; either answer tells the team. Raises QuoteError when no quote is open."""
    quote = latest_open_quote(db, request)
    if quote is None:
        raise QuoteError({"quote": ["there is no quote waiting for your answer"]})
    quote.status = ACCEPTED if accept else REJECTED
    quote.decided_at = now
    request.status = IN_PROGRESS
    request.customer_wrote_at = now
    request.updated_at = now
    if accept:
        request.price = quote.amount
        request.currency = quote.currency
    verb = "accepted" if accept else "rejected"
    record(
        db,
        request,
        "customer_quote",
        f"The customer {verb} the quote of {quote.amount} {quote.currency}",
        actor_id=None,
        data={"quote_id": quote.id, "status": quote.status},
        at=now,
    )
    if accept:
        from voiceapp.services.requests.money import reprice_order

        reprice_order(db, request, now=now)
    _tell_team(
        db, request, f"{request.name} {verb} the quote of {quote.amount} {quote.currency}", now
    )
    db.flush()
    return quote


def _tell_team(db: Session, request: Request, message: str, now: datetime) -> None:
    """The assignee, or else every active manager and admin, gets a notification, and an
    e-mail too when their profile asks for mail ("notify by e-mail")."""
    if request.assignee is not None and request.assignee.active:
        members = [request.assignee]
    else:
        members = list(
            db.scalars(
                select(User).where(User.active.is_(True), User.role.in_((ADMIN, SALES_MANAGER)))
            )
        )
    for member in members:
        notify(
            db,
            member,
            kind=TOLD_KIND,
            message=f"Request #{request.id}: {message}",
            now=now,
            case_id=None,
        )
        if member.notify_by_email:
            _email_member(db, member, request, message, now=now)


def _email_member(db: Session, member: User, request: Request, message: str, *, now) -> None:
    lines = [f"Hello {member.name},", "", f"{message}."]
    base = public_base_url()
    if base:
        lines += ["", f"The request: {base.rstrip('/')}/requests/{request.id}"]
    queue_email(
        db,
        to=member.email,
        subject=f"Request #{request.id}: {message}",
        body_text="\n".join(lines),
        purpose=TOLD_KIND,
        now=now,
    )
