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


# --- the inbox and the conversation (issue #17, part 1) ----------------------------------

STATUS_LABELS = {
    PENDING: "Pending",
    IN_PROGRESS: "In progress",
    AWAITING_REPLY: "Awaiting reply",
    CONFIRMED: "Confirmed",
    DECLINED: "Declined",
}
STAGE_LABELS = {
    NEW: "New",
    STAGE_IN_PROGRESS: "In progress",
    AWAITING_PAYMENT: "Awaiting payment",
    DEPOSIT_PAID: "Deposit paid",
    PAID_IN_FULL: "Paid in full",
    PROCESSED: "Processed",
    ARCHIVED: "Archived",
}
KIND_LABELS = {SIMPLE: "Simple request", DOSSIER: "Dossier"}

# How the customer means to pay; the orders' ways of paying, as a customer names them.
PAYMENT_METHOD_LABELS = {
    "card": "Card",
    "sepa": "SEPA direct debit",
    "bank_transfer": "Bank transfer",
    "manual": "Cash or other (recorded by hand)",
}
PAYMENT_METHODS = tuple(PAYMENT_METHOD_LABELS)

# Label colours: a palette (the panel's CSP allows no inline styles), stored by name.
LABEL_COLOURS = {
    "slate": "#64748b",
    "red": "#b91c1c",
    "amber": "#b45309",
    "green": "#15803d",
    "teal": "#0f766e",
    "blue": "#2563eb",
    "violet": "#7c3aed",
    "pink": "#be185d",
}

NAME_MAX, MESSAGE_MAX, BODY_MAX, NOTE_MAX = 200, 5000, 10000, 5000
LABEL_NAME_MAX, FORM_TITLE_MAX, FORM_INTRO_MAX, SLUG_MAX = 60, 200, 2000, 60

# The public form: a form older than this is stale (its signed start time no longer
# counts); the minimum fill time is a setting (REQUEST_FORM_MIN_SECONDS).
MAX_FILL_SECONDS = 24 * 60 * 60


class RequestError(ValueError):
    """Bad input for a request operation; `field` names the input (422 / the form again)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def status_after_reply(status: str) -> str:
    """Answering the customer starts work on a pending request (seed 003); any other
    status stays as it is."""
    return IN_PROGRESS if status == PENDING else status


def fill_time_refused(elapsed_seconds: float, minimum_seconds: float) -> bool:
    """A form sent back sooner than a person could fill it in (or with a start time in
    the future, or older than a day) is not taken."""
    return not (max(minimum_seconds, 0) <= elapsed_seconds <= MAX_FILL_SECONDS)


def status_change_refusal(current: str, wanted: str) -> str | None:
    """Why the status cannot go from `current` to `wanted`, or None. A decided request
    (confirmed or declined) may be opened again (set in progress); nothing goes back to
    pending, and awaiting_reply belongs to quotes."""
    if wanted not in STATUSES:
        return f"unknown status; one of: {', '.join(STATUSES)}"
    if wanted == current:
        return None
    if wanted == PENDING:
        return "a request never goes back to pending"
    if wanted == AWAITING_REPLY:
        return "a request awaits a reply once a quote is sent"
    return None


# /r/conversation/<token> is the customer's page: no form may be called so.
RESERVED_SLUGS = frozenset({"conversation"})


def clean_slug(text: str | None) -> str:
    slug = (text or "").strip().lower()
    if not slug:
        raise RequestError("slug", "a form needs an address (letters, digits and -)")
    if len(slug) > SLUG_MAX or not all(c.isascii() and (c.isalnum() or c == "-") for c in slug):
        raise RequestError("slug", f"letters a-z, digits and -, at most {SLUG_MAX}")
    if slug in RESERVED_SLUGS:
        raise RequestError("slug", f"{slug!r} is taken by the customers' pages: choose another")
    return slug
