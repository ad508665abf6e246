"""TRUSTED_PROXIES decides whose word the app takes for the client's address: with 0, a
client's X-Forwarded-For is ignored (it could otherwise pick a fresh address for every
failed sign-in and never be throttled); with 1, the proxy's last hop is the address."""

from __future__ import annotations

from tests.conftest import csrf_from
from tests.factories import PASSWORD, UserFactory
from tests.http_helpers import assert_redirect


def _sign_in(client, email, password, forwarded_for):
    headers = {"X-Forwarded-For": forwarded_for}
    page = client.get("/sign-in", headers=headers)
    return client.post(
        "/sign-in",
        headers=headers,
        data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
    )


def test_without_trusted_proxies_a_spoofed_forwarded_for_does_not_escape_the_throttle(
    make_app, ctx
):
    app = make_app(
        trusted_proxies=0, login_max_failures_per_account=100, login_max_failures_per_address=3
    )
    client = app.test_client()
    users = UserFactory.create_batch(4)
    for n, user in enumerate(users[:3]):
        response = _sign_in(client, user.email, "wrong password!", f"203.0.113.{n}")
        assert response.status_code == 401
    # A fourth "address" of the client's choosing: still the same client, still throttled.
    assert _sign_in(client, users[3].email, PASSWORD, "198.51.100.7").status_code == 429


def test_behind_one_trusted_proxy_each_forwarded_client_has_its_own_count(make_app, ctx):
    app = make_app(
        trusted_proxies=1, login_max_failures_per_account=100, login_max_failures_per_address=3
    )
    client = app.test_client()
    users = UserFactory.create_batch(4)
    for user in users[:3]:
        assert _sign_in(client, user.email, "wrong password!", "203.0.113.1").status_code == 401
    assert _sign_in(client, users[3].email, PASSWORD, "203.0.113.1").status_code == 429
    # Another client behind the same proxy is not locked out by the first one's failures.
    assert_redirect(_sign_in(client, users[3].email, PASSWORD, "198.51.100.7"), "/")
