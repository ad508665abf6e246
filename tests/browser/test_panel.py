"""The panel as a person uses it: real headless Chromium against the app on a local port.

Every test asserts what is on the screen, and ends by checking that the browser saw no
console error (CSP violations, missing static files, script errors) on the pages visited.
"""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from tests.browser.conftest import screenshot
from tests.factories import PASSWORD, ContactFactory, UserFactory
from voiceapp.models import ApiToken, Contact, ContactPhone, User

pytestmark = pytest.mark.browser

# Typed in German national format; stored as E.164.
NATIONAL_MOBILE = "0151 23456789"
E164_MOBILE = "+4915123456789"
# libphonenumber groups German 015x mobile numbers after the five-digit network prefix
# (01512 ...), as the national numbering plan does.
INTERNATIONAL_MOBILE = "+49 1512 3456789"
# The same password hashed with Argon2 at minimal cost: sign-in still verifies it for real
# (the parameters travel in the hash), in a few milliseconds instead of a few hundred.
FAST_PASSWORD_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


def sign_in(page: Page, user) -> None:
    page.goto("/sign-in")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=f"Hello, {user.name}")).to_be_visible()


def nav(page: Page):
    return page.locator("header.topbar nav")


@pytest.fixture
def agent(ctx):
    return UserFactory(
        name="Anna Agent", email="anna@example.com", role="agent", password_hash=FAST_PASSWORD_HASH
    )


@pytest.fixture
def manager(ctx):
    return UserFactory(
        name="Mia Manager",
        email="mia@example.com",
        role="sales_manager",
        password_hash=FAST_PASSWORD_HASH,
    )


@pytest.fixture
def admin(ctx):
    return UserFactory(
        name="Ada Admin", email="ada@example.com", role="admin", password_hash=FAST_PASSWORD_HASH
    )


def count_rows(dbs, model) -> int:
    count = dbs.scalar(select(func.count()).select_from(model))
    # End the read transaction: on SQLite it would hold the lock the server needs to write.
    dbs.rollback()
    return count


# --- signing in and out -------------------------------------------------------------------


def test_agent_with_right_password_lands_on_dashboard_showing_their_name(page, page_log, agent):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=%2F$"))
    page.get_by_label("E-mail").fill("ANNA@example.com ")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Hello, Anna Agent")).to_be_visible()
    expect(page.locator("header .who")).to_have_text("Anna Agent · Agent")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page_log.assert_clean(page)


def test_wrong_password_shows_error_and_stays_on_sign_in_page(page, page_log, agent):
    page.goto("/sign-in")
    page.get_by_label("E-mail").fill(agent.email)
    page.get_by_label("Password").fill("not the password")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Sign in").click()

    assert navigation.value.status == 401
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    expect(page.get_by_role("status")).to_have_text("The e-mail or the password is wrong.")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    # The e-mail stays filled in, the password does not.
    expect(page.get_by_label("E-mail")).to_have_value(agent.email)
    expect(page.get_by_label("Password")).to_have_value("")
    page_log.assert_clean(page)


def test_old_session_cookie_after_sign_out_gets_sign_in_page(
    browser, live_server, browser_context, page, page_log, agent
):
    sign_in(page, agent)
    cookies = browser_context.cookies()
    assert any(c["name"] == "session" for c in cookies)
    # Someone copies the cookie into another browser; while the session lasts, it works.
    replay = browser.new_context(base_url=live_server)
    try:
        replay.add_cookies(cookies)
        other = replay.new_page()
        page_log.watch(other)
        other.goto("/")
        expect(other.get_by_role("heading", name="Hello, Anna Agent")).to_be_visible()

        page.get_by_role("button", name="Sign out").click()
        expect(page).to_have_url(re.compile(r"/sign-in$"))
        expect(page.get_by_role("status")).to_have_text("You are signed out.")

        # The cookie exactly as it was before sign-out, not one the server renewed since.
        replay.clear_cookies()
        replay.add_cookies(cookies)
        other.goto("/contacts")
        expect(other).to_have_url(re.compile(r"/sign-in\?next=%2Fcontacts$"))
        expect(other.get_by_role("heading", name="Sign in")).to_be_visible()
        expect(other.get_by_role("button", name="Sign out")).to_have_count(0)
        expect(other.get_by_text("Anna Agent")).to_have_count(0)
        page_log.assert_clean(other)
    finally:
        replay.close()


# --- contacts -----------------------------------------------------------------------------


