"""The customer's pay page (/p/CODE): the order found by its payment code, what the page
may show of it, and what can be done there: pay with the demo provider, announce a bank
transfer, give a SEPA direct debit mandate (the customer, or an agent on the phone with
them, seed 000). Nothing about the order itself can be changed there.

What the page shows is a `PayView`, not the order: the buyer's first name and nothing
else of theirs, so a template cannot show more by mistake.

Flushes, never commits: the caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.domain import bank_details, payment_code
from voiceapp.domain.payment_schedule import Due
from voiceapp.models import Order, Payment, Request, SepaMandate, User
from voiceapp.models.mandates import ONE_OFF, RECURRENT
from voiceapp.models.orders import CANCELLED, PAID, PAYMENT, PENDING_PAYMENT, REFUNDED, SEPA
from voiceapp.services.orders.history import log_event
from voiceapp.services.orders.payments import (
    PaymentError,
    lock_order,
    order_schedule,
    received,
    record_payment,
)
from voiceapp.services.orders.payments import due_now as first_due
from voiceapp.services.team_settings import get_team_settings

# What the page is about: the order's status, or, while it is pending, "open" (choose a
# method and pay) or "mandate" (a direct debit mandate was given: the debit is awaited).
OPEN, MANDATE_GIVEN = "open", "mandate"
DONE_STATES = (PAID, CANCELLED, REFUNDED)
# Methods the pay page offers, in the order it lists them.
DEMO, CARD, BANK_TRANSFER = "demo", "card", "bank_transfer"
# SEPA direct debits are in euro only.
SEPA_CURRENCY = "EUR"
# How many payments of a plan the page lists (a subscription's list is endless).
SCHEDULE_SHOWN = 4
# The history line of a customer who chose to transfer (kind and method).
CHOICE_KIND = "pay_page"


class NotPayable(ValueError):
    """The order takes nothing on the pay page now (paid, cancelled, a mandate given, or
    the method is not offered); the page shows the order's state instead."""


