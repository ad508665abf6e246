"""Every commission, payout, member and settings page in Chromium, for each role: the
roles that may open a page see it whole (its heading, no console error); the others get
the 403 page, and no link to it in the top bar or the commission tabs."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_panel import FAST_PASSWORD_HASH, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

ROLES = ("admin", "sales_manager", "agent")
# path -> (heading, roles that may open it)
PAGES = {
    "/commissions": ("Commissions", set(ROLES)),
    "/commissions/approve": ("Approve commissions", {"admin"}),
    "/commissions/reassign": ("Reassign commissions", {"admin", "sales_manager"}),
    "/commissions/statement": ("Vendor's statement", {"admin"}),
    "/payouts": ("Payouts", {"admin", "sales_manager"}),
    "/payouts/new": ("Create payouts", {"admin", "sales_manager"}),
    "/members": ("Members", {"admin", "sales_manager"}),
    "/members/add-several": ("Add several members", {"admin"}),
    "/settings/commissions": ("Commission settings", {"admin"}),
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_what_it_may_and_gets_403_elsewhere(browser_context, page_log, ctx, role):
    user = UserFactory(role=role, name=f"{role} user", password_hash=FAST_PASSWORD_HASH)
    page = browser_context.new_page()
    page_log.watch(page)
    sign_in(page, user)
    for path, (heading, allowed) in PAGES.items():
        answer = page.goto(path)
        if role in allowed:
            assert answer.status == 200, path
            expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        else:
            assert answer.status == 403, path
            expect(page.get_by_role("heading", name="403 · Forbidden")).to_be_visible()
    page.goto("/commissions")
    tabs = page.get_by_test_id("commission-tabs").get_by_role("link")
    expected_tabs = {
        "admin": ["My commissions", "Approve", "Payouts", "Reassign", "Statement"],
        "sales_manager": ["My commissions", "Payouts", "Reassign"],
        "agent": ["My commissions"],
    }[role]
    expect(tabs).to_have_text(expected_tabs)
    screenshot(page, f"commissions-tabs-{role}")
    page_log.assert_clean(page)