def test_new_contact_with_national_phone_shows_it_internationally_with_created_entry(
    page, page_log, agent
):
    sign_in(page, agent)
    nav(page).get_by_role("link", name="Contacts").click()
    page.get_by_role("link", name="New contact").click()
    expect(page.get_by_role("heading", name="New contact")).to_be_visible()

    page.get_by_label("First name").fill("Erika")
    page.get_by_label("Last name").fill("Mustermann")
    page.get_by_label("Phone 1", exact=True).fill(NATIONAL_MOBILE)
    page.get_by_label("City").fill("Köln")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(r"/contacts/\d+$"))
    expect(page.get_by_role("status")).to_have_text("Contact Erika Mustermann created.")
    expect(page.get_by_role("heading", name="Erika Mustermann")).to_be_visible()
    phones = page.locator("dt:text-is('Phones') + dd")
    expect(phones).to_contain_text(INTERNATIONAL_MOBILE)
    expect(phones).to_contain_text("mobile")
    history = page.get_by_test_id("history")
    expect(history.locator("li")).to_have_count(1)
    expect(history.locator("li")).to_contain_text("Contact created")
    expect(history.locator("li")).to_contain_text("by Anna Agent")
    screenshot(page, "contact")
    page_log.assert_clean(page)


def test_agent_creating_a_private_contact_becomes_its_owner_and_can_open_it(page, page_log, agent):
    sign_in(page, agent)
    page.goto("/contacts/new")
    page.get_by_label("First name").fill("Erika")
    page.get_by_label("Visibility").select_option(label="Private (owner only)")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Save").click()

    # The redirect's target is the new contact's page: checked at once, no waiting.
    assert navigation.value.status == 200
    expect(page.get_by_role("heading", name="Erika")).to_be_visible()
    expect(page.locator("dt:text-is('Responsible') + dd")).to_have_text("Anna Agent")
    expect(page.locator("dt:text-is('Visibility') + dd")).to_have_text("Private (owner only)")
    page_log.assert_clean(page)


def test_new_contact_with_invalid_phone_shows_field_error_and_creates_nothing(
    page, page_log, agent, dbs
):
    sign_in(page, agent)
    page.goto("/contacts/new")
    page.get_by_label("First name").fill("Erika")
    page.get_by_label("Phone 1", exact=True).fill("12")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Save").click()

    assert navigation.value.status == 422
    expect(page.get_by_role("status")).to_have_text(
        "The contact was not saved: please correct the marked fields."
    )
    expect(page.locator(".field-error")).to_have_text(["Phone 1: not a valid phone number: '12'"])
    # What was typed is kept, so it can be corrected.
    expect(page.get_by_label("First name")).to_have_value("Erika")
    expect(page.get_by_label("Phone 1", exact=True)).to_have_value("12")

    page.goto("/contacts")
    expect(page.get_by_role("heading", name="Contacts")).to_contain_text("(0)")
    expect(page.get_by_test_id("contacts")).to_contain_text("No contact matches.")
    assert count_rows(dbs, Contact) == 0
    page_log.assert_clean(page)


def test_phone_search_in_another_format_finds_only_that_contact(page, page_log, agent):
    ContactFactory(
        first_name="Erika",
        last_name="Mustermann",
        phones=[ContactPhone(number=E164_MOBILE, kind="mobile")],
    )
    ContactFactory(first_name="Otto", last_name="Other")
    sign_in(page, agent)
    page.goto("/contacts")
    expect(page.get_by_role("heading", name="Contacts")).to_contain_text("(2)")

    page.get_by_label("Phone").fill("+49 (151) 2345-6789")
    page.get_by_role("button", name="Find").click()

    expect(page).to_have_url(re.compile(r"phone=%2B49"))
    expect(page.get_by_role("heading", name="Contacts")).to_contain_text("(1)")
    rows = page.get_by_test_id("contacts").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Erika Mustermann")
    expect(rows.first).to_contain_text(INTERNATIONAL_MOBILE)
    # The search field keeps what was typed.
    expect(page.get_by_label("Phone")).to_have_value("+49 (151) 2345-6789")
    rows.first.get_by_role("link", name="Erika Mustermann").click()
    expect(page.get_by_role("heading", name="Erika Mustermann")).to_be_visible()
    page_log.assert_clean(page)


def test_invalid_phone_search_shows_error_and_no_contacts(page, page_log, agent):
    ContactFactory(first_name="Erika", last_name="Mustermann")
    sign_in(page, agent)
    page.goto("/contacts")
    page.get_by_label("Phone").fill("abc")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Find").click()

    assert navigation.value.status == 422
    expect(page.locator(".flash-error")).to_have_text("Phone: not a phone number: 'abc'")
    expect(page.get_by_test_id("contacts")).to_contain_text("No contact matches.")
    expect(page.get_by_test_id("contacts")).not_to_contain_text("Erika")
    page_log.assert_clean(page)


