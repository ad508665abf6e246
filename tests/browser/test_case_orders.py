"""Cases about orders in real headless Chromium: Call today marks each row with the order's
status, the case page shows the order and its money, the "new order" buttons follow the
outcome chosen (case-outcome.js), and "cancel and create a new order" cancels the unpaid
order and opens the order form for the customer. Screenshots as agent, manager and admin
with BROWSER_SCREENSHOTS set."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import screenshot
from tests.browser.test_panel import FAST_PASSWORD_HASH, sign_in
from tests.factories import CaseFactory, ContactFactory, UserFactory
from tests.order_helpers import INSTALMENTS_3, make_product, take_order
from voiceapp.db import utcnow
from voiceapp.models import Case, Contact, Order
from voiceapp.services.orders import payments

pytestmark = pytest.mark.browser


def member(role: str, name: str, email: str):
    return UserFactory(
        name=name,
        email=email,
        role=role,
        languages=["de"],
        case_types=["new_order", "payment_reminder"],
        password_hash=FAST_PASSWORD_HASH,
    )


@pytest.fixture
def agent(ctx):
    return member("agent", "Jonas Becker", "jonas@example.com")


def customer(first: str, last: str, owner):
    return ContactFactory(
        first_name=first, last_name=last, owner_id=owner.id, country="DE", language="de"
    )


def follow_up(dbs, order) -> Case:
    return dbs.scalars(select(Case).where(Case.order_id == order.id)).first()


@pytest.fixture
def orders(ctx, dbs, agent):
    """Taken two days ago (their follow-ups overdue): one unpaid, one paid, and a paid
    instalment order of another customer with its second instalment late."""
    taken = utcnow() - timedelta(days=2)
    unpaid = take_order(dbs, agent, contact=customer("Anna", "Unpaid", agent), now=taken)
    paid = take_order(dbs, agent, contact=customer("Paul", "Paid", agent), now=taken)
    payments.record_payment(dbs, paid.id, amount=Decimal("119.00"), method="manual", now=taken)
    product = make_product(dbs, name="Sales masterclass", plans=[INSTALMENTS_3])
    late = take_order(
        dbs,
        agent,
        product=product,
        contact=dbs.get(Contact, unpaid.contact_id),
        plan={"kind": "instalments"},
        now=utcnow() - timedelta(days=45),
    )
    payments.record_payment(
        dbs, late.id, amount=Decimal("39.00"), method="manual", now=utcnow() - timedelta(days=45)
    )
    dbs.commit()
    return unpaid, paid, late


def test_call_today_and_the_case_page_show_the_order_and_a_new_order_replaces_it(
    page, page_log, agent, orders, dbs
):
    unpaid, paid, late = orders
    sign_in(page, agent)
    page.get_by_role("link", name="Call today").click()
    table = page.get_by_test_id("call-today")
    unpaid_row = table.locator(f'tr[data-case-id="{follow_up(dbs, unpaid).id}"]')
    expect(unpaid_row.get_by_test_id("order-status")).to_have_text("unpaid")
    paid_row = table.locator(f'tr[data-case-id="{follow_up(dbs, paid).id}"]')
    expect(paid_row.get_by_test_id("order-status")).to_have_text("paid")
    screenshot(page, "cases-orders-call-today-agent")

    unpaid_row.get_by_role("link", name=f"#{follow_up(dbs, unpaid).id}").click()
    facts = page.get_by_test_id("case-order")
    expect(facts.get_by_role("link", name=unpaid.number)).to_have_attribute(
        "href", f"/orders/{unpaid.id}"
    )
    expect(facts.get_by_test_id("order-status")).to_have_text("unpaid")
    expect(facts.get_by_test_id("order-due-now")).to_contain_text("119.00 EUR")
    # The customer's instalment order, its second instalment late, is listed too.
    expect(page.get_by_test_id("other-orders")).to_contain_text(late.number)
    expect(page.get_by_test_id("other-orders")).to_contain_text("instalment overdue")
    buttons = page.get_by_test_id("new-order-buttons")
    expect(buttons).to_be_visible()
    screenshot(page, "cases-orders-case-page-agent")

    # The buttons follow a completed conversation only.
    page.get_by_label("Outcome").select_option(label="Not reached")
    expect(buttons).to_be_hidden()
    page.get_by_label("Outcome").select_option(label="Conversation completed")
    expect(buttons).to_be_visible()

    page.get_by_label("Summary").fill("wants the masterclass instead")
    page.get_by_role("button", name=f"Cancel {unpaid.number} and create a new order").click()
    # The order form for the customer, filled in from the old order (its own page).
    expect(page).to_have_url(
        re.compile(rf"/orders/new\?case_id={follow_up(dbs, unpaid).id}&from_order={unpaid.id}$")
    )
    dbs.rollback()
    dbs.expire_all()
    order = dbs.get(Order, unpaid.id)
    assert (order.status, order.cancel_reason) == ("cancelled", "replaced by a new order")
    page_log.assert_clean(page)


def test_managers_and_admins_see_the_order_on_pool_cases_and_a_late_instalment(
    browser, live_server, page_log, ctx, dbs, agent, orders
):
    _unpaid, _paid, late = orders
    manager = member("sales_manager", "Mia Manager", "mia@example.com")
    admin = member("admin", "Alex Admin", "alex@example.com")
    # A pool case about the late instalment, as the instalment job opens it.
    reminder = CaseFactory(
        contact=dbs.get(Contact, late.contact_id),
        order_id=late.id,
        type="payment_reminder",
        assignee_id=None,
        due_at=utcnow() - timedelta(hours=1),
    )
    for user in (manager, admin):
        context = browser.new_context(base_url=live_server, locale="en-GB")
        context.set_default_timeout(5_000)
        page = context.new_page()
        page_log.watch(page)
        sign_in(page, user)
        page.goto("/cases/today")
        row = page.locator(f'tr[data-case-id="{reminder.id}"]')
        expect(row.get_by_test_id("order-status")).to_have_text("paid")
        screenshot(page, f"cases-orders-call-today-{user.role}")
        page.goto(f"/cases/{reminder.id}")
        facts = page.get_by_test_id("case-order")
        expect(facts.get_by_test_id("order-status")).to_have_text("instalment overdue")
        expect(facts.get_by_test_id("order-overdue")).to_contain_text("payment 2: 40.00 EUR")
        expect(page.get_by_test_id("new-order-replace")).to_have_count(0)  # it is paid
        screenshot(page, f"cases-orders-case-page-{user.role}")
        page.goto("/cases?status=open")
        expect(
            page.get_by_test_id("all-cases").get_by_test_id("order-status").first
        ).to_be_visible()
        screenshot(page, f"cases-orders-all-cases-{user.role}")
        page_log.assert_clean(page)
        context.close()
