"""The order page in Chromium: a manager records a bank transfer and sees the order paid,
the tabs switch in place (and the address keeps the tab for a reload), a question comes
before deleting, and an agent sees the page without the money actions."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_panel import FAST_PASSWORD_HASH, sign_in
from tests.factories import ContactFactory, UserFactory
from tests.order_helpers import INSTALMENTS_3, make_product, take_order
from voiceapp.db import utcnow
from voiceapp.models import Order
from voiceapp.services.orders import actions, payments

pytestmark = pytest.mark.browser


def member(role: str, name: str):
    return UserFactory(role=role, name=name, password_hash=FAST_PASSWORD_HASH)


def test_a_manager_records_a_payment_and_the_order_is_paid(page, page_log, ctx, dbs):
    manager = member("sales_manager", "Maria Manager")
    agent = member("agent", "Alex Agent")
    order = take_order(dbs, agent, contact=ContactFactory(owner_id=manager.id))
    actions.add_note(dbs, order.contact_id, "Prefers e-mail over calls.", actor=agent, now=utcnow())
    dbs.commit()
    sign_in(page, manager)

    page.goto(f"/orders/{order.id}")
    expect(page.get_by_test_id("order-status")).to_have_text("pending")
    screenshot(page, "order-page-manager-pending")
    form = page.get_by_test_id("payment-form")
    expect(form.get_by_label("Amount (EUR)")).to_have_value("119.00")
    form.get_by_label("Method").select_option("bank_transfer")
    form.get_by_label("Reference").fill(f"{order.number} transfer")
    form.get_by_role("button", name="Record payment").click()

    expect(page.get_by_text("119.00 EUR recorded. The order is paid.")).to_be_visible()
    expect(page.get_by_test_id("order-status")).to_have_text("paid")
    expect(page.get_by_test_id("amount-outstanding")).to_have_text("0.00\xa0EUR")
    expect(page.get_by_test_id("payment-row")).to_contain_text("bank transfer")
    expect(page.get_by_test_id("payment-form")).to_have_count(0)
    history = page.get_by_test_id("panel-history")
    expect(history).to_be_visible()
    expect(history.get_by_test_id("history-line").first).to_contain_text(
        "pending -> paid (paid) · Maria Manager"
    )
    screenshot(page, "order-page-manager-paid")

    # Tabs switch without a reload, and the address keeps the tab.
    page.get_by_role("tab", name="Tasks").click()
    expect(page.get_by_test_id("panel-tasks")).to_be_visible()
    expect(history).to_be_hidden()
    expect(page.get_by_test_id("task-row")).to_contain_text("Alex Agent")
    expect(page).to_have_url(f"/orders/{order.id}?tab=tasks#tabs")
    page.get_by_role("tab", name="All orders of the customer").click()
    expect(page.get_by_test_id("customer-order")).to_contain_text("this order")
    page.get_by_role("tab", name="Calls about orders").press("ArrowLeft")  # keys move too
    expect(page.get_by_role("tab", name="All orders of the customer")).to_have_attribute(
        "aria-selected", "true"
    )
    page.get_by_role("tab", name="Calls about orders").click()
    page.reload()
    expect(page.get_by_test_id("panel-calls")).to_be_visible()
    expect(page.get_by_test_id("panel-calls")).to_contain_text("No calls about this")
    page_log.assert_clean(page)


def test_deleting_an_order_asks_first(page, page_log, ctx, dbs):
    manager = member("admin", "Ada Admin")
    order = take_order(dbs, manager)
    sign_in(page, manager)
    page.goto(f"/orders/{order.id}")

    questions = []

    def answer(dialog):
        questions.append(dialog.message)
        dialog.dismiss() if len(questions) == 1 else dialog.accept()

    page.on("dialog", answer)
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_test_id("order-status")).to_have_text("pending")  # still there
    assert questions == [
        f"Delete order {order.number} for good? Nobody paid for it; its history goes with it."
    ]
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_text(f"Order {order.number} deleted.")).to_be_visible()
    dbs.rollback()
    dbs.expunge_all()
    assert dbs.get(Order, order.id) is None
    page_log.assert_clean(page)


def _instalment_order(dbs, seller, manager):
    """An instalment order 45 days old: first paid, the second overdue; notes, a refund."""
    product = make_product(dbs, name="Closing calls masterclass", plans=[INSTALMENTS_3])
    contact = ContactFactory(owner_id=manager.id, timezone="Europe/Vienna")
    taken = utcnow() - timedelta(days=45)
    order = take_order(
        dbs,
        seller,
        product=product,
        contact=contact,
        plan={"kind": "instalments"},
        now=taken,
        buyer={
            "salutation": "Frau",
            "first_name": "Anna",
            "last_name": "Muster",
            "street": "Ringstraße 1",
            "postcode": "1010",
            "city": "Wien",
            "country": "AT",
        },
    )
    order.ip_address = "203.0.113.9"
    order.tag = "webinar"
    order.source = "autumn list"
    payments.record_payment(dbs, order.id, amount=Decimal("39.00"), method="demo", now=taken)
    actions.add_note(dbs, contact.id, "Asked for invoices in German.", actor=manager, now=taken)
    actions.add_note(dbs, contact.id, "Call after 17:00 only.", actor=seller, now=utcnow())
    dbs.commit()
    return order


def test_the_page_as_admin_manager_and_agent(browser, live_server, page_log, ctx, dbs):
    """Screenshots of one order as each role sees it; the agent has no money actions."""
    admin = member("admin", "Ada Admin")
    manager = member("sales_manager", "Maria Manager")
    agent = member("agent", "Alex Agent")
    order = _instalment_order(dbs, agent, manager)
    for user, role in ((admin, "admin"), (manager, "manager"), (agent, "agent")):
        context = browser.new_context(base_url=live_server, locale="en-GB")
        context.set_default_timeout(5_000)
        page = context.new_page()
        page_log.watch(page)
        sign_in(page, user)
        page.goto(f"/orders/{order.id}")
        expect(page.get_by_test_id("schedule-row").nth(1)).to_contain_text("overdue")
        expect(page.get_by_test_id("customer-note")).to_have_count(2)
        if role == "agent":
            expect(page.get_by_test_id("payment-form")).to_have_count(0)
            expect(page.get_by_test_id("no-actions")).to_contain_text("sales manager")
            expect(page.get_by_test_id("auto-payments").get_by_role("button")).to_have_count(0)
        else:
            expect(page.get_by_test_id("payment-form")).to_contain_text("Prepayment")
            expect(page.get_by_test_id("refund-form")).to_be_visible()
        screenshot(page, f"order-page-{role}")
        page_log.assert_clean(page)
        context.close()
