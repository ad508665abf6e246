"""Taking a phone order in Chromium: an agent opens a case, takes an order (the plans
follow the main product), and reads the payment URL and the spelled code from a yellow
box; when the payment arrives the box turns green without a reload and shows the
thank-you URL. The customer's side (the pay page) is not in this test: the payment is
recorded through the service, as a manager would."""

from __future__ import annotations

import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import screenshot
from tests.browser.test_panel import FAST_PASSWORD_HASH, sign_in
from tests.factories import CaseFactory, ContactFactory, UserFactory
from tests.order_helpers import INSTALMENTS_3, make_product
from voiceapp.db import utcnow
from voiceapp.domain.payment_code import PAUSE, format_code, spell
from voiceapp.models import Order
from voiceapp.services.orders import payments

pytestmark = pytest.mark.browser


@pytest.fixture
def agent(ctx):
    return UserFactory(
        name="Jonas Becker", role="agent", languages=["de"], password_hash=FAST_PASSWORD_HASH
    )


def test_an_agent_takes_an_order_on_a_case_and_sees_it_paid_without_a_reload(
    page, page_log, agent, dbs, live_server
):
    make_product(dbs, name="Sales course", plans=[{"kind": "single"}, INSTALMENTS_3])
    make_product(dbs, name="Coaching hour", price=Decimal("80.00"), plans=[{"kind": "single"}])
    make_product(dbs, name="Workbook", price=Decimal("10.70"), vat_category="reduced")
    dbs.commit()
    contact = ContactFactory(
        first_name="Erika", last_name="Mustermann", owner_id=agent.id, language="de"
    )
    case = CaseFactory(contact=contact, assignee_id=agent.id, type="new_order")
    sign_in(page, agent)
    page.goto(f"/cases/{case.id}")
    screenshot(page, "case-take-an-order")
    page.get_by_role("link", name="Take an order").click()

    # The form, pre-filled from the case's contact.
    expect(page.get_by_role("heading", name="New order")).to_contain_text("Erika Mustermann")
    expect(page.get_by_label("First name")).to_have_value("Erika")
    expect(page.get_by_label("Language")).to_have_value("de")
    # Only the main product's plans are offered; the currency follows it.
    main = page.get_by_label("Main product")
    main.select_option(label="Coaching hour · 80.00 EUR gross")
    expect(page.locator("#plan option:not([disabled])")).to_have_text(["one payment"])
    main.select_option(label="Sales course · 119.00 EUR gross")
    expect(page.locator("#plan option:not([disabled])")).to_have_count(2)
    expect(page.get_by_test_id("order-currency")).to_have_text("EUR")
    page.get_by_label("Payment plan").select_option(
        label="3 instalments: 39.00 EUR now, then 2 x 40.00 EUR every month"
    )
    page.get_by_label("Product 2").select_option(label="Workbook · 10.70 EUR gross")
    page.get_by_label("The customer waives the right of withdrawal").check()
    page.get_by_label("Source").fill("spring mailing")
    page.get_by_label("E-mail").fill("not an e-mail")
    screenshot(page, "order-form")
    page.get_by_role("button", name="Order now").click()

    # Refused: shown on the field, nothing taken, what was typed still there.
    expect(page.locator(".field-error[data-field=email]")).to_have_text(
        "Not a valid email address."
    )
    expect(page.get_by_label("Source")).to_have_value("spring mailing")
    screenshot(page, "order-form-error")
    dbs.rollback()
    assert dbs.scalars(select(Order)).first() is None
    page.get_by_label("E-mail").fill("erika@example.com")
    page.get_by_role("button", name="Order now").click()

    # The payment screen: yellow, the URL large, the code spelled group by group.
    box = page.get_by_test_id("pay-box")
    expect(box).to_have_class(re.compile(r"\bpay-pending\b"))
    dbs.rollback()
    order = dbs.scalars(select(Order)).one()
    code = format_code(order.payment_code)
    url = f"{live_server}/p/{code}"
    expect(page.get_by_test_id("pay-url")).to_have_text(url)
    words = [w for w in spell(order.payment_code, "de") if w != PAUSE]
    groups = page.locator(".readout-group")
    expect(groups).to_have_count(3)
    expect(page.locator(".readout-symbol span")).to_have_text(words)
    expect(page.locator(".readout-symbol b")).to_have_text(list(code.replace("-", "")))
    # The first of the 3 instalments, scaled to the total with the workbook: 42.51.
    due = payments.due_now(dbs, order)
    assert order.total == Decimal("129.70") and due == Decimal("42.51")
    expect(page.get_by_test_id("due-now")).to_have_text("42.51 EUR")
    expect(page.get_by_test_id("pay-state")).to_have_text("Waiting for the payment …")
    expect(box).to_have_css("background-color", "rgb(255, 248, 219)")  # yellow
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.locator("#pay-part button.copy").click()
    expect(page.locator("#copy-note")).to_have_text(f"Copied: {url}")
    assert page.evaluate("navigator.clipboard.readText()") == url
    screenshot(page, "order-taken-pending")

    # The money arrives (a manager records the transfer): green, without a reload.
    page.evaluate("window.sameDocument = true")
    manager = UserFactory(role="sales_manager")
    payments.record_payment(
        dbs, order.id, amount=due, method="bank_transfer", now=utcnow(), actor=manager
    )
    dbs.commit()
    expect(box).to_have_class(re.compile(r"\bpay-paid\b"), timeout=8_000)
    expect(page.get_by_test_id("thanks-url")).to_have_text(f"{url}/thanks")
    expect(page.get_by_test_id("thanks-url")).to_be_visible()
    expect(page.get_by_test_id("pay-url")).to_be_hidden()
    dbs.expire_all()
    paid_at = dbs.get(Order, order.id).paid_at.astimezone(ZoneInfo("Europe/Berlin"))
    # The time in the team's zone, as the page shows it when loaded.
    expect(page.get_by_test_id("pay-state")).to_have_text(f"Paid at {paid_at:%H:%M}. Thank you!")
    expect(page.locator("dt.while-pending")).to_be_hidden()
    expect(page.locator("#copy-note")).to_have_text("")
    assert page.evaluate("window.sameDocument") is True  # no reload happened
    expect(box).to_have_css("background-color", "rgb(230, 246, 236)")  # green
    screenshot(page, "order-taken-paid")
    # It stopped asking: no request for the status after the answer that said paid.
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/status" in r.url else None)
    page.wait_for_timeout(2_500)
    assert asked == []
    page_log.assert_clean(page)


