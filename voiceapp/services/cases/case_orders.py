"""A case about an order: the order's real status on the case page and in the outcome.

- "already paid" is taken only when the money is in: the order is paid and no instalment
  or subscription payment is overdue. Otherwise the outcome is refused (nothing changes)
  with what is missing, so a case is never closed as paid while the order is unpaid.
- "cancelled" cancels a pending order through services.orders.cancelling.mark_cancelled
  (the one way an order is cancelled); a paid order is not cancelled by a call (it is
  refunded on the order page), its history says so.
- "completed" may come with a new order: "keep" (save and create a new order, the old one
  stays) or "replace" (cancel and create a new order: the old one, still unpaid, is
  cancelled as "replaced by a new order").
- Every outcome writes a line in the order's history ("Call outcome: ...").

services.orders imports services.cases (taking an order opens a follow-up case), so the
order modules are imported inside the functions here, once services.orders is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.domain import scheduling
from voiceapp.models import Case, Order, User
from voiceapp.models.orders import CANCELLED, PAID, PENDING, PENDING_PAYMENT, REFUNDED
from voiceapp.services.cases.history import CaseError, add_history

# What a completed call may lead to (the outcome form's two extra buttons).
KEEP, REPLACE = "keep", "replace"
NEW_ORDER_CHOICES = (KEEP, REPLACE)
REPLACED_REASON = "replaced by a new order"
# How many other open orders of the customer the case page lists.
OTHER_ORDERS_SHOWN = 10


@dataclass(frozen=True)
class DueLine:
    number: int
    due_on: date
    amount: Decimal


@dataclass
class OrderStanding:
    """What the case page shows of an order: its status as people read it, the money in,
    and what is due now (a pending order's first payment), next or overdue."""

    order: Order
    label: str  # unpaid, paid, instalment overdue, cancelled, refunded
    tone: str  # the badge's colour: yellow, green, red, grey
    received: Decimal
    due_now: Decimal | None = None  # a pending order's first payment, less what is in
    next_due: DueLine | None = None
    overdue: list[DueLine] = field(default_factory=list)
    announced: Decimal = Decimal("0.00")  # payments announced, not received (SEPA)

    @property
    def open(self) -> bool:
        """Money is still expected: unpaid, or paid with payments to come."""
        return self.order.status == PENDING or (
            self.order.status == PAID and self.next_due is not None
        )


def _line(due) -> DueLine:
    return DueLine(due.number, due.due_on, due.amount)


def order_standing(db: Session, order: Order, now: datetime) -> OrderStanding:
    from voiceapp.services.orders import payments

    received = payments.received(order)
    announced = sum(
        (p.amount for p in order.payments if p.kind == "payment" and p.status == PENDING_PAYMENT),
        Decimal("0.00"),
    )
    if order.status in (CANCELLED, REFUNDED):
        return OrderStanding(order, order.status, "grey", received, announced=announced)
    standing = payments.order_standing(db, order, now)
    overdue = [_line(d) for d in standing.overdue]
    next_due = _line(standing.next_due) if standing.next_due is not None else None
    if order.status == PENDING:
        return OrderStanding(
            order,
            "unpaid",
            "yellow",
            received,
            due_now=max(payments.due_now(db, order) - received, Decimal("0.00")),
            next_due=next_due,
            overdue=overdue,
            announced=announced,
        )
    label, tone = ("instalment overdue", "red") if overdue else ("paid", "green")
    return OrderStanding(
        order, label, tone, received, next_due=next_due, overdue=overdue, announced=announced
    )


def other_open_orders(db: Session, case: Case, now: datetime) -> list[OrderStanding]:
    """The customer's other orders that still expect money, newest first."""
    orders = db.scalars(
        select(Order)
        .where(
            Order.contact_id == case.contact_id,
            Order.status.in_((PENDING, PAID)),
            Order.id != (case.order_id or 0),
        )
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(OTHER_ORDERS_SHOWN * 3)
    ).all()
    standings = [order_standing(db, order, now) for order in orders]
    return [s for s in standings if s.open][:OTHER_ORDERS_SHOWN]


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:.2f} {currency}"


