# The simulator's fixtures are imported by name, so test arguments redefine them.
# ruff: noqa: F811
"""The softphone bar in demo mode, in real headless Chromium against the Twilio simulator:
an inbound call rings on any panel page with the caller's name and case, is answered,
muted, sent keypad tones, keeps going through a token refresh, is hung up and shows in the
calls list with its recording; a call from a case opens the case's outcome form with the
call linked; a closed tab's presence expires and its agent no longer rings; when two
agents ring and one answers, the other stops ringing; the chosen microphone and speaker
reach the device; a second tab starts no phone while the first is on a call. The CSP lets
the pages reach the simulator and nothing logs an error."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import PageLog, screenshot
from tests.browser.test_softphone import FAST_PASSWORD_HASH, sign_in
from tests.factories import CaseFactory, ContactFactory, UserFactory
from tests.sim.conftest import (  # noqa: F401 (fixtures)
    CUSTOMER,
    OUR_NUMBER,
    agent,
    api_token,
    run_worker,
    team,
    world,
    world_settings,
)
from voiceapp.models import Call, ContactPhone, NumberOperator, PhoneNumber
from voiceapp.sim.parties import Party

pytestmark = pytest.mark.browser

OTHER_CUSTOMER = "+4917612345678"


@pytest.fixture
def live_server(world):
    return world.app_url


def settings(world, **changes) -> None:
    """Change the running app's settings (it reads them on every request)."""
    world.app.config["VOICEAPP"] = world.app.config["VOICEAPP"].with_overrides(changes)


def may_call_out(dbs, *users) -> None:
    number = dbs.scalar(select(PhoneNumber).where(PhoneNumber.number == OUR_NUMBER))
    for user in users:
        dbs.add(NumberOperator(phone_number_id=number.id, user_id=user.id))
    dbs.commit()


def bar(page):
    return page.get_by_test_id("softphone-bar")


def sign_in_fast(page, dbs, user) -> None:
    """Sign in with a cheap password hash: the default one costs seconds on a busy machine."""
    user.password_hash = FAST_PASSWORD_HASH
    dbs.commit()
    sign_in(page, user)


def stored_call(dbs, sid: str) -> Call:
    return dbs.scalar(select(Call).where(Call.sid == sid))


def go_online(page) -> None:
    expect(page.get_by_test_id("call-status")).to_have_text(
        "Ready: calls can ring in this browser.", timeout=10_000
    )
    bar(page).get_by_role("button", name="Go online").click()
    expect(page.get_by_test_id("presence")).to_have_text("online")
    expect(page.get_by_test_id("call-status")).to_have_text("You are online.")


