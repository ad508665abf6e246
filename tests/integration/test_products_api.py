"""/api/products: members read, admins write; prices as exact strings; plans checked
against the price; 422 with field errors and nothing stored on bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.factories import UserFactory
from voiceapp.models import Product


@pytest.fixture
def admin(ctx):
    return UserFactory(role="admin")


def _count(dbs) -> int:
    dbs.rollback()  # end the read snapshot: see what the requests committed
    return dbs.scalar(select(func.count()).select_from(Product))


def course(**fields) -> dict:
    body = {
        "name": "Sales course",
        "price": "99.90",
        "price_is": "gross",
        "currency": "EUR",
        "vat_category": "electronic_service",
        "physical": False,
        "plans": [
            {"kind": "single"},
            {
                "kind": "instalments",
                "count": 3,
                "first_amount": "39.90",
                "later_amount": "30.00",
                "interval_unit": "month",
            },
            {"kind": "subscription", "amount": "9.90", "interval_unit": "month"},
        ],
    }
    body.update(fields)
    return body


def test_an_admin_creates_a_product_with_its_plans(as_user, admin, dbs):
    response = as_user(admin)("POST", "/api/products", json=course())
    assert response.status_code == 201, response.json
    body = response.json
    assert body["price"] == "99.90" and body["price_is"] == "gross"
    assert body["currency"] == "EUR" and body["vat_category"] == "electronic_service"
    assert body["active"] is True and body["physical"] is False
    assert body["plans"][0] == {"kind": "single", "description": "one payment"}
    assert body["plans"][1] == {
        "kind": "instalments",
        "count": 3,
        "first_amount": "39.90",
        "first_due_days": 0,
        "later_amount": "30.00",
        "later_start_days": None,
        "interval": 1,
        "interval_unit": "month",
        "description": "3 instalments: 39.90 now, then 2 x 30.00 every month",
    }
    assert body["plans"][2]["start_days"] == 0 and body["plans"][2]["amount"] == "9.90"
    product = dbs.get(Product, body["id"])
    assert product.price == Decimal("99.90")
    assert product.plans[1]["later_amount"] == "30.00"


def test_plans_default_to_one_payment_and_currency_is_upper_cased(as_user, admin):
    body = course(currency="chf", price="10")
    del body["plans"], body["vat_category"], body["physical"]
    response = as_user(admin)("POST", "/api/products", json=body)
    assert response.status_code == 201, response.json
    assert response.json["plans"] == [{"kind": "single", "description": "one payment"}]
    assert response.json["currency"] == "CHF" and response.json["price"] == "10.00"
    assert response.json["vat_category"] == "standard"


INSTALMENTS = {"kind": "instalments", "count": 3, "interval_unit": "month"}


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"price": "-1.00"}, {"price": ["must be more than 0"]}),
        ({"price": "0"}, {"price": ["must be more than 0"]}),
        ({"price": "abc"}, {"price": ["not a number: 'abc'"]}),
        ({"price": "NaN"}, {"price": ["not a number: 'NaN'"]}),
        ({"price": "49.999"}, {"price": ["at most 2 decimals"]}),
        ({"price": 49.9}, {"price": ['send the amount as a string, e.g. "49.90"']}),
        ({"price": "10000000000"}, {"price": ["at most 9999999999.99"]}),
        (
            {"currency": "EURO"},
            {"currency": ["use the ISO 4217 code of a currency in use, e.g. EUR"]},
        ),
        (
            {"currency": "E1R"},
            {"currency": ["use the ISO 4217 code of a currency in use, e.g. EUR"]},
        ),
        # Made up, and withdrawn (the Deutsche Mark).
        (
            {"currency": "XYZ"},
            {"currency": ["use the ISO 4217 code of a currency in use, e.g. EUR"]},
        ),
        (
            {"currency": "DEM"},
            {"currency": ["use the ISO 4217 code of a currency in use, e.g. EUR"]},
        ),
        ({"currency": "BHD"}, {"currency": ["BHD has 3 decimals; prices keep two"]}),
        ({"currency": "JPY", "price": "49.90"}, {"price": ["JPY amounts have 0 decimals"]}),
        ({"price_is": "both"}, {"price_is": ["Must be one of: net, gross."]}),
        (
            {"vat_category": "luxury"},
            {"vat_category": ["Must be one of: standard, reduced, electronic_service."]},
        ),
        ({"name": "  "}, {"name": ["Length must be between 1 and 200."]}),
        ({"plans": []}, {"plans": ["allow at least one payment plan"]}),
        (
            {"plans": [{"kind": "single"}, {"kind": "single"}]},
            {"plans": {"1": ["this plan is listed twice"]}},
        ),
        (
            {
                "plans": [
                    {**INSTALMENTS, "first_amount": "33.30", "later_amount": "33.30"},
                ]
            },
            {
                "plans": {
                    "0": [
                        "the instalments add up to 99.90, not the price 99.91 "
                        "(first + (count - 1) x later)"
                    ]
                }
            },
        ),
        (
            {"plans": [{**INSTALMENTS, "count": 1, "first_amount": "99.91", "later_amount": "1"}]},
            {
                "plans": {
                    "0": {
                        "count": [
                            "Must be greater than or equal to 2 and less than or equal to 120."
                        ]
                    }
                }
            },
        ),
        (
            {"plans": [{**INSTALMENTS, "first_amount": "33.31"}]},
            {"plans": {"0": {"later_amount": ["required for a plan of kind instalments"]}}},
        ),
        (
            {"plans": [{"kind": "single", "amount": "1.00"}]},
            {"plans": {"0": {"amount": ["not a field of a plan of kind single"]}}},
        ),
        (
            {"plans": [{"kind": "subscription", "amount": "9.90", "interval_unit": "fortnight"}]},
            {"plans": {"0": {"interval_unit": ["Must be one of: day, week, month, year."]}}},
        ),
        (
            {
                "plans": [
                    {
                        **INSTALMENTS,
                        "first_amount": "33.31",
                        "later_amount": "33.30",
                        "first_due_days": 10,
                        "later_start_days": 10,
                    }
                ]
            },
            {"plans": {"0": {"later_start_days": ["must be after the first payment's day"]}}},
        ),
        (
            {"plans": [{"kind": "barter"}]},
            {"plans": {"0": {"kind": ["Must be one of: single, instalments, subscription."]}}},
        ),
        ({"colour": "red"}, {"colour": ["Unknown field."]}),
    ],
)
def test_bad_input_answers_422_with_field_errors_and_stores_nothing(
    as_user, admin, dbs, change, errors
):
    # 99.91: a price the otherwise valid instalment plan below does not add up to.
    response = as_user(admin)("POST", "/api/products", json=course(**{"price": "99.91", **change}))
    assert response.status_code == 422, response.json
    assert response.json["errors"]["json"] == errors
    assert _count(dbs) == 0


def test_a_yen_price_is_whole_yen(as_user, admin):
    body = course(currency="JPY", price="4990", plans=[{"kind": "single"}])
    response = as_user(admin)("POST", "/api/products", json=body)
    assert response.status_code == 201, response.json
    assert (response.json["currency"], response.json["price"]) == ("JPY", "4990.00")


def test_instalments_that_add_up_to_the_price_are_taken(as_user, admin):
    plan = {**INSTALMENTS, "first_amount": "33.31", "later_amount": "33.30"}
    response = as_user(admin)("POST", "/api/products", json=course(price="99.91", plans=[plan]))
    assert response.status_code == 201, response.json


def test_members_read_products_but_only_admins_write_them(as_user, admin, dbs):
    product_id = as_user(admin)("POST", "/api/products", json=course()).json["id"]
    for role in ("agent", "sales_manager"):
        api = as_user(UserFactory(role=role))
        listed = api("GET", "/api/products")
        assert listed.status_code == 200 and listed.json["total"] == 1
        assert api("GET", f"/api/products/{product_id}").json["name"] == "Sales course"
        # Refused before the body is read: bad input earns a 403 too, not a 422.
        assert api("POST", "/api/products", json=course()).status_code == 403
        assert api("POST", "/api/products", json={}).status_code == 403
        assert (
            api("PATCH", f"/api/products/{product_id}", json={"active": False}).status_code == 403
        )
    assert _count(dbs) == 1
    assert dbs.get(Product, product_id).active is True


def test_a_product_is_switched_off_never_deleted_and_lists_after_those_on_sale(as_user, admin):
    api = as_user(admin)
    first = api("POST", "/api/products", json=course(name="A course")).json["id"]
    api("POST", "/api/products", json=course(name="B book", physical=True))
    response = api("PATCH", f"/api/products/{first}", json={"active": False})
    assert response.status_code == 200 and response.json["active"] is False
    assert [p["name"] for p in api("GET", "/api/products").json["items"]] == ["B book", "A course"]
    assert [p["name"] for p in api("GET", "/api/products?active=true").json["items"]] == ["B book"]
    assert api("DELETE", f"/api/products/{first}").status_code == 405


def test_a_patch_of_the_price_alone_is_checked_against_the_stored_plans(as_user, admin, dbs):
    api = as_user(admin)
    product_id = api("POST", "/api/products", json=course()).json["id"]
    response = api("PATCH", f"/api/products/{product_id}", json={"price": "120.00"})
    assert response.status_code == 422
    assert response.json["errors"]["json"] == {
        "plans": {
            "1": [
                "the instalments add up to 99.90, not the price 120.00 "
                "(first + (count - 1) x later)"
            ]
        }
    }
    dbs.rollback()
    assert dbs.get(Product, product_id).price == Decimal("99.90")
    # Price and plans together: fine; the others stay as they were.
    response = api(
        "PATCH",
        f"/api/products/{product_id}",
        json={"price": "120.00", "plans": [{"kind": "single"}], "name": "Course 2"},
    )
    assert response.status_code == 200, response.json
    assert response.json["price"] == "120.00" and response.json["currency"] == "EUR"
    assert response.json["plans"] == [{"kind": "single", "description": "one payment"}]


def test_a_patch_with_a_plan_without_its_kind_is_refused(as_user, admin, dbs):
    """Found by the API fuzz test: the PATCH schema's partial loading reached into the
    nested plans, and a plan without `kind` gave a 500."""
    api = as_user(admin)
    product = api("POST", "/api/products", json=course()).json
    response = api("PATCH", f"/api/products/{product['id']}", json={"plans": [{}]})
    assert response.status_code == 422
    assert response.json["errors"]["json"]["plans"]["0"]["kind"] == [
        "Missing data for required field."
    ]
    assert api("GET", f"/api/products/{product['id']}").json["plans"] == product["plans"]


def test_unknown_products_are_404(as_user, admin):
    assert as_user(admin)("GET", "/api/products/999").status_code == 404
    assert as_user(admin)("PATCH", "/api/products/999", json={"name": "x"}).status_code == 404


def test_the_openapi_document_describes_the_product_routes(client):
    spec = client.get("/api/openapi.json").json
    assert {"get", "post"} <= set(spec["paths"]["/api/products"])
    assert {"get", "patch"} <= set(spec["paths"]["/api/products/{product_id}"])
    schemas = spec["components"]["schemas"]
    product_input = next(v for k, v in schemas.items() if k.startswith("ProductInput"))
    assert "string" in str(product_input["properties"]["price"]["type"])
    # The price is required unless the product is on request (checked by the schema).
    assert set(product_input["required"]) == {"name", "price_is", "currency"}
    assert product_input["properties"]["on_request"]["type"] == "boolean"
    assert "instalments" in schemas["Plan"]["properties"]["kind"]["enum"]


def test_an_on_request_product_has_no_list_price(as_user, admin, dbs):
    call = as_user(admin)
    body = course(price=None, on_request=True, plans=[{"kind": "single"}])
    response = call("POST", "/api/products", json=body)
    assert response.status_code == 201, response.json
    assert (response.json["price"], response.json["on_request"]) == (None, True)
    product_id = response.json["id"]
    # A price with "on request", or neither, is refused; nothing stored.
    both = call("POST", "/api/products", json=course(on_request=True, plans=[{"kind": "single"}]))
    neither = call("POST", "/api/products", json=course(price=None))
    assert (both.status_code, neither.status_code) == (422, 422)
    assert "price" in both.json["errors"]["json"] and "price" in neither.json["errors"]["json"]
    assert _count(dbs) == 1
    # Instalments need a price to add up to.
    split = call("PATCH", f"/api/products/{product_id}", json={"plans": course()["plans"][:2]})
    assert split.status_code == 422, split.json
    # Back to a list price: on_request false and a price.
    priced = call(
        "PATCH", f"/api/products/{product_id}", json={"on_request": False, "price": "120.00"}
    )
    assert priced.status_code == 200, priced.json
    assert (priced.json["price"], priced.json["on_request"]) == ("120.00", False)
    unpriced = call("PATCH", f"/api/products/{product_id}", json={"price": None})
    assert unpriced.status_code == 422
    dbs.rollback()
    assert dbs.get(Product, product_id).price == Decimal("120.00")
