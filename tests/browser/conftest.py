"""Browser fixtures: the app served for real on a local port, and headless Chromium (Debian's
own build; Playwright cannot download browsers here) driven through Playwright's sync API.

`page` records what a person would see in the developer console: console errors (CSP
violations are reported there), uncaught script errors, failed requests and error answers to
the page's sub-resources (a missing stylesheet). Tests end with `page_log.assert_clean()`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Two fake microphones and speakers (and no real ones), so the softphone's audio
    # choice can be tested; a page gets their names once it may use the microphone.
    "--use-fake-device-for-media-stream",
]
HERE = Path(__file__).parent
# Set to a directory to keep screenshots of the pages the tests check (off by default).
SCREENSHOT_DIR = os.environ.get("BROWSER_SCREENSHOTS")
# Chromium's wording when the page's own document answers 4xx/5xx: the tests check those
# statuses themselves, so only sub-resources count as problems.
DOCUMENT_STATUS_PREFIX = "Failed to load resource: the server responded with a status of"
# Chromium asks for /favicon.ico on its own after a page loads; whether that works is one
# test of its own (test_panel_declares_an_icon_the_browser_can_load), not every test's.
FAVICON_PATH = "/favicon.ico"


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if Path(item.path).is_relative_to(HERE):
            item.add_marker(skip)


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The app on 127.0.0.1 at a free port, served from a thread; yields the base URL.
    The app is the session's (building one costs 0.3-0.5 s); the server is the test's."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # A short poll interval, so that shutdown() returns at once rather than in up to 0.5 s.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def playwright_driver():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver):
    browser = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


class PageLog:
    """What went wrong in the browser while a test drove it."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self._documents: set[str] = set()
        # Main-frame documents loaded so far, and for each request the document that asked
        # for it: a reload of the same address is another document.
        self._documents_loaded = 0
        self._asked_by: dict[object, int] = {}
        self._aborted: list[tuple[int | None, str]] = []

    def watch(self, page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        page.on("request", self._on_request)
        page.on("requestfailed", self._on_request_failed)
        page.on("framenavigated", self._on_navigated)
        page.on("response", self._on_response)

    def _on_console(self, message) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "")
        if message.text.startswith(DOCUMENT_STATUS_PREFIX) and (
            url in self._documents or urlsplit(url).path == FAVICON_PATH
        ):
            return
        self.problems.append(f"console error: {message.text}" + (f" (at {url})" if url else ""))

    def _on_request(self, request) -> None:
        self._asked_by[request] = self._documents_loaded

    def _on_request_failed(self, request) -> None:
        # A navigation replaced by the next one is aborted by the browser, not broken; so
        # is a page's fetch still under way when the person leaves it (the dashboard's
        # charts). The softphone's event stream (demo mode) is open as long as its page is, so
        # leaving any page ends it that way.
        if request.failure == "net::ERR_ABORTED" and (
            request.is_navigation_request() or request.resource_type in ("fetch", "eventsource")
        ):
            return
        message = f"request failed: {request.url} ({request.failure})"
        if request.failure == "net::ERR_ABORTED":
            # Decided once the test is done (assert_clean): whatever a page was still
            # loading when the browser left it is aborted and forgiven (the dashboard's
            # scripts, when a test signs in and goes on at once); a file refused on the
            # page that asked for it (a 404 served as HTML) is aborted too, and counts.
            # Pages are told apart by document, not address: signing in lands on "/", and a
            # test that opens "/" next leaves that first document while it still loads.
            self._aborted.append((self._asked_by.get(request), message))
            return
        self.problems.append(message)

    def _on_navigated(self, frame) -> None:
        if frame.parent_frame is None:
            self._documents_loaded += 1

    def _on_response(self, response) -> None:
        if response.request.is_navigation_request():
            self._documents.add(response.url)
        elif response.status >= 400:
            self.problems.append(f"{response.status} for {response.url}")

    def assert_clean(self, page=None) -> None:
        if page is not None:
            # A round trip to the browser, so that events already sent are delivered.
            page.evaluate("1")
        problems = self.problems + [
            message
            for asked_by, message in self._aborted
            if asked_by is None or asked_by == self._documents_loaded
        ]
        assert problems == [], "\n".join(problems)


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


@pytest.fixture
def browser_context(browser, live_server):
    """A fresh cookie jar per test; relative URLs go to the live server."""
    context = browser.new_context(base_url=live_server, locale="en-GB")
    context.set_default_timeout(5_000)
    yield context
    context.close()


@pytest.fixture
def page(browser_context, page_log):
    page = browser_context.new_page()
    page_log.watch(page)
    return page


def screenshot(page, name: str) -> None:
    if SCREENSHOT_DIR:
        page.screenshot(path=str(Path(SCREENSHOT_DIR) / f"voiceapp-{name}.png"), full_page=True)
