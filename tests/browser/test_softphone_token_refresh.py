# The simulator's fixtures are imported by name, so test arguments redefine them.
# ruff: noqa: F811
"""Demo mode fires the Voice SDK's tokenWillExpire (Twilio fires it tokenRefreshMs, 10 s,
before the access token expires): the panel's softphone fetches a fresh token from
/api/token and hands it over with updateToken, which the simulator checks as Twilio would.
Here the warning comes 2 s after registering instead of 10 s before the hour is up."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.browser.test_softphone import sign_in
from tests.sim.conftest import agent, team, world, world_settings  # noqa: F401 (fixtures)
from voiceapp.telephony.tokens import TOKEN_TTL_SECONDS

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(world):
    return world.app_url


def test_token_will_expire_makes_the_softphone_fetch_and_hand_over_a_fresh_token(
    page, page_log, world, agent
):
    world.sim.config.token_refresh_seconds = TOKEN_TTL_SECONDS - 2
    token_requests = []
    page.on("request", lambda r: token_requests.append(r.url) if "/api/token" in r.url else None)
    sign_in(page, agent)
    page.goto("/phone")
    expect(page.get_by_test_id("call-status")).to_have_text(
        "Ready: calls can ring in this browser."
    )
    phone = world.sim.phones.browsers[f"agent_{agent.id}"]
    assert phone.token_updates == 0
    deadline = time.monotonic() + 15
    while phone.token_updates == 0 and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert phone.token_updates >= 1
    assert len(token_requests) >= 2  # the first token, then the fresh one
    page_log.assert_clean(page)
