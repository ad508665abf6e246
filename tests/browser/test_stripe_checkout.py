"""Card payment in Chromium: the pay page's "Pay by card" form, the app's 303 to the
checkout page (the Stripe stand-in, another origin), Pay there, and back on the app's
thank-you URL with the order paid; nothing in the console (a Content-Security-Policy
that refused the form's redirect would show there).

The pay page itself is another feature's: its document is replaced here by a form of
the same shape (the CSRF token of the browser's session, POST /p/<code>/stripe), served
with the headers the app gives /p/<code>, so the policy under test is the app's."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.factories import UserFactory
from tests.order_helpers import take_order
from tests.stripe_helpers import stripe_world
from voiceapp.domain.payment_code import format_code
from voiceapp.models import Order

pytestmark = pytest.mark.browser

PAY_FORM = """<!doctype html><html lang="en"><head><title>Pay</title></head><body>
<form method="post" action="/p/{code}/stripe">
  <input type="hidden" name="csrf_token" value="{token}">
  <button type="submit">Pay by card</button>
</form></body></html>"""


@pytest.fixture
def order(ctx, dbs):
    return take_order(dbs, UserFactory(role="agent"))


def open_pay_form(context, page, app_url: str, code: str) -> None:
    """The browser's session and its CSRF token (from the sign-in page), then /p/<code>
    with the app's own headers and a "Pay by card" form as its document."""
    page.goto(f"{app_url}/sign-in")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")

    def pay_page(route):
        real = route.fetch()
        route.fulfill(
            response=real,
            status=200,
            body=PAY_FORM.format(code=code, token=token),
            content_type="text/html; charset=utf-8",
        )

    context.route(f"{app_url}/p/{code}", pay_page)
    page.goto(f"{app_url}/p/{code}")


def test_a_customer_pays_by_card_on_the_checkout_page_and_the_order_is_paid(
    make_app, browser, page_log, dbs, order
):
    code = format_code(order.payment_code)
    with stripe_world(make_app) as world:
        context = browser.new_context(locale="en-GB")
        context.set_default_timeout(10_000)
        page = context.new_page()
        page_log.watch(page)
        try:
            open_pay_form(context, page, world.app_url, code)
            page.get_by_role("button", name="Pay by card").click()
            page.wait_for_url(f"{world.standin_url}/checkout/cs_test_*")
            assert page.get_by_role("heading", name="Pay 119.00 EUR").is_visible()
            assert page.get_by_text(f"Order {order.number}").is_visible()
            screenshot(page, "stripe-standin-checkout")
            page.get_by_role("button", name="Pay", exact=True).click()
            page.wait_for_url(f"{world.app_url}/p/{code}/thanks")
            page_log.assert_clean(page)
        finally:
            context.close()
    dbs.rollback()
    dbs.expire_all()
    paid = dbs.get(Order, order.id)
    assert paid.status == "paid"
    assert [p.method for p in paid.payments] == ["stripe"]


def test_when_stripe_fails_the_customer_sees_a_page_of_ours_with_the_way_back(
    make_app, browser, page_log, dbs, order
):
    code = format_code(order.payment_code)
    with stripe_world(make_app, stripe_secret_key="sk_test_not_the_key") as world:
        context = browser.new_context(locale="en-GB")
        context.set_default_timeout(10_000)
        page = context.new_page()
        page_log.watch(page)
        try:
            open_pay_form(context, page, world.app_url, code)
            page.get_by_role("button", name="Pay by card").click()
            heading = page.get_by_role("heading", name="Card payment is not available just now")
            heading.wait_for()
            assert page.url == f"{world.app_url}/p/{code}/stripe"
            assert page.get_by_text("Nothing was charged").is_visible()
            back = page.get_by_role("link", name="Back to the payment page")
            assert back.get_attribute("href") == f"{world.app_url}/p/{code}"
            screenshot(page, "stripe-unavailable")
            page_log.assert_clean(page)
        finally:
            context.close()
    dbs.rollback()
    dbs.expire_all()
    assert dbs.get(Order, order.id).status == "pending"
