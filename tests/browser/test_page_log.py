"""The console recorder itself: it must see what the panel tests claim to be absent, or
their "no console errors" checks would pass for nothing."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

INJECT_INLINE_STYLE_AND_MISSING_STYLESHEET = """() => {
    const style = document.createElement("style");
    style.textContent = "body { color: red }";
    document.head.append(style);
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = "/static/missing.css";
    document.head.append(link);
}"""


def test_page_log_reports_csp_violation_and_missing_static_file(page, page_log):
    page.goto("/sign-in")
    page_log.assert_clean(page)

    # DevTools' evaluate is not bound by the page's CSP; the <style> it adds is.
    with (
        page.expect_console_message(lambda m: "Content Security Policy" in m.text),
        # Served as an HTML 404 page, the browser refuses it (nosniff) and aborts the load.
        page.expect_event("requestfailed", lambda r: r.url.endswith("/static/missing.css")),
    ):
        page.evaluate(INJECT_INLINE_STYLE_AND_MISSING_STYLESHEET)

    with pytest.raises(AssertionError) as failure:
        page_log.assert_clean(page)
    message = str(failure.value)
    assert "Content Security Policy directive 'style-src 'self''" in message
    assert "request failed: http://127.0.0.1" in message
    assert "/static/missing.css" in message


def test_page_log_forgives_what_a_page_left_behind_was_still_loading(page, page_log):
    """A test that signs in and goes on at once leaves the dashboard while its scripts
    are still loading: the browser aborts them, and nothing is broken."""
    page.route("**/static/style.css", lambda route: None)  # never answered
    with page.expect_event("requestfailed", lambda r: r.url.endswith("/static/style.css")):
        page.goto("/sign-in", wait_until="commit")
        page.wait_for_function("() => document.readyState !== 'loading'")
        page.goto("/sign-in?again", wait_until="commit")  # the page is left for another
    page_log.assert_clean(page)
