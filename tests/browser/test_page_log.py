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
