"""Requests and dossiers for tests of the money side (quotes, payments, stages,
subscriptions), written straight to the database as the intake would leave them."""

from __future__ import annotations

import secrets
from decimal import Decimal

from tests.factories import ContactFactory
from voiceapp.models import ContactEmail, Product, Request

SUBSCRIPTION_PLAN = {
    "kind": "subscription",
    "amount": "29.00",
    "interval": 1,
    "interval_unit": "month",
    "start_days": 0,
}


def make_on_request_product(dbs, **overrides) -> Product:
    values = {
        "name": "Custom tour",
        "price": None,
        "on_request": True,
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


def make_request(dbs, *, product: Product | None = None, contact=None, **overrides) -> Request:
    """A pending request from Ada Kunde (a dossier when it has a product)."""
    contact = contact or ContactFactory(
        first_name="Ada", last_name="Kunde", country="DE", language="de"
    )
    if not contact.emails:
        contact.emails.append(ContactEmail(email=f"ada{contact.id}@example.org"))
    values = {
        "kind": "dossier" if product is not None else "simple",
        "status": "pending",
        "stage": "new" if product is not None else None,
        "contact_id": contact.id,
        "source": "form",
        "name": "Ada Kunde",
        "email": contact.emails[0].email,
        "phone": "+4915112345678",
        "language": "de",
        "message": "Please make me an offer.",
        "product_id": product.id if product is not None else None,
        "access_key": secrets.token_urlsafe(24),
    }
    values.update(overrides)
    request = Request(**values)
    dbs.add(request)
    dbs.flush()
    return request


def money(text: str) -> Decimal:
    return Decimal(text)
