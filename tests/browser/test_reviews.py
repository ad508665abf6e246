"""Recordings review in Chromium: a manager opens the review queue from the Calls page,
plays a recording (MP3, as recordings are kept by default) at 1.5x and seeks in it,
scores the call; the agent then reads the review on "My reviews" and the call page. The
admin's listen log and recordings settings render too, and the admin picks WAV
(screenshots with BROWSER_SCREENSHOTS)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.browser.conftest import screenshot
from tests.factories import PASSWORD, CaseFactory, ContactFactory, UserFactory
from voiceapp.db import utcnow
from voiceapp.models import Call, CallReview, CaseEvent, Recording
from voiceapp.services.team_settings import get_team_settings
from voiceapp.sim.wav import recording_mp3

SECONDS = 20


def sign_in(page: Page, user) -> None:
    page.goto("/sign-in")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/$"))


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in"))


@pytest.fixture
def recorded_call(data_app, dbs):
    agent = UserFactory(role="agent", name="Anna Agent")
    manager = UserFactory(role="sales_manager", name="Max Manager")
    admin = UserFactory(role="admin", name="Ada Admin")
    contact = ContactFactory(first_name="Lena", last_name="Gruber")
    started = utcnow() - timedelta(hours=2)
    call = Call(
        sid="CA" + "b" * 32,
        direction="inbound",
        from_number=contact.phones[0].number,
        to_number="+4930901820",
        agent_id=agent.id,
        contact_id=contact.id,
        status="completed",
        started_at=started,
        duration=SECONDS + 3,
    )
    dbs.add(call)
    root = data_app.config["VOICEAPP"].resolved_recordings_path()
    (root / "browser").mkdir(parents=True, exist_ok=True)
    (root / "browser" / "review.mp3").write_bytes(recording_mp3(SECONDS))
    dbs.add(
        Recording(
            sid="RE" + "b" * 32,
            call_sid=call.sid,
            status="completed",
            duration=SECONDS,
            media_path="browser/review.mp3",
            media_bytes=1,
            fetched_at=started + timedelta(minutes=1),
            created_at=started,
        )
    )
    case = CaseFactory(contact=contact, assignee_id=agent.id)
    dbs.add(
        CaseEvent(
            case_id=case.id,
            kind="outcome",
            summary="Conversation completed",
            data={"outcome": "completed", "call_sid": call.sid},
        )
    )
    dbs.commit()
    return {"agent": agent, "manager": manager, "admin": admin, "call": call}


def test_a_manager_plays_at_one_and_a_half_and_scores_and_the_agent_reads_it(
    page, page_log, dbs, recorded_call
):
    people, call = recorded_call, recorded_call["call"]
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, people["manager"])
    page.get_by_role("link", name="Calls", exact=True).click()
    page.get_by_test_id("call-tabs").get_by_role("link", name="Review queue").click()
    expect(page.get_by_role("heading", name=re.compile("Review queue"))).to_be_visible()
    row = page.locator(f'tr[data-call-sid="{call.sid}"]')
    expect(row).to_contain_text("Anna Agent")
    expect(row).to_contain_text("Conversation completed")
    expect(row.get_by_test_id("queue-scores")).to_contain_text("not reviewed")
    screenshot(page, "review-queue-manager")

    row.get_by_test_id("speed-1.5").click()
    expect(row.get_by_test_id("speed-1.5")).to_have_attribute("aria-pressed", "true")
    row.get_by_test_id("player-play").click()
    audio = row.locator("audio")
    page.wait_for_function(
        "a => a.currentTime > 0.3 && !a.paused", arg=audio.element_handle(), timeout=10_000
    )
    assert audio.evaluate("a => a.playbackRate") == 1.5
    # Seek: the bar moved to 12 s moves the recording there.
    row.get_by_test_id("player-seek").evaluate(
        "s => { s.value = '12'; s.dispatchEvent(new Event('change')); }"
    )
    page.wait_for_function("a => a.currentTime >= 12", arg=audio.element_handle())
    expect(row.get_by_test_id("player-time")).to_contain_text("0:1")
    row.get_by_test_id("player-play").click()  # pause
    expect(row.get_by_test_id("player-play")).to_have_text("Play")

    row.get_by_test_id("review-link").click()
    form = page.get_by_test_id("review-form")
    form.get_by_role("radio", name="4", exact=True).check()
    form.get_by_label("Greeting").select_option("5")
    form.get_by_label("Offer").select_option("3")
    form.get_by_label("Comment").fill("Warm greeting, the offer came too late.")
    form.get_by_test_id("save-review").click()
    expect(page.get_by_role("status")).to_contain_text("Your review is saved.")
    expect(page.get_by_test_id("review")).to_contain_text("4/5")
    screenshot(page, "call-page-manager")
    dbs.rollback()
    review = dbs.scalar(select(CallReview))
    assert (review.score, review.criteria) == (4, {"greeting": 5, "offer": 3})
    page_log.assert_clean(page)

    sign_out(page)
    sign_in(page, people["agent"])
    page.goto("/calls/reviews/mine")
    table = page.get_by_test_id("my-reviews")
    expect(table).to_contain_text("Warm greeting, the offer came too late.")
    expect(table).to_contain_text("Max Manager")
    screenshot(page, "my-reviews-agent")
    table.locator(f'tr[data-call-sid="{call.sid}"] a').click()
    expect(page.get_by_test_id("review")).to_contain_text("4/5")
    expect(page.get_by_test_id("review-form")).to_have_count(0)
    screenshot(page, "call-page-agent")
    assert page.goto("/calls/reviews").status == 403
    page_log.assert_clean(page)


def test_the_admin_reads_the_listen_log_and_the_recordings_settings(
    page, page_log, dbs, recorded_call
):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, recorded_call["admin"])
    page.goto(f"/calls/{recorded_call['call'].sid}")
    page.get_by_test_id("player-play").click()
    audio = page.locator("audio")
    page.wait_for_function("a => a.currentTime > 0.2", arg=audio.element_handle(), timeout=10_000)
    page.get_by_test_id("player-play").click()
    page.goto("/calls/listens")
    expect(page.get_by_test_id("listen-log")).to_contain_text("Ada Admin")
    screenshot(page, "listen-log-admin")
    page.goto("/settings/telephony")
    page.get_by_role("link", name="Format, retention and review criteria").click()
    expect(page.get_by_test_id("criteria").locator("input[type=text]").first).to_have_value(
        "Greeting"
    )
    formats = page.get_by_test_id("recording-format")
    expect(formats.get_by_role("radio", name=re.compile("^MP3"))).to_be_checked()
    screenshot(page, "recording-settings-admin")
    formats.get_by_role("radio", name=re.compile("^WAV")).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Recordings settings saved.")
    expect(formats.get_by_role("radio", name=re.compile("^WAV"))).to_be_checked()
    dbs.rollback()
    assert get_team_settings(dbs).recording_format == "wav"
    page.goto("/calls/reviews")
    screenshot(page, "review-queue-admin")
    page_log.assert_clean(page)
