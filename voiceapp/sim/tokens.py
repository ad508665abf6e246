"""Checking a Voice access token as Twilio does when a softphone registers: an HS256 JWT
signed with the API key's secret, issued by that key for this account, not expired, with a
voice grant. Returns the identity it proves."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time


class TokenError(ValueError):
    pass


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verify_access_token(
    token: str, *, account_sid: str, api_key_sid: str, api_key_secret: str, now: float | None = None
) -> str:
    try:
        header_b64, payload_b64, signature_b64 = token.split(".")
        header = json.loads(_b64decode(header_b64))
        payload = json.loads(_b64decode(payload_b64))
        signature = _b64decode(signature_b64)
    except (ValueError, json.JSONDecodeError) as exc:
        raise TokenError("not a JWT") from exc
    if header.get("alg") != "HS256":
        raise TokenError(f"unexpected algorithm {header.get('alg')!r}")
    expected = hmac.new(
        api_key_secret.encode(), f"{header_b64}.{payload_b64}".encode(), hashlib.sha256
    ).digest()
    if not hmac.compare_digest(expected, signature):
        raise TokenError("the signature does not match the API key secret")
    if payload.get("iss") != api_key_sid or payload.get("sub") != account_sid:
        raise TokenError("the token was issued for another API key or account")
    moment = time.time() if now is None else now
    if payload.get("exp", 0) <= moment:
        raise TokenError("the token has expired")
    if payload.get("nbf", 0) > moment + 60:
        raise TokenError("the token is not valid yet")
    grants = payload.get("grants") or {}
    identity = grants.get("identity")
    if not identity or "voice" not in grants:
        raise TokenError("the token carries no identity or no voice grant")
    return identity
