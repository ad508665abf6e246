"""The panel's orders pages through the test client: the order form pre-filled from a case
or an earlier order, "Order now" taking a phone order, refused input shown on the fields
with nothing created, the affiliate field only for members who may set one, the waiver
box ignored and recorded; the Orders list and the payment screen's status by role."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import func, select

from tests.conftest import form_token, sign_in
from tests.factories import PASSWORD, CaseFactory, ContactFactory, UserFactory
from tests.http_helpers import assert_redirect
from tests.order_helpers import INSTALMENTS_3, make_product, take_order
from voiceapp.domain.payment_code import check_symbol
from voiceapp.models import Case, Order, OrderEvent, OrderItem
from voiceapp.services.orders import payments
from voiceapp.services.orders.orders import WAIVER_NOTE

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def signed_in(client, **fields):
    user = UserFactory(**fields)
    sign_in(client, user.email, PASSWORD)
    return user


@pytest.fixture
def agent(client, ctx):
    return signed_in(client, role="agent", name="Anna Agent")


@pytest.fixture
def course(dbs):
    product = make_product(dbs, plans=[{"kind": "single"}, INSTALMENTS_3])
    dbs.commit()
    return product


@pytest.fixture
def contact(agent):
    return ContactFactory(
        owner_id=agent.id,
        first_name="Erika",
        last_name="Mustermann",
        street="Hauptstr. 5",
        postcode="10115",
        city="Berlin",
        country="DE",
        language="de",
        company_name=None,
    )


def field_value(html: str, name: str) -> str | None:
    """The value an <input name=...> shows (None when there is no such input)."""
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html)
    if match is None:
        return None
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def selected(html: str, name: str) -> str | None:
    """The selected option's value of <select name=...>."""
    match = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no select {name}"
    option = re.search(r'<option value="([^"]*)"[^>]*selected', match.group(1))
    return option.group(1) if option else None


def order_form(token: str, contact, product, **fields) -> dict:
    data = {
        "csrf_token": token,
        "contact_id": str(contact.id),
        "case_id": "",
        "main_product": str(product.id),
        "main_quantity": "1",
        "plan": f"{product.id}:0",
        "first_name": "Erika",
        "last_name": "Mustermann",
        "country": "DE",
        "language": "de",
        "email": "erika@example.com",
    }
    data.update(fields)
    return data


def counts(dbs) -> tuple[int, int, int]:
    """Orders, lines, cases: what a refused order must not add."""
    dbs.rollback()
    return (
        dbs.scalar(select(func.count()).select_from(Order)),
        dbs.scalar(select(func.count()).select_from(OrderItem)),
        dbs.scalar(select(func.count()).select_from(Case)),
    )


# --- the form, pre-filled -----------------------------------------------------------------


def test_the_form_is_pre_filled_from_the_cases_contact(client, agent, contact, course):
    case = CaseFactory(contact=contact, assignee_id=agent.id, language="en")
    page = client.get(f"/orders/new?case_id={case.id}")
    assert page.status_code == 200
    html = page.text
    assert "for Erika Mustermann" in html
    assert field_value(html, "case_id") == str(case.id)
    assert field_value(html, "contact_id") == str(contact.id)
    assert field_value(html, "first_name") == "Erika"
    assert field_value(html, "street") == "Hauptstr. 5"
    assert field_value(html, "city") == "Berlin"
    assert field_value(html, "country") == "DE"
    # The call is held in the case's language: the code is spelled in it.
    assert selected(html, "language") == "en"
    # The main product's plans, described as people read them; no affiliate field.
    assert "one payment" in html and "3 instalments: 39.00 EUR now" in html
    assert field_value(html, "affiliate") is None
    assert "The customer waives the right of withdrawal" in html
    assert "This box is ignored" in html


def test_order_now_takes_a_phone_order_on_the_case_and_opens_the_payment_screen(
    client, agent, contact, course, dbs
):
    case = CaseFactory(contact=contact, assignee_id=agent.id)
    token = form_token(client, f"/orders/new?case_id={case.id}")
    response = client.post(
        "/orders/new",
        data=order_form(
            token,
            contact,
            course,
            case_id=str(case.id),
            plan=f"{course.id}:1",
            source=" spring mailing ",
            tag="vip",
        ),
    )
    dbs.rollback()
    order = dbs.scalars(select(Order)).one()
    assert_redirect(response, f"/orders/{order.id}/taken")
    assert (order.status, order.channel, order.case_id) == ("pending", "phone", case.id)
    assert (order.source, order.tag) == ("spring mailing", "vip")
    assert order.plan == INSTALMENTS_3 and order.total == Decimal("119.00")
    assert order.seller_id == agent.id and order.buyer_email == "erika@example.com"
    assert order.payment_code is not None