def test_an_inbound_call_rings_with_the_callers_name_is_answered_and_shows_with_its_recording(
    page, page_log, world, agent, dbs
):
    contact = ContactFactory(
        first_name="Lena", last_name="Gruber", phones=[ContactPhone(number=CUSTOMER)]
    )
    case = CaseFactory(contact=contact, assignee_id=agent.id, type="callback_request")
    may_call_out(dbs, agent)
    # Tokens last 15 s: the softphone renews its token every 5 s, also during the call.
    settings(world, voice_token_ttl_seconds=15)
    world.sim.config.real_speed = 5  # 5 call seconds a second: the 20 s ring lasts 4 s
    sign_in_fast(page, dbs, agent)
    page.goto("/calls")  # any panel page: the softphone is the bar on top
    expect(page.get_by_test_id("call-status")).to_have_text(
        "Ready: calls can ring in this browser."
    )
    go_online(page)

    run = world.sim.inbound_call(
        CUSTOMER, OUR_NUMBER, caller=Party(digits=["1", "1"], talk_seconds=3000), wait=False
    )
    incoming = page.get_by_test_id("incoming")
    expect(incoming).to_contain_text("+49 1511 2345678", timeout=10_000)
    expect(incoming.get_by_test_id("incoming-contact")).to_have_text("Lena Gruber")
    expect(incoming.get_by_test_id("incoming-contact")).to_have_attribute(
        "href", f"/contacts/{contact.id}"
    )
    expect(incoming.get_by_test_id("card-case")).to_have_text(f"#{case.id} callback request")
    expect(bar(page)).to_have_attribute("data-ringing", "yes")
    screenshot(page, "softphone-incoming")

    incoming.get_by_role("button", name="Answer").click()
    expect(page.get_by_test_id("call-status")).to_have_text("Connected.")
    expect(bar(page)).to_have_attribute("data-ringing", "no")
    in_call = page.get_by_test_id("in-call")
    expect(in_call.get_by_test_id("call-timer")).not_to_have_text("0:00", timeout=3_000)
    in_call.get_by_role("button", name="Mute").click()
    expect(in_call.get_by_role("button", name="Unmute")).to_have_attribute("aria-pressed", "true")
    in_call.get_by_role("button", name="Unmute").click()
    in_call.get_by_role("button", name="Keypad").click()
    for key in "12#":
        bar(page).get_by_role("button", name=f"Key {key}").click()
    expect(in_call.get_by_test_id("sent-digits")).to_have_text("12#")
    assert page.evaluate("document.getElementById('dial-number').value") == ""
    expect(in_call.get_by_role("button", name="Hold")).to_be_hidden()  # not offered
    # A link followed during the call opens in a new tab: the call goes on here.
    with page.context.expect_page() as new_tab:
        page.locator("header.topbar nav").get_by_role("link", name="Contacts").click()
    new_tab.value.close()
    expect(page).to_have_url(world.app_url + "/calls")
    # The token is renewed during the call (at least once: a slow machine may get to this
    # line after the second renewal), which goes on.
    expect(bar(page)).to_have_attribute(
        "data-token-refreshes", re.compile(r"^[1-9][0-9]*$"), timeout=10_000
    )
    expect(in_call).to_be_visible()
    assert not run.done.is_set()
    screenshot(page, "softphone-in-call")

    in_call.get_by_role("button", name="Hang up").click()
    expect(page.get_by_test_id("call-status")).to_have_text("Call ended.")
    expect(in_call).to_be_hidden()
    assert run.done.wait(10)
    assert run.parent.record.outcome == "answered"
    dbs.rollback()
    stored = dbs.scalar(select(Call).where(Call.sid == run.parent.sid))
    assert (stored.agent_id, stored.contact_id) == (agent.id, contact.id)

    for _ in range(20):  # the worker fetches the recording from the simulator
        run_worker()
        dbs.rollback()
        if any(r.media_path for r in stored_call(dbs, run.parent.sid).recordings):
            break
        time.sleep(0.5)
    page.goto("/calls")
    row = page.locator("tr", has=page.get_by_role("link", name="Lena Gruber"))
    expect(row.locator("audio")).to_have_count(1)
    page_log.assert_clean(page)


def open_a_case_to_call(page, world, dbs, agent, *, phones):
    """Max Muster's case, the agent's, open in the page with the softphone ready; the
    agent may call out, and OTHER_CUSTOMER answers after 2 s and talks long."""
    contact = ContactFactory(first_name="Max", last_name="Muster", phones=phones)
    case = CaseFactory(contact=contact, assignee_id=agent.id)
    may_call_out(dbs, agent)
    world.sim.config.real_speed = 5
    world.sim.customers[OTHER_CUSTOMER] = Party(answer_after=2, talk_seconds=3000)
    sign_in_fast(page, dbs, agent)
    page.goto(f"/cases/{case.id}")
    expect(page.get_by_test_id("call-status")).to_have_text(
        "Ready: calls can ring in this browser."
    )
    return contact, case


def test_a_call_from_a_case_opens_its_outcome_form_with_the_call_linked(
    page, page_log, world, agent, dbs
):
    contact, case = open_a_case_to_call(
        page,
        world,
        dbs,
        agent,
        phones=[
            ContactPhone(number="+4915199999999", kind="home", invalid=True),
            ContactPhone(number=OTHER_CUSTOMER, kind="mobile"),
        ],
    )

    # A number marked invalid asks first; "Cancel" calls nobody.
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_test_id("call-invalid-number").click()
    expect(page.get_by_test_id("call-status")).to_have_text(
        "Ready: calls can ring in this browser."
    )
    assert asked == ["+4915199999999 is marked as an invalid number. Call it anyway?"]

    page.get_by_test_id("call-number").click()
    expect(page.get_by_test_id("in-call")).to_contain_text("Max Muster")
    expect(page.get_by_test_id("call-status")).to_have_text("Connected.", timeout=10_000)
    page.get_by_test_id("in-call").get_by_role("button", name="Hang up").click()

    # The case page again, at its outcome form, which names the call it is about.
    expect(page).to_have_url(f"{world.app_url}/cases/{case.id}?after_call=1#call-outcome")
    expect(page.get_by_test_id("linked-call")).to_contain_text("+49 176 12345678")
    expect(page.get_by_test_id("outcome-form")).to_be_visible()
    dbs.rollback()
    out = dbs.scalar(select(Call).where(Call.direction == "outbound", Call.parent_sid.is_(None)))
    assert (out.agent_id, out.to_number, out.contact_id) == (agent.id, OTHER_CUSTOMER, contact.id)
    screenshot(page, "softphone-after-case-call")

    page.get_by_label("Outcome").select_option("not_reached")
    page.get_by_role("button", name="Save outcome").click()
    expect(page.get_by_text("Outcome recorded")).to_be_visible()
    page_log.assert_clean(page)