def test_history_note_appears_in_timeline_with_author(page, page_log, agent):
    contact = ContactFactory(first_name="Erika", last_name="Mustermann", owner_id=agent.id)
    sign_in(page, agent)
    page.goto(f"/contacts/{contact.id}")
    expect(page.get_by_test_id("history")).to_contain_text("No history yet.")

    page.get_by_label("Note", exact=True).fill("Called back, wants an offer by Friday")
    page.get_by_role("button", name="Add note").click()

    expect(page.get_by_role("status")).to_have_text("Note added to the history.")
    entries = page.get_by_test_id("history").locator("li")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("Called back, wants an offer by Friday")
    expect(entries.first).to_contain_text("by Anna Agent")
    expect(entries.first.locator("time")).to_have_text(
        re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")
    )
    expect(page.get_by_label("Note", exact=True)).to_have_value("")
    page_log.assert_clean(page)


# --- roles and members --------------------------------------------------------------------


def test_agent_sees_no_members_or_import_link_and_gets_403_on_members(page, page_log, agent):
    sign_in(page, agent)
    expect(nav(page).get_by_role("link")).to_have_text(
        [
            "Dashboard",
            "Call today",
            "All cases",
            "Orders",
            "Commissions",
            "Contacts",
            "Calls",
            "Missed calls",
            "Phone",
            "API tokens",
        ]
    )
    nav(page).get_by_role("link", name="Contacts").click()
    expect(page.get_by_role("link", name="Import CSV")).to_have_count(0)

    response = page.goto("/members")
    assert response.status == 403
    expect(page.get_by_role("heading", name="403 · Forbidden")).to_be_visible()
    expect(page.get_by_role("table")).to_have_count(0)
    expect(page.get_by_text("ada@example.com")).to_have_count(0)
    page_log.assert_clean(page)


def test_admin_adds_member_through_form_and_sees_them_in_list(
    browser, live_server, page, page_log, admin
):
    sign_in(page, admin)
    nav(page).locator("summary", has_text="Admin").click()  # the admin pages' menu
    nav(page).get_by_role("link", name="Members").click()
    expect(page.get_by_role("heading", name="Members")).to_be_visible()
    page.get_by_role("link", name="Add member").click()

    page.get_by_label("Name", exact=True).fill("Nora Neu")
    page.get_by_label("E-mail").fill("Nora@Example.com")
    page.get_by_label("Role").select_option(label="Agent")
    page.get_by_label("Password (leave empty to keep)").fill("a long new password")
    languages = page.get_by_role("group", name="Languages spoken")
    languages.get_by_label("German (de)").check()
    languages.get_by_label("English (en)").check()
    page.get_by_role("group", name="Case types handled").get_by_label("Missed call").check()
    screenshot(page, "member-form")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(r"/members$"))
    expect(page.get_by_role("status")).to_have_text("Member Nora Neu added.")
    row = page.get_by_role("row").filter(has_text="Nora Neu")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("nora@example.com")
    expect(row.get_by_role("cell").nth(2)).to_have_text("Agent")
    expect(row).to_contain_text("German (de), English (en)")
    expect(row).to_contain_text("Missed call")
    expect(row).to_contain_text("active")
    page_log.assert_clean(page)

    # The new member can sign in with the password the admin gave.
    context = browser.new_context(base_url=live_server)
    try:
        other = context.new_page()
        page_log.watch(other)
        other.goto("/sign-in")
        other.get_by_label("E-mail").fill("nora@example.com")
        other.get_by_label("Password").fill("a long new password")
        other.get_by_role("button", name="Sign in").click()
        expect(other.get_by_role("heading", name="Hello, Nora Neu")).to_be_visible()
        page_log.assert_clean(other)
    finally:
        context.close()


def test_member_form_with_short_password_shows_error_and_adds_nobody(page, page_log, admin, dbs):
    sign_in(page, admin)
    page.goto("/members/new")
    page.get_by_label("Name", exact=True).fill("Nora Neu")
    page.get_by_label("E-mail").fill("nora@example.com")
    page.get_by_label("Password (leave empty to keep)").fill("short")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Save").click()

    assert navigation.value.status == 422
    expect(page.locator(".field-error[data-field='password']")).to_have_text(
        "Field must be between 10 and 200 characters long."
    )
    assert count_rows(dbs, User) == 1
    page_log.assert_clean(page)


# --- import -------------------------------------------------------------------------------


