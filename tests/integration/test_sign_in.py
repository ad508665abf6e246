"""Panel sign-in and sign-out: Argon2id passwords, a new session id at sign-in, a session
that really ends at sign-out, CSRF on forms, throttled failures, security headers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from redis import Redis
from sqlalchemy import select

from tests.conftest import TEST_REDIS_URL, csrf_from, sign_in
from tests.factories import PASSWORD, UserFactory
from tests.http_helpers import assert_redirect, assert_sign_in_redirect
from voiceapp.db import utcnow
from voiceapp.models import UserSession
from voiceapp.security import hash_password, verify_password


def _post_sign_in(client, email, password, **query):
    page = client.get("/sign-in")
    return client.post(
        "/sign-in",
        query_string=query,
        data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
    )


def test_passwords_are_hashed_with_argon2id():
    hashed = hash_password("a long enough password")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "a long enough password")
    assert not verify_password(hashed, "a wrong password")
    assert not verify_password(None, "anything")


def test_sign_in_with_the_right_password_opens_the_panel(client, ctx):
    user = UserFactory(name="Jonas Becker")
    response = _post_sign_in(client, user.email.upper(), PASSWORD)
    assert_redirect(response, "/")
    page = client.get("/")
    assert page.status_code == 200
    assert "Jonas Becker" in page.text


def test_a_wrong_password_is_refused_and_says_so(client, ctx):
    user = UserFactory()
    response = _post_sign_in(client, user.email, "not the password")
    assert response.status_code == 401
    assert "The e-mail or the password is wrong." in response.text
    assert_sign_in_redirect(client.get("/"), "/")


def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(client, ctx):
    response = _post_sign_in(client, "nobody@example.com", PASSWORD)
    assert response.status_code == 401
    assert "The e-mail or the password is wrong." in response.text


def test_a_switched_off_member_cannot_sign_in(client, ctx):
    user = UserFactory(active=False)
    response = _post_sign_in(client, user.email, PASSWORD)
    assert response.status_code == 403
    assert "switched off" in response.text


def test_sign_in_without_csrf_token_is_refused(client, ctx):
    user = UserFactory()
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "did not come from this site" in response.text
    assert_sign_in_redirect(client.get("/"), "/")


def test_the_session_id_changes_at_sign_in(client, ctx, dbs):
    user = UserFactory()
    sign_in(client, user.email, PASSWORD)
    first = client.get_cookie("session").value
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").text)})
    sign_in(client, user.email, PASSWORD)
    second = client.get_cookie("session").value
    assert first != second
    rows = dbs.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()
    assert len(rows) == 2
    assert len({r.token_hash for r in rows}) == 2


def test_a_cookie_replayed_after_sign_out_is_refused(client, app, ctx):
    user = UserFactory()
    sign_in(client, user.email, PASSWORD)
    stolen = client.get_cookie("session").value
    response = client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").text)})
    assert_redirect(response, "/sign-in")
    assert "You are signed out." in client.get("/sign-in").text

    attacker = app.test_client()
    attacker.set_cookie("session", stolen)
    replay = attacker.get("/")
    assert_sign_in_redirect(replay, "/")


def test_sign_out_needs_a_csrf_token(client, ctx):
    user = UserFactory()
    sign_in(client, user.email, PASSWORD)
    assert client.post("/sign-out").status_code == 400
    assert client.get("/").status_code == 200


def test_an_idle_session_expires(make_app, ctx, dbs):
    app = make_app(session_idle_minutes=30)
    client = app.test_client()
    user = UserFactory()
    sign_in(client, user.email, PASSWORD)
    row = dbs.scalars(select(UserSession)).one()
    row.last_seen_at = utcnow() - timedelta(minutes=31)
    dbs.commit()
    assert_sign_in_redirect(client.get("/"), "/")


def test_switching_a_member_off_ends_their_open_session(client, ctx, dbs):
    user = UserFactory()
    sign_in(client, user.email, PASSWORD)
    user.active = False
    dbs.commit()
    assert_sign_in_redirect(client.get("/"), "/")


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"]
)
def test_sign_in_never_redirects_off_site(client, ctx, target):
    user = UserFactory()
    response = _post_sign_in(client, user.email, PASSWORD, next=target)
    assert_redirect(response, "/")


def test_sign_in_returns_to_the_page_asked_for(client, ctx):
    user = UserFactory()
    response = _post_sign_in(client, user.email, PASSWORD, next="/contacts?q=x")
    assert_redirect(response, "/contacts?q=x")
    assert response.headers["Location"] == "/contacts?q=x"


def test_failed_sign_ins_are_throttled_per_account(make_app, ctx):
    app = make_app(login_max_failures_per_account=3, login_max_failures_per_address=100)
    client = app.test_client()
    user = UserFactory()
    for _ in range(3):
        assert _post_sign_in(client, user.email, "wrong password!").status_code == 401
    # Even the right password is refused while the account is throttled.
    blocked = _post_sign_in(client, user.email, PASSWORD)
    assert blocked.status_code == 429
    assert "Too many failed sign-ins" in blocked.text
    # Another account from the same address is not affected by this account's counter.
    other = UserFactory()
    assert_redirect(_post_sign_in(client, other.email, PASSWORD), "/")


def test_failed_sign_ins_are_throttled_per_address(make_app, ctx):
    app = make_app(login_max_failures_per_account=100, login_max_failures_per_address=4)
    client = app.test_client()
    users = UserFactory.create_batch(5)
    for user in users[:4]:
        assert _post_sign_in(client, user.email, "wrong password!").status_code == 401
    assert _post_sign_in(client, users[4].email, PASSWORD).status_code == 429


def test_the_throttle_counter_is_shared_between_app_processes(make_app, ctx):
    """Two app instances stand for two gunicorn workers: the count lives in Redis."""
    limits = {"login_max_failures_per_account": 2, "login_max_failures_per_address": 100}
    worker_a, worker_b = make_app(**limits).test_client(), make_app(**limits).test_client()
    user = UserFactory()
    assert _post_sign_in(worker_a, user.email, "wrong password!").status_code == 401
    assert _post_sign_in(worker_b, user.email, "wrong password!").status_code == 401
    assert _post_sign_in(worker_a, user.email, PASSWORD).status_code == 429
    keys = Redis.from_url(TEST_REDIS_URL).keys("voiceapp:login-fail:*")
    assert len(keys) == 2


def test_a_successful_sign_in_clears_the_account_counter(make_app, ctx):
    app = make_app(login_max_failures_per_account=3, login_max_failures_per_address=100)
    client = app.test_client()
    user = UserFactory()
    for _ in range(2):
        _post_sign_in(client, user.email, "wrong password!")
    assert_redirect(_post_sign_in(client, user.email, PASSWORD), "/")
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").text)})
    for _ in range(2):
        assert _post_sign_in(client, user.email, "wrong password!").status_code == 401
    assert_redirect(_post_sign_in(client, user.email, PASSWORD), "/")


def test_sign_in_still_works_when_redis_is_down(make_app, ctx):
    app = make_app(redis_url="redis://127.0.0.1:1/0")
    user = UserFactory()
    assert_redirect(_post_sign_in(app.test_client(), user.email, PASSWORD), "/")


def test_pages_carry_security_headers(client):
    response = client.get("/sign-in")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_is_http_only(client, ctx):
    user = UserFactory()
    sign_in(client, user.email, PASSWORD)
    assert client.get_cookie("session").http_only
