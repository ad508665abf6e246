"""The money side of requests as plain rules: which stage a dossier's payments put it in,
which quote may be accepted, what archiving erases, and how a subscription's status
follows its payments. No database, no Flask: callers pass in what the rule needs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from voiceapp.domain.requests import (
    ACTIVE,
    ARCHIVED,
    AWAITING_PAYMENT,
    DEPOSIT_PAID,
    INACTIVE,
    NEW,
    PAID_IN_FULL,
    PAYMENT_FAILED,
    SCHEDULED,
    SENT,
    STAGE_IN_PROGRESS,
)

# Stages a payment may move a dossier out of. Once processed or archived, money arriving
# late (a refund's reversal, a straggling transfer) changes the order, not the pipeline.
PAYABLE_STAGES = (NEW, STAGE_IN_PROGRESS, AWAITING_PAYMENT, DEPOSIT_PAID)
# Stages a quote or a payment link moves to "awaiting payment" (never backwards).
BEFORE_AWAITING_PAYMENT = (NEW, STAGE_IN_PROGRESS)
# A subscription whose payments failed this many times in a row (three periods unpaid)
# is ended: the team does not chase a fourth.
MAX_FAILED_PAYMENTS = 3

# What archiving a dossier erases (seed 004: "end of season", the content goes, the
# conversation stays), in the words the confirmation page uses.
ERASED_ON_ARCHIVE = (
    "the customer's message on the request form",
    "the chosen product options and plan",
    "the customer's phone number, e-mail address and IP address on the request",
    "the internal notes",
    "the labels",
    "the quotes",
    "the activity log (one line saying it was archived is kept)",
)
KEPT_ON_ARCHIVE = (
    "the conversation with the customer, for the team (the customer's link stops working)",
    "the request's name, stage and dates, and the contact",
    "the order with its payments (bookkeeping must keep them)",
)


def stage_after_payment(stage: str | None, received: Decimal, total: Decimal) -> str | None:
    """The stage a dossier is in once `received` (net of refunds) of `total` has arrived:
    nothing -> unchanged, part -> deposit paid, all -> paid in full. Only moves forward,
    and never out of processed or archived."""
    if stage not in PAYABLE_STAGES or received <= 0:
        return stage
    if received >= total:
        return PAID_IN_FULL
    return DEPOSIT_PAID


def stage_after_payment_asked(stage: str | None) -> str | None:
    """A quote or a payment link was sent: the dossier waits for the money."""
    return AWAITING_PAYMENT if stage in BEFORE_AWAITING_PAYMENT else stage


def can_mark_processed(stage: str | None) -> bool:
    """ "Entered in our system": once the money is in (paid in full), or earlier when the
    team decides so (a deposit is enough for some services)."""
    return stage in (DEPOSIT_PAID, PAID_IN_FULL)


def can_archive(stage: str | None) -> bool:
    return stage is not None and stage != ARCHIVED


def acceptable_quote_id(quotes: list[tuple[int, str]]) -> int | None:
    """The quote the customer may accept: the latest one (highest id), if it is still
    "sent". `quotes` is (id, status) pairs in any order."""
    if not quotes:
        return None
    latest_id, status = max(quotes)
    return latest_id if status == SENT else None


def subscription_start(starts_on: date, today: date) -> str:
    """A new subscription: scheduled when its first period starts after today."""
    return SCHEDULED if starts_on > today else ACTIVE


def subscription_status_after(
    status: str, overdue_payments: int, starts_on: date, today: date
) -> str:
    """How a subscription stands once its overdue payments are counted: none -> active
    (scheduled until its first day), some -> payment failed, MAX_FAILED_PAYMENTS or
    more -> inactive. An inactive subscription never comes back by itself."""
    if status == INACTIVE:
        return INACTIVE
    if overdue_payments >= MAX_FAILED_PAYMENTS:
        return INACTIVE
    if overdue_payments > 0:
        return PAYMENT_FAILED
    return subscription_start(starts_on, today)


__all__ = [
    "ERASED_ON_ARCHIVE",
    "KEPT_ON_ARCHIVE",
    "MAX_FAILED_PAYMENTS",
    "acceptable_quote_id",
    "can_archive",
    "can_mark_processed",
    "stage_after_payment",
    "stage_after_payment_asked",
    "subscription_start",
    "subscription_status_after",
]
