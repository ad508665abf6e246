"""The whole phone order, as issue #11 says it is done: an agent takes an order on the
phone in the browser, from a case; reads out the payment URL; the customer opens it in a
browser of their own and pays (with the demo provider, then by card through the Stripe
stand-in: a real HTTP round trip with the official stripe library and a signed webhook);
and the agent's screen, left open, turns from yellow to green without a reload.

Two Chromium contexts (two cookie jars: the agent's signed-in panel and the customer's
anonymous pay page), one app served for real with its Stripe settings pointing at the
stand-in on another port."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_panel import FAST_PASSWORD_HASH, sign_in
from tests.factories import CaseFactory, ContactFactory, UserFactory
from tests.order_helpers import make_product
from tests.stripe_helpers import stripe_world
from voiceapp.models import Order

pytestmark = pytest.mark.browser

GREEN = "rgb(230, 246, 236)"
YELLOW = "rgb(255, 248, 219)"


def take_order_on_the_case(agent_page, case_id: int) -> str:
    """The agent's part: from the case page to the yellow payment screen; the URL the
    agent reads out."""
    agent_page.goto(f"/cases/{case_id}")
    agent_page.get_by_role("link", name="Take an order").click()
    agent_page.get_by_label("Main product").select_option(label="Sales course · 119.00 EUR gross")
    agent_page.get_by_label("Payment plan").select_option(label="one payment")
    agent_page.get_by_role("button", name="Order now").click()
    box = agent_page.get_by_test_id("pay-box")
    expect(box).to_have_class(re.compile(r"\bpay-pending\b"))
    expect(box).to_have_css("background-color", YELLOW)
    agent_page.evaluate("window.sameDocument = true")
    return agent_page.get_by_test_id("pay-url").inner_text()


def expect_green_without_reload(agent_page, url: str) -> None:
    box = agent_page.get_by_test_id("pay-box")
    expect(box).to_have_class(re.compile(r"\bpay-paid\b"), timeout=10_000)
    expect(box).to_have_css("background-color", GREEN)
    expect(agent_page.get_by_test_id("thanks-url")).to_have_text(f"{url}/thanks")
    assert agent_page.evaluate("window.sameDocument") is True, "the agent's page was reloaded"


def test_an_order_taken_on_the_phone_is_paid_by_the_customer_and_the_agent_sees_it_green(
    make_app, browser, page_log, ctx, dbs
):
    agent = UserFactory(
        name="Jonas Becker", role="agent", languages=["de"], password_hash=FAST_PASSWORD_HASH
    )
    make_product(dbs, name="Sales course")
    contact = ContactFactory(
        first_name="Erika", last_name="Mustermann", owner_id=agent.id, language="de"
    )
    case = CaseFactory(contact=contact, assignee_id=agent.id, type="new_order")
    dbs.commit()

    with stripe_world(make_app) as world:
        agent_side = browser.new_context(base_url=world.app_url, locale="de-DE")
        customer_side = browser.new_context(locale="de-DE")
        for side in (agent_side, customer_side):
            side.set_default_timeout(10_000)
        agent_page, customer = agent_side.new_page(), customer_side.new_page()
        page_log.watch(agent_page)
        page_log.watch(customer)
        try:
            sign_in(agent_page, agent)

            # 1. The demo provider.
            url = take_order_on_the_case(agent_page, case.id)
            assert re.fullmatch(rf"{world.app_url}/p/[0-9A-Z]{{4}}-[0-9A-Z]{{4}}-[0-9A-Z]", url)
            screenshot(agent_page, "e2e-agent-yellow")
            customer.goto(url)
            expect(customer.get_by_text("Erika")).to_be_visible()
            expect(customer.get_by_text("Mustermann")).to_have_count(0)
            screenshot(customer, "e2e-customer-pay-page")
            customer.get_by_test_id("pay-demo").click()
            customer.get_by_test_id("pay-demo-pay").click()
            customer.wait_for_url(f"{url}/thanks")
            expect_green_without_reload(agent_page, url)
            screenshot(agent_page, "e2e-agent-green")

            # 2. By card: the stand-in's hosted checkout, then its signed webhook.
            url = take_order_on_the_case(agent_page, case.id)
            customer.goto(url)
            customer.get_by_test_id("pay-card").click()
            customer.wait_for_url(f"{world.standin_url}/checkout/cs_test_*")
            expect(customer.get_by_role("heading", name="Pay 119.00 EUR")).to_be_visible()
            customer.get_by_role("button", name="Pay", exact=True).click()
            customer.wait_for_url(f"{url}/thanks")
            expect_green_without_reload(agent_page, url)
            page_log.assert_clean(agent_page)
            page_log.assert_clean(customer)
        finally:
            agent_side.close()
            customer_side.close()

    dbs.rollback()
    orders = dbs.query(Order).order_by(Order.id).all()
    assert [(o.status, [p.method for p in o.payments]) for o in orders] == [
        ("paid", ["demo"]),
        ("paid", ["stripe"]),
    ]
    assert all(o.case_id == case.id and o.seller_id == agent.id for o in orders)
