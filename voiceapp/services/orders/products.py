"""Products: create, change, switch off (never delete: orders point at them), list, and
the seller's country. Input arrives checked for shape by schemas.products; the rules
that tie fields together (instalments add up to the price) are checked here, so a PATCH
of the price alone cannot leave the stored plans wrong."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.domain.products import INSTALMENTS, plans_problems
from voiceapp.models import Product, TeamSettings
from voiceapp.services.team_settings import get_team_settings, update_team_settings

FIELDS = (
    "name",
    "price",
    "on_request",
    "price_is",
    "currency",
    "vat_category",
    "physical",
    "active",
    "plans",
)


class ProductError(ValueError):
    """Input that breaks a rule; `errors` is marshmallow-shaped ({"plans": {1: [...]}})."""

    def __init__(self, errors: dict):
        super().__init__(str(errors))
        self.errors = errors


def _check_plans(plans: list[dict], price: Decimal | None) -> None:
    if price is None:  # on request: instalments have no price to add up to
        problems = plans_problems(plans, Decimal(0))
        for index, plan in enumerate(plans):
            if plan["kind"] == INSTALMENTS:
                problems[index] = "an on-request product has no price to split into instalments"
    else:
        problems = plans_problems(plans, price)
    if not problems:
        return
    errors: dict = {}
    for where, message in problems.items():
        errors[where] = [message]
    whole = errors.pop("_list", None)
    raise ProductError({"plans": whole or errors})


def create_product(db: Session, data: dict, *, now: datetime) -> Product:
    """A new product from checked input (`name`, `price` (Decimal), `price_is`,
    `currency`, `vat_category`, `physical`, `plans`; `active` optional)."""
    # An empty list given is refused, not replaced: a product must be payable somehow.
    plans = list(data["plans"]) if "plans" in data else [{"kind": "single"}]
    if data.get("on_request"):
        data = {**data, "price": None}
    _check_plans(plans, data.get("price"))
    product = Product(created_at=now, updated_at=now, active=data.get("active", True))
    for name in FIELDS:
        if name in data:
            setattr(product, name, data[name])
    product.plans = plans
    db.add(product)
    db.flush()
    return product


def update_product(db: Session, product: Product, changes: dict, *, now: datetime) -> list[str]:
    """Apply the given fields; return the names that changed. Switching a product off is
    `{"active": False}`."""
    on_request = changes.get("on_request", product.on_request)
    if on_request:
        changes = {**changes, "price": None}
    price = changes.get("price", product.price)
    if price is None and not on_request:
        raise ProductError({"price": ["required unless the product is on request"]})
    plans = changes.get("plans", product.plans)
    if {"price", "plans", "on_request"} & changes.keys():
        _check_plans(list(plans), None if price is None else Decimal(price))
    changed = []
    for name in FIELDS:
        if name in changes and getattr(product, name) != changes[name]:
            # A new list object: SQLAlchemy sees a JSON column change only on assignment.
            setattr(product, name, list(changes[name]) if name == "plans" else changes[name])
            changed.append(name)
    if changed:
        product.updated_at = now
        db.flush()
    return changed


def get_product(db: Session, product_id: int) -> Product | None:
    return db.get(Product, product_id)


def list_products(db: Session, *, active_only: bool = False) -> list[Product]:
    """Active products first, then switched-off ones; by name within each."""
    query = select(Product).order_by(Product.active.desc(), Product.name, Product.id)
    if active_only:
        query = query.where(Product.active.is_(True))
    return list(db.scalars(query))


def seller_country(db: Session) -> str:
    return get_team_settings(db).seller_country


def set_seller_country(db: Session, country: str) -> TeamSettings:
    """The team's country (ISO 3166-1 alpha-2), which decides VAT on its orders."""
    code = (country or "").strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ProductError({"seller_country": [f"not an ISO 3166 country code: {country!r}"]})
    return update_team_settings(db, seller_country=code)


MAX_AUTO_CANCEL_DAYS = 365


def auto_cancel_days(db: Session) -> int:
    return get_team_settings(db).order_auto_cancel_days


def set_auto_cancel_days(db: Session, days: object) -> TeamSettings:
    """After how many days an unpaid order is cancelled (1 to MAX_AUTO_CANCEL_DAYS); each
    order keeps the date it got when it was taken."""
    text = str(days).strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_AUTO_CANCEL_DAYS:
        raise ProductError(
            {"order_auto_cancel_days": [f"a whole number of days from 1 to {MAX_AUTO_CANCEL_DAYS}"]}
        )
    return update_team_settings(db, order_auto_cancel_days=int(text))
