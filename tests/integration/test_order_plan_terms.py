"""Instalment terms sent with an order must add up to the product's price; the answer
says by how much they miss, and nothing is created."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.factories import ContactFactory, UserFactory
from tests.order_helpers import INSTALMENTS_3, make_product
from voiceapp.models import Case, Order


def test_instalments_that_do_not_add_up_to_the_price_are_refused_with_the_sums(as_user, dbs):
    agent = UserFactory(role="agent")
    contact = ContactFactory(owner_id=agent.id)
    product = make_product(dbs, plans=[INSTALMENTS_3])
    dbs.commit()
    plan = {"kind": "instalments", "count": 3, "first_amount": "39.00", "later_amount": "30.00"}
    response = as_user(agent)(
        "POST",
        "/api/orders",
        json={
            "contact_id": contact.id,
            "items": [{"product_id": product.id}],
            "plan": plan,
            "buyer": {"last_name": "Muster", "country": "DE"},
        },
    )
    assert response.status_code == 422, response.json
    assert response.json["errors"]["json"]["plan"] == [
        "the instalments add up to 99.00, not the price 119.00 of Sales course "
        "(first + (count - 1) x later)"
    ]
    dbs.rollback()
    assert dbs.scalar(select(func.count(Order.id))) == 0
    assert dbs.scalar(select(func.count(Case.id))) == 0
    plan["later_amount"] = "40.00"
    accepted = as_user(agent)(
        "POST",
        "/api/orders",
        json={
            "contact_id": contact.id,
            "items": [{"product_id": product.id}],
            "plan": plan,
            "buyer": {"last_name": "Muster", "country": "DE"},
        },
    )
    assert accepted.status_code == 201, accepted.json
