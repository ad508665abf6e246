"""Commissions in Chromium: an admin approves a selection on "Approve" and corrects one,
the seller sees them approved under "My commissions"; the sales manager checks and
executes a reassignment; the tabs follow each role's rights."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_panel import FAST_PASSWORD_HASH, sign_in
from tests.factories import UserFactory
from tests.order_helpers import make_product, take_order
from voiceapp.services.orders.payments import record_payment

pytestmark = pytest.mark.browser
D = Decimal


def sell(dbs, seller, net: str, when: datetime):
    order = take_order(dbs, seller, product=make_product(dbs, price=D(net), price_is="net"))
    record_payment(dbs, order.id, amount=order.total, method="demo", now=when)
    dbs.commit()
    return order


@pytest.fixture
def team_with_sales(dbs):
    admin = UserFactory(name="Ada Admin", role="admin", password_hash=FAST_PASSWORD_HASH)
    manager = UserFactory(
        name="Mia Manager",
        role="sales_manager",
        manager_commission_percent=D("10"),
        password_hash=FAST_PASSWORD_HASH,
    )
    seller = UserFactory(name="Sam Seller", role="agent", password_hash=FAST_PASSWORD_HASH)
    leaver = UserFactory(name="Leo Leaver", role="agent", password_hash=FAST_PASSWORD_HASH)
    dbs.commit()
    sell(dbs, seller, "1000.00", datetime(2026, 3, 2, 10, tzinfo=UTC))
    sell(dbs, seller, "250.00", datetime.now(UTC))
    sell(dbs, leaver, "400.00", datetime.now(UTC))
    return admin, manager, seller, leaver


def test_an_admin_approves_a_selection_and_the_seller_sees_it(page, page_log, team_with_sales):
    admin, _manager, seller, _leaver = team_with_sales
    sign_in(page, admin)
    page.get_by_role("link", name="Commissions", exact=True).click()
    tabs = page.get_by_test_id("commission-tabs")
    expect(tabs).to_contain_text("Approve")
    expect(tabs).to_contain_text("Statement")
    tabs.get_by_role("link", name="Approve").click()
    table = page.get_by_test_id("approve-table")
    expect(table.locator("tbody tr")).to_have_count(6)
    screenshot(page, "commissions-approve")
    page.get_by_label("Member").select_option(label="Sam Seller")
    page.get_by_role("button", name="Filter").click()
    expect(table.locator("tbody tr")).to_have_count(2)
    for box in table.get_by_role("checkbox").all():
        box.check()
    page.get_by_role("button", name="Approve selected").click()
    expect(page.get_by_text("2 commission(s) approved.")).to_be_visible()
    expect(table).to_contain_text("Nothing waits for approval.")
    # Correct one: approved -> rejected, and its log shows both decisions.
    page.get_by_label("Status").select_option("approved")
    page.get_by_role("button", name="Filter").click()
    expect(table.locator("tbody tr")).to_have_count(2)
    table.locator("tbody tr").first.get_by_role("button", name="Reject").click()
    expect(page.get_by_text("1 commission(s) rejected.")).to_be_visible()
    page.get_by_label("Status").select_option("rejected")
    page.get_by_role("button", name="Filter").click()
    table.get_by_role("link", name="log").click()
    log = page.get_by_test_id("decision-log")
    expect(log.get_by_test_id("decision")).to_have_count(2)
    expect(log).to_contain_text("pending → approved")
    expect(log).to_contain_text("approved → rejected")
    screenshot(page, "commission-log")
    page.get_by_role("link", name="Statement").click()
    expect(page.get_by_test_id("statement-EUR")).to_be_visible()
    screenshot(page, "commissions-statement")
    page_log.assert_clean(page)

    # Off the panel first: a request of its scripts still in flight (the softphone's)
    # would otherwise set the session cookie again after it was cleared.
    page.goto("about:blank")
    page.context.clear_cookies()
    sign_in(page, seller)
    page.get_by_role("link", name="Commissions", exact=True).click()
    rows = page.get_by_test_id("commissions")
    expect(rows.locator("tbody tr")).to_have_count(2)
    expect(rows).to_contain_text("sales team")
    expect(page.get_by_test_id("commission-tabs")).not_to_contain_text("Approve")
    expect(page.get_by_test_id("commission-totals")).to_contain_text("approved")
    screenshot(page, "commissions-mine-agent")
    page_log.assert_clean(page)


def test_a_sales_manager_checks_then_executes_a_reassignment(page, page_log, team_with_sales):
    _admin, manager, _seller, _leaver = team_with_sales
    sign_in(page, manager)
    page.get_by_role("link", name="Commissions", exact=True).click()
    expect(page.get_by_test_id("commission-totals")).to_contain_text("pending")
    screenshot(page, "commissions-mine-manager")
    page.get_by_label("Member").select_option(label="everyone")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("commissions")).to_contain_text("Leo Leaver")
    expect(page.get_by_test_id("commissions").locator("tbody tr")).to_have_count(6)
    screenshot(page, "commissions-team-manager")
    page.get_by_test_id("commission-tabs").get_by_role("link", name="Reassign").click()
    page.get_by_label("Member").select_option(label="Leo Leaver")
    page.get_by_role("button", name="Check").click()
    summary = page.get_by_test_id("reassign-summary")
    expect(summary).to_contain_text("Leo Leaver has 1 pending commission")
    expect(summary).to_contain_text("40.00 EUR")
    screenshot(page, "commissions-reassign-check")
    page.get_by_label("Yes, move").check()
    page.get_by_role("button", name="Execute").click()
    expect(page.get_by_text("1 commission(s) of Leo Leaver moved to the vendor.")).to_be_visible()
    page_log.assert_clean(page)
