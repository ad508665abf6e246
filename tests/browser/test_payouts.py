"""Payouts in Chromium: a sales manager previews and creates a run, downloads its file,
marks a payout paid and cancels another (answering the confirmation); an admin sees the
list; an agent gets the 403 page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_panel import FAST_PASSWORD_HASH, sign_in
from tests.factories import UserFactory
from tests.payout_helpers import earned, freelancer
from voiceapp import db
from voiceapp.db import utcnow

pytestmark = pytest.mark.browser


def _team():
    dbs = db.session()
    past = utcnow() - timedelta(days=2)
    anna = freelancer(name="Anna Freelancer", digistore_id="ds-anna")
    bruno = freelancer(name="Bruno Freelancer")
    freelancer(name="Hanna Held", payouts_held=True)
    UserFactory(name="Erik Employee", can_receive_payouts=False)
    earned(dbs, anna, "120.00", due_at=past)
    earned(dbs, anna, "-20.00", due_at=past)
    earned(dbs, bruno, "45.50", due_at=past)
    earned(dbs, bruno, "30.00", due_at=utcnow() + timedelta(days=5))
    dbs.commit()


def test_a_manager_creates_a_run_marks_one_paid_and_cancels_one(page, page_log, ctx):
    manager = UserFactory(
        name="Mia Manager", role="sales_manager", password_hash=FAST_PASSWORD_HASH
    )
    _team()
    sign_in(page, manager)
    page.get_by_role("link", name="Commissions", exact=True).click()
    page.get_by_role("link", name="Payouts", exact=True).click()
    expect(page.get_by_test_id("payouts")).to_contain_text("No payouts yet")
    screenshot(page, "payouts-empty-manager")
    page.get_by_test_id("create-payouts").click()
    expect(page.get_by_label("Minimum amount")).to_have_value("0.00")
    expect(page.locator("label", has_text="Erik Employee").locator("input")).to_be_disabled()
    page.get_by_label("Anna Freelancer").check()
    page.get_by_label("Bruno Freelancer").check()
    page.get_by_label("Include commissions not yet due").check()
    page.get_by_test_id("preview").click()
    preview = page.get_by_test_id("payout-preview")
    expect(preview).to_contain_text("100.00")
    expect(preview).to_contain_text("75.50")
    screenshot(page, "payouts-preview-manager")
    page.get_by_test_id("create").click()
    expect(page.get_by_role("heading", name="Payout run")).to_be_visible()
    expect(page.get_by_test_id("run-payouts")).to_contain_text("175.50 EUR")
    with page.expect_download() as download:
        page.get_by_test_id("export-csv").click()
    assert "Anna Freelancer" in download.value.path().read_text()
    screenshot(page, "payouts-run-manager")

    page.get_by_role("link", name="All payouts").click()
    table = page.get_by_test_id("payouts")
    page.get_by_label("Choose the payout to Anna Freelancer").check()
    screenshot(page, "payouts-pending-manager")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("mark-paid").click()
    expect(page.get_by_text("1 payout(s) marked paid.")).to_be_visible()
    expect(table.locator("tr", has_text="Anna Freelancer")).to_contain_text("paid")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel the payout to Bruno Freelancer").click()
    expect(page.get_by_text("Payout to Bruno Freelancer cancelled")).to_be_visible()
    expect(table.locator("tr", has_text="Bruno Freelancer")).to_contain_text("cancelled")
    screenshot(page, "payouts-list-manager")
    page_log.assert_clean(page)


def test_an_admin_sees_the_form_and_an_agent_gets_403(page, page_log, ctx, browser_context):
    admin = UserFactory(name="Ada Admin", role="admin", password_hash=FAST_PASSWORD_HASH)
    agent = UserFactory(name="Alex Agent", role="agent", password_hash=FAST_PASSWORD_HASH)
    _team()
    sign_in(page, admin)
    page.get_by_role("link", name="Commissions", exact=True).click()
    page.get_by_role("link", name="Payouts", exact=True).click()
    page.get_by_test_id("create-payouts").click()
    expect(page.locator("label", has_text="Erik Employee")).to_contain_text("Employee (payroll)")
    expect(page.locator("label", has_text="Hanna Held")).to_contain_text("payouts held")
    screenshot(page, "payouts-form-admin")
    other = browser_context.browser.new_context(base_url=page.url.split("/payouts")[0])
    agent_page = other.new_page()
    sign_in(agent_page, agent)
    agent_page.get_by_role("link", name="Commissions", exact=True).click()
    expect(agent_page.get_by_role("link", name="Payouts", exact=True)).to_have_count(0)
    answer = agent_page.goto("/payouts")
    assert answer.status == 403
    screenshot(agent_page, "payouts-403-agent")
    other.close()
    page_log.assert_clean(page)
