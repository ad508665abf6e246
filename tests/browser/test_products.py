"""An admin adds a product in Chromium: plans written one per line, a plan that does not
add up shown on the form, the list with the product on sale, switching it off."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_panel import FAST_PASSWORD_HASH, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def test_an_admin_adds_a_product_and_switches_it_off(page, page_log, ctx):
    admin = UserFactory(name="Ada Admin", role="admin", password_hash=FAST_PASSWORD_HASH)
    sign_in(page, admin)
    page.locator("summary", has_text="Admin").click()
    page.get_by_role("link", name="Products", exact=True).click()
    page.get_by_role("link", name="Add product").click()
    page.get_by_label("Name").fill("Closing calls masterclass")
    page.get_by_label("Price", exact=True).fill("299.00")
    page.get_by_label("VAT category").select_option("electronic_service")
    page.get_by_label("Payment plans").fill(
        "single\ninstalments 100.00 + 2 x 99.00 every month\nsubscription 29.00 every month"
    )
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".field-error[data-field=plans]")).to_contain_text(
        "line 2: the instalments add up to 298.00, not the price 299.00"
    )
    screenshot(page, "product-form-error")
    page.get_by_label("Payment plans").fill(
        "single\ninstalments 101.00 + 2 x 99.00 every month\nsubscription 29.00 every month"
    )
    page.get_by_role("button", name="Save").click()
    table = page.get_by_test_id("products")
    expect(table).to_contain_text("3 instalments: 101.00 EUR now, then 2 x 99.00 EUR every month")
    expect(table).to_contain_text("on sale")
    screenshot(page, "products-list")
    page.get_by_role("button", name="Switch off").click()
    expect(page.get_by_text("Closing calls masterclass is switched off.")).to_be_visible()
    expect(table).to_contain_text("switched off")
    page.get_by_role("link", name="Closing calls masterclass").click()
    expect(page.get_by_label("Payment plans")).to_have_value(
        "single\ninstalments 101.00 + 2 x 99.00 every month\nsubscription 29.00 every month"
    )
    screenshot(page, "product-form")
    page_log.assert_clean(page)
