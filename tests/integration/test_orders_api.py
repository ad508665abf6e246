"""POST /api/orders and GET /api/orders/<id>: VAT from the seller's and the buyer's
country, totals from the lines, the withdrawal right kept, a payment code read aloud and
its URL, the follow-up case; 422 with field errors and nothing created on bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests import order_helpers
from tests.factories import ContactFactory, UserFactory
from voiceapp.domain.payment_code import parse_code
from voiceapp.domain.vat import REVERSE_CHARGE_NOTE, REVERSE_CHARGE_NOTE_DE
from voiceapp.models import Case, Order, OrderItem, Payment, Product
from voiceapp.services.accounts import create_api_token

VALID_FR_VAT_ID = "FR40303265045"
VALID_DE_VAT_ID = "DE136695976"


@pytest.fixture
def agent(ctx):
    return UserFactory(role="agent")


@pytest.fixture
def contact(agent):
    return ContactFactory(owner_id=agent.id, visibility="private", country="DE", language="de")


def make_product(dbs, **fields) -> Product:
    """tests.order_helpers.make_product, committed (the requests run in another session)."""
    product = order_helpers.make_product(dbs, **fields)
    dbs.commit()
    return product


@pytest.fixture
def course(dbs):
    return make_product(dbs)


def order_body(contact, product, **fields) -> dict:
    body = {
        "contact_id": contact.id,
        "items": [{"product_id": product.id, "quantity": 1}],
        "plan": {"kind": "single"},
        "buyer": {
            "email": "anna@example.com",
            "first_name": "Anna",
            "last_name": "Muster",
            "country": "DE",
        },
    }
    body.update(fields)
    return body


def buyer(**fields) -> dict:
    return {"email": "anna@example.com", "first_name": "Anna", "last_name": "Muster", **fields}


def counts(dbs) -> tuple[int, int, int, int]:
    """Orders, their lines, payment codes issued, cases: what a refusal must not add."""
    dbs.rollback()  # see what the requests committed
    return (
        dbs.scalar(select(func.count()).select_from(Order)),
        dbs.scalar(select(func.count()).select_from(OrderItem)),
        dbs.scalar(select(func.count(Order.payment_code))),
        dbs.scalar(select(func.count()).select_from(Case)),
    )


def test_a_german_consumer_pays_19_percent_and_the_order_is_pending(
    as_user, agent, contact, course
):
    response = as_user(agent)("POST", "/api/orders", json=order_body(contact, course))
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "pending" and body["currency"] == "EUR"
    assert (body["net"], body["vat"], body["gross"]) == ("100.00", "19.00", "119.00")
    assert body["vat_rate"] == "19.00" and body["reverse_charge"] is False
    assert body["vat_note"] is None
    assert body["withdrawal_right"] is True and body["waiver_ignored"] is False
    assert body["number"].startswith("PO-") and body["number"].endswith(f"{body['id']:06d}")
    assert body["items"][0]["name"] == "Sales course"
    assert body["items"][0]["gross"] == "119.00" and body["items"][0]["quantity"] == 1
    assert body["seller_id"] == agent.id and body["contact_id"] == contact.id


def test_a_french_consumer_pays_the_french_rate(as_user, agent, contact, dbs):
    product = make_product(dbs, price=Decimal("100.00"), price_is="net")
    body = order_body(contact, product, buyer=buyer(country="FR"))
    response = as_user(agent)("POST", "/api/orders", json=body)
    assert response.status_code == 201, response.json
    assert response.json["vat_rate"] == "20.00"
    assert (response.json["net"], response.json["vat"], response.json["gross"]) == (
        "100.00",
        "20.00",
        "120.00",
    )


def test_a_french_business_with_a_valid_vat_id_gets_reverse_charge_and_the_note(
    as_user, agent, contact, dbs
):
    product = make_product(dbs, price=Decimal("100.00"), price_is="net")
    body = order_body(
        contact,
        product,
        buyer=buyer(country="FR", company="Acme SARL", vat_id=VALID_FR_VAT_ID, language="fr"),
    )
    response = as_user(agent)("POST", "/api/orders", json=body)
    assert response.status_code == 201, response.json
    got = response.json
    assert got["reverse_charge"] is True and got["vat_rate"] == "0.00"
    assert (got["net"], got["vat"], got["gross"]) == ("100.00", "0.00", "100.00")
    assert got["vat_note"] == REVERSE_CHARGE_NOTE  # the buyer speaks French
    assert got["buyer"]["vat_id"] == VALID_FR_VAT_ID


def test_the_reverse_charge_note_is_german_for_a_german_speaking_buyer(
    as_user, agent, contact, course
):
    body = order_body(
        contact,
        course,
        buyer=buyer(country="AT", company="Muster GmbH", vat_id="ATU13585627", language="de"),
    )
    response = as_user(agent)("POST", "/api/orders", json=body)
    assert response.status_code == 201, response.json
    assert response.json["vat_note"] == REVERSE_CHARGE_NOTE_DE
    # A gross price loses the seller's 19 % when no VAT is charged: 119.00 / 1.19.
    assert response.json["gross"] == "100.00"


def test_a_french_company_without_a_vat_id_pays_like_a_consumer(as_user, agent, contact, dbs):
    product = make_product(dbs, price=Decimal("100.00"), price_is="net")
    body = order_body(contact, product, buyer=buyer(country="FR", company="Acme SARL"))
    response = as_user(agent)("POST", "/api/orders", json=body)
    assert response.status_code == 201, response.json
    assert response.json["reverse_charge"] is False and response.json["vat_rate"] == "20.00"


def test_a_swiss_buyer_pays_no_vat(as_user, agent, contact, dbs):
    product = make_product(dbs, price=Decimal("100.00"), price_is="net")
    response = as_user(agent)(
        "POST", "/api/orders", json=order_body(contact, product, buyer=buyer(country="CH"))
    )
    assert response.status_code == 201, response.json
    assert response.json["vat_rate"] == "0.00" and response.json["vat"] == "0.00"
    assert response.json["gross"] == "100.00" and response.json["reverse_charge"] is False


def test_totals_are_the_sums_of_the_rounded_lines(as_user, agent, contact, dbs):
    cheap = make_product(dbs, name="Sticker", price=Decimal("0.99"), price_is="net")
    book = make_product(dbs, name="Book", price=Decimal("10.01"), price_is="net")
    body = order_body(contact, cheap)
    body["items"] = [
        {"product_id": cheap.id, "quantity": 3},
        {"product_id": book.id, "quantity": 1},
    ]
    response = as_user(agent)("POST", "/api/orders", json=body)
    assert response.status_code == 201, response.json
    lines = response.json["items"]
    # 2.97 net -> 0.5643 VAT -> 0.56; 10.01 -> 1.9019 -> 1.90
    assert [(x["net"], x["vat"], x["gross"]) for x in lines] == [
        ("2.97", "0.56", "3.53"),
        ("10.01", "1.90", "11.91"),
    ]
    assert (response.json["net"], response.json["vat"], response.json["gross"]) == (
        "12.98",
        "2.46",
        "15.44",
    )


@pytest.mark.parametrize("field", ["gross", "net", "vat", "total"])
def test_a_total_sent_by_the_client_is_refused(as_user, agent, contact, course, dbs, field):
    before = counts(dbs)
    body = order_body(contact, course, **{field: "1.00"})
    response = as_user(agent)("POST", "/api/orders", json=body)
    assert response.status_code == 422
    assert field in response.json["errors"]["json"]
    assert counts(dbs) == before


def test_a_withdrawal_waiver_is_ignored_and_recorded(as_user, agent, contact, course, dbs):
    body = order_body(contact, course, waive_withdrawal=True)
    response = as_user(agent)("POST", "/api/orders", json=body)
    assert response.status_code == 201, response.json
    assert response.json["withdrawal_right"] is True
    assert response.json["waiver_ignored"] is True
    assert "cannot be waived" in response.json["waiver_note"]
    order = dbs.get(Order, response.json["id"])
    assert order.withdrawal_right is True and order.waiver_ignored is True


def test_the_payment_code_is_formatted_checked_and_in_the_url(as_user, agent, contact, course):
    response = as_user(agent)("POST", "/api/orders", json=order_body(contact, course))
    code = response.json["payment_code"]
    assert len(code) == 11 and code[4] == "-" and code[9] == "-"
    canonical = parse_code(code)
    assert parse_code(code.lower().replace("-", " ")) == canonical
    assert response.json["payment_url"] == f"http://localhost/p/{code}"


def test_the_payment_url_starts_with_public_base_url(make_app, dbs, agent, contact, course):
    app = make_app(public_base_url="https://pay.example.com/")
    _row, token = create_api_token(dbs, agent, name="t", now=course.created_at)
    dbs.commit()
    response = app.test_client().post(
        "/api/orders",
        json=order_body(contact, course),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.json
    assert response.json["payment_url"] == (
        f"https://pay.example.com/p/{response.json['payment_code']}"
    )
    app.extensions["voiceapp.db"].engine.dispose()


def test_every_order_gets_its_own_code(as_user, agent, contact, course, dbs):
    ask = as_user(agent)
    codes = {ask("POST", "/api/orders", json=order_body(contact, course)).json["payment_code"]}
    codes.add(ask("POST", "/api/orders", json=order_body(contact, course)).json["payment_code"])
    assert len(codes) == 2


def test_auto_cancel_follows_the_team_setting(as_user, agent, contact, course, dbs):
    from voiceapp.services.team_settings import update_team_settings

    update_team_settings(dbs, order_auto_cancel_days=3)
    dbs.commit()
    response = as_user(agent)("POST", "/api/orders", json=order_body(contact, course))
    order = dbs.get(Order, response.json["id"])
    assert (order.auto_cancel_at - order.created_at).days == 3
    assert response.json["auto_cancel_at"] is not None


def test_a_new_order_opens_a_follow_up_case_for_the_seller(as_user, agent, contact, course, dbs):
    response = as_user(agent)("POST", "/api/orders", json=order_body(contact, course))
    dbs.rollback()
    case = dbs.scalar(select(Case).where(Case.order_id == response.json["id"]))
    assert case is not None and case.type == "new_order"
    assert case.assignee_id == agent.id and case.contact_id == contact.id
    assert case.status == "open"


def test_the_order_remembers_the_case_it_was_taken_on(as_user, agent, contact, course, dbs):
    from tests.factories import CaseFactory

    taken_on = CaseFactory(contact=contact, assignee_id=agent.id)
    body = order_body(contact, course, case_id=taken_on.id)
    response = as_user(agent)("POST", "/api/orders", json=body)
    assert response.status_code == 201, response.json
    assert response.json["case_id"] == taken_on.id
    other_contact = ContactFactory()
    other_case = CaseFactory(contact=other_contact)
    before = counts(dbs)
    response = as_user(agent)(
        "POST", "/api/orders", json=order_body(contact, course, case_id=other_case.id)
    )
    assert response.status_code == 422
    assert "case_id" in response.json["errors"]["json"]
    assert counts(dbs) == before


def test_the_plan_terms_are_copied_so_a_product_change_changes_no_order(
    as_user, agent, contact, dbs
):
    plans = [
        {"kind": "single"},
        {
            "kind": "instalments",
            "count": 3,
            "first_amount": "39.00",
            "first_due_days": 0,
            "later_amount": "40.00",
            "later_start_days": None,
            "interval": 1,
            "interval_unit": "month",
        },
    ]
    product = make_product(dbs, plans=plans)
    body = order_body(contact, product, plan={"kind": "instalments"})
    response = as_user(agent)("POST", "/api/orders", json=body)
    assert response.status_code == 201, response.json
    assert response.json["plan"]["count"] == 3
    assert response.json["plan"]["first_amount"] == "39.00"
    product.plans = [{"kind": "single"}]
    product.price = Decimal("200.00")
    dbs.commit()
    again = as_user(agent)("GET", f"/api/orders/{response.json['id']}").json
    assert again["plan"]["kind"] == "instalments" and again["plan"]["later_amount"] == "40.00"
    assert again["items"][0]["unit_price"] == "119.00" and again["gross"] == "119.00"


def test_one_of_several_plans_of_a_kind_is_chosen_by_its_terms(as_user, agent, contact, dbs):
    def instalments(count, first, later):
        return {
            "kind": "instalments",
            "count": count,
            "first_amount": first,
            "first_due_days": 0,
            "later_amount": later,
            "later_start_days": None,
            "interval": 1,
            "interval_unit": "month",
        }

    product = make_product(
        dbs, plans=[instalments(2, "59.00", "60.00"), instalments(3, "39.00", "40.00")]
    )
    ask = as_user(agent)
    vague = ask(
        "POST", "/api/orders", json=order_body(contact, product, plan={"kind": "instalments"})
    )
    assert vague.status_code == 422 and "plan" in vague.json["errors"]["json"]
    chosen = ask(
        "POST",
        "/api/orders",
        json=order_body(contact, product, plan={"kind": "instalments", "count": 3}),
    )
    assert chosen.status_code == 201, chosen.json
    assert chosen.json["plan"]["first_amount"] == "39.00"


def test_buyer_fields_not_sent_come_from_the_contact(as_user, agent, dbs, course):
    contact = ContactFactory(
        owner_id=agent.id, country="AT", language="de-AT", city="Wien", last_name="Huber"
    )
    body = order_body(contact, course)
    body["buyer"] = {"first_name": "Sepp"}
    response = as_user(agent)("POST", "/api/orders", json=body)
    assert response.status_code == 201, response.json
    got = response.json["buyer"]
    assert got["country"] == "AT" and got["city"] == "Wien" and got["last_name"] == "Huber"
    assert got["first_name"] == "Sepp" and got["language"] == "de"
    assert response.json["vat_rate"] == "20.00"  # Austria's rate: the country came along


def _refused(ask, dbs, body) -> dict:
    before = counts(dbs)
    response = ask("POST", "/api/orders", json=body)
    assert response.status_code == 422, response.json
    assert counts(dbs) == before, "a refused order left rows behind"
    return response.json["errors"]["json"]


def test_bad_input_is_refused_with_field_errors_and_nothing_created(
    as_user, agent, contact, course, dbs
):
    ask = as_user(agent)
    shipped = make_product(dbs, name="Printed book", physical=True)
    other_currency = make_product(dbs, name="Swiss course", currency="CHF")
    switched_off = make_product(dbs, name="Old course", active=False)

    errors = _refused(ask, dbs, order_body(contact, shipped, buyer=buyer(country="DE")))
    assert set(errors["buyer"]) == {"street", "postcode", "city"}
    errors = _refused(ask, dbs, order_body(contact, course, buyer=buyer(country="XX")))
    assert "country" in errors["buyer"]
    errors = _refused(ask, dbs, order_body(contact, course, buyer=buyer(country="DE", email="x@")))
    assert "email" in errors["buyer"]
    body = order_body(contact, course)
    body["items"] = [{"product_id": 999999, "quantity": 1}]
    assert "product_id" in _refused(ask, dbs, body)["items"]["0"]
    body["items"] = [{"product_id": switched_off.id, "quantity": 1}]
    assert "not on sale" in _refused(ask, dbs, body)["items"]["0"]["product_id"][0]
    body["items"] = [{"product_id": course.id}, {"product_id": other_currency.id}]
    assert "currency" in _refused(ask, dbs, body)["items"][0]
    errors = _refused(ask, dbs, order_body(contact, course, plan={"kind": "subscription"}))
    assert "does not allow" in errors["plan"][0]
    bad_vat = buyer(country="FR", company="Acme SARL", vat_id="FR40303265046")
    errors = _refused(ask, dbs, order_body(contact, course, buyer=bad_vat))
    assert "check digit" in errors["buyer"]["vat_id"][0]
    wrong_country = buyer(country="FR", company="Acme SARL", vat_id=VALID_DE_VAT_ID)
    assert "vat_id" in _refused(ask, dbs, order_body(contact, course, buyer=wrong_country))["buyer"]
    for quantity in (1.0, 2.5, "2", True, 0, -1):
        body["items"] = [{"product_id": course.id, "quantity": quantity}]
        assert "quantity" in _refused(ask, dbs, body)["items"]["0"], quantity
    body = order_body(contact, course, buyer={"country": "DE", "last_name": None})
    contact_without_name = ContactFactory(owner_id=agent.id, last_name=None, company_name=None)
    body["contact_id"] = contact_without_name.id
    assert "last_name" in _refused(ask, dbs, body)["buyer"]


def test_a_contact_the_seller_cannot_see_is_no_contact(as_user, agent, course, dbs):
    someone = UserFactory(role="agent")
    hidden = ContactFactory(owner_id=someone.id, visibility="private")
    errors = _refused(as_user(agent), dbs, order_body(hidden, course))
    assert errors == {"contact_id": ["no contact with this id"]}


def test_only_members_who_may_set_affiliates_send_one(as_user, agent, contact, course, dbs):
    before = counts(dbs)
    refused = as_user(agent)(
        "POST", "/api/orders", json=order_body(contact, course, affiliate="P1")
    )
    assert refused.status_code == 403
    assert counts(dbs) == before
    allowed = UserFactory(role="agent", can_set_affiliates=True)
    contact.visibility = "shared_write"
    dbs.commit()
    taken = as_user(allowed)(
        "POST", "/api/orders", json=order_body(contact, course, affiliate="P1")
    )
    assert taken.status_code == 201, taken.json
    assert taken.json["affiliate"] == "P1"
    assert (
        as_user(agent)("POST", "/api/orders", json=order_body(contact, course)).status_code == 201
    )


def test_who_reads_an_order(as_user, agent, contact, course, dbs):
    order_id = as_user(agent)("POST", "/api/orders", json=order_body(contact, course)).json["id"]
    manager = UserFactory(role="sales_manager")
    colleague = UserFactory(role="agent")
    assert as_user(agent)("GET", f"/api/orders/{order_id}").status_code == 200
    assert as_user(manager)("GET", f"/api/orders/{order_id}").status_code == 200
    # The contact is the agent's private one: a colleague does not learn the order exists.
    assert as_user(colleague)("GET", f"/api/orders/{order_id}").status_code == 404
    contact.visibility = "shared_read"
    dbs.commit()
    assert as_user(colleague)("GET", f"/api/orders/{order_id}").status_code == 200
    assert as_user(agent)("GET", "/api/orders/999999").status_code == 404


def test_a_payment_code_clash_takes_a_new_code(dbs, agent, contact, course):
    from voiceapp.db import utcnow
    from voiceapp.domain.payment_code import new_code
    from voiceapp.services import orders

    first, second = new_code(b"\x00\x00\x00\x00\x01"), new_code(b"\x00\x00\x00\x00\x02")
    body = {
        "contact_id": contact.id,
        "items": [{"product_id": course.id, "quantity": 1}],
        "buyer": {"last_name": "Muster", "country": "DE"},
    }
    made = iter([first, second])  # a clash with the first order, then a fresh code
    one = orders.create_order(dbs, body, seller=agent, now=utcnow(), make_code=lambda: first)
    dbs.commit()
    two = orders.create_order(dbs, body, seller=agent, now=utcnow(), make_code=lambda: next(made))
    dbs.commit()
    assert one.payment_code == first and two.payment_code == second


def test_the_seller_reads_their_order_after_the_contact_turned_private(as_user, agent, course, dbs):
    owner = UserFactory(role="agent")
    shared = ContactFactory(owner_id=owner.id, visibility="shared_write")
    order_id = as_user(agent)("POST", "/api/orders", json=order_body(shared, course)).json["id"]
    shared.visibility = "private"
    dbs.commit()
    assert as_user(agent)("GET", f"/api/orders/{order_id}").status_code == 200
    assert as_user(UserFactory(role="agent"))("GET", f"/api/orders/{order_id}").status_code == 404


# --- channel, source and tag ------------------------------------------------------------------


def test_an_order_taken_through_the_api_says_so_with_its_source_and_tag(
    as_user, agent, contact, course, dbs
):
    body = order_body(contact, course, source="  autumn list ", tag="vip")
    response = as_user(agent)("POST", "/api/orders", json=body)
    assert response.status_code == 201, response.json
    got = response.json
    assert (got["channel"], got["source"], got["tag"]) == ("api", "autumn list", "vip")
    dbs.rollback()
    order = dbs.get(Order, got["id"])
    assert (order.channel, order.source, order.tag) == ("api", "autumn list", "vip")
    # Empty means none; both may be left out.
    blank = as_user(agent)("POST", "/api/orders", json=order_body(contact, course, source=" "))
    assert (blank.json["source"], blank.json["tag"]) == (None, None)


@pytest.mark.parametrize(("field", "value"), [("source", "x" * 101), ("tag", "x" * 51), ("tag", 7)])
def test_a_source_or_tag_too_long_or_not_text_is_refused(
    as_user, agent, contact, course, dbs, field, value
):
    errors = _refused(as_user(agent), dbs, order_body(contact, course, **{field: value}))
    assert list(errors) == [field]


# --- GET /api/orders ---------------------------------------------------------------------------


@pytest.fixture
def three_orders(as_user, agent, contact, course, dbs):
    """The agent's sale to their private contact; a colleague's to a shared contact; the
    colleague's to their own private contact."""
    colleague = UserFactory(role="agent")
    shared = ContactFactory(owner_id=colleague.id, visibility="shared_write")
    private = ContactFactory(owner_id=colleague.id, visibility="private")
    ids = {
        "own": as_user(agent)("POST", "/api/orders", json=order_body(contact, course)).json["id"]
    }
    for name, whose in (("shared", shared), ("private", private)):
        made = as_user(colleague)("POST", "/api/orders", json=order_body(whose, course))
        ids[name] = made.json["id"]
    return colleague, ids


