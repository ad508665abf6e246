"""The top bar as admin, manager and agent, wide and narrow: the main links on one line,
the admin pages grouped under one "Admin" menu (<details>, no script), and the page you are
on marked with aria-current="page" (also a page below it, e.g. a contact under Contacts)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.browser.test_panel import FAST_PASSWORD_HASH, sign_in
from tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.browser

ADMIN_PAGES = ["Members", "Numbers", "Telephony settings", "Case settings", "E-mail templates"]


def nav(page: Page):
    return page.locator("header.topbar nav")


def current(page: Page):
    return nav(page).locator("[aria-current='page']")


def one_line(page: Page, locator) -> bool:
    """The links of `locator` all sit on one row (the same top, give or take a pixel)."""
    tops = locator.evaluate_all("els => els.map(e => e.getBoundingClientRect().top)")
    return max(tops) - min(tops) <= 2


@pytest.mark.parametrize("width", [1280, 800])
@pytest.mark.parametrize("role", ["admin", "sales_manager", "agent"])
def test_the_top_bar_fits_and_marks_the_page_you_are_on(
    ctx, browser_context, page_log, role, width
):
    user = UserFactory(role=role, name=f"{role} user", password_hash=FAST_PASSWORD_HASH)
    page = browser_context.new_page()
    page_log.watch(page)
    page.set_viewport_size({"width": width, "height": 700})
    sign_in(page, user)
    page.goto("/cases/today")
    top_links = nav(page).locator(":scope > a, :scope > details > summary")
    assert one_line(page, top_links), f"{role}'s navigation wraps at {width}px"
    # Nothing sticks out sideways: no horizontal scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    expect(current(page)).to_have_count(1)
    expect(current(page)).to_have_text("Call today")
    admin_menu = nav(page).locator("details")
    if role == "admin":
        expect(admin_menu.locator("summary")).to_have_text("Admin")
        # Closed, the admin pages are out of the way; open, they are links.
        for name in ADMIN_PAGES:
            expect(nav(page).get_by_role("link", name=name, exact=True)).to_be_hidden()
        admin_menu.locator("summary").click()
        for name in ADMIN_PAGES:
            expect(nav(page).get_by_role("link", name=name, exact=True)).to_be_visible()
    else:
        expect(admin_menu).to_have_count(0)
        # Sales managers read the members list (payout factors), outside any Admin menu.
        readable = {"Members"} if role == "sales_manager" else set()
        for name in ADMIN_PAGES:
            links = page.get_by_role("link", name=name, exact=True)
            expect(links).to_have_count(1 if name in readable else 0)
    screenshot(page, f"nav-{role}-{width}")
    page_log.assert_clean(page)


def test_an_admin_page_is_marked_in_the_menu_and_on_the_menu(ctx, browser_context, page_log):
    admin = UserFactory(role="admin", name="Ada Admin", password_hash=FAST_PASSWORD_HASH)
    page = browser_context.new_page()
    page_log.watch(page)
    sign_in(page, admin)
    nav(page).locator("summary", has_text="Admin").click()
    nav(page).get_by_role("link", name="Case settings", exact=True).click()
    expect(page.locator("h1")).to_have_text("Case settings")
    menu = nav(page).locator("details")
    expect(menu.locator("summary")).to_have_class("current")
    menu.locator("summary").click()
    expect(current(page)).to_have_text("Case settings")
    screenshot(page, "nav-admin-menu-open")
    # A page below a section marks the section.
    contact = ContactFactory(first_name="Erika", last_name="Mustermann")
    page.goto(f"/contacts/{contact.id}")
    expect(current(page)).to_have_text("Contacts")
    expect(menu.locator("summary")).not_to_have_class("current")
    page.goto(f"/members/{admin.id}")
    expect(menu.locator("summary")).to_have_class("current")
    page_log.assert_clean(page)
