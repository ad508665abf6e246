"""The order page (seed 002): everything it shows, read in a few queries, and the checks
its forms need beyond those of payments and actions (who may delete a note, what a
payment recorded by hand may be, a reason for a cancellation or refund).

Reading: `order_page` gathers the order with its lines, payments and history, the
customer and the notes on them, the figures and the payment schedule, the order's cases
(tasks), the customer's other orders and the calls about them. The users named on the
page (seller, authors, who recorded what) are read in one query, so the relationships
that name them are answered from the session.

Writing: flushes, never commits: the caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from voiceapp.domain import order_rights
from voiceapp.domain.order_rights import OrderFacts
from voiceapp.domain.payment_schedule import Standing
from voiceapp.domain.scheduling import OUTCOME_LABELS
from voiceapp.models import Call, Case, CaseEvent, Contact, CustomerNote, Order, Payment, User
from voiceapp.models.orders import PAYMENT, PENDING_PAYMENT, SUCCEEDED
from voiceapp.services.accounts import users_by_id
from voiceapp.services.cases.history import team_zone
from voiceapp.services.contacts import user_can_view
from voiceapp.services.orders import actions, manual_payments, payments
from voiceapp.services.orders.history import log_event
from voiceapp.services.orders.orders import visible_order
from voiceapp.services.orders.payments import Amounts, PaymentError

MAX_REASON = 200  # the cancel reason's and a payment reference's column
MAX_CALLS = 50
MAX_ORDERS = 100


class NotAllowed(PermissionError):
    """The member may not do this (a 403)."""


@dataclass(slots=True)
class OrderCall:
    """A call with the customer while a case about one of their orders was open."""

    call: Call
    agent_name: str | None
    orders: list[tuple[int, str]]  # (id, number) of the orders whose cases it belongs to
    case_ids: list[int]
    outcome_label: str | None = None
    # Stored recordings the viewer may play, and those not stored (yet).
    playable: list = field(default_factory=list)
    pending: list = field(default_factory=list)


@dataclass
class OrderPage:
    order: Order
    contact: Contact
    contact_visible: bool  # false: an agent sees the order only because they sold it
    manager: User | None  # the contact's owner: the manager in charge
    notes: list[CustomerNote]
    deletable_note_ids: set[int]
    amounts: Amounts
    standing: Standing | None  # instalments and subscriptions only
    events: list  # OrderEvent, newest first
    tasks: list[Case]
    customer_orders: list[Order]
    calls: list[OrderCall]
    zone: str  # the customer's time zone, or the team's when theirs is unknown
    zone_is_team: bool
    facts: OrderFacts
    allowed: frozenset[str]
    prepayment: bool  # a payment by hand pays ahead of the plan's schedule

    @property
    def buyer_name(self) -> str:
        o = self.order
        parts = (o.buyer_salutation, o.buyer_title, o.buyer_first_name, o.buyer_last_name)
        return " ".join(p for p in parts if p) or self.contact.display_name

    @property
    def address_lines(self) -> list[str]:
        o = self.order
        town = " ".join(p for p in (o.buyer_postcode, o.buyer_city) if p)
        lines = [o.buyer_street, town, o.buyer_state, o.buyer_country]
        return [line for line in lines if line]

    @property
    def suggested_payment(self) -> Decimal | None:
        """What a payment by hand most likely is: the next unpaid due on a plan paid over
        time, what is outstanding on a single payment."""
        if self.standing is not None and self.standing.next_due is not None:
            due = self.standing.next_due.amount
            return min(due, self.amounts.outstanding) if self.amounts.outstanding else due
        return self.amounts.outstanding or None


def order_facts(db: Session, order: Order, amounts: Amounts) -> OrderFacts:
    paid_in = [p for p in order.payments if p.kind == PAYMENT]
    return OrderFacts(
        status=order.status,
        confirmed=order.confirmed_at is not None,
        plan_kind=(order.plan or {}).get("kind", "single"),
        received=payments.received(order),
        any_payment_received=any(p.status == SUCCEEDED for p in paid_in),
        pending_payments=any(p.status == PENDING_PAYMENT for p in paid_in),
        outstanding=amounts.outstanding,
    )


def order_page(db: Session, viewer: User, order_id: int, *, now: datetime) -> OrderPage | None:
    """Everything the order page shows, or None when `viewer` may not see the order."""
    order = db.scalar(
        select(Order)
        .where(Order.id == order_id)
        .options(
            selectinload(Order.items), selectinload(Order.payments), selectinload(Order.events)
        )
    )
    if order is None or visible_order(db, viewer, order_id) is None:
        return None
    contact = db.get(Contact, order.contact_id)
    contact_visible = user_can_view(viewer, contact)
    notes = actions.customer_notes(db, contact.id)
    tasks = list(
        db.scalars(select(Case).where(Case.order_id == order.id).order_by(Case.created_at, Case.id))
    )
    customer_orders = _customer_orders(db, viewer, contact, contact_visible)
    # Everyone the page names, in one query: relationships to them then need none.
    people = users_by_id(
        db,
        [order.seller_id, contact.owner_id]
        + [n.author_id for n in notes]
        + [e.actor_id for e in order.events]
        + [p.recorded_by_id for p in order.payments]
        + [c.assignee_id for c in tasks],
    )
    amounts = payments.order_amounts(db, order, now)
    facts = order_facts(db, order, amounts)
    over_time = order_rights.is_prepayment(facts.plan_kind)
    zone, zone_is_team = customer_zone(db, contact)
    return OrderPage(
        order=order,
        contact=contact,
        contact_visible=contact_visible,
        manager=people.get(contact.owner_id),
        notes=notes,
        deletable_note_ids={
            n.id
            for n in notes
            if order_rights.may(
                viewer.role, order_rights.DELETE_NOTE, wrote_it=n.author_id == viewer.id
            )
        },
        amounts=amounts,
        standing=payments.order_standing(db, order, now) if over_time else None,
        events=sorted(order.events, key=lambda e: (e.at, e.id), reverse=True),
        tasks=tasks,
        customer_orders=customer_orders,
        calls=customer_order_calls(db, contact.id, viewer, now=now),
        zone=zone,
        zone_is_team=zone_is_team,
        facts=facts,
        allowed=order_rights.allowed(viewer.role, facts, sold_it=order.seller_id == viewer.id),
        prepayment=over_time,
    )


def customer_zone(db: Session, contact: Contact) -> tuple[str, bool]:
    """The customer's time zone (from their number or address), or the team's when theirs
    is unknown or not a zone this machine knows; and whether it is the team's."""
    if contact.timezone:
        try:
            ZoneInfo(contact.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            pass
        else:
            return contact.timezone, False
    return team_zone(db), True


def _customer_orders(db: Session, viewer: User, contact: Contact, contact_visible: bool):
    """All orders of the customer, newest first; an agent who may not see the contact
    (they sold this order before it turned private) sees only those they sold."""
    query = select(Order).where(Order.contact_id == contact.id)
    if not contact_visible:
        query = query.where(Order.seller_id == viewer.id)
    query = query.order_by(Order.created_at.desc(), Order.id.desc()).limit(MAX_ORDERS)
    return list(db.scalars(query))


def customer_order_calls(
    db: Session, contact_id: int, viewer: User, *, now: datetime
) -> list[OrderCall]:
    """The calls about the customer's orders: each call (the caller's or agent's first
    leg) with the customer while a case linked to one of their orders was open, newest
    first, at most MAX_CALLS; with the outcome recorded for it and the recordings the
    viewer may hear (services.calls.recordings.can_listen)."""
    # Imported here: services.calls imports services.cases, which imports orders.
    from voiceapp.services.calls.recordings import can_listen

    in_window = and_(
        Case.contact_id == Call.contact_id,
        Call.started_at >= Case.created_at,
        or_(Case.closed_at.is_(None), Call.started_at <= Case.closed_at),
    )
    rows = db.execute(
        select(Call, Case.id, Order.id, Order.number)
        .join(Case, in_window)
        .join(Order, Case.order_id == Order.id)
        .where(Order.contact_id == contact_id, Call.parent_sid.is_(None), Call.started_at <= now)
        .options(selectinload(Call.recordings))
        .order_by(Call.started_at.desc(), Call.id.desc(), Case.id)
        .limit(MAX_CALLS * 4)
    ).all()
    found: dict[int, OrderCall] = {}
    for call, case_id, order_id, number in rows:
        row = found.get(call.id)
        if row is None:
            if len(found) == MAX_CALLS:
                continue
            row = found[call.id] = OrderCall(call, None, [], [])
        if case_id not in row.case_ids:
            row.case_ids.append(case_id)
        if (order_id, number) not in row.orders:
            row.orders.append((order_id, number))
    if not found:
        return []
    agents = users_by_id(db, [r.call.agent_id for r in found.values()])
    outcomes = _outcomes_by_call(db, {c for r in found.values() for c in r.case_ids})
    for row in found.values():
        row.agent_name = agents[row.call.agent_id].name if row.call.agent_id in agents else None
        row.outcome_label = outcomes.get(row.call.sid)
        if can_listen(viewer, row.call):
            for recording in row.call.recordings:
                stored = recording.fetched_at is not None and bool(recording.media_path)
                (row.playable if stored else row.pending).append(recording)
    return list(found.values())


def _outcomes_by_call(db: Session, case_ids: set[int]) -> dict[str, str]:
    found: dict[str, str] = {}
    events = db.scalars(
        select(CaseEvent).where(CaseEvent.case_id.in_(case_ids), CaseEvent.kind == "outcome")
    )
    for event in events:
        data = event.data or {}
        if data.get("call_sid") and data.get("outcome") in OUTCOME_LABELS:
            found[data["call_sid"]] = OUTCOME_LABELS[data["outcome"]]
    return found


# --- the page's forms ---------------------------------------------------------------


def _reason(text: str | None, field_name: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise PaymentError(field_name, f"give a reason for the {what}")
    if len(text) > MAX_REASON:
        raise PaymentError(field_name, f"at most {MAX_REASON} characters")
    return text


def cancel_order(
    db: Session, order_id: int, *, reason: str | None, actor: User, now: datetime
) -> Order:
    """Cancel by hand, with the reason said (it goes to the history and the order)."""
    return actions.cancel(
        db, order_id, actor=actor, now=now, reason=_reason(reason, "reason", "cancellation")
    )


def refund_order(
    db: Session,
    order_id: int,
    *,
    amount: Decimal | None,
    reason: str | None,
    actor: User,
    now: datetime,
) -> Payment:
    """Pay back `amount`, or all that was received (None), with the reason said."""
    reason = _reason(reason, "reason", "refund")
    return payments.refund(db, order_id, now=now, actor=actor, amount=amount, reason=reason)


def record_manual_payment(
    db: Session,
    order_id: int,
    *,
    amount: Decimal,
    method: str,
    reference: str | None,
    actor: User,
    now: datetime,
) -> Payment:
    """Money a manager records by hand (services.orders.manual_payments, as the API)."""
    payment = manual_payments.record_manual_payment(
        db, order_id, amount=amount, method=method, reference=reference, actor=actor, now=now
    )
    if payment is None:
        raise PaymentError("order", "no such order")
    return payment


def mark_received(
    db: Session, order_id: int, payment_id: int, *, actor: User, now: datetime
) -> Payment:
    """A pending payment of this order (a SEPA debit) was collected."""
    payment = db.get(Payment, payment_id)
    if payment is None or payment.order_id != order_id or payment.kind != PAYMENT:
        raise PaymentError("payment_id", "no such payment on this order")
    if payment.status != PENDING_PAYMENT:
        raise PaymentError("payment_id", f"this payment is {payment.status}, not pending")
    order = db.get(Order, order_id)
    if order.status == "refunded":
        raise PaymentError("order", "the order was refunded: it takes no more payments")
    return payments.mark_payment_received(db, payment_id, now=now, actor=actor)


def add_customer_note(
    db: Session, order: Order, text: str | None, *, actor: User, now: datetime
) -> CustomerNote:
    """A note on the customer (shown on all their orders), and a line in this order's
    history saying who wrote it."""
    note = actions.add_note(db, order.contact_id, text or "", actor=actor, now=now)
    log_event(db, order, "note", f"note on the customer: {note.text}", actor=actor, now=now)
    db.flush()
    return note


def delete_customer_note(
    db: Session, order: Order, note_id: int, *, actor: User, now: datetime
) -> bool:
    """Delete a note on the order's customer: managers any, others their own (NotAllowed).
    False when the customer has no such note."""
    note = db.get(CustomerNote, note_id)
    if note is None or note.contact_id != order.contact_id:
        return False
    wrote_it = note.author_id == actor.id
    if not order_rights.may(actor.role, order_rights.DELETE_NOTE, wrote_it=wrote_it):
        raise NotAllowed("only managers delete a note someone else wrote")
    text = note.text if len(note.text) <= 80 else note.text[:79] + "…"
    actions.delete_note(db, order.contact_id, note_id)
    log_event(db, order, "note", f"note on the customer deleted: {text}", actor=actor, now=now)
    db.flush()
    return True
