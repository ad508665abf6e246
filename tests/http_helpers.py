"""Assertions about HTTP answers that say what a test means, not only a status code."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit


def assert_redirect(response, expected: str, *, status: int = 302) -> str:
    """`response` redirects, with `status`, to exactly `expected` on this site: the same path
    and the same query parameters in the same order (compared decoded, so "%2F" equals "/").
    Returns the Location to follow."""
    location = response.headers.get("Location")
    assert response.status_code == status, (response.status_code, location, response.text[:500])
    assert location is not None, "a redirect without a Location"
    actual, wanted = urlsplit(location), urlsplit(expected)
    assert (actual.scheme, actual.netloc) == ("", ""), f"the redirect leaves the site: {location}"
    assert actual.path == wanted.path, f"redirected to {location}, not {expected}"
    assert parse_qsl(actual.query, keep_blank_values=True) == parse_qsl(
        wanted.query, keep_blank_values=True
    ), f"redirected to {location}, not {expected}"
    assert actual.fragment == wanted.fragment, f"redirected to {location}, not {expected}"
    return location


def assert_sign_in_redirect(response, next_path: str) -> str:
    """Signed out: sent to the sign-in page, which will bring the user back to `next_path`."""
    return assert_redirect(response, "/sign-in?" + urlencode({"next": next_path}))
