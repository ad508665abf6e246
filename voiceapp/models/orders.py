"""Orders taken on the phone, and their lines.

An order keeps everything it was sold with: the buyer's data as the agent took it (not a
link to the contact's current address), each line's name and price, and a copy of the
payment plan's terms. Editing the contact or the product later changes no order.

A contact with orders cannot be deleted (RESTRICT): an order is a record the business
must keep.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym

from voiceapp.db import Base, utcnow

PENDING, PAID, CANCELLED, REFUNDED = "pending", "paid", "cancelled", "refunded"
ORDER_STATUSES = (PENDING, PAID, CANCELLED, REFUNDED)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint(_in("status", ORDER_STATUSES), name="status"),
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

    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderItem.id"
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