def test_further_products_are_sold_with_the_main_one(client, agent, contact, course, dbs):
    book = make_product(dbs, name="Workbook", price=Decimal("10.70"), vat_category="reduced")
    dbs.commit()
    token = form_token(client, f"/orders/new?contact_id={contact.id}")
    data = order_form(token, contact, course, **{
        "extra-0-product": "", "extra-1-product": str(book.id), "extra-1-quantity": "2",
    })  # fmt: skip
    response = client.post("/orders/new", data=data)
    assert response.status_code == 302
    dbs.rollback()
    order = dbs.scalars(select(Order)).one()
    assert [(i.name, i.quantity) for i in order.items] == [("Sales course", 1), ("Workbook", 2)]
    # 119.00 + 2 x 10.70 gross (7 % on the book, from its net price of 10.00)
    assert order.total == Decimal("119.00") + 2 * Decimal("10.70")


def test_the_form_is_pre_filled_from_an_earlier_order_by_number(
    client, agent, contact, course, dbs
):
    book = make_product(dbs, name="Workbook", price=Decimal("10.70"))
    dbs.commit()
    earlier = take_order(
        dbs,
        agent,
        product=course,
        contact=contact,
        plan=INSTALMENTS_3,
        buyer={"first_name": "Eri", "last_name": "Muster", "country": "AT", "city": "Wien"},
    )
    earlier.items.append(
        OrderItem(
            product_id=book.id,
            name="Workbook",
            unit_price=Decimal("10.70"),
            price_is="gross",
            vat_category="standard",
            quantity=3,
            vat_rate=Decimal("19"),
            net=Decimal("27.00"),
            vat=Decimal("5.10"),
            gross=Decimal("32.10"),
        )
    )
    earlier.source = "fair"
    dbs.commit()
    html = client.get(f"/orders/new?from_order={earlier.number.lower()}").text
    assert field_value(html, "first_name") == "Eri"
    assert field_value(html, "country") == "AT" and field_value(html, "city") == "Wien"
    assert field_value(html, "contact_id") == str(contact.id)
    assert selected(html, "main_product") == str(course.id)
    assert selected(html, "plan") == f"{course.id}:1"  # the same instalments
    assert selected(html, "extra-0-product") == str(book.id)
    assert field_value(html, "extra-0-quantity") == "3"
    assert field_value(html, "source") == "fair"
    # By id too; a product no longer on sale is said, not copied.
    book.active = False
    dbs.commit()
    html = client.get(f"/orders/new?from_order={earlier.id}").text
    assert "Workbook is no longer on sale: not copied." in html
    assert selected(html, "extra-0-product") is None


def test_an_order_number_typed_on_the_case_form_is_copied_when_it_is_this_customers(
    client, agent, contact, course, dbs
):
    case = CaseFactory(contact=contact, assignee_id=agent.id)
    earlier = take_order(
        dbs, agent, product=course, contact=contact, buyer={"last_name": "Old", "country": "AT"}
    )
    someone = take_order(dbs, agent, product=course, buyer={"last_name": "Else", "country": "DE"})
    form = client.get(f"/orders/new?case_id={case.id}").text
    assert 'data-testid="copy-order"' in form and 'name="from_order"' in form
    html = client.get(f"/orders/new?case_id={case.id}&from_order={earlier.number}").text
    assert field_value(html, "last_name") == "Old" and field_value(html, "case_id") == str(case.id)
    other = client.get(f"/orders/new?case_id={case.id}&from_order={someone.number}")
    assert other.status_code == 200
    assert f"Order {someone.number} is another customer&#39;s: nothing copied." in other.text
    assert field_value(other.text, "last_name") == "Mustermann"  # the case's contact
    missing = client.get(f"/orders/new?contact_id={contact.id}&from_order=PO-1999-000001")
    assert "No order PO-1999-000001 that you may see: nothing copied." in missing.text