def test_the_list_holds_the_orders_each_member_may_read(as_user, agent, three_orders, dbs):
    colleague, ids = three_orders
    manager = UserFactory(role="sales_manager")
    admin = UserFactory(role="admin")
    for user, names in (
        (admin, ["private", "shared", "own"]),
        (manager, ["private", "shared", "own"]),
        (agent, ["shared", "own"]),
        (colleague, ["private", "shared"]),
    ):
        body = as_user(user)("GET", "/api/orders").json
        assert [o["id"] for o in body["items"]] == [ids[n] for n in names]  # newest first
        assert body["total"] == len(names) and body["page"] == 1
        # ... and each of them reads as GET /api/orders/<id> says.
        for name, order_id in ids.items():
            code = as_user(user)("GET", f"/api/orders/{order_id}").status_code
            assert code == (200 if name in names else 404), (user.role, name)
    item = as_user(agent)("GET", "/api/orders").json["items"][-1]
    assert item["payment_url"].startswith("http://localhost/p/") and item["gross"] == "119.00"


def test_the_list_filters_by_status_and_contact_and_pages(as_user, agent, contact, course, dbs):
    ask = as_user(agent)
    made = [ask("POST", "/api/orders", json=order_body(contact, course)).json for _ in range(3)]
    other = ContactFactory(owner_id=agent.id)
    elsewhere = ask("POST", "/api/orders", json=order_body(other, course)).json
    manager = UserFactory(role="sales_manager")
    paid = as_user(manager)(
        "POST",
        f"/api/orders/{made[0]['id']}/payments",
        json={"amount": "119.00", "method": "manual"},
    )
    assert paid.status_code == 201, paid.json

    def ids(query):
        body = ask("GET", f"/api/orders{query}").json
        return [o["id"] for o in body["items"]], body["total"]

    assert ids("?status=paid") == ([made[0]["id"]], 1)
    assert ids(f"?contact_id={other.id}") == ([elsewhere["id"]], 1)
    assert ids(f"?contact_id={contact.id}&status=pending") == (
        [made[2]["id"], made[1]["id"]],
        2,
    )
    assert ids("?per_page=2") == ([elsewhere["id"], made[2]["id"]], 4)
    assert ids("?per_page=2&page=2") == ([made[1]["id"], made[0]["id"]], 4)
    for bad in ("?status=lost", "?contact_id=0", "?per_page=0", "?page=x"):
        assert ask("GET", f"/api/orders{bad}").status_code == 422, bad


