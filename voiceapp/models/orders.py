"""Orders taken on the phone, and their lines.

An order keeps everything it was sold with: the buyer's data as the agent took it (not a
link to the contact's current address), each line's name and price, and a copy of the
payment plan's terms. Editing the contact or the product later changes no order.

A contact with orders cannot be deleted (RESTRICT): an order is a record the business
must keep.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym

from voiceapp.db import Base, utcnow

PENDING, PAID, CANCELLED, REFUNDED = "pending", "paid", "cancelled", "refunded"
ORDER_STATUSES = (PENDING, PAID, CANCELLED, REFUNDED)
# Where an order came from: taken on the phone (panel), or through the API.
PHONE, API = "phone", "api"
CHANNELS = (PHONE, API)

# A payment moves money towards the business, a refund away from it.
PAYMENT, REFUND = "payment", "refund"
PAYMENT_KINDS = (PAYMENT, REFUND)
# How: the demo provider (development), a bank transfer the customer makes, a SEPA direct
# debit the business collects, Stripe Checkout, or money a manager records by hand.
DEMO, BANK_TRANSFER, SEPA, STRIPE, MANUAL = "demo", "bank_transfer", "sepa", "stripe", "manual"
PAYMENT_METHODS = (DEMO, BANK_TRANSFER, SEPA, STRIPE, MANUAL)
# Only a succeeded payment counts; a SEPA debit is pending until the money is collected.
SUCCEEDED, PENDING_PAYMENT, FAILED = "succeeded", "pending", "failed"
PAYMENT_STATUSES = (SUCCEEDED, PENDING_PAYMENT, FAILED)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint(_in("status", ORDER_STATUSES), name="status"),
        CheckConstraint(_in("channel", CHANNELS), name="channel"),
        # The dashboard's orders per seller and period.
        Index("ix_orders_seller_created", "seller_id", "created_at"),
        # Unpaid orders waiting for their auto-cancel date (the sweep reads only these).
        Index(
            "ix_orders_pending_auto_cancel",
            "auto_cancel_at",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    # RESTRICT: the database itself refuses to drop a contact that still has orders.
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="RESTRICT"), index=True
    )
    # The case the order was taken on. cases.order_id points the other way (a case about
    # an order), so this key is added after both tables exist (use_alter).
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL", use_alter=True), index=True
    )
    # Who sold it. Members are switched off, never deleted; orders older than the phone
    # orders have none.
    seller_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    net: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0.00"))
    vat: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0.00"))
    # The gross total: kept under its first name, `total`, which contacts already read.
    total: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0.00"))
    gross = synonym("total")
    # Percent (19.00); the main product's line when lines differ in category.
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0.00"))
    reverse_charge: Mapped[bool] = mapped_column(default=False)
    # The legal note printed on the order (reverse charge, export), in the buyer's language.
    vat_note: Mapped[str | None] = mapped_column(Text)

    # The buyer as given on the order.
    buyer_email: Mapped[str | None] = mapped_column(String(254))
    buyer_language: Mapped[str | None] = mapped_column(String(2))
    buyer_company: Mapped[str | None] = mapped_column(String(200))
    buyer_salutation: Mapped[str | None] = mapped_column(String(20))
    buyer_title: Mapped[str | None] = mapped_column(String(50))
    buyer_first_name: Mapped[str | None] = mapped_column(String(100))
    buyer_last_name: Mapped[str | None] = mapped_column(String(100))
    buyer_street: Mapped[str | None] = mapped_column(String(200))
    buyer_postcode: Mapped[str | None] = mapped_column(String(20))
    buyer_city: Mapped[str | None] = mapped_column(String(100))
    buyer_state: Mapped[str | None] = mapped_column(String(100))
    buyer_country: Mapped[str | None] = mapped_column(String(2))
    buyer_phone: Mapped[str | None] = mapped_column(String(32))
    buyer_vat_id: Mapped[str | None] = mapped_column(String(32))

    # A copy of the product plan's terms the order was sold with (domain.products).
    plan: Mapped[dict] = mapped_column(default=lambda: {"kind": "single"})
    # A phone order is a distance contract: the 14-day right of withdrawal always applies.
    withdrawal_right: Mapped[bool] = mapped_column(default=True)
    # An agent's "the customer waives it" is not honoured, but recorded with the reason.
    waiver_ignored: Mapped[bool] = mapped_column(default=False)
    waiver_note: Mapped[str | None] = mapped_column(Text)
    # Canonical (nine symbols, no hyphens; domain.payment_code); orders older than the
    # phone orders have none.
    payment_code: Mapped[str | None] = mapped_column(String(9), unique=True)
    # None: never cancelled automatically (switched off on the order page).
    auto_cancel_at: Mapped[datetime | None]
    # When and why the order was cancelled (until the order has a history of its own).
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    affiliate: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A manager confirmed the order (the customer said yes again); it stays unpaid until paid.
    confirmed_at: Mapped[datetime | None]
    # When the payment due now was received in full (the agent's screen turns green).
    paid_at: Mapped[datetime | None]
    channel: Mapped[str] = mapped_column(String(10), default=PHONE)
    # Analytics: where the customer came from (a campaign, a list), and a free tag.
    source: Mapped[str | None] = mapped_column(String(100))
    tag: Mapped[str | None] = mapped_column(String(50))
    # The customer's address as the pay page saw it when they paid (not the agent's).
    ip_address: Mapped[str | None] = mapped_column(String(45))

    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderItem.id"
    )
    payments: Mapped[list[Payment]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="Payment.id"
    )
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderEvent.id"
    )
    seller = relationship("User")
    case = relationship("Case", foreign_keys=[case_id])


class OrderItem(Base):
    """One line: the product's name and price as they were when sold."""

    __tablename__ = "order_items"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    # RESTRICT: products are switched off, never deleted, once sold.
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    price_is: Mapped[str] = mapped_column(String(5))
    vat_category: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int]
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    net: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    vat: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    gross: Mapped[Decimal] = mapped_column(Numeric(12, 2))

    order: Mapped[Order] = relationship(back_populates="items")


