"""The real Twilio Voice JavaScript SDK in Chromium: the npm file is served from our own
static files and loads under the panel's Content-Security-Policy as it is; the softphone
builds a Twilio.Device with the app's own /api/token token and registers. There is no
network here, so registration fails: the agent reads why, and no script error escapes."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.browser.conftest import screenshot
from tests.browser.test_softphone import sign_in
from tests.factories import UserFactory
from tests.twilio_helpers import TWILIO_SETTINGS
from voiceapp.headers import TWILIO_SDK_CONNECT

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(make_app):
    """The app with a Twilio account configured (not the simulator): the real SDK."""
    app = make_app(**TWILIO_SETTINGS)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        app.extensions["voiceapp.db"].engine.dispose()


def test_the_real_sdk_registers_with_our_token_and_says_in_words_that_twilio_is_unreachable(
    page, ctx
):
    agent = UserFactory(name="Anna Agent", role="agent")
    console: list[str] = []
    script_errors: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: script_errors.append(str(e)))
    twilio_requests: list[str] = []
    page.on(
        "request",
        lambda r: twilio_requests.append(r.url) if ".twilio.com" in r.url else None,
    )
    page.on("websocket", lambda ws: twilio_requests.append(ws.url))
    sign_in(page, agent)
    page.goto("/phone")

    sdk = page.evaluate("typeof Twilio === 'object' && typeof Twilio.Device === 'function'")
    assert sdk, "the SDK from /static/vendor/twilio.min.js did not load"
    expect(page.get_by_test_id("sdk-notice")).to_have_count(0)
    # The Device was built with the token /api/token gave this agent, and tried Twilio's
    # signalling host (the connect-src the CSP allows), which is out of reach here.
    expect(page.get_by_test_id("call-status")).to_contain_text(
        "The softphone cannot reach Twilio", timeout=20_000
    )
    expect(page.get_by_role("button", name="Call")).to_be_disabled()
    screenshot(page, "softphone-real-sdk-offline")

    assert script_errors == []
    assert [line for line in console if "Content Security Policy" in line] == []
    assert any(url.startswith("wss://voice-js.roaming.twilio.com/") for url in twilio_requests), (
        twilio_requests
    )
    assert all(url.startswith(TWILIO_SDK_CONNECT) for url in twilio_requests), twilio_requests

    # The token the Device used is the agent's own, from the API.
    token = page.request.get("/api/token").json()
    assert token["identity"] == f"agent_{agent.id}"


def test_the_sdk_file_is_served_from_our_static_files_with_the_page_csp_unchanged(page, ctx):
    agent = UserFactory(role="agent")
    sign_in(page, agent)
    answer = page.request.get("/static/vendor/twilio.min.js")
    assert answer.status == 200
    assert answer.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    policy = page.request.get("/phone").headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "connect-src 'self' wss://voice-js.roaming.twilio.com https://eventgw.twilio.com" in (
        policy
    )
