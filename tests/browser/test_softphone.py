"""The softphone and the calls pages in real headless Chromium: the presence toggle works
through the JSON API (with the CSRF header), the page says plainly why browser calling is
not available, and no page logs a console error (the CSP forbids inline scripts and styles)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from argon2 import PasswordHasher
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.factories import PASSWORD, ContactFactory, UserFactory
from voiceapp.models import AgentPresence, Call, Recording

pytestmark = pytest.mark.browser

NOTICE = "Browser calling needs the Twilio Voice SDK and a configured account"
FAST_PASSWORD_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
WAV = b"RIFF" + b"\x24\x00\x00\x00" + b"WAVEfmt " + bytes(64)


def sign_in(page: Page, user) -> None:
    page.goto("/sign-in")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=f"Hello, {user.name}")).to_be_visible()


def stored_presence(dbs, user) -> str | None:
    row = dbs.get(AgentPresence, user.id)
    status = row.status if row else None
    dbs.rollback()  # end the read: on SQLite it would hold back the server's writes
    return status


def test_agent_goes_online_and_offline_and_is_told_browser_calling_is_unavailable(
    page, page_log, ctx, dbs
):
    agent = UserFactory(name="Anna Agent", role="agent", password_hash=FAST_PASSWORD_HASH)
    sign_in(page, agent)
    page.locator("header.topbar nav").get_by_role("link", name="Phone", exact=True).click()

    expect(page.get_by_role("heading", name="Phone")).to_be_visible()
    expect(page.get_by_test_id("presence")).to_have_text("offline")
    expect(page.get_by_test_id("sdk-notice")).to_be_visible()
    expect(page.get_by_test_id("sdk-notice")).to_contain_text(NOTICE)
    expect(page.get_by_role("button", name="Call")).to_be_disabled()
    expect(page.get_by_test_id("call-status")).to_have_text("Browser calling is not available.")

    page.get_by_role("button", name="Go online").click()

    # The status line says why, should the change fail; a busy CI machine gets 10 s.
    expect(page.get_by_test_id("call-status")).to_have_text("You are online.", timeout=10_000)
    expect(page.get_by_test_id("presence")).to_have_text("online")
    assert stored_presence(dbs, agent) == "online"
    api = page.request.get("/api/agents/me/presence")
    assert api.ok and api.json()["status"] == "online"
    # Reloading shows the stored presence.
    page.reload()
    expect(page.get_by_test_id("presence")).to_have_text("online")
    screenshot(page, "softphone-online")

    page.get_by_role("button", name="Go offline").click()
    expect(page.get_by_test_id("presence")).to_have_text("offline")
    assert stored_presence(dbs, agent) == "offline"
    page_log.assert_clean(page)


def test_call_back_from_missed_calls_prefills_the_number(page, page_log, ctx, dbs):
    agent = UserFactory(name="Anna Agent", role="agent", password_hash=FAST_PASSWORD_HASH)
    dbs.add(
        Call(
            sid="CA" + "1" * 32,
            direction="inbound",
            from_number="+4915112345678",
            to_number="+4930901820",
            status="completed",
            missed=True,
            started_at=datetime(2025, 3, 4, 9, 30, tzinfo=UTC),
        )
    )
    dbs.commit()
    sign_in(page, agent)
    page.locator("header.topbar nav").get_by_role("link", name="Missed calls", exact=True).click()
    expect(page.get_by_test_id("missed-calls")).to_contain_text("+49 1511 2345678")

    page.get_by_role("link", name="Call back").click()

    expect(page.get_by_role("heading", name="Phone")).to_be_visible()
    expect(page.get_by_label("Number to call")).to_have_value("+4915112345678")
    page_log.assert_clean(page)


def test_admin_calls_and_telephony_pages_load_without_console_errors(
    page, page_log, instance_path, ctx, dbs
):
    admin = UserFactory(name="Ada Admin", role="admin", password_hash=FAST_PASSWORD_HASH)
    contact = ContactFactory(first_name="Lena", last_name="Gruber")
    call = Call(
        sid="CA" + "2" * 32,
        direction="inbound",
        from_number=contact.phones[0].number,
        to_number="+4930901820",
        status="completed",
        agent_id=admin.id,
        contact_id=contact.id,
        started_at=datetime(2025, 3, 4, 9, 30, tzinfo=UTC),
        duration=75,
        price=Decimal("-0.013"),
        price_unit="USD",
    )
    dbs.add(call)
    dbs.commit()
    root = instance_path / "recordings"  # where the live server's app stores them
    (root / "2025/03").mkdir(parents=True, exist_ok=True)
    (root / "2025/03/RE-browser.wav").write_bytes(WAV)
    dbs.add(
        Recording(
            sid="RE" + "2" * 32,
            call_sid=call.sid,
            status="completed",
            media_path="2025/03/RE-browser.wav",
            fetched_at=datetime(2025, 3, 4, 9, 40, tzinfo=UTC),
        )
    )
    dbs.commit()
    sign_in(page, admin)
    nav = page.locator("header.topbar nav")
    for link in ("Calls", "Missed calls", "Phone", "Numbers", "Telephony settings"):
        if link in ("Numbers", "Telephony settings"):  # under the admin pages' menu
            nav.locator("summary", has_text="Admin").click()
        nav.get_by_role("link", name=link, exact=True).click()
        expect(page.locator("h1")).to_be_visible()
        expect(page.locator("header.topbar")).to_have_css("background-color", "rgb(255, 255, 255)")
        screenshot(page, "nav-" + link.lower().replace(" ", "-"))
        page_log.assert_clean(page)

    page.goto("/calls")
    expect(page.get_by_role("link", name="Lena Gruber")).to_be_visible()
    # The audio element does not fetch the recording until someone presses play.
    audio = page.locator("audio")
    expect(audio).to_have_count(1)
    expect(audio).to_have_attribute("preload", "none")
    played = page.request.get(audio.get_attribute("src"))
    assert played.status == 200 and played.headers["content-type"] == "audio/wav"
    page.reload()
    expect(page.get_by_test_id("listens")).to_contain_text("Listened once")
    screenshot(page, "calls")
    page_log.assert_clean(page)