def not_paid_reason(db: Session, order: Order, now: datetime) -> str | None:
    """Why the order cannot be called paid now (None when it is)."""
    standing = order_standing(db, order, now)
    cur = order.currency
    if order.status == CANCELLED:
        return f"the order {order.number} is cancelled, not paid"
    if order.status == REFUNDED:
        return f"the order {order.number} was refunded"
    announced = (
        f"; {_money(standing.announced, cur)} announced (SEPA direct debit), not collected yet"
        if standing.announced
        else ""
    )
    if order.status == PENDING:
        return (
            f"the order {order.number} is not paid yet: {_money(standing.due_now, cur)} due "
            f"now, {_money(standing.received, cur)} received{announced}"
        )
    if standing.overdue:
        first = standing.overdue[0]
        more = f" (and {len(standing.overdue) - 1} more)" if len(standing.overdue) > 1 else ""
        return (
            f"the order {order.number} has a payment not received: payment {first.number} of "
            f"{_money(first.amount, cur)}, due on {first.due_on:%Y-%m-%d}{more}{announced}"
        )
    return None


def check_outcome(
    db: Session,
    case: Case,
    *,
    outcome: str,
    new_order: str | None,
    callback_at: datetime | None,
    now: datetime,
) -> Order | None:
    """Refuse (CaseError, nothing changed) an outcome the order's real status does not
    allow. Returns the case's order, its row locked and read fresh, or None."""
    if new_order is not None:
        if outcome != scheduling.COMPLETED:
            raise CaseError("new_order", "a new order follows a completed conversation only")
        if new_order not in NEW_ORDER_CHOICES:
            raise CaseError("new_order", "keep or replace")
        if case.order_id is None:
            raise CaseError(
                "new_order", "this case has no order: take a new order from the case page"
            )
    if case.order_id is None:
        return None
    from voiceapp.services.orders.payments import lock_order

    order = lock_order(db, case.order_id)
    if outcome == scheduling.ALREADY_PAID:
        reason = not_paid_reason(db, order, now)
        if reason is not None:
            raise CaseError(
                "outcome",
                f"{reason}. Record the payment on the order page first, or choose another "
                "outcome (call back, completed).",
            )
    if new_order == REPLACE:
        if order.status != PENDING:
            raise CaseError(
                "new_order",
                f"the order {order.number} is {order.status}: only an unpaid order is "
                "cancelled and replaced (choose save and create a new order)",
            )
        if callback_at is not None:
            raise CaseError(
                "callback_at",
                "cancel and create a new order closes this case (the new order opens its "
                "own follow-up): leave the call-back time empty",
            )
    return order


def apply_outcome(
    db: Session,
    case: Case,
    order: Order,
    *,
    outcome: str,
    new_order: str | None,
    summary: str | None,
    actor: User,
    now: datetime,
) -> None:
    """The outcome's line in the order's history, and what it does to the order."""
    from voiceapp.services.orders.cancelling import mark_cancelled
    from voiceapp.services.orders.history import log_event

    label = scheduling.OUTCOME_LABELS[outcome]
    follow = {KEEP: " (a new order follows)", REPLACE: " (replaced by a new order)"}
    log_event(
        db,
        order,
        "call",
        f"Call outcome: {label}{follow.get(new_order, '')}"
        + (f" - {summary}" if summary else "")
        + f" (case #{case.id})",
        actor=actor,
        now=now,
        data={"case_id": case.id, "outcome": outcome, "new_order": new_order},
    )
    if outcome == scheduling.CANCELLED:
        if order.status == PENDING:
            mark_cancelled(
                db,
                order,
                actor=actor,
                now=now,
                reason=f"cancelled by the customer on the phone (case #{case.id})",
            )
            add_history(db, case, "order", f"Order {order.number} cancelled", now=now, actor=actor)
        elif order.status == PAID:
            log_event(
                db,
                order,
                "note",
                "The customer cancelled on the phone, but the order is paid: it stays paid "
                "until it is refunded on the order page.",
                actor=actor,
                now=now,
            )
    elif new_order == REPLACE:
        mark_cancelled(db, order, actor=actor, now=now, reason=REPLACED_REASON)
        add_history(
            db,
            case,
            "order",
            f"Order {order.number} cancelled: {REPLACED_REASON}",
            now=now,
            actor=actor,
        )
