"""Products and phone orders for tests, taken through the real service (VAT, code, case)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from tests.factories import ContactFactory
from voiceapp.models import Order, Product
from voiceapp.services.orders import create_order

INSTALMENTS_3 = {
    "kind": "instalments",
    "count": 3,
    "first_amount": "39.00",
    "first_due_days": 0,
    "later_amount": "40.00",
    "later_start_days": None,
    "interval": 1,
    "interval_unit": "month",
}
SUBSCRIPTION_MONTHLY = {
    "kind": "subscription",
    "amount": "119.00",
    "interval": 1,
    "interval_unit": "month",
    "start_days": 0,
}


def make_product(dbs, **overrides) -> Product:
    """119.00 EUR gross, standard VAT, not physical, one payment (override any of it)."""
    values = {
        "name": "Sales course",
        "price": Decimal("119.00"),
        "price_is": "gross",
        "currency": "EUR",
        "vat_category": "standard",
        "physical": False,
        "plans": [{"kind": "single"}],
    }
    values.update(overrides)
    product = Product(**values)
    dbs.add(product)
    dbs.flush()
    return product


def take_order(
    dbs,
    seller,
    *,
    product: Product | None = None,
    contact=None,
    plan: dict | None = None,
    quantity: int = 1,
    now: datetime | None = None,
    buyer: dict | None = None,
    commit: bool = True,
) -> Order:
    """A pending phone order by `seller` for a German consumer (or `contact`)."""
    product = product or make_product(dbs)
    contact = contact or ContactFactory(owner_id=seller.id, country="DE", language="de")
    data = {
        "contact_id": contact.id,
        "items": [{"product_id": product.id, "quantity": quantity}],
        "buyer": buyer or {"first_name": "Anna", "last_name": "Muster", "country": "DE"},
    }
    if plan is not None:
        data["plan"] = plan
    order = create_order(dbs, data, seller=seller, now=now or datetime.now(UTC))
    if commit:
        dbs.commit()
    return order
