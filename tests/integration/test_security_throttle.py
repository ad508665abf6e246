"""Sign-in throttling holds under concurrency (the counter is incremented atomically,
then compared) and while Redis is unreachable (a per-process counter takes over, and
the log says so)."""

from __future__ import annotations

import logging
import threading

import pytest

from tests.conftest import TEST_REDIS_URL, csrf_from
from tests.factories import PASSWORD, UserFactory
from tests.http_helpers import assert_redirect

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"
LIMIT = 3
ATTEMPTS = 10


def _post(client, email, password):
    page = client.get("/sign-in")
    data = {"email": email, "password": password, "csrf_token": csrf_from(page.text)}
    return client.post("/sign-in", data=data)


def _concurrent_wrong_passwords(app, email) -> list[int]:
    """ATTEMPTS wrong passwords posted at the same moment, one thread (and client) each."""
    start = threading.Barrier(ATTEMPTS)
    statuses: list[int] = []
    lock = threading.Lock()

    def attempt():
        client = app.test_client()
        page = client.get("/sign-in")
        data = {"email": email, "password": "wrong password!", "csrf_token": csrf_from(page.text)}
        start.wait()
        status = client.post("/sign-in", data=data).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=attempt) for _ in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@pytest.mark.parametrize("redis_url", [TEST_REDIS_URL, CLOSED_PORT_REDIS], ids=["redis", "down"])
def test_concurrent_wrong_passwords_cannot_pass_the_limit(make_app, ctx, redis_url):
    app = make_app(
        redis_url=redis_url,
        login_max_failures_per_account=LIMIT,
        login_max_failures_per_address=100,
    )
    user = UserFactory()
    statuses = _concurrent_wrong_passwords(app, user.email)
    assert sorted(statuses) == [401] * LIMIT + [429] * (ATTEMPTS - LIMIT)
    assert _post(app.test_client(), user.email, PASSWORD).status_code == 429


def test_sign_in_stays_limited_while_redis_is_unreachable(make_app, ctx, caplog):
    app = make_app(
        redis_url=CLOSED_PORT_REDIS,
        login_max_failures_per_account=LIMIT,
        login_max_failures_per_address=100,
    )
    client = app.test_client()
    user, other = UserFactory(), UserFactory()
    with caplog.at_level(logging.WARNING, logger="voiceapp.throttle"):
        for _ in range(LIMIT):
            assert _post(client, user.email, "wrong password!").status_code == 401
        blocked = _post(client, user.email, PASSWORD)
    assert blocked.status_code == 429
    assert "Too many failed sign-ins" in blocked.text
    assert any("this process only" in r.getMessage() for r in caplog.records)
    # Another account is not locked out by this one's failures.
    assert_redirect(_post(client, other.email, PASSWORD), "/")


def test_the_address_limit_also_holds_while_redis_is_unreachable(make_app, ctx):
    app = make_app(
        redis_url=CLOSED_PORT_REDIS,
        login_max_failures_per_account=100,
        login_max_failures_per_address=LIMIT,
    )
    client = app.test_client()
    users = UserFactory.create_batch(LIMIT + 1)
    for user in users[:LIMIT]:
        assert _post(client, user.email, "wrong password!").status_code == 401
    assert _post(client, users[LIMIT].email, PASSWORD).status_code == 429


def test_successful_sign_ins_do_not_use_up_the_address_limit(make_app, ctx):
    """An office behind one address: people signing in correctly never lock it out."""
    app = make_app(login_max_failures_per_account=100, login_max_failures_per_address=LIMIT)
    users = UserFactory.create_batch(LIMIT + 2)
    for user in users:
        assert_redirect(_post(app.test_client(), user.email, PASSWORD), "/")
    assert _post(app.test_client(), users[0].email, "wrong password!").status_code == 401
