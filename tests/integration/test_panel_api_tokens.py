"""Making an API token in the panel: the token is shown once, on the page after the
redirect, and never travels in the session cookie (signed, not encrypted)."""

from __future__ import annotations

import base64
import re
import zlib

from tests.conftest import csrf_from, sign_in
from tests.factories import PASSWORD, UserFactory
from tests.mail_helpers import free_port

TOKEN = re.compile(r"\bva_[A-Za-z0-9_\-]{20,}")


def _cookie_payload(client) -> str:
    """What the session cookie says, decoded as anyone holding it could."""
    cookie = client.get_cookie("session")
    if cookie is None:
        return ""
    value = cookie.value
    compressed = value.startswith(".")
    data = value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    return (zlib.decompress(raw) if compressed else raw).decode()


def _create(client, name="CRM sync"):
    token = csrf_from(client.get("/account/tokens").text)
    return client.post("/account/tokens", data={"name": name, "csrf_token": token})


def test_a_new_token_is_shown_once_and_never_put_in_the_cookie(client, ctx):
    user = UserFactory()
    sign_in(client, user.email, PASSWORD)
    response = _create(client)
    assert response.status_code == 302 and response.headers["Location"] == "/account/tokens"
    assert not TOKEN.search(_cookie_payload(client))
    page = client.get("/account/tokens")
    shown = TOKEN.findall(page.text)
    assert len(set(shown)) == 1
    api = client.get("/api/contacts", headers={"Authorization": f"Bearer {shown[0]}"})
    assert api.status_code == 200
    assert not TOKEN.search(client.get("/account/tokens").text)  # only once


def test_with_redis_down_the_token_is_shown_in_the_answer_itself(make_app, ctx):
    client = make_app(redis_url=f"redis://127.0.0.1:{free_port()}/0").test_client()
    user = UserFactory()
    sign_in(client, user.email, PASSWORD)
    response = _create(client)
    assert response.status_code == 200
    assert len(set(TOKEN.findall(response.text))) == 1
    assert not TOKEN.search(_cookie_payload(client))
