"""Products the team sells on the phone, with the payment plans each allows.

Plans are a validated JSON list on the product, not a table of their own: they are part
of the product's price terms, always read and replaced together with it, never queried
alone, and an order copies the terms of the plan it was sold with, so changing a product
later never changes an order. Their rules live in domain.products.

A product is never deleted once it may have been ordered: it is switched off (`active`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from voiceapp.db import Base, utcnow
from voiceapp.domain.products import PRICE_BASES, VAT_CATEGORIES


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint(_in("price_is", PRICE_BASES), name="price_is"),
        CheckConstraint(_in("vat_category", VAT_CATEGORIES), name="vat_category"),
        CheckConstraint("price > 0", name="price_positive"),
        # An "on request" product has no list price: each customer gets a quote.
        CheckConstraint("on_request OR price IS NOT NULL", name="price_or_on_request"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Cents, like orders.total: every currency sold today has at most two decimals.
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    # Priced per customer by a quote (seed 003's "on request" products); `price` is then None.
    on_request: Mapped[bool] = mapped_column(default=False)
    # Whether `price` includes VAT ("gross") or VAT is added to it ("net").
    price_is: Mapped[str] = mapped_column(String(5))
    currency: Mapped[str] = mapped_column(String(3))
    vat_category: Mapped[str] = mapped_column(String(20), default="standard")
    # A physical product is shipped, so its order needs a street address.
    physical: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    plans: Mapped[list] = mapped_column(default=lambda: [{"kind": "single"}])
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
