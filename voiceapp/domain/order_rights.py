"""Who may do what on the order page (seed 002), and which actions an order offers.

Managers and admins handle the money and the status: confirm, cancel, refund, delete,
record a payment (a prepayment on an instalment or subscription plan), mark a pending
SEPA debit received, move or switch off the auto-cancel date, switch automatic payments
on or off for the customer, and delete any note on the customer.

Agents see the orders services.orders.visible_order shows them, write notes on the
customer (and delete their own), and cancel an unpaid order they sold themselves: the
same thing a "cancellation / refusal" outcome does on their own follow-up case. Money
(payments, refunds, deletion) stays with managers: an agent who took the order is not the
one who confirms that it was paid.

Seeing the order is checked before any of this (a 404 for an order one may not see).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from voiceapp.domain.roles import is_manager_or_admin

CONFIRM = "confirm"
CANCEL = "cancel"
REFUND = "refund"
DELETE = "delete"
RECORD_PAYMENT = "record_payment"
MARK_RECEIVED = "mark_received"
AUTO_CANCEL = "auto_cancel"
AUTO_PAYMENTS = "auto_payments"
ADD_NOTE = "add_note"
DELETE_NOTE = "delete_note"
ORDER_ACTIONS = (
    CONFIRM,
    CANCEL,
    REFUND,
    DELETE,
    RECORD_PAYMENT,
    MARK_RECEIVED,
    AUTO_CANCEL,
    AUTO_PAYMENTS,
    ADD_NOTE,
    DELETE_NOTE,
)
# How a manager records money by hand (the pay page's providers record their own).
MANUAL_METHODS = ("bank_transfer", "manual")
# Plans whose later payments are collected over time: paying ahead is a "prepayment".
PLANS_OVER_TIME = ("instalments", "subscription")


def may(role: str, action: str, *, sold_it: bool = False, wrote_it: bool = False) -> bool:
    """Whether a member of `role` may do `action` on an order they can see. `sold_it`:
    they are the order's seller; `wrote_it` (DELETE_NOTE): they wrote the note."""
    if action not in ORDER_ACTIONS:
        raise ValueError(f"unknown order action {action!r}")
    if is_manager_or_admin(role) or action == ADD_NOTE:
        return True
    if action == CANCEL:
        return sold_it
    if action == DELETE_NOTE:
        return wrote_it
    return False


@dataclass(frozen=True, slots=True)
class OrderFacts:
    """What the offer of actions needs of an order."""

    status: str  # pending, paid, cancelled, refunded
    confirmed: bool
    plan_kind: str  # single, instalments, subscription
    received: Decimal  # succeeded payments less refunds
    any_payment_received: bool  # a succeeded payment, even if refunded since
    pending_payments: bool  # a SEPA debit announced, not collected yet
    outstanding: Decimal  # the total less what was received


def offered(facts: OrderFacts) -> frozenset[str]:
    """The actions the order's state allows, whoever asks (the services refuse the
    others with a message; the page shows only these)."""
    status = facts.status
    found = {ADD_NOTE, DELETE_NOTE, AUTO_PAYMENTS}
    if status in ("pending", "paid") and not facts.confirmed:
        found.add(CONFIRM)
    if status == "pending":
        found |= {CANCEL, AUTO_CANCEL}
    if facts.received > 0:
        found.add(REFUND)
    # An order with money received is a record the business keeps.
    if status != "paid" and not facts.any_payment_received:
        found.add(DELETE)
    # Money arriving late on a cancelled order is still recorded (and pays it again).
    if status != "refunded" and (facts.outstanding > 0 or facts.plan_kind == "subscription"):
        found.add(RECORD_PAYMENT)
    if status != "refunded" and facts.pending_payments:
        found.add(MARK_RECEIVED)
    return frozenset(found)


def allowed(role: str, facts: OrderFacts, *, sold_it: bool) -> frozenset[str]:
    """The actions to show `role`: offered by the order's state and allowed to them.
    DELETE_NOTE is left out: it is decided per note, with `may`."""
    return frozenset(
        a for a in offered(facts) if a != DELETE_NOTE and may(role, a, sold_it=sold_it)
    )


def is_prepayment(plan_kind: str) -> bool:
    """Paying by hand on a plan paid over time is paying ahead of its schedule."""
    return plan_kind in PLANS_OVER_TIME