def test_an_order_or_case_the_member_may_not_see_is_not_found(client, agent, course, dbs):
    other = UserFactory(role="agent")
    hidden = ContactFactory(owner_id=other.id, visibility="private")
    theirs = take_order(dbs, other, product=course, contact=hidden)
    case = CaseFactory(contact=hidden, assignee_id=other.id)
    for url in (
        f"/orders/new?from_order={theirs.id}",
        f"/orders/new?from_order={theirs.number}",
        f"/orders/new?case_id={case.id}",
        f"/orders/new?contact_id={hidden.id}",
        "/orders/new",
        "/orders/new?case_id=x1",
        "/orders/new?from_order=PO-9999",
    ):
        assert client.get(url).status_code == 404, url


# --- refused input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "Not a valid email address."),
        ({"country": "XX"}, "country", "not an ISO 3166 country code"),
        ({"country": ""}, "country", "the buyer's country decides the VAT: required"),
        ({"last_name": "", "company": ""}, "last_name", "a last name or a company is required"),
        ({"main_quantity": "1.5"}, "main_quantity", "Not a valid integer."),
        ({"main_product": ""}, "main_product", "choose the main product"),
        ({"plan": "999:0"}, "plan", "choose one of the payment plans of Sales course"),
        ({"vat_id": "DE123", "company": "Acme"}, "vat_id", "wrong number of characters"),
        ({"extra-0-product": "99999", "extra-0-quantity": "1"}, "extra-0-product", "no product"),
    ],
)
def test_refused_input_is_shown_on_its_field_and_nothing_is_created(
    client, agent, contact, course, dbs, fields, field, message
):
    token = form_token(client, f"/orders/new?contact_id={contact.id}")
    before = counts(dbs)
    response = client.post("/orders/new", data=order_form(token, contact, course, **fields))
    assert response.status_code == 422
    errors = re.findall(rf'<p class="field-error" data-field="{field}">([^<]*)</p>', response.text)
    assert errors and message in unescape(" ".join(errors)), response.text[:3000]
    assert "No order was taken" in response.text
    assert counts(dbs) == before
    # What was typed is still there.
    for name, value in fields.items():
        if not name.endswith(("product", "plan")) and name != "language":
            assert field_value(response.text, name) == value


def test_a_shipped_product_needs_the_street(client, agent, dbs):
    contact = ContactFactory(owner_id=agent.id, street=None, city=None, postcode=None)
    book = make_product(dbs, name="Printed book", physical=True)
    dbs.commit()
    token = form_token(client, f"/orders/new?contact_id={contact.id}")
    response = client.post("/orders/new", data=order_form(token, contact, book))
    assert response.status_code == 422
    assert 'data-field="street">required: Printed book is shipped' in response.text
    assert counts(dbs)[0] == 0


# --- affiliate and waiver ------------------------------------------------------------------


def test_the_affiliate_field_is_for_members_who_may_set_affiliates(client, ctx, course, dbs):
    allowed = signed_in(client, role="agent", can_set_affiliates=True)
    contact = ContactFactory(owner_id=allowed.id)
    page = client.get(f"/orders/new?contact_id={contact.id}").text
    assert field_value(page, "affiliate") == ""
    token = form_token(client, f"/orders/new?contact_id={contact.id}")
    data = order_form(token, contact, course, affiliate="partner-7")
    assert client.post("/orders/new", data=data).status_code == 302
    dbs.rollback()
    assert dbs.scalars(select(Order.affiliate)).one() == "partner-7"


def test_an_affiliate_sent_by_a_member_without_the_right_is_refused(
    client, agent, contact, course, dbs
):
    token = form_token(client, f"/orders/new?contact_id={contact.id}")
    response = client.post(
        "/orders/new", data=order_form(token, contact, course, affiliate="partner-7")
    )
    assert response.status_code == 403
    assert "only members who may set affiliates send an affiliate" in response.text
    assert counts(dbs)[0] == 0


def test_the_waiver_box_is_ignored_and_recorded(client, agent, contact, course, dbs):
    token = form_token(client, f"/orders/new?contact_id={contact.id}")
    data = order_form(token, contact, course, waive_withdrawal="y")
    assert client.post("/orders/new", data=data).status_code == 302
    dbs.rollback()
    order = dbs.scalars(select(Order)).one()
    assert order.withdrawal_right is True and order.waiver_ignored is True
    notes = dbs.scalars(select(OrderEvent.text).where(OrderEvent.kind == "note")).all()
    assert notes == [WAIVER_NOTE]
    # Not ticked: nothing recorded.
    client.post("/orders/new", data=order_form(token, contact, course))
    dbs.rollback()
    latest = dbs.scalars(select(Order).order_by(Order.id.desc())).first()
    assert latest.withdrawal_right is True and latest.waiver_ignored is False


