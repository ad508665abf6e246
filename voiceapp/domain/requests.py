"""Requests, quotes, subscriptions and dossiers as plain rules (seeds 003 and 004).

A request is "simple" while it has no product and a "dossier" once it has one. Its
`status` is the inbox's view (seed 003); a dossier also has a `stage`, the pipeline of
seed 004, each stage a tab of its own.
"""

from __future__ import annotations

SIMPLE, DOSSIER = "simple", "dossier"
KINDS = (SIMPLE, DOSSIER)

PENDING, IN_PROGRESS, AWAITING_REPLY, CONFIRMED, DECLINED = (
    "pending",
    "in_progress",
    "awaiting_reply",
    "confirmed",
    "declined",
)
STATUSES = (PENDING, IN_PROGRESS, AWAITING_REPLY, CONFIRMED, DECLINED)
OPEN_STATUSES = (PENDING, IN_PROGRESS, AWAITING_REPLY)

# The dossier pipeline, in order (seed 004).
NEW, STAGE_IN_PROGRESS, AWAITING_PAYMENT, DEPOSIT_PAID, PAID_IN_FULL, PROCESSED, ARCHIVED = (
    "new",
    "in_progress",
    "awaiting_payment",
    "deposit_paid",
    "paid_in_full",
    "processed",
    "archived",
)
STAGES = (NEW, STAGE_IN_PROGRESS, AWAITING_PAYMENT, DEPOSIT_PAID, PAID_IN_FULL, PROCESSED, ARCHIVED)

SENT, ACCEPTED, REJECTED, WITHDRAWN = "sent", "accepted", "rejected", "withdrawn"
QUOTE_STATUSES = (SENT, ACCEPTED, REJECTED, WITHDRAWN)

ACTIVE, SCHEDULED, PAYMENT_FAILED, INACTIVE = "active", "scheduled", "payment_failed", "inactive"
SUBSCRIPTION_STATUSES = (ACTIVE, SCHEDULED, PAYMENT_FAILED, INACTIVE)


def kind_for(product_id: int | None) -> str:
    """A request with a product is a dossier; without one, a simple request."""
    return DOSSIER if product_id is not None else SIMPLE
