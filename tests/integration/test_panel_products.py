"""The admin's Products pages (list, add, edit with plans written one per line, switch
off) and Sales settings (the seller's country)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.conftest import form_token, sign_in
from tests.factories import PASSWORD, UserFactory
from tests.http_helpers import assert_redirect
from voiceapp.models import Product, TeamSettings


def signed_in(client, role="admin"):
    user = UserFactory(role=role)
    sign_in(client, user.email, PASSWORD)
    return user


def product_form(token: str, **fields) -> dict:
    data = {
        "csrf_token": token,
        "name": "Sales course",
        "price": "99.90",
        "price_is": "gross",
        "currency": "EUR",
        "vat_category": "electronic_service",
        "plans": "single\ninstalments 3 x 33.30 every month\nsubscription 9.90 every month",
    }
    data.update(fields)
    return data


def _count(dbs) -> int:
    dbs.rollback()
    return dbs.scalar(select(func.count()).select_from(Product))


def test_products_and_sales_settings_are_for_admins_only(client, ctx):
    signed_in(client, role="sales_manager")
    for url in ("/products", "/products/new", "/settings/sales"):
        assert client.get(url).status_code == 403


def test_an_admin_adds_a_product_written_as_plan_lines(client, ctx, dbs):
    signed_in(client)
    assert 'href="/products">Products</a>' in client.get("/").text
    token = form_token(client, "/products/new")
    plans = (
        "single\n\n  instalments 40.00 + 2 x 29.95 every 1 month, first in 7 days, "
        "later from day 30\nsubscription 9.90 every 3 months, first in 14 days"
    )
    response = client.post("/products/new", data=product_form(token, plans=plans, physical="y"))
    assert_redirect(response, "/products")
    product = dbs.scalars(select(Product)).one()
    assert product.price == Decimal("99.90") and product.physical is True
    assert product.plans == [
        {"kind": "single"},
        {
            "kind": "instalments",
            "count": 3,
            "first_amount": "40.00",
            "first_due_days": 7,
            "later_amount": "29.95",
            "later_start_days": 30,
            "interval": 1,
            "interval_unit": "month",
        },
        {
            "kind": "subscription",
            "amount": "9.90",
            "interval": 3,
            "interval_unit": "month",
            "start_days": 14,
        },
    ]
    page = client.get("/products").text
    assert "Product Sales course added." in page
    assert "3 instalments: 40.00 EUR in 7 days, then 2 x 29.95 EUR every month from day 30" in page
    assert "subscription: 9.90 EUR every 3 months, first in 14 days" in page
    # The edit form writes the plans back as lines that read as the same plans.
    edit = client.get(f"/products/{product.id}").text
    assert "instalments 40.00 + 2 x 29.95 every month, first in 7 days, later from day 30" in edit
    assert "subscription 9.90 every 3 months, first in 14 days" in edit


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"plans": "single\ninstalments three times"}, "line 2: write &#34;single&#34;"),
        (
            {"plans": "single\n\ninstalments 3 x 33.33 every month"},
            "line 3: the instalments add up to 99.99, not the price 99.90",
        ),
        ({"plans": "instalments 1 x 99.90 every month"}, "line 1 (count): Must be greater"),
        ({"plans": "subscription 9.999 every month"}, "line 1 (amount): at most 2 decimals"),
        ({"plans": ""}, "allow at least one payment plan"),
        ({"price": "-5"}, "must be more than 0"),
        ({"price": "12,50"}, "not a number: &#39;12,50&#39;"),
        ({"currency": "euro"}, "use the ISO 4217 code of a currency in use"),
        ({"name": ""}, "Length must be between 1 and 200."),
    ],
)
def test_bad_input_shows_the_form_again_with_the_message_and_stores_nothing(
    client, ctx, dbs, fields, message
):
    signed_in(client)
    token = form_token(client, "/products/new")
    response = client.post("/products/new", data=product_form(token, **fields))
    assert response.status_code == 422
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    # What was typed is kept.
    assert (fields.get("plans") or "").strip().split("\n")[0] in response.text
    assert _count(dbs) == 0


def test_an_admin_edits_a_product_and_a_wrong_edit_changes_nothing(client, ctx, dbs):
    signed_in(client)
    client.post("/products/new", data=product_form(form_token(client, "/products/new")))
    product = dbs.scalars(select(Product)).one()
    url = f"/products/{product.id}"
    response = client.post(url, data=product_form(form_token(client, url), price="120.00"))
    assert response.status_code == 422
    assert "line 2: the instalments add up to 99.90, not the price 120.00" in response.text
    dbs.rollback()
    assert dbs.get(Product, product.id).price == Decimal("99.90")
    response = client.post(
        url,
        data=product_form(
            form_token(client, url), price="120.00", plans="instalments 4 x 30.00 every week"
        ),
    )
    assert_redirect(response, "/products")
    dbs.rollback()
    product = dbs.get(Product, product.id)
    assert product.price == Decimal("120.00") and product.plans[0]["interval_unit"] == "week"
    assert product.physical is False


def test_switching_off_keeps_the_product_and_lists_it_after_those_on_sale(client, ctx, dbs):
    signed_in(client)
    for name in ("A course", "B book"):
        client.post(
            "/products/new", data=product_form(form_token(client, "/products/new"), name=name)
        )
    first = dbs.scalars(select(Product).where(Product.name == "A course")).one()
    token = form_token(client, "/products")
    response = client.post(
        f"/products/{first.id}/active", data={"csrf_token": token, "active": "0"}
    )
    assert_redirect(response, "/products")
    page = client.get("/products").text
    assert "A course is switched off." in page
    table = page[page.index('data-testid="products"') :]
    assert table.index("B book") < table.index("A course")
    assert _count(dbs) == 2 and dbs.get(Product, first.id).active is False
    client.post(f"/products/{first.id}/active", data={"csrf_token": token, "active": "1"})
    dbs.rollback()
    assert dbs.get(Product, first.id).active is True


def test_the_seller_country_defaults_to_germany_and_is_changed_in_sales_settings(client, ctx, dbs):
    signed_in(client)
    page = client.get("/settings/sales")
    assert 'value="DE"' in page.text
    token = form_token(client, "/settings/sales")
    response = client.post("/settings/sales", data={"csrf_token": token, "seller_country": "XX"})
    assert response.status_code == 422
    assert "not an ISO 3166 country code: &#39;XX&#39;" in response.text
    assert dbs.get(TeamSettings, 1) is None or dbs.get(TeamSettings, 1).seller_country == "DE"
    response = client.post("/settings/sales", data={"csrf_token": token, "seller_country": " at "})
    assert_redirect(response, "/settings/sales")
    dbs.rollback()
    assert dbs.get(TeamSettings, 1).seller_country == "AT"
    assert 'value="AT"' in client.get("/settings/sales").text


def test_the_auto_cancel_days_default_to_14_and_are_changed_in_sales_settings(client, ctx, dbs):
    signed_in(client)
    assert 'name="order_auto_cancel_days" value="14"' in client.get("/settings/sales").text
    token = form_token(client, "/settings/sales")
    for bad in ("0", "366", "3.5", "x"):
        response = client.post(
            "/settings/sales",
            data={"csrf_token": token, "seller_country": "AT", "order_auto_cancel_days": bad},
        )
        assert response.status_code == 422, bad
        assert 'data-field="order_auto_cancel_days"' in response.text
        dbs.rollback()
        row = dbs.get(TeamSettings, 1)
        assert row is None or (row.seller_country, row.order_auto_cancel_days) == ("DE", 14)
    response = client.post(
        "/settings/sales",
        data={"csrf_token": token, "seller_country": "DE", "order_auto_cancel_days": "7"},
    )
    assert_redirect(response, "/settings/sales")
    dbs.rollback()
    assert dbs.get(TeamSettings, 1).order_auto_cancel_days == 7


def test_an_admin_adds_a_product_on_request_and_the_order_form_does_not_offer_it(client, ctx, dbs):
    signed_in(client)
    token = form_token(client, "/products/new")
    # A price and "on request" together, or neither, is the form again; nothing stored.
    both = client.post("/products/new", data=product_form(token, on_request="y", plans="single"))
    neither = client.post("/products/new", data=product_form(token, price="", plans="single"))
    assert (both.status_code, neither.status_code) == (422, 422)
    assert "required unless the product is on request" in neither.text
    assert _count(dbs) == 0
    created = client.post(
        "/products/new",
        data=product_form(token, name="Custom tour", price="", on_request="y", plans="single"),
    )
    assert_redirect(created, "/products")
    dbs.rollback()
    product = dbs.scalar(select(Product))
    assert (product.price, product.on_request) == (None, True)
    listing = client.get("/products").text
    assert "on request (EUR)" in listing
    assert "Custom tour" not in client.get("/orders/new").text