# --- payments recorded by hand ------------------------------------------------------------------


def _pay(ask, order_id, **body):
    return ask("POST", f"/api/orders/{order_id}/payments", json=body)


@pytest.mark.parametrize("role", ["sales_manager", "admin"])
def test_a_manager_records_a_transfer_and_the_order_is_paid_once_all_is_in(
    as_user, agent, contact, course, dbs, role
):
    order_id = as_user(agent)("POST", "/api/orders", json=order_body(contact, course)).json["id"]
    boss = UserFactory(role=role)
    ask = as_user(boss)
    part = _pay(ask, order_id, amount="100.00", method="bank_transfer", reference="TX 1")
    assert part.status_code == 201, part.json
    got = part.json
    assert (got["kind"], got["method"], got["status"]) == ("payment", "bank_transfer", "succeeded")
    assert (got["amount"], got["currency"], got["reference"]) == ("100.00", "EUR", "TX 1")
    assert (got["order_status"], got["outstanding"]) == ("pending", "19.00")
    assert got["recorded_by_id"] == boss.id and got["order_id"] == order_id
    assert got["created_at"] and isinstance(got["id"], int)
    rest = _pay(ask, order_id, amount="19.00", method="manual")
    assert rest.status_code == 201, rest.json
    assert (rest.json["order_status"], rest.json["outstanding"]) == ("paid", "0.00")
    dbs.rollback()
    order = dbs.get(Order, order_id)
    assert order.status == "paid" and order.paid_at is not None
    listed = as_user(agent)("GET", f"/api/orders/{order_id}/payments").json
    assert [(p["amount"], p["method"]) for p in listed["items"]] == [
        ("100.00", "bank_transfer"),
        ("19.00", "manual"),
    ]
    assert listed["total"] == 2