class Payment(Base):
    """Money for an order, or back to the customer (a refund). Amounts are positive; the
    kind says the direction. `provider_ref` is the provider's own id (a Stripe Checkout
    Session, a demo checkout): unique, so the same event told twice is recorded once."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint(_in("kind", PAYMENT_KINDS), name="kind"),
        CheckConstraint(_in("method", PAYMENT_METHODS), name="method"),
        CheckConstraint(_in("status", PAYMENT_STATUSES), name="status"),
        CheckConstraint("amount > 0", name="amount_positive"),
        # The dashboard's revenue for a period.
        Index("ix_payments_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default=PAYMENT)
    method: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default=SUCCEEDED)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3))
    # What the person or bank wrote: a transfer's reference, a refund's reason.
    reference: Mapped[str | None] = mapped_column(String(200))
    provider_ref: Mapped[str | None] = mapped_column(String(255), unique=True)
    # Method details kept for the record (a SEPA mandate: masked IBAN, mandate reference).
    details: Mapped[dict | None] = mapped_column()
    # Who recorded it by hand; None when the customer or a provider did.
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="payments")
    recorded_by = relationship("User")


class OrderEvent(Base):
    """One line of an order's history: created, a status change, a payment, a note, a call
    outcome on its case, the auto-cancel date moved ... with who and when."""

    __tablename__ = "order_events"
    __table_args__ = (Index("ix_order_events_order_time", "order_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    data: Mapped[dict | None] = mapped_column()

    order: Mapped[Order] = relationship(back_populates="events")
    actor = relationship("User")


class CustomerNote(Base):
    """A note on the customer, shown on every order of theirs (seed 002); deletable."""

    __tablename__ = "customer_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author = relationship("User")


class InstalmentReminder(Base):
    """A due instalment or subscription payment that was not paid got a payment-reminder
    case: one per order and due date, so the sweep never opens a second."""

    __tablename__ = "instalment_reminders"
    __table_args__ = (UniqueConstraint("order_id", "due_on", name="uq_instalment_reminder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    due_on: Mapped[date]
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