# --- the payment screen ---------------------------------------------------------------------


def test_the_payment_screen_shows_the_url_code_and_readout_in_the_buyers_language(
    client, agent, contact, course, dbs
):
    order = take_order(dbs, agent, product=course, contact=contact, plan=INSTALMENTS_3)
    order.buyer_language = "de"
    order.payment_code = "ABC2DEF3" + check_symbol("ABC2DEF3")
    dbs.commit()
    html = client.get(f"/orders/{order.id}/taken").text
    code = f"ABC2-DEF3-{order.payment_code[-1]}"
    assert f"http://localhost/p/{code}" in html
    assert 'class="pay-box pay-pending"' in html
    assert "<b>A</b><span>Aachen</span>" in html and "<b>2</b><span>Zwo</span>" in html
    assert "DIN 5009" in html
    assert "39.00 EUR" in html  # due now: the first instalment
    assert "3 instalments" in html
    assert f'href="/orders/new?from_order={order.id}"' in html
    assert f'href="/orders/{order.id}"' in html
    order.buyer_language = "fr"
    dbs.commit()
    html = client.get(f"/orders/{order.id}/taken").text
    assert "<b>A</b><span>Alfa</span>" in html and "ICAO" in html


def test_the_payment_url_uses_public_base_url(make_app, ctx, course, dbs):
    client = make_app(public_base_url="https://pay.example.com").test_client()
    agent = signed_in(client, role="agent")
    order = take_order(dbs, agent, product=course)
    html = client.get(f"/orders/{order.id}/taken").text
    assert "https://pay.example.com/p/" in html
    payments.record_payment(dbs, order.id, amount=Decimal("119.00"), method="manual", now=NOW)
    dbs.commit()
    state = client.get(f"/orders/{order.id}/status").json
    assert state["thanks_url"].startswith("https://pay.example.com/p/")
    assert state["thanks_url"].endswith("/thanks")


def test_the_status_turns_paid_with_the_thanks_url(client, agent, contact, course, dbs):
    order = take_order(dbs, agent, product=course, contact=contact)
    state = client.get(f"/orders/{order.id}/status").json
    assert state == {
        "status": "pending",
        "paid_at": None,
        "thanks_url": None,
        "cancel_reason": None,
    }
    payments.record_payment(dbs, order.id, amount=Decimal("119.00"), method="manual", now=NOW)
    dbs.commit()
    state = client.get(f"/orders/{order.id}/status").json
    code = order.payment_code
    assert state["status"] == "paid" and state["paid_at"] == NOW.isoformat()
    assert state["thanks_url"] == f"http://localhost/p/{code[:4]}-{code[4:8]}-{code[8]}/thanks"
    html = client.get(f"/orders/{order.id}/taken").text
    assert 'class="pay-box pay-paid"' in html and "/thanks</span>" in html


def test_a_cancelled_order_shows_grey_with_its_reason(client, agent, contact, course, dbs):
    from voiceapp.services.orders.cancelling import mark_cancelled

    order = take_order(dbs, agent, product=course, contact=contact)
    mark_cancelled(dbs, order, actor=agent, now=NOW, reason="the customer changed their mind")
    dbs.commit()
    state = client.get(f"/orders/{order.id}/status").json
    assert state["status"] == "cancelled" and state["thanks_url"] is None
    assert state["cancel_reason"] == "the customer changed their mind"
    html = client.get(f"/orders/{order.id}/taken").text
    assert 'class="pay-box pay-cancelled"' in html
    assert "Cancelled: the customer changed their mind" in html


# --- by role --------------------------------------------------------------------------------


