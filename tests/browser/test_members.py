"""Members in Chromium: an admin adds several members with a preview first, then "Add";
a sales manager reads the list; the commission settings page; an agent has no Members."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_panel import FAST_PASSWORD_HASH, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def _team():
    admin = UserFactory(name="Ada Admin", role="admin", password_hash=FAST_PASSWORD_HASH)
    manager = UserFactory(
        name="Max Manager",
        role="sales_manager",
        password_hash=FAST_PASSWORD_HASH,
        manager_commission_percent=Decimal("10"),
    )
    agent = UserFactory(
        name="Jonas Weber",
        email="jonas@example.com",
        role="agent",
        password_hash=FAST_PASSWORD_HASH,
        payout_factor=Decimal("0.8"),
        can_receive_payouts=True,
    )
    return admin, manager, agent


def test_an_admin_adds_several_members_after_a_preview(page, page_log, ctx):
    admin, _manager, _agent = _team()
    sign_in(page, admin)
    page.locator("summary", has_text="Admin").click()
    page.get_by_role("link", name="Members", exact=True).click()
    page.get_by_role("link", name="Add several").click()
    page.get_by_label("E-mail addresses, one per line").fill(
        "Anna Schmidt <anna@example.com>\njonas@example.com\nno address here"
    )
    page.get_by_label("Payout factor (%)").fill("50")
    page.get_by_label("Overwrite existing settings").check()
    page.get_by_test_id("preview-button").click()
    expect(page.get_by_test_id("preview-new")).to_contain_text("Anna Schmidt")
    expect(page.get_by_test_id("preview-changed")).to_contain_text("80 % → 50 %")
    expect(page.get_by_test_id("preview-bad")).to_contain_text("not an e-mail address")
    screenshot(page, "members-add-several-preview")
    page.get_by_test_id("confirm-add").click()
    expect(page.locator(".flash, [role=status]").first).to_contain_text("1 member added")
    table = page.get_by_test_id("members")
    expect(table.locator('tr[data-member="anna@example.com"]')).to_contain_text("invited")
    expect(table.locator('tr[data-member="jonas@example.com"]')).to_contain_text("50 %")
    screenshot(page, "members-list-admin")
    page_log.assert_clean(page)


def test_a_sales_manager_reads_the_members_and_an_agent_has_no_such_link(
    browser_context, page, page_log, ctx
):
    _admin, manager, agent = _team()
    sign_in(page, manager)
    page.get_by_role("link", name="Members", exact=True).click()
    table = page.get_by_test_id("members")
    expect(table.locator('tr[data-member="jonas@example.com"]')).to_contain_text("80 %")
    expect(table).to_contain_text("Freelancer (receives payouts)")
    expect(table).not_to_contain_text("(10.00 %)")
    expect(page.get_by_role("link", name="Add several")).to_have_count(0)
    screenshot(page, "members-list-sales-manager")

    other = browser_context.browser.new_context(base_url=page.url.split("/members")[0])
    agent_page = other.new_page()
    sign_in(agent_page, agent)
    expect(agent_page.get_by_role("link", name="Members", exact=True)).to_have_count(0)
    agent_page.goto("/members")
    expect(agent_page.locator("h1")).to_contain_text("Forbidden")
    screenshot(agent_page, "members-agent-forbidden")
    other.close()


def test_the_commission_settings_page(page, page_log, ctx):
    admin, _manager, _agent = _team()
    sign_in(page, admin)
    page.locator("summary", has_text="Admin").click()
    page.get_by_role("link", name="Commission settings").click()
    page.get_by_label("Team share of net revenue (%)").fill("150")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".field-error[data-field=team_share_percent]")).to_contain_text(
        "between 0 and 100"
    )
    screenshot(page, "commission-settings-error")
    page.get_by_label("Team share of net revenue (%)").fill("12.5")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Commission settings saved.")).to_be_visible()
    screenshot(page, "commission-settings")