class MandateInputError(ValueError):
    """The mandate form's problems: field -> code (domain.bank_details codes, and
    "required" for the unticked mandate box), so the page can say it in its language."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(str(problems))
        self.problems = problems


@dataclass(frozen=True)
class Line:
    name: str
    quantity: int
    vat_rate: Decimal
    net: Decimal
    gross: Decimal


@dataclass(frozen=True)
class BankAccount:
    holder: str
    iban: str  # grouped for reading
    bic: str | None


@dataclass(frozen=True)
class PayView:
    """Everything the pay page may show: nothing else of the order or the buyer."""

    code: str  # XXXX-XXXX-C
    state: str
    language: str | None
    number: str
    first_name: str | None
    seller_name: str | None
    seller_country: str
    currency: str
    lines: list[Line]
    net: Decimal
    vat: Decimal
    gross: Decimal
    vat_note: str | None
    reverse_charge: bool
    withdrawal_right: bool
    plan: dict
    schedule: list[Due]
    schedule_more: bool
    due_now: Decimal
    received: Decimal
    to_pay: Decimal
    methods: list[str]
    bank: BankAccount | None
    creditor_id: str | None
    mandate_reference: str
    sequence_type: str
    transfer_chosen: bool


def thank_you_url(order: Order, base_url: str) -> str | None:
    """PUBLIC_BASE_URL/p/XXXX-XXXX-C/thanks: what the agent's screen shows once the order
    is paid (the customer lands there after paying)."""
    if order.payment_code is None:
        return None
    return f"{base_url.rstrip('/')}/p/{payment_code.format_code(order.payment_code)}/thanks"


def find_order(db: Session, code: str) -> Order | None:
    """The order holding `code` (canonical, domain.payment_code.parse_code)."""
    return db.scalar(select(Order).where(Order.payment_code == code))


def pending_debit(order: Order) -> Payment | None:
    return next(
        (
            p
            for p in order.payments
            if p.kind == PAYMENT and p.method == SEPA and p.status == PENDING_PAYMENT
        ),
        None,
    )


def page_state(order: Order) -> str:
    if order.status in DONE_STATES:
        return order.status
    return MANDATE_GIVEN if pending_debit(order) is not None else OPEN


def left_to_pay(db: Session, order: Order) -> Decimal:
    """What is due now (the first payment of the plan) less what already arrived."""
    return max(first_due(db, order) - received(order), Decimal("0.00"))


def transfer_chosen(order: Order) -> bool:
    return any(
        e.kind == CHOICE_KIND and (e.data or {}).get("method") == BANK_TRANSFER
        for e in order.events
    )


def team_account(db: Session) -> BankAccount | None:
    settings = get_team_settings(db)
    if not settings.bank_iban:
        return None
    return BankAccount(
        holder=settings.bank_account_holder or "",
        iban=bank_details.format_iban(settings.bank_iban),
        bic=settings.bank_bic,
    )


def offered_methods(db: Session, order: Order, *, demo: bool, card: bool) -> list[str]:
    """The ways to pay this order: the demo provider and Stripe as the app is configured
    (the caller says), a bank transfer with the team's IBAN, a direct debit with its
    SEPA creditor identifier (and an order in euro). A dossier with online payment
    switched off gets only the bank transfer."""
    settings = get_team_settings(db)
    online = online_payment_allowed(db, order)
    methods = [DEMO] if demo and online else []
    if card and online:
        methods.append(CARD)
    if (
        online
        and settings.sepa_creditor_id
        and settings.bank_iban
        and order.currency == SEPA_CURRENCY
    ):
        methods.append(SEPA)
    if settings.bank_iban:
        methods.append(BANK_TRANSFER)
    return methods


def online_payment_allowed(db: Session, order: Order) -> bool:
    """False for the order of a dossier whose online payment the team switched off: the
    customer then pays by bank transfer, and the team records it by hand."""
    switched = db.scalar(select(Request.online_payment).where(Request.order_id == order.id))
    return switched is None or switched


def sequence_type(order: Order) -> str:
    return ONE_OFF if order.plan.get("kind", "single") == "single" else RECURRENT


def pay_view(db: Session, order: Order, *, demo: bool, card: bool) -> PayView:
    settings = get_team_settings(db)
    schedule = order_schedule(db, order, horizon=SCHEDULE_SHOWN + 1)
    return PayView(
        code=payment_code.format_code(order.payment_code),
        state=page_state(order),
        language=order.buyer_language,
        number=order.number,
        first_name=order.buyer_first_name,
        seller_name=settings.seller_name or settings.bank_account_holder,
        seller_country=settings.seller_country,
        currency=order.currency,
        lines=[Line(i.name, i.quantity, i.vat_rate, i.net, i.gross) for i in order.items],
        net=order.net,
        vat=order.vat,
        gross=order.total,
        vat_note=order.vat_note,
        reverse_charge=order.reverse_charge,
        withdrawal_right=order.withdrawal_right,
        plan=dict(order.plan),
        schedule=schedule[:SCHEDULE_SHOWN],
        schedule_more=len(schedule) > SCHEDULE_SHOWN,
        due_now=first_due(db, order),
        received=received(order),
        to_pay=left_to_pay(db, order),
        methods=offered_methods(db, order, demo=demo, card=card),
        bank=team_account(db),
        creditor_id=settings.sepa_creditor_id,
        mandate_reference=payment_code.format_code(order.payment_code),
        sequence_type=sequence_type(order),
        transfer_chosen=transfer_chosen(order),
    )


def _payable(db: Session, order_id: int) -> Order:
    """The order, locked, when it is open on the pay page; NotPayable otherwise."""
    order = lock_order(db, order_id)
    if order is None or page_state(order) != OPEN:
        raise NotPayable("the order takes no payment on the pay page now")
    return order


def demo_payment(
    db: Session,
    order_id: int,
    *,
    checkout_ref: str,
    amount: Decimal,
    now: datetime,
    ip_address: str | None,
    actor: User | None = None,
) -> Payment | None:
    """The demo provider's checkout `checkout_ref` succeeded: `amount` arrived. The same
    checkout told twice records nothing the second time (None), like a provider's event.
    A checkout started while the order was open completes even if it was cancelled
    meanwhile (money that arrived is recorded: services.orders.payments)."""
    try:
        return record_payment(
            db,
            order_id,
            amount=amount,
            method="demo",
            now=now,
            provider_ref=checkout_ref,
            actor=actor,
            ip_address=ip_address,
        )
    except PaymentError as exc:  # refunded meanwhile: it takes no more payments
        raise NotPayable(str(exc)) from exc


def choose_bank_transfer(
    db: Session, order_id: int, *, now: datetime, actor: User | None = None
) -> Order:
    """The customer will transfer the money: a line in the order's history, once. A
    manager marks the transfer received when it arrives (nothing is recorded now)."""
    order = _payable(db, order_id)
    if not get_team_settings(db).bank_iban:
        raise NotPayable("the team takes no bank transfers")
    if not transfer_chosen(order):
        who = "customer" if actor is None else f"{actor.name}, for the customer,"
        log_event(
            db,
            order,
            CHOICE_KIND,
            f"{who} chose bank transfer",
            actor=actor,
            now=now,
            data={"method": BANK_TRANSFER},
        )
        db.flush()
    return order


@dataclass(frozen=True)
class MandateInput:
    holder: str
    iban: str
    accepted: bool


def check_mandate_input(given: MandateInput) -> tuple[str, str]:
    """(holder, IBAN) checked; MandateInputError naming each field's problem."""
    problems: dict[str, str] = {}
    holder = iban = ""
    try:
        holder = bank_details.checked_holder(given.holder)
    except bank_details.BankDetailError as exc:
        problems["holder"] = exc.code
    try:
        iban = bank_details.checked_iban(given.iban)
    except bank_details.BankDetailError as exc:
        problems["iban"] = exc.code
    if not given.accepted:
        problems["accept"] = "required"
    if problems:
        raise MandateInputError(problems)
    return holder, iban