@pytest.fixture
def three_orders(ctx, dbs, course):
    """The agent's sale to their private contact; a colleague's sale to a shared contact;
    a colleague's sale to their private contact."""
    agent = UserFactory(role="agent", name="Anna Agent")
    other = UserFactory(role="agent", name="Otto Other")
    own = take_order(
        dbs, agent, product=course, contact=ContactFactory(owner_id=agent.id, visibility="private")
    )
    shared = take_order(dbs, other, product=course, contact=ContactFactory(owner_id=other.id))
    private = take_order(
        dbs,
        other,
        product=course,
        contact=ContactFactory(owner_id=other.id, visibility="private"),
    )
    return agent, other, {"own": own, "shared": shared, "private": private}


def listed_numbers(client, query: str = "") -> list[str]:
    html = client.get(f"/orders{query}").text
    return re.findall(r'<a href="/orders/\d+">([^<]+)</a>', html)


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("admin", {"own", "shared", "private"}),
        ("sales_manager", {"own", "shared", "private"}),
        ("agent", {"own", "shared"}),
        ("other_agent", {"shared", "private"}),  # and not the agent's private own
    ],
)
def test_the_list_and_the_status_follow_who_may_see_the_order(app, three_orders, role, sees):
    agent, other, made = three_orders
    client = app.test_client()
    if role == "agent":
        sign_in(client, agent.email, PASSWORD)
    elif role == "other_agent":
        sign_in(client, other.email, PASSWORD)
    else:
        signed_in(client, role=role)
    numbers = listed_numbers(client)
    expected = [made[k].number for k in ("private", "shared", "own") if k in sees]
    assert numbers == expected  # newest first
    for name, order in made.items():
        status = client.get(f"/orders/{order.id}/status")
        screen = client.get(f"/orders/{order.id}/taken")
        code = 200 if name in sees else 404
        assert (status.status_code, screen.status_code) == (code, code), name


def test_the_list_filters_by_status_and_pages(client, agent, course, dbs, monkeypatch):
    orders = [take_order(dbs, agent, product=course) for _ in range(3)]
    payments.record_payment(dbs, orders[0].id, amount=Decimal("119.00"), method="manual", now=NOW)
    dbs.commit()
    assert listed_numbers(client, "?status=paid") == [orders[0].number]
    assert listed_numbers(client, "?status=pending") == [o.number for o in orders[:0:-1]]
    bad = client.get("/orders?status=lost")
    assert bad.status_code == 200 and "status: Must be one of" in bad.text
    monkeypatch.setattr("voiceapp.web.orders.PER_PAGE", 2)
    first, second = listed_numbers(client), listed_numbers(client, "?page=2")
    assert first == [orders[2].number, orders[1].number] and second == [orders[0].number]
    assert "Page 1 of 2" in client.get("/orders").text


def test_the_list_shows_the_columns(client, agent, course, dbs):
    order = take_order(dbs, agent, product=course)
    html = client.get("/orders").text
    row = re.search(rf'<tr data-order="{order.id}">(.*?)</tr>', html, re.S).group(1)
    for text in (order.number, "Anna Muster", "Anna Agent", "pending", "119.00", "EUR"):
        assert text in row
    assert 'href="/orders"' in client.get("/").text and ">Orders</a>" in client.get("/").text


def test_signed_out_the_pages_send_to_sign_in(app, ctx):
    client = app.test_client()
    for url in ("/orders", "/orders/new?contact_id=1", "/orders/1/taken", "/orders/1/status"):
        response = client.get(url)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_the_case_page_offers_take_an_order(client, agent, contact):
    case = CaseFactory(contact=contact, assignee_id=agent.id)
    html = client.get(f"/cases/{case.id}").text
    assert f'href="/orders/new?case_id={case.id}"' in html and "Take an order" in html


def test_the_payment_screen_lists_the_payments_scaled_to_the_order(
    client, agent, contact, course, dbs
):
    order = take_order(dbs, agent, product=course, contact=contact, plan=INSTALMENTS_3, now=NOW)
    html = client.get(f"/orders/{order.id}/taken").text
    schedule = re.search(r'data-testid="schedule">(.*?)</ul>', html, re.S).group(1)
    items = [unescape(re.sub(r"<[^>]+>", "", li)) for li in re.findall(r"<li>(.*?)</li>", schedule)]
    assert items == [
        "39.00 EUR · 2026-03-10 (due now)",
        "40.00 EUR · 2026-04-10",
        "40.00 EUR · 2026-05-10",
    ]
    # 14 days after 09:00 UTC, in the team's zone (Berlin, CET).
    assert re.search(r"Auto-cancel</dt><dd[^>]*>2026-03-24 10:00 ", html)