def payment_count(dbs) -> int:
    dbs.rollback()
    return dbs.scalar(select(func.count()).select_from(Payment))


def test_agents_may_not_record_payments_whatever_they_send(as_user, agent, contact, course, dbs):
    order_id = as_user(agent)("POST", "/api/orders", json=order_body(contact, course)).json["id"]
    for body in ({"amount": "119.00", "method": "manual"}, {"amount": "x"}, {}):
        response = _pay(as_user(agent), order_id, **body)
        assert response.status_code == 403, body
        assert response.json["message"] == "only managers and admins record payments by hand"
    assert payment_count(dbs) == 0


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"amount": "119.01", "method": "manual"}, "amount", "at most 119.00 EUR"),
        ({"amount": "0", "method": "manual"}, "amount", "must be more than 0"),
        ({"amount": 119, "method": "manual"}, "amount", None),
        ({"amount": 119.0, "method": "manual"}, "amount", None),
        ({"amount": "1.001", "method": "manual"}, "amount", "at most 2 decimals"),
        ({"amount": "10.00", "method": "stripe"}, "method", None),
        ({"amount": "10.00"}, "method", None),
        ({"method": "manual"}, "amount", None),
        ({"amount": "10.00", "method": "manual", "reference": "r" * 201}, "reference", None),
        ({"amount": "10.00", "method": "manual", "gross": "1"}, "gross", None),
    ],
)
def test_a_bad_payment_is_refused_with_its_field_and_nothing_recorded(
    as_user, agent, contact, course, dbs, body, field, message
):
    order_id = as_user(agent)("POST", "/api/orders", json=order_body(contact, course)).json["id"]
    response = _pay(as_user(UserFactory(role="sales_manager")), order_id, **body)
    if type(body.get("amount")) is int:  # a whole number is an amount too (a float not)
        assert response.status_code == 201, response.json
        return
    assert response.status_code == 422, response.json
    errors = response.json["errors"]["json"]
    assert list(errors) == [field]
    if message:
        assert message in errors[field][0]
    assert payment_count(dbs) == 0