def test_a_closed_tabs_presence_expires_and_its_agent_no_longer_rings(
    page, page_log, world, agent, dbs
):
    settings(world, presence_timeout_seconds=3)  # a heartbeat a second
    token = api_token(dbs, agent)
    sign_in_fast(page, dbs, agent)
    go_online(page)
    time.sleep(4)  # longer than the timeout: the page's heartbeats keep the agent online
    assert world.api(token, "GET", "/api/agents/me/presence").json()["status"] == "online"
    page_log.assert_clean(page)

    page.close()  # the tab is closed: no more heartbeats
    time.sleep(3.5)
    assert world.api(token, "GET", "/api/agents/me/presence").json()["status"] == "offline"
    run = world.sim.inbound_call(CUSTOMER, OUR_NUMBER, caller=Party(digits=["1", "1"]))
    assert run.parent.record.outcome != "answered"
    dbs.rollback()
    assert dbs.scalar(select(Call).where(Call.sid == run.parent.sid)).missed


def test_two_agents_ring_and_the_other_stops_when_one_answers(
    page, page_log, browser, world, agent, dbs
):
    colleague = UserFactory(name="Mia Wagner", languages=["de"], case_types=[])
    world.sim.config.real_speed = 5
    sign_in_fast(page, dbs, agent)
    go_online(page)
    context = browser.new_context(base_url=world.app_url, locale="en-GB")
    other = context.new_page()
    other_log = PageLog()
    other_log.watch(other)
    try:
        sign_in_fast(other, dbs, colleague)
        go_online(other)

        run = world.sim.inbound_call(
            CUSTOMER, OUR_NUMBER, caller=Party(digits=["1", "1"], talk_seconds=3000), wait=False
        )
        for p in (page, other):
            expect(p.get_by_test_id("incoming")).to_be_visible(timeout=10_000)
            expect(bar(p)).to_have_attribute("data-ringing", "yes")

        other.get_by_test_id("incoming").get_by_role("button", name="Answer").click()
        expect(other.get_by_test_id("call-status")).to_have_text("Connected.")
        expect(page.get_by_test_id("incoming")).to_be_hidden()
        expect(bar(page)).to_have_attribute("data-ringing", "no")
        expect(page.get_by_test_id("call-status")).to_have_text(
            "Missed: the caller hung up or a colleague answered."
        )
        expect(page.get_by_test_id("presence")).to_have_text("online")
        screenshot(other, "softphone-two-agents-answered")
        other.get_by_test_id("in-call").get_by_role("button", name="Hang up").click()
        assert run.done.wait(10)
        dbs.rollback()
        assert dbs.scalar(select(Call).where(Call.sid == run.parent.sid)).agent_id == colleague.id
        other_log.assert_clean(other)
    finally:
        context.close()
    page_log.assert_clean(page)


def test_missed_calls_badge_and_call_back_in_one_click(page, page_log, world, agent, dbs):
    may_call_out(dbs, agent)
    world.sim.config.real_speed = 5
    # Nobody online: the caller gets the voicemail, and the call is missed.
    missed = world.sim.inbound_call(CUSTOMER, OUR_NUMBER, caller=Party(digits=["1", "1"]))
    assert missed.parent.record.outcome != "answered"
    world.sim.customers[CUSTOMER] = Party(answer_after=2, talk_seconds=3000)
    sign_in_fast(page, dbs, agent)
    expect(page.get_by_test_id("missed-badge")).to_have_text("1")
    page.get_by_test_id("missed-link").click()
    expect(page.get_by_test_id("call-status")).to_have_text(
        "Ready: calls can ring in this browser."
    )

    page.get_by_test_id("call-back").first.click()  # dialled here, no page change

    expect(page.get_by_test_id("call-status")).to_have_text("Connected.", timeout=10_000)
    expect(page).to_have_url(world.app_url + "/calls/missed")
    page.get_by_test_id("in-call").get_by_role("button", name="Hang up").click()
    expect(page.get_by_test_id("call-status")).to_have_text("Call ended.")
    dbs.rollback()
    back = dbs.scalar(select(Call).where(Call.direction == "outbound", Call.parent_sid.is_(None)))
    assert (back.agent_id, back.to_number) == (agent.id, CUSTOMER)
    page_log.assert_clean(page)


