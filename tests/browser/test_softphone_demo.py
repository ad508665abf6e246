# The simulator's fixtures are imported by name, so test arguments redefine them.
# ruff: noqa: F811
"""The panel's softphone in demo mode, in real headless Chromium against the Twilio
simulator: it registers with the app's access token, an inbound call rings in the page and
is answered and hung up there, and a call out connects; the CSP lets the page reach the
simulator and nothing logs an error."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.test_softphone import sign_in
from tests.sim.conftest import CUSTOMER, OUR_NUMBER, agent, team, world  # noqa: F401 (fixtures)
from voiceapp.models import Call, NumberOperator, PhoneNumber
from voiceapp.sim.parties import Party

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(world):
    return world.app_url


def test_the_demo_softphone_answers_an_inbound_call_and_calls_out(
    page,
    page_log,
    world,
    agent,
    dbs,
):
    number = dbs.scalar(select(PhoneNumber).where(PhoneNumber.number == OUR_NUMBER))
    dbs.add(NumberOperator(phone_number_id=number.id, user_id=agent.id))
    dbs.commit()
    # A person is on the call: 5 call seconds a second (the 20 s ring lasts 4 s).
    world.sim.config.real_speed = 5
    sign_in(page, agent)
    page.goto("/phone")
    expect(page.get_by_test_id("demo-mode")).to_contain_text(world.sim_url)
    expect(page.get_by_test_id("sdk-notice")).to_be_hidden()
    expect(page.get_by_test_id("call-status")).to_have_text(
        "Ready: calls can ring in this browser."
    )
    page.get_by_role("button", name="Go online").click()
    expect(page.get_by_test_id("presence")).to_have_text("online")

    run = world.sim.inbound_call(
        CUSTOMER, OUR_NUMBER, caller=Party(digits=["1", "1"], talk_seconds=3000), wait=False
    )
    expect(page.get_by_test_id("incoming")).to_contain_text("+4915112345678", timeout=10_000)
    page.get_by_role("button", name="Answer").click()
    expect(page.get_by_test_id("call-status")).to_have_text("Connected.")
    page.get_by_role("button", name="Hang up").click()
    expect(page.get_by_test_id("call-status")).to_have_text("Call ended.")
    assert run.done.wait(10)
    assert run.parent.record.outcome == "answered"
    dbs.rollback()
    assert dbs.scalar(select(Call).where(Call.sid == run.parent.sid)).agent_id == agent.id

    world.sim.customers["+4917612345678"] = Party(answer_after=2, talk_seconds=3000)
    page.get_by_label("Number to call").fill("+49 176 12345678")
    page.get_by_role("button", name="Call").click()
    expect(page.get_by_test_id("call-status")).to_have_text("Connected.", timeout=10_000)
    page.get_by_role("button", name="Hang up").click()
    expect(page.get_by_test_id("call-status")).to_have_text("Call ended.")
    dbs.rollback()
    out = dbs.scalar(select(Call).where(Call.direction == "outbound", Call.parent_sid.is_(None)))
    assert (out.agent_id, out.to_number) == (agent.id, "+4917612345678")
    page_log.assert_clean(page)