def give_mandate(
    db: Session,
    order_id: int,
    given: MandateInput,
    *,
    mandate_text: str,
    now: datetime,
    ip_address: str | None,
    actor: User | None = None,
) -> Payment:
    """A SEPA direct debit mandate for what is due now: a pending payment (a manager
    marks it received once the debit is collected) and the mandate kept with the full
    IBAN (models.mandates says why); the payment and the history carry the IBAN masked.
    `mandate_text` is the text the debtor accepted, as the page showed it."""
    holder, iban = check_mandate_input(given)
    order = _payable(db, order_id)
    settings = get_team_settings(db)
    if not (settings.sepa_creditor_id and settings.bank_iban) or order.currency != SEPA_CURRENCY:
        raise NotPayable("the team takes no direct debits for this order")
    reference = payment_code.format_code(order.payment_code)
    masked = bank_details.mask_iban(iban)
    payment = record_payment(
        db,
        order.id,
        amount=left_to_pay(db, order),
        method=SEPA,
        status=PENDING_PAYMENT,
        reference=reference,
        details={
            "iban_masked": masked,
            "holder": holder,
            "mandate_reference": reference,
            "creditor_id": settings.sepa_creditor_id,
            "sequence_type": sequence_type(order),
            "accepted_at": now.isoformat(),
            "entered_by": "customer" if actor is None else "member",
        },
        now=now,
        actor=actor,
        ip_address=ip_address,
    )
    db.add(
        SepaMandate(
            order_id=order.id,
            payment_id=payment.id,
            reference=reference,
            creditor_id=settings.sepa_creditor_id,
            holder=holder,
            iban=iban,
            sequence_type=sequence_type(order),
            mandate_text=mandate_text,
            accepted_at=now,
            ip_address=ip_address,
            entered_by_id=actor.id if actor else None,
        )
    )
    who = "the customer" if actor is None else f"{actor.name} for the customer, on the phone"
    log_event(
        db,
        order,
        CHOICE_KIND,
        f"SEPA direct debit mandate {reference} given by {who}: account {masked}",
        actor=actor,
        now=now,
        data={"method": SEPA, "mandate_reference": reference},
    )
    db.flush()
    return payment


def mandate_of(db: Session, payment_id: int) -> SepaMandate | None:
    return db.scalar(select(SepaMandate).where(SepaMandate.payment_id == payment_id))