@pytest.mark.parametrize("role", ["admin", "sales_manager", "agent"])
def test_the_bar_and_the_phone_page_for_each_role(page, page_log, world, dbs, role):
    user = UserFactory(name=f"Pat {role}", role=role, languages=["de"])
    sign_in_fast(page, dbs, user)
    expect(page.get_by_test_id("call-status")).to_have_text(
        "Ready: calls can ring in this browser."
    )
    screenshot(page, f"softphone-bar-{role}")
    page.locator("header.topbar nav").get_by_role("link", name="Phone", exact=True).click()
    expect(page.get_by_test_id("demo-mode")).to_contain_text(world.sim_url)
    expect(page.get_by_label("Country")).to_have_value("DE")
    page.get_by_label("Country").select_option("AT")
    page.get_by_label("Number to call").fill("12")
    page.get_by_role("button", name="Call", exact=True).click()
    expect(page.locator("#dial-error")).to_contain_text("not a valid phone number")
    screenshot(page, f"softphone-phone-page-{role}")
    # The 422 of the number check is the page asking, not a fault.
    page_log.problems = [p for p in page_log.problems if "/api/phone-numbers/normalized" not in p]
    page_log.assert_clean(page)


# Keeps every softphone device the page makes (window.voiceappDevices), so a test can read
# what the page handed it: an observer only, the device class itself is unchanged.
KEEP_DEVICES = """
(() => {
  let made;
  window.voiceappDevices = [];
  Object.defineProperty(window, "VoiceappSimDevice", {
    configurable: true,
    get() { return made; },
    set(Device) {
      made = function (...args) {
        const device = new Device(...args);
        window.voiceappDevices.push(device);
        return device;
      };
      made.prototype = Device.prototype;
    },
  });
})();
"""


def test_the_chosen_microphone_and_speaker_are_handed_to_the_device(
    page, page_log, world, agent, dbs
):
    page.context.grant_permissions(["microphone"])
    page.add_init_script(KEEP_DEVICES)
    sign_in_fast(page, dbs, agent)
    page.goto("/phone")
    expect(page.get_by_test_id("call-status")).to_have_text(
        "Ready: calls can ring in this browser."
    )
    microphone, speaker = page.get_by_label("Audio input"), page.get_by_label("Audio output")
    expect(microphone.locator("option")).to_have_text(
        ["System default", "Fake Audio Input 1", "Fake Audio Input 2"]
    )
    expect(speaker.locator("option")).to_have_text(
        ["System default", "Fake Audio Output 1", "Fake Audio Output 2"]
    )
    microphone.select_option(label="Fake Audio Input 2")
    speaker.select_option(label="Fake Audio Output 1")
    chosen = page.evaluate(
        """() => {
          const audio = window.voiceappDevices[0].audio;
          return [audio.inputDevice, audio.speakerDevices.ids];
        }"""
    )
    assert chosen == [microphone.input_value(), [speaker.input_value()]]
    assert chosen[0] not in ("", "default") and chosen[1] != ["default"]
    screenshot(page, "softphone-audio-choice")
    page_log.assert_clean(page)


def test_a_second_tab_starts_its_phone_only_when_the_first_tabs_call_ends(
    page, page_log, world, agent, dbs
):
    open_a_case_to_call(page, world, dbs, agent, phones=[ContactPhone(number=OTHER_CUSTOMER)])
    page.get_by_test_id("call-number").click()
    expect(page.get_by_test_id("call-status")).to_have_text("Connected.", timeout=10_000)

    # The same browser (its storage), another tab: no second phone while the call goes on.
    second = page.context.new_page()
    second_log = PageLog()
    second_log.watch(second)
    second.goto("/")
    expect(second.get_by_test_id("call-status")).to_have_text(
        "On a call in another tab: this tab's phone starts when that call ends."
    )
    page.wait_for_timeout(3500)  # past the second tab's next look at the lock
    expect(second.get_by_test_id("call-status")).to_have_text(
        "On a call in another tab: this tab's phone starts when that call ends."
    )

    page.get_by_test_id("in-call").get_by_role("button", name="Hang up").click()
    expect(second.get_by_test_id("call-status")).to_have_text(
        "Ready: calls can ring in this browser.", timeout=10_000
    )
    second_log.assert_clean(second)
    # The first tab has gone on to the case's outcome form (a new page).
    expect(page.get_by_test_id("outcome-form")).to_be_visible()
    page_log.assert_clean(page)
