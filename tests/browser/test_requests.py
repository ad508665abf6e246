"""Requests in real headless Chromium: a customer sends the public form, an agent finds
it under Requests and answers, the customer answers on their private page (the link of
the e-mail), the team sees it unread, and the agent confirms. And the inbox and a
request's page as admin, manager and agent (screenshots with BROWSER_SCREENSHOTS)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from tests.browser.conftest import screenshot
from tests.browser.test_panel import FAST_PASSWORD_HASH, sign_in
from tests.factories import UserFactory
from tests.order_helpers import make_product
from tests.request_helpers import make_form, make_request
from voiceapp.db import utcnow
from voiceapp.models import OutgoingEmail, Request, RequestLabel
from voiceapp.services.requests import conversation

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(make_app) -> Iterator[str]:
    """As the suite's, with no minimum fill time: the test fills the form in faster than
    a person (the minimum itself is tested over HTTP)."""
    app = make_app(request_form_min_seconds=0)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        app.extensions["voiceapp.db"].engine.dispose()


def member(role: str, name: str):
    return UserFactory(
        name=name, email=f"{role}@example.com", role=role, password_hash=FAST_PASSWORD_HASH
    )


def fresh(dbs):
    dbs.rollback()
    dbs.expire_all()
    return dbs


def test_a_request_from_the_form_is_answered_the_customer_replies_and_it_is_confirmed(
    browser, live_server, browser_context, page_log, ctx, dbs
):
    form = make_form(
        dbs,
        title="Ask the sales team",
        intro="Questions about our courses? We answer the same day.",
    )
    make_product(dbs, name="Sales course", plans=[{"kind": "single"}])
    dbs.commit()
    agent = member("agent", "Jonas Becker")

    # The customer, on the public form (no account).
    customer_page = browser_context.new_page()
    page_log.watch(customer_page)
    customer_page.goto(f"/r/{form.slug}")
    expect(customer_page.get_by_role("heading", name="Ask the sales team")).to_be_visible()
    # The honeypot is there for robots, out of sight for people.
    expect(customer_page.get_by_label("Leave this empty")).not_to_be_in_viewport()
    customer_page.get_by_label("Your name").fill("Anna Muster")
    customer_page.get_by_label("E-mail").fill("anna@example.com")
    customer_page.get_by_label("Your message").fill("Do you also run the course in Vienna?")
    screenshot(customer_page, "request-public-form")
    customer_page.get_by_test_id("send-request").click()
    expect(customer_page.get_by_test_id("request-thanks")).to_be_visible()
    req = fresh(dbs).scalars(select(Request)).one()
    page_log.assert_clean(customer_page)
    customer_page.close()

    # The agent, in another browser profile: Call today -> Requests -> the request.
    team = browser.new_context(base_url=live_server, locale="en-GB")
    team.set_default_timeout(5_000)
    page = team.new_page()
    page_log.watch(page)
    sign_in(page, agent)
    page.goto("/cases/today")
    page.get_by_test_id("requests-tab").click()
    expect(page.get_by_test_id("count-pending")).to_have_text("1")
    page.get_by_role("link", name="Anna Muster").click()
    expect(page.get_by_test_id("request-status")).to_have_text("Pending")
    page.get_by_label("Reply to the customer").fill("We do: in March and in May.")
    page.get_by_test_id("send-reply").click()
    expect(page.get_by_text("Sent to the customer by e-mail.")).to_be_visible()
    expect(page.get_by_test_id("request-status")).to_have_text("In progress")
    expect(page.get_by_test_id("message")).to_have_count(1)

    # The e-mail's link, opened by the customer (a browser without the team's cookies).
    email = fresh(dbs).scalars(select(OutgoingEmail)).one()
    link = re.search(r"(/r/conversation/\S+)", email.body_text).group(1)
    outside = browser.new_context(base_url=live_server, locale="en-GB")
    outside.set_default_timeout(5_000)
    mine = outside.new_page()
    page_log.watch(mine)
    mine.goto(link)
    expect(mine.get_by_text("We do: in March and in May.")).to_be_visible()
    mine.get_by_label("Your answer").fill("Then May, please: two seats.")
    mine.get_by_test_id("customer-send").click()
    expect(mine.get_by_test_id("message")).to_have_count(2)
    screenshot(mine, "request-customer-page")
    page_log.assert_clean(mine)
    outside.close()

    # The team sees it unread in the inbox, reads it, confirms with a message.
    page.goto("/requests?status=in_progress")
    row = page.locator(f"tr[data-request-id='{req.id}']")
    expect(row.get_by_test_id("unread-marker")).to_be_visible()
    row.get_by_role("link", name="Anna Muster").click()
    expect(page.get_by_test_id("new-customer-message")).to_be_visible()
    expect(page.get_by_text("Then May, please: two seats.")).to_be_visible()
    page.get_by_label("Message to the customer (optional, sent by e-mail)").fill(
        "Booked: two seats in May."
    )
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("request-status")).to_have_text("Confirmed")
    log = page.get_by_test_id("activity-log")
    expect(log).to_contain_text("Jonas Becker: Status: In progress -> Confirmed")
    expect(log).to_contain_text("the customer: Message from the customer")
    page.goto("/requests?status=in_progress")
    expect(page.get_by_test_id("no-requests")).to_be_visible()
    page_log.assert_clean(page)
    team.close()
    row = fresh(dbs).get(Request, req.id)
    assert row.status == "confirmed" and not row.unread


@pytest.mark.parametrize("role", ["admin", "sales_manager", "agent"])
def test_the_inbox_and_a_request_page_as_each_role(page, page_log, ctx, dbs, role):
    user = member(role, f"{role.replace('_', ' ').title()} User")
    vip = RequestLabel(name="VIP", color="amber")
    dbs.add(vip)
    product = make_product(dbs, name="Team licence", plans=[{"kind": "single"}])
    dbs.commit()
    make_request(
        dbs, name="Petra Lang", email="petra@example.com", message="Do you deliver to Austria?"
    )
    req = make_request(
        dbs,
        name="Tom Berger",
        email="tom@example.com",
        phone="+4917612345001",
        message="Please call me about the team licence.",
        product_id=product.id,
        payment_method="bank_transfer",
    )
    req.labels = [vip]
    dbs.commit()
    with ctx.test_request_context():
        conversation.customer_reply(dbs, req, "Tomorrow at 10 would suit me.", now=utcnow())
    dbs.commit()
    sign_in(page, user)
    page.goto("/requests")
    expect(page.get_by_test_id("count-pending")).to_have_text("2")
    expect(page.locator("header.topbar nav [aria-current='page']")).to_have_text("Call today")
    tabs = page.get_by_test_id("request-section-tabs")
    # Everyone has the Dossiers and Subscriptions tabs; labels are managers' and admins'.
    expect(tabs.get_by_role("link", name="Dossiers")).to_be_visible()
    if role == "agent":
        expect(tabs.get_by_role("link", name="Labels")).to_have_count(0)
    else:
        expect(tabs.get_by_role("link", name="Labels")).to_be_visible()
    screenshot(page, f"requests-inbox-{role}")
    page.locator(f"tr[data-request-id='{req.id}']").get_by_role("link", name="Tom Berger").click()
    expect(page.get_by_test_id("request-product")).to_contain_text("Team licence")
    expect(page.get_by_test_id("label-chip").first).to_have_text("VIP")
    screenshot(page, f"requests-page-{role}")
    page_log.assert_clean(page)
