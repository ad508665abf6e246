"""The customer on the pay page in Chromium: a code typed the way people type it, the
order read-only, a demo payment that fails and one that goes through, the thank-you page;
and the thank-you page turning to "received" by itself once the payment is confirmed."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.factories import UserFactory
from tests.order_helpers import INSTALMENTS_3, make_product, take_order
from voiceapp.domain.payment_code import format_code
from voiceapp.models.orders import PAID
from voiceapp.services.orders import payments
from voiceapp.services.team_settings import update_team_settings

pytestmark = pytest.mark.browser

BUYER = {
    "first_name": "Annabell",
    "last_name": "Quirinius",
    "email": "annabell.q@example.org",
    "country": "DE",
    "language": "en",
}


@pytest.fixture
def order(ctx, dbs):
    update_team_settings(
        dbs,
        seller_name="Musterverlag GmbH",
        bank_account_holder="Musterverlag GmbH",
        bank_iban="DE02120300000000202051",
        bank_bic="BYLADEM1001",
        sepa_creditor_id="DE98ZZZ09999999999",
    )
    product = make_product(dbs, name="Closing calls masterclass", plans=[INSTALMENTS_3])
    return take_order(
        dbs, UserFactory(role="agent"), product=product, plan={"kind": "instalments"}, buyer=BUYER
    )


def test_a_customer_pays_with_the_demo_provider(page, page_log, order, dbs):
    code = format_code(order.payment_code)
    typed = code.lower().replace("-", " ")  # as read out on the phone and typed
    page.goto(f"/p/{typed}")
    expect(page).to_have_url(f"/p/{code}")
    expect(page.get_by_test_id("pay-order")).to_contain_text("Hello Annabell,")
    expect(page.get_by_test_id("pay-order")).not_to_contain_text("Quirinius")
    expect(page.get_by_test_id("pay-due-now")).to_have_text("€39.00")
    expect(page.get_by_test_id("pay-withdrawal")).to_contain_text("within 14 days")
    page.get_by_text("SEPA direct debit", exact=True).click()
    expect(page.get_by_test_id("pay-mandate-text")).to_contain_text("DE98ZZZ09999999999")
    page.get_by_text("Bank transfer", exact=True).click()
    expect(page.get_by_test_id("pay-iban")).to_have_text("DE02 1203 0000 0000 2020 51")
    screenshot(page, "pay-page")

    page.get_by_test_id("pay-demo").click()
    expect(page.get_by_test_id("pay-demo-amount")).to_have_text("€39.00")
    screenshot(page, "pay-demo-checkout")
    page.get_by_test_id("pay-demo-fail").click()
    expect(page.get_by_test_id("pay-notice")).to_contain_text("nothing was charged")
    screenshot(page, "pay-demo-failed")

    page.get_by_test_id("pay-demo").click()
    page.get_by_test_id("pay-demo-pay").click()
    expect(page).to_have_url(f"/p/{code}/thanks")
    expect(page.get_by_test_id("pay-thanks")).to_have_text("Thank you, payment received.")
    screenshot(page, "pay-thanks")
    dbs.expire_all()
    assert order.status == PAID
    assert [(p.method, p.amount) for p in order.payments] == [("demo", Decimal("39.00"))]
    page_log.assert_clean(page)


def test_the_thank_you_page_turns_to_received_by_itself(page, page_log, order, dbs):
    code = format_code(order.payment_code)
    page.goto(f"/p/{code}/thanks")
    expect(page.get_by_test_id("pay-thanks")).to_contain_text("We are waiting for your payment")
    screenshot(page, "pay-thanks-waiting")
    # The payment is confirmed elsewhere (a provider's webhook, a manager): no reload here.
    payments.record_payment(
        dbs, order.id, amount=Decimal("39.00"), method="manual", now=datetime.now(UTC)
    )
    dbs.commit()
    expect(page.get_by_test_id("pay-thanks")).to_have_text(
        "Thank you, payment received.", timeout=15_000
    )
    page_log.assert_clean(page)
