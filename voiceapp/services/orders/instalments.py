"""Instalments and subscription payments after the order (seed 002: "a due instalment not
paid opens a payment-reminder case").

An hourly job (workers.repairs.remind_due_instalments) looks at every pending or paid
order with an instalment or subscription plan and compares its schedule with the money
received (payments.order_standing):

- Automatic payments: when the customer's automatic payments are on and the order has a
  SEPA mandate (a SEPA payment in its history), each later payment is recorded as a
  pending SEPA debit on its due date (provider_ref "sepa-<order>-<due date>", so it is
  recorded once). The debit counts when a manager marks it collected. Only if it is still
  not collected (pending or failed) SEPA_GRACE days after the due date is a reminder
  opened: a SEPA Core debit is settled within a couple of bank days and a bank returns an
  unpaid one within five.
- Otherwise a payment whose day has passed (the day after its due date, in the team's
  time zone) and that the money received does not cover opens a "payment_reminder" case
  for the order's seller (or the contact's owner, or the pool), linked to the order, due
  at the customer's next calling time. One per order and due date (InstalmentReminder,
  unique): the job never opens a second for the same payment. While the order has an
  open reminder case, a further overdue payment is added to that case's history instead
  of opening another case.
- The first payment of a pending order is not reminded: the order's own follow-up case
  and its auto-cancel date take care of it.
- When the overdue payments have arrived, the reminder cases this job opened close
  ("paid"), so nobody calls a customer who has paid.

Cancelled and refunded orders are never looked at. Nothing is opened when the team has
removed the payment_reminder case type (the SEPA debits are still recorded).

Each order is handled in its own transaction with its row locked (payments.lock_order),
so a payment being recorded and this job never decide on a stale status.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.domain import payment_schedule
from voiceapp.domain.cases import calling_window
from voiceapp.domain.payment_schedule import Due
from voiceapp.domain.products import INSTALMENTS, SUBSCRIPTION
from voiceapp.domain.scheduling import next_calling_time
from voiceapp.models import Case, Contact, InstalmentReminder, Order, User
from voiceapp.models.cases import CLOSED, OPEN
from voiceapp.models.orders import FAILED, PAID, PAYMENT, PENDING, PENDING_PAYMENT, SEPA
from voiceapp.services import cases as case_ops
from voiceapp.services.orders.history import log_event
from voiceapp.services.orders.payments import lock_order, order_schedule, received, record_payment
from voiceapp.services.team_settings import get_team_settings

log = logging.getLogger(__name__)

REMINDER_TYPE = "payment_reminder"
# Days after its due date a SEPA debit may still be on its way before a reminder opens.
SEPA_GRACE = timedelta(days=5)
PLAN_KINDS = (INSTALMENTS, SUBSCRIPTION)
BATCH = 200
# A subscription's schedule is listed far enough ahead to reach today (doubling from the
# order page's horizon, up to this many periods: 100 years of monthly payments).
MAX_PERIODS = 1200
PAID_REASON = "paid"


@dataclass
class Swept:
    """What one run did: reminder cases opened (or payments added to an open one), SEPA
    debits recorded, reminder cases closed because the money arrived."""

    reminders: int = 0
    debits: int = 0
    closed: int = 0

    def add(self, other: Swept) -> None:
        self.reminders += other.reminders
        self.debits += other.debits
        self.closed += other.closed


def sepa_ref(order_id: int, due_on: date) -> str:
    return f"sepa-{order_id}-{due_on.isoformat()}"


def candidates_statement(after_id: int, limit: int):
    """Pending and paid orders with a plan that has payments after the first, by id."""
    return (
        select(Order.id)
        .where(
            Order.status.in_((PENDING, PAID)),
            Order.plan["kind"].as_string().in_(PLAN_KINDS),
            Order.id > after_id,
        )
        .order_by(Order.id)
        .limit(limit)
    )


def remind_due_instalments(db: Session, *, now: datetime) -> Swept:
    """The whole run, each order in its own transaction (a failing order is logged and
    left for the next run). Commits."""
    total, after = Swept(), 0
    while True:
        ids = db.scalars(candidates_statement(after, BATCH)).all()
        db.commit()
        for order_id in ids:
            try:
                total.add(remind_order(db, order_id, now=now))
                db.commit()
            except Exception:
                db.rollback()
                log.exception("instalment reminders: order %s failed", order_id)
        if len(ids) < BATCH:
            return total
        after = ids[-1]


def _today(db: Session, now: datetime) -> date:
    return now.astimezone(ZoneInfo(case_ops.team_zone(db))).date()


def _dues(db: Session, order: Order, today: date) -> list[Due]:
    """The order's payments up to past today (a subscription's as far as needed)."""
    if order.plan.get("kind") != SUBSCRIPTION:
        return order_schedule(db, order)
    periods = payment_schedule.SUBSCRIPTION_HORIZON
    dues = order_schedule(db, order, horizon=periods)
    while dues[-1].due_on <= today and periods < MAX_PERIODS:
        periods *= 2
        dues = order_schedule(db, order, horizon=periods)
    return dues


def _has_mandate(order: Order) -> bool:
    return any(p.method == SEPA and p.kind == PAYMENT for p in order.payments)


def remind_order(db: Session, order_id: int, *, now: datetime) -> Swept:
    """Collect, remind or close for one order. Flushes; the caller commits."""
    done = Swept()
    order = lock_order(db, order_id)
    if order is None or order.status not in (PENDING, PAID):
        return done  # cancelled or refunded meanwhile: never reminded
    if order.plan.get("kind") not in PLAN_KINDS:
        return done
    # Imported here: services.requests builds on the orders.
    from voiceapp.services.requests import subscriptions

    if subscriptions.ended(db, order.id):
        return done  # cancelled or ended after failed payments: nothing more to collect
    today = _today(db, now)
    contact = db.get(Contact, order.contact_id)
    dues = _dues(db, order, today)
    collect = contact.auto_payments and _has_mandate(order)
    if collect:
        done.debits = _record_debits(db, order, dues, today, now)
    standing = payment_schedule.standing(dues, received(order), today)
    subscriptions.follow_payments(db, order, len(standing.overdue), today=today, now=now)
    overdue = [due for due in standing.overdue if _remindable(order, due, collect, today)]
    if overdue:
        done.reminders = _remind(db, order, contact, overdue, now)
    else:
        done.closed = _close_paid_reminders(db, order, now)
    db.flush()
    return done


def _remindable(order: Order, due: Due, collected: bool, today: date) -> bool:
    if order.status == PENDING and due.number == 1:
        return False  # the order's follow-up case and auto-cancel chase the first payment
    if collected and due.number > 1:
        # Debited on its due date: a reminder only when the debit is late.
        return today >= due.due_on + SEPA_GRACE and _debit_late(order, due.due_on)
    return True


def _debit_late(order: Order, due_on: date) -> bool:
    ref = sepa_ref(order.id, due_on)
    debit = next((p for p in order.payments if p.provider_ref == ref), None)
    return debit is None or debit.status in (PENDING_PAYMENT, FAILED)


def _record_debits(db: Session, order: Order, dues: list[Due], today: date, now) -> int:
    """A pending SEPA debit for each later payment due by today that is not covered and
    was not debited before."""
    standing = payment_schedule.standing(dues, received(order), today)
    refs = {p.provider_ref for p in order.payments if p.provider_ref}
    recorded = 0
    for due, paid in standing.dues:
        if due.due_on > today:
            break
        if paid or due.number == 1 or sepa_ref(order.id, due.due_on) in refs:
            continue
        record_payment(
            db,
            order.id,
            amount=due.amount,
            method=SEPA,
            status=PENDING_PAYMENT,
            provider_ref=sepa_ref(order.id, due.due_on),
            reference=f"{order.number} payment {due.number}",
            now=now,
            details={"due_on": due.due_on.isoformat(), "payment": due.number},
        )
        recorded += 1
    if recorded:
        db.refresh(order, ["payments"])
    return recorded


def _reminded_dates(db: Session, order: Order) -> set[date]:
    return set(
        db.scalars(select(InstalmentReminder.due_on).where(InstalmentReminder.order_id == order.id))
    )


def _open_reminder_case(db: Session, order: Order) -> Case | None:
    return db.scalar(
        select(Case)
        .where(Case.order_id == order.id, Case.type == REMINDER_TYPE, Case.status == OPEN)
        .order_by(Case.id)
        .limit(1)
    )


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:.2f} {currency}"


def _due_text(order: Order, due: Due) -> str:
    return (
        f"Payment {due.number} of order {order.number}, {_money(due.amount, order.currency)}, "
        f"was due on {due.due_on:%Y-%m-%d} and has not arrived"
    )


def _remind(db: Session, order: Order, contact: Contact, overdue: list[Due], now) -> int:
    """A reminder for each overdue payment not reminded before: the order's open reminder
    case takes it, or a new one is opened."""
    if REMINDER_TYPE not in case_ops.case_type_labels(db):
        return 0
    reminded = _reminded_dates(db, order)
    fresh = [due for due in overdue if due.due_on not in reminded]
    if not fresh:
        return 0
    case = _open_reminder_case(db, order)
    for due in fresh:
        text = _due_text(order, due)
        if case is None:
            case = _open_case(db, order, contact, text, now)
        else:
            case_ops.add_history(db, case, "payment_overdue", text, now=now)
        db.add(
            InstalmentReminder(
                order_id=order.id, due_on=due.due_on, case_id=case.id, created_at=now
            )
        )
        log_event(
            db,
            order,
            "reminder",
            f"{text}: payment reminder (case #{case.id})",
            actor=None,
            now=now,
            data={"case_id": case.id, "due_on": due.due_on.isoformat(), "payment": due.number},
        )
    return len(fresh)


def _active(db: Session, user_id: int | None) -> int | None:
    if user_id is None:
        return None
    user = db.get(User, user_id)
    return user.id if user is not None and user.active else None


def _open_case(db: Session, order: Order, contact: Contact, note: str, now: datetime) -> Case:
    settings = get_team_settings(db)
    window = calling_window(
        settings.calling_window_opens, settings.calling_window_closes, settings.calling_days
    )
    language = (order.buyer_language or contact.language or "de")[:2].lower()
    return case_ops.create_case(
        db,
        contact=contact,
        case_type=REMINDER_TYPE,
        language=language,
        actor=None,
        now=now,
        assignee_id=_active(db, order.seller_id) or _active(db, contact.owner_id),
        due_at=next_calling_time(now, contact.timezone or case_ops.team_zone(db), window),
        order_id=order.id,
        note=note + ".",
    )


def _close_paid_reminders(db: Session, order: Order, now: datetime) -> int:
    """Close the open reminder cases this job opened for the order: nothing is overdue."""
    case_ids = select(InstalmentReminder.case_id).where(InstalmentReminder.order_id == order.id)
    cases = db.scalars(
        select(Case).where(Case.id.in_(case_ids), Case.status == OPEN).order_by(Case.id)
    ).all()
    for case in cases:
        case.status, case.closed_at, case.close_reason = CLOSED, now, PAID_REASON
        case.updated_at = now
        case_ops.add_history(
            db, case, "closed", "Closed: the overdue payments have arrived", now=now
        )
        case_ops.schedule_reminder(db, case)
    return len(cases)