def test_a_cancelled_order_turns_grey_with_its_reason(page, page_log, agent, dbs):
    from tests.order_helpers import take_order
    from voiceapp.services.orders.cancelling import mark_cancelled

    order = take_order(dbs, agent, product=make_product(dbs))
    sign_in(page, agent)
    page.goto(f"/orders/{order.id}/taken")
    box = page.get_by_test_id("pay-box")
    expect(box).to_have_class(re.compile(r"\bpay-pending\b"))
    mark_cancelled(dbs, order, actor=agent, now=utcnow(), reason="the customer said no")
    dbs.commit()
    expect(box).to_have_class(re.compile(r"\bpay-cancelled\b"), timeout=8_000)
    expect(page.get_by_test_id("pay-state")).to_have_text("Cancelled: the customer said no")
    expect(page.get_by_test_id("pay-url")).to_be_hidden()
    screenshot(page, "order-taken-cancelled")
    page_log.assert_clean(page)


@pytest.mark.parametrize("role", ["admin", "sales_manager", "agent"])
def test_the_orders_list_by_role(page, page_log, dbs, role):
    from tests.order_helpers import take_order

    seller = UserFactory(name="Sam Seller", role="agent")
    user = UserFactory(name=f"{role} user", role=role, password_hash=FAST_PASSWORD_HASH)
    course = make_product(dbs)
    dbs.commit()
    sign_in(page, user)
    page.get_by_role("link", name="Orders", exact=True).click()
    expect(page.get_by_test_id("orders")).to_contain_text("No orders yet.")
    screenshot(page, f"orders-empty-{role}")
    mine = take_order(dbs, seller, product=course)
    private = ContactFactory(owner_id=seller.id, visibility="private")
    hidden = take_order(dbs, seller, product=course, contact=private)
    payments.record_payment(dbs, mine.id, amount=Decimal("119.00"), method="manual", now=utcnow())
    dbs.commit()
    page.reload()
    rows = page.locator("[data-testid=orders] tbody tr")
    expected = [mine.number] if role == "agent" else [hidden.number, mine.number]
    expect(rows.locator("td:first-child")).to_have_text(expected)
    expect(page.locator("header nav [aria-current=page]")).to_have_text("Orders")
    screenshot(page, f"orders-list-{role}")
    page.get_by_label("Status").select_option("paid")
    page.get_by_role("button", name="Filter").click()
    expect(rows.locator("td:first-child")).to_have_text([mine.number])
    page_log.assert_clean(page)
