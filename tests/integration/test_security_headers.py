"""Response headers: signed-in pages and API answers are never stored by a browser or a
proxy (Cache-Control: private, no-store), static files may be; Strict-Transport-Security
when the public URL is https, or when HSTS says so."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_from, sign_in
from tests.factories import PASSWORD, UserFactory

NO_STORE = {"private", "no-store"}


def _directives(response) -> set[str]:
    return {d.strip() for d in response.headers.get("Cache-Control", "").split(",") if d.strip()}


def test_signed_in_pages_are_not_stored(client, ctx):
    user = UserFactory(role="admin")
    sign_in(client, user.email, PASSWORD)
    for url in ("/", "/contacts", "/calls", "/cases", "/account/tokens"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert _directives(response) >= NO_STORE, url


def test_the_page_showing_a_new_api_token_is_not_stored(client, ctx):
    user = UserFactory()
    sign_in(client, user.email, PASSWORD)
    page = client.post(
        "/account/tokens",
        data={"name": "CRM sync", "csrf_token": csrf_from(client.get("/account/tokens").text)},
        follow_redirects=True,
    )
    assert "Copy it now" in page.text
    assert _directives(page) >= NO_STORE


def test_api_answers_are_not_stored(as_user, client, ctx):
    api = as_user(UserFactory())
    for response in (
        api("GET", "/api/contacts"),
        api("GET", "/api/calls"),
        api("GET", "/api/cases/999999"),
        client.get("/api/contacts"),  # 401 without a token
    ):
        assert _directives(response) >= NO_STORE, response.request.path


def test_static_files_may_be_cached(client):
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert "no-store" not in _directives(response)


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"public_base_url": "https://calls.example.com"}, True),
        ({"public_base_url": "http://calls.example.com"}, False),
        ({}, False),
        ({"hsts": True}, True),
        ({"public_base_url": "https://calls.example.com", "hsts": False}, False),
    ],
)
def test_strict_transport_security_follows_the_public_url_or_the_setting(
    make_app, settings, expected
):
    response = make_app(**settings).test_client().get("/sign-in")
    header = response.headers.get("Strict-Transport-Security")
    if expected:
        assert header is not None and "max-age=31536000" in header
    else:
        assert header is None