def test_manager_csv_import_reports_counts_and_refused_line_with_reason(
    page, page_log, manager, tmp_path
):
    csv_file = tmp_path / "contacts.csv"
    csv_file.write_text(
        "first_name,last_name,mobile,email,favourite colour\n"
        "Max,Muster,0151 23456701,max@example.com,blue\n"
        "Eva,Falsch,12,eva@example.com,red\n"
        "Lena,Lang,0170 1234567,lena@example.com,green\n"
        # Same number as Max in another format: merged into Max, not doubled.
        "Max,Muster,+49 1512 3456701,max.work@example.com,blue\n",
        encoding="utf-8",
    )
    sign_in(page, manager)
    nav(page).get_by_role("link", name="Contacts").click()
    page.get_by_role("link", name="Import CSV").click()
    expect(page.get_by_role("heading", name="Import contacts from CSV")).to_be_visible()

    page.get_by_label("CSV file").set_input_files(csv_file)
    page.get_by_role("button", name="Import").click()

    report = page.get_by_test_id("import-report")
    expect(report).to_contain_text(
        "2 created, 1 merged into existing contacts, 1 row refused, of 4 rows."
    )
    expect(report).to_contain_text("Columns not understood and ignored: favourite colour")
    screenshot(page, "import")
    refused = report.locator("tbody tr")
    expect(refused).to_have_count(1)
    expect(refused.get_by_role("cell")).to_have_text(
        ["3", re.compile(r"not a valid phone number: '12'")]
    )

    page.goto("/contacts")
    expect(page.get_by_role("heading", name="Contacts")).to_contain_text("(2)")
    page.get_by_role("link", name="Max Muster").click()
    expect(page.locator("dt:text-is('E-mails') + dd div")).to_have_text(
        ["max@example.com", "max.work@example.com"]
    )
    page_log.assert_clean(page)


# --- API tokens ---------------------------------------------------------------------------


def create_token(page: Page, name: str) -> str:
    page.goto("/account/tokens")
    page.get_by_label("Token name").fill(name)
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("status")).to_have_text(
        "Token created. Copy it now: it is not shown again."
    )
    return page.get_by_test_id("new-token").inner_text()


def test_new_api_token_is_shown_once_then_only_its_prefix(page, page_log, agent):
    sign_in(page, agent)
    nav(page).get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("cell", name="No tokens yet.")).to_be_visible()

    token = create_token(page, "CRM sync")

    assert re.fullmatch(r"va_[A-Za-z0-9_-]{43}", token)
    row = page.get_by_role("row").filter(has_text="CRM sync")
    expect(row.locator("code")).to_have_text(f"{token[:10]}…")
    screenshot(page, "tokens")

    # Coming back to the page: the token is gone for good, its prefix names it.
    nav(page).get_by_role("link", name="API tokens").click()
    expect(page.get_by_test_id("new-token")).to_have_count(0)
    expect(page.get_by_role("status")).to_have_count(0)
    rows = page.get_by_role("row").filter(has_text="CRM sync")
    expect(rows).to_have_count(1)
    expect(rows.locator("code")).to_have_text(f"{token[:10]}…")
    assert token not in page.content()
    page_log.assert_clean(page)


def test_reloading_after_creating_a_token_shows_no_token_and_creates_none(
    page, page_log, agent, dbs
):
    sign_in(page, agent)
    token = create_token(page, "CRM sync")

    page.reload()

    # The page has loaded and nothing renders later: no waiting for a change.
    assert page.get_by_test_id("new-token").count() == 0
    assert token not in page.content()
    expect(page.get_by_role("row").filter(has_text="CRM sync")).to_have_count(1)
    assert count_rows(dbs, ApiToken) == 1
    page_log.assert_clean(page)


# --- every page together ------------------------------------------------------------------


def test_every_panel_page_loads_styled_without_console_errors(page, page_log, admin):
    contact = ContactFactory(first_name="Erika", last_name="Mustermann")
    sign_in(page, admin)
    paths = [
        "/",
        "/contacts",
        "/contacts?q=erika",
        "/contacts/new",
        f"/contacts/{contact.id}",
        f"/contacts/{contact.id}/edit",
        "/contacts/import",
        "/members",
        "/members/new",
        f"/members/{admin.id}",
        "/account/tokens",
    ]
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, path
        # The stylesheet is applied: the top bar gets its white background from style.css.
        expect(page.locator("header.topbar")).to_have_css("background-color", "rgb(255, 255, 255)")
        page_log.assert_clean(page)


def test_panel_declares_an_icon_the_browser_can_load(page, page_log):
    # Without <link rel="icon">, Chromium fetches /favicon.ico after every first page load;
    # a 404 there shows as a console error on every page.
    page.goto("/sign-in")
    icon = page.locator("link[rel~='icon']")
    href = icon.first.get_attribute("href") if icon.count() else "/favicon.ico"
    if not href.startswith("data:"):
        assert page.request.get(href).status == 200, f"icon {href} does not load"
    page_log.assert_clean(page)
