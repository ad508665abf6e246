"""Written requests (seeds 003 and 004): what a customer asks for on the public form or a
website's own form, the conversation with them, quotes for "on request" products,
subscriptions, and dossiers moving through the seven-stage pipeline.

A request's money lives on an ordinary order (`order_id`): the payment URL, the pay page,
manual payments and refunds are the orders' own, so nothing about paying is built twice.
The customer comment for colleagues is the orders' CustomerNote, shown on all of the
customer's orders and dossiers.

Several agents may work one request at once: `version` is SQLAlchemy's version counter, so
an UPDATE based on a row someone else changed in the meantime matches no row and raises
StaleDataError; services turn it (and an explicit `expected_version` from a form or the
API) into a clear "changed by someone else" refusal.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voiceapp.db import Base, utcnow
from voiceapp.domain.requests import (
    KINDS,
    QUOTE_STATUSES,
    STAGES,
    STATUSES,
    SUBSCRIPTION_STATUSES,
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class RequestForm(Base):
    """A public request form, reached at /r/<slug>. `product_ids` limits the products it
    offers (None: every active product)."""

    __tablename__ = "request_forms"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    intro: Mapped[str | None] = mapped_column(Text)
    product_ids: Mapped[list | None] = mapped_column()
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


request_label_links = Table(
    "request_label_links",
    Base.metadata,
    Column("request_id", Integer, ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "label_id",
        Integer,
        ForeignKey("request_labels.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class RequestLabel(Base):
    """A team-defined label; visible to the team only, never to the customer."""

    __tablename__ = "request_labels"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    # A CSS colour name or #rrggbb, checked by the service.
    color: Mapped[str] = mapped_column(String(20), default="#64748b")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Request(Base):
    __tablename__ = "requests"
    __table_args__ = (
        CheckConstraint(_in("kind", KINDS), name="kind"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint(f"stage IS NULL OR {_in('stage', STAGES)}", name="stage"),
        # The inbox: a status's requests, newest first.
        Index("ix_requests_status_created", "status", "created_at"),
        Index("ix_requests_kind_stage", "kind", "stage"),
        Index("ix_requests_contact", "contact_id"),
        Index("ix_requests_assignee", "assignee_id"),
        # The pay page and arriving payments find an order's request.
        Index("ix_requests_order", "order_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # simple (no product) or dossier (a product, from the form or added by an agent).
    kind: Mapped[str] = mapped_column(String(10), default="simple")
    # pending -> in_progress -> (awaiting_reply) -> confirmed / declined.
    status: Mapped[str] = mapped_column(String(20), default="pending")
    # The dossier pipeline (None for a simple request).
    stage: Mapped[str | None] = mapped_column(String(20))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    form_id: Mapped[int | None] = mapped_column(ForeignKey("request_forms.id", ondelete="SET NULL"))
    # Where it came from: "form" (/r/...), "api" (a website's own form), "panel".
    source: Mapped[str] = mapped_column(String(10), default="form")
    # What the customer wrote, as they wrote it (the contact may say otherwise later).
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(2))
    message: Mapped[str | None] = mapped_column(Text)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"))
    # The product's options the customer chose ({name: value}), and the plan (as products.plans).
    options: Mapped[dict | None] = mapped_column()
    plan: Mapped[dict | None] = mapped_column()
    # The agreed price (from the product, or an accepted quote), in `currency`.
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    # The method the customer asked to pay with (checked and changed by the team).
    payment_method: Mapped[str | None] = mapped_column(String(20))
    # Per dossier: may the customer pay online (card, SEPA) or only by manual payment?
    online_payment: Mapped[bool] = mapped_column(default=True)
    # The order carrying the payment URL and the payments, once there is one.
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    # A random key in the customer's signed link; replacing it revokes every link sent.
    access_key: Mapped[str] = mapped_column(String(64))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    # The unread marker: a customer message newer than the team's last look.
    customer_wrote_at: Mapped[datetime | None]
    team_read_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    archived_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    contact = relationship("Contact")
    assignee = relationship("User", foreign_keys=[assignee_id])
    product = relationship("Product")
    order = relationship("Order")
    form = relationship("RequestForm")
    labels = relationship(
        "RequestLabel", secondary=request_label_links, order_by="RequestLabel.name"
    )

    @property
    def unread(self) -> bool:
        if self.customer_wrote_at is None:
            return False
        return self.team_read_at is None or self.customer_wrote_at > self.team_read_at


class RequestMessage(Base):
    """The conversation with the customer: `outgoing` went out by e-mail from a member,
    an incoming one was written on the customer's private page."""

    __tablename__ = "request_messages"
    __table_args__ = (Index("ix_request_messages_request", "request_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    outgoing: Mapped[bool]
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author = relationship("User")


class RequestNote(Base):
    """An internal note: the team sees it, the customer never does."""

    __tablename__ = "request_notes"
    __table_args__ = (Index("ix_request_notes_request", "request_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author = relationship("User")


class Quote(Base):
    """A price proposal for an "on request" product. Only the latest sent quote of a
    request can be accepted; a new one withdraws the one before."""

    __tablename__ = "quotes"
    __table_args__ = (
        CheckConstraint(_in("status", QUOTE_STATUSES), name="status"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_quotes_request", "request_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3))
    message: Mapped[str | None] = mapped_column(Text)
    # sent -> accepted / rejected (by the customer) / withdrawn (by the team).
    status: Mapped[str] = mapped_column(String(10), default="sent")
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    sent_by = relationship("User")


class Subscription(Base):
    """What a confirmed request with a subscription plan becomes. Its payments are the
    order's (`order_id`, with the plan copied), collected as the orders' instalments are."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        CheckConstraint(_in("status", SUBSCRIPTION_STATUSES), name="status"),
        Index("ix_subscriptions_status", "status"),
        Index("ix_subscriptions_contact", "contact_id"),
        # Arriving payments find an order's subscriptions; a request's page its own.
        Index("ix_subscriptions_order", "order_id"),
        Index("ix_subscriptions_request", "request_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="SET NULL"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    plan: Mapped[dict] = mapped_column()
    # active, scheduled (starts later), payment_failed, inactive (cancelled or terminated).
    status: Mapped[str] = mapped_column(String(20), default="active")
    starts_on: Mapped[date]
    failed_payments: Mapped[int] = mapped_column(default=0)
    ended_at: Mapped[datetime | None]
    # Why it became inactive: "cancelled", "terminated", "payment_failed".
    ended_reason: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    contact = relationship("Contact")
    request = relationship("Request")
    product = relationship("Product")
    order = relationship("Order")


class RequestEvent(Base):
    """The activity log: every action on a request, with who, what and when (status,
    stage, price, payment, message, label, note, quote, assignment)."""

    __tablename__ = "request_events"
    __table_args__ = (Index("ix_request_events_request", "request_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text)
    # None: the customer, or the system (a payment arriving).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    data: Mapped[dict | None] = mapped_column()

    actor = relationship("User")


__all__ = [
    "Quote",
    "Request",
    "RequestEvent",
    "RequestForm",
    "RequestLabel",
    "RequestMessage",
    "RequestNote",
    "Subscription",
    "request_label_links",
]