def test_nothing_outstanding_or_refunded_takes_no_payment(as_user, agent, contact, course, dbs):
    from voiceapp.db import utcnow
    from voiceapp.services.orders.payments import refund

    order_id = as_user(agent)("POST", "/api/orders", json=order_body(contact, course)).json["id"]
    manager = UserFactory(role="sales_manager")
    ask = as_user(manager)
    assert _pay(ask, order_id, amount="119.00", method="manual").status_code == 201
    again = _pay(ask, order_id, amount="1.00", method="manual")
    assert again.status_code == 422
    assert again.json["errors"]["json"] == {"amount": ["nothing is outstanding on this order"]}
    refund(dbs, order_id, now=utcnow(), actor=manager)
    dbs.commit()
    after = _pay(ask, order_id, amount="1.00", method="manual")
    assert after.status_code == 422
    assert "refunded" in after.json["errors"]["json"]["order"][0]
    assert payment_count(dbs) == 2  # the payment and its refund


def test_payments_of_an_order_nobody_may_see_are_not_found(as_user, agent, contact, course, dbs):
    order_id = as_user(agent)("POST", "/api/orders", json=order_body(contact, course)).json["id"]
    colleague = UserFactory(role="agent")
    assert as_user(colleague)("GET", f"/api/orders/{order_id}/payments").status_code == 404
    assert as_user(agent)("GET", f"/api/orders/{order_id}/payments").json == {
        "items": [],
        "total": 0,
    }
    manager = as_user(UserFactory(role="sales_manager"))
    assert manager("GET", "/api/orders/999999/payments").status_code == 404
    missing = _pay(manager, 999999, amount="1.00", method="manual")
    assert missing.status_code == 404


def test_the_openapi_document_describes_the_new_operations(client):
    spec = client.get("/api/openapi.json").json
    payments = spec["paths"]["/api/orders/{order_id}/payments"]
    assert set(payments) >= {"get", "post"}
    assert {"201", "403", "404", "422"} <= set(payments["post"]["responses"])
    assert "outstanding" in payments["post"]["description"]
    assert "get" in spec["paths"]["/api/orders"]
    order = spec["components"]["schemas"]["Order"]["properties"]
    assert {"channel", "source", "tag", "paid_at"} <= set(order)
    create = spec["components"]["schemas"]["OrderCreate"]["properties"]
    assert {"source", "tag"} <= set(create)
