"""Issue #17's "done when", walked in Chromium: each seed's path with the customer in a
browser of their own (no account: the public form, their private page, the pay page) and
the team signed in to the panel.

1. Seed 003: a website request -> the agent replies -> the customer answers on their
   page -> confirmed with a plan -> a subscription.
2. Seed 003: an "on request" product -> a quote -> accepted on the customer's page ->
   paid through the pay page at the quoted price.
3. Seed 004: a dossier through all seven stages, with a partial payment recorded by hand
   and the rest paid online, an edit from a page a colleague's change made stale refused
   (two sessions), and the activity log naming who did each step; then archived after a
   page naming what goes.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from werkzeug.serving import make_server

from tests.browser.conftest import screenshot
from tests.browser.test_panel import FAST_PASSWORD_HASH, sign_in
from tests.dossier_helpers import SUBSCRIPTION_PLAN, make_on_request_product
from tests.factories import UserFactory
from tests.order_helpers import make_product
from tests.request_helpers import make_form
from voiceapp.models import Order, Request, RequestMessage, Subscription

pytestmark = pytest.mark.browser


@pytest.fixture
def server(make_app) -> Iterator[str]:
    """The app served for real, with the public form's minimum fill time off (a browser
    driven by a test fills it in faster than any person)."""
    app = make_app(request_form_min_seconds=0)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
        app.extensions["voiceapp.db"].engine.dispose()


@pytest.fixture
def sides(browser, server, page_log):
    """open(): a new browser of its own (cookie jar) on the served app, watched."""
    contexts = []

    def open_side() -> Page:
        context = browser.new_context(base_url=server, locale="en-GB")
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page_log.watch(page)
        return page

    yield open_side
    for context in contexts:
        context.close()


def member(name: str, role: str):
    return UserFactory(name=name, role=role, password_hash=FAST_PASSWORD_HASH)


def send_request(customer: Page, *, product_label: str, message: str) -> None:
    customer.goto("/r/contact")
    customer.get_by_label("Your name").fill("Ada Kunde")
    customer.get_by_label("E-mail").fill("ada@example.org")
    customer.get_by_label("What are you interested in? (optional)").select_option(
        label=product_label
    )
    customer.get_by_label("Your message").fill(message)
    customer.get_by_test_id("send-request").click()
    expect(customer.get_by_test_id("request-thanks")).to_be_visible()


def open_the_request(page: Page, dbs) -> int:
    dbs.rollback()
    req_id = dbs.scalar(select(Request.id).order_by(Request.id.desc()))
    page.goto(f"/requests/{req_id}")
    return req_id


def customer_link(agent: Page) -> str:
    return agent.get_by_test_id("customer-link").get_attribute("href")


def activity(page: Page) -> str:
    return page.get_by_test_id("activity-log").inner_text()


def test_a_website_request_is_answered_and_confirmed_with_a_plan_into_a_subscription(
    sides, page_log, ctx, dbs
):
    agent_user = member("Jonas Becker", "agent")
    make_product(dbs, name="Coaching", price=Decimal("29.00"), plans=[SUBSCRIPTION_PLAN])
    make_form(dbs)
    customer, agent = sides(), sides()

    send_request(customer, product_label="Coaching · 29.00 EUR", message="Monthly coaching?")
    sign_in(agent, agent_user)
    req_id = open_the_request(agent, dbs)
    agent.get_by_label(re.compile("Reply to the customer")).fill("Yes: we start on Monday.")
    agent.get_by_test_id("send-reply").click()
    expect(agent.get_by_test_id("conversation")).to_contain_text("Yes: we start on Monday.")

    # The customer answers on their own page (the link every e-mail carries).
    customer.goto(customer_link(agent))
    expect(customer.get_by_test_id("customer-conversation")).to_contain_text("start on Monday")
    customer.get_by_label("Your answer").fill("Perfect, see you then.")
    customer.get_by_test_id("customer-send").click()
    expect(customer.get_by_test_id("customer-conversation")).to_contain_text("Perfect")

    agent.reload()
    expect(agent.get_by_test_id("conversation")).to_contain_text("Perfect, see you then.")
    agent.get_by_test_id("confirm").click()
    expect(agent.get_by_test_id("dossier-money")).to_contain_text(re.compile(r"#1 · active"))
    link = agent.get_by_test_id("dossier-subscription")
    screenshot(agent, "dossier-confirmed-agent")
    link.click()
    expect(agent.get_by_test_id("subscription-status")).to_have_text("active")
    expect(agent.get_by_test_id("subscription-plan")).to_contain_text("29.00 EUR every month")
    screenshot(agent, "subscription-agent")

    dbs.rollback()
    sub = dbs.scalar(select(Subscription))
    assert (sub.status, sub.request_id, sub.plan["amount"]) == ("active", req_id, "29.00")
    assert dbs.get(Order, sub.order_id).plan["kind"] == "subscription"
    assert [m.outgoing for m in dbs.scalars(select(RequestMessage))] == [True, False]
    # A manager may change the plan or cancel; the agent's page offers neither.
    expect(agent.get_by_test_id("cancel-subscription")).to_have_count(0)
    manager = sides()
    sign_in(manager, member("Maria Weber", "sales_manager"))
    manager.goto(f"/requests/subscriptions/{sub.id}")
    expect(manager.get_by_test_id("cancel-subscription")).to_be_visible()
    screenshot(manager, "subscription-manager")
    agent.goto(f"/requests/{req_id}")
    log = activity(agent)
    assert "Jonas Becker: Message to the customer" in log
    assert re.search(r"Jonas Becker: Status: .* -> Confirmed", log)
    assert "Jonas Becker: Subscription #1 started" in log
    page_log.assert_clean()


def test_an_on_request_product_is_quoted_accepted_and_paid_on_the_pay_page(
    sides, page_log, ctx, dbs
):
    agent_user = member("Jonas Becker", "agent")
    make_on_request_product(dbs, name="Custom tour")
    make_form(dbs)
    dbs.commit()
    customer, agent = sides(), sides()

    send_request(customer, product_label="Custom tour (price on request)", message="For 6?")
    sign_in(agent, agent_user)
    req_id = open_the_request(agent, dbs)
    expect(agent.get_by_test_id("price-needed")).to_be_visible()
    expect(agent.get_by_test_id("send-payment-link")).to_be_disabled()
    agent.get_by_test_id("quote-amount").fill("850.00")
    agent.get_by_test_id("quote-message").fill("Six people, guide included.")
    agent.get_by_test_id("send-quote").click()
    expect(agent.get_by_test_id("quote-row")).to_have_attribute("data-status", "sent")
    expect(agent.locator("h1")).to_contain_text("Awaiting reply")
    screenshot(agent, "dossier-quote-sent-agent")

    customer.goto(customer_link(agent))
    expect(customer.get_by_test_id("quote-amount")).to_have_text("850.00 EUR")
    screenshot(customer, "dossier-customer-quote")
    customer.get_by_test_id("accept-quote").click()
    expect(customer.get_by_test_id("quote-state")).to_contain_text("You accepted this quote")
    customer.get_by_test_id("quote-pay-link").click()
    expect(customer.get_by_test_id("pay-due-now")).to_have_text("850,00 €")
    customer.get_by_test_id("pay-demo").click()
    customer.get_by_test_id("pay-demo-pay").click()
    expect(customer.get_by_test_id("pay-thanks")).to_have_text(
        "Vielen Dank, die Zahlung ist eingegangen."
    )

    agent.reload()
    expect(agent.get_by_test_id("stage-bar").locator("[aria-current=step]")).to_have_text(
        "Paid in full"
    )
    expect(agent.get_by_test_id("dossier-received")).to_contain_text("850.00 of 850.00 EUR")
    log = activity(agent)
    assert "Jonas Becker: Quote sent: 850.00 EUR" in log
    assert "the customer: The customer accepted the quote of 850.00 EUR" in log
    assert "the customer: Payment received on order" in log
    dbs.rollback()
    req = dbs.get(Request, req_id)
    assert (req.price, req.stage, req.order.status) == (Decimal("850.00"), "paid_in_full", "paid")
    page_log.assert_clean()


def test_a_dossier_goes_through_all_seven_stages_and_the_log_names_who_did_each_step(
    sides, page_log, ctx, dbs
):
    agent_user = member("Jonas Becker", "agent")
    manager_user = member("Maria Weber", "sales_manager")
    admin_user = member("Ada Admin", "admin")
    make_product(dbs, name="Summer camp", price=Decimal("500.00"))
    make_form(dbs)
    customer, agent, manager = sides(), sides(), sides()

    send_request(customer, product_label="Summer camp · 500.00 EUR", message="Two weeks in July")
    sign_in(agent, agent_user)
    req_id = open_the_request(agent, dbs)
    stage = agent.get_by_test_id("stage-bar").locator("[aria-current=step]")
    expect(stage).to_have_text("New")
    agent.get_by_test_id("set-in-progress").click()
    expect(stage).to_have_text("In progress")
    agent.get_by_test_id("customer-comment-text").fill("Sibling discount: 10 %")
    agent.get_by_test_id("add-customer-comment").click()
    agent.get_by_test_id("send-payment-link").click()
    expect(stage).to_have_text("Awaiting payment")
    pay_url = agent.get_by_test_id("dossier-payment-url").inner_text()

    # The manager records the deposit by hand, while the agent's page is still open.
    sign_in(manager, manager_user)
    manager.goto(f"/requests/{req_id}")
    expect(manager.get_by_test_id("customer-comment")).to_contain_text("Sibling discount")
    manager.get_by_test_id("manual-amount").fill("150.00")
    manager.get_by_test_id("manual-method").select_option("bank_transfer")
    manager.get_by_test_id("manual-payer").fill("Bert Kunde")
    manager.get_by_test_id("manual-address").fill("Hauptstr. 1, 10115 Berlin")
    manager.get_by_test_id("record-payment").click()
    expect(manager.get_by_test_id("stage-bar").locator("[aria-current=step]")).to_have_text(
        "Deposit paid"
    )
    screenshot(manager, "dossier-deposit-manager")

    # The agent's page is older than the manager's change: their edit is refused.
    agent.get_by_test_id("toggle-online-payment").click()
    expect(agent.locator(".flash-error")).to_contain_text("Someone else changed this request")
    expect(agent.get_by_test_id("online-payment")).to_contain_text("on (")
    dbs.rollback()
    assert dbs.get(Request, req_id).online_payment is True

    # The customer pays the rest on the pay page.
    customer.goto(pay_url)
    expect(customer.get_by_test_id("pay-due-now")).to_have_text("500,00 €")
    customer.get_by_test_id("pay-demo").click()
    expect(customer.get_by_test_id("pay-demo-amount")).to_have_text("350,00 €")
    customer.get_by_test_id("pay-demo-pay").click()
    expect(customer.get_by_test_id("pay-thanks")).to_be_visible()

    agent.reload()
    expect(stage).to_have_text("Paid in full")
    agent.get_by_test_id("mark-processed").click()
    expect(stage).to_have_text("Processed")
    expect(agent.get_by_test_id("archive-link")).to_have_count(0)  # managers and admins
    screenshot(agent, "dossier-processed-agent")
    log = activity(agent)
    for line in (
        "Jonas Becker: Stage: new -> in progress",
        "Jonas Becker: Payment link sent to ada@example.org",
        "Maria Weber: Payment received on order",
        ": 150.00 of 500.00 EUR in",
        "Maria Weber: Stage: awaiting payment -> deposit paid (payment)",
        "the customer: Payment received on order",
        "the customer: Stage: deposit paid -> paid in full (payment)",
        "Jonas Becker: Entered in our system: paid in full -> processed",
    ):
        assert line in log, line

    # The admin sees the pipeline's tabs, then archives after the page naming what goes.
    admin = sides()
    sign_in(admin, admin_user)
    admin.goto("/requests/dossiers?stage=processed")
    expect(admin.get_by_test_id("stage-count-processed")).to_have_text("1")
    expect(admin.get_by_test_id("dossier-list")).to_contain_text("Summer camp")
    screenshot(admin, "dossiers-admin")
    admin.goto(f"/requests/{req_id}")
    admin.get_by_test_id("archive-link").click()
    expect(admin.get_by_test_id("archive-erased")).to_contain_text("the internal notes")
    expect(admin.get_by_test_id("archive-kept")).to_contain_text("the conversation")
    screenshot(admin, "dossier-archive-confirmation-admin")
    admin.get_by_test_id("confirm-archive").click()
    expect(admin.get_by_test_id("stage-bar").locator("[aria-current=step]")).to_have_text(
        "Archived"
    )
    expect(admin.get_by_test_id("activity-log")).to_contain_text(
        "Ada Admin: Archived (processed -> archived)"
    )
    dbs.rollback()
    req = dbs.get(Request, req_id)
    assert (req.stage, req.message, req.email) == ("archived", None, None)
    assert req.order.status == "paid"
    page_log.assert_clean()
