"""Checking a Voice access token as Twilio does when a softphone registers: an HS256 JWT
signed with the API key's secret, issued by that key for this account, not expired, living
at most 24 hours, with a voice grant whose outgoing TwiML App is the account's and an
identity of the characters Twilio allows. Returns the identity it proves.

Twilio's pages: https://www.twilio.com/docs/iam/access-tokens (lifetime up to 24 hours),
https://www.twilio.com/docs/api/errors/20157 and 31207 (expiration too long), 20104
(expired), https://www.twilio.com/docs/voice/sdks/javascript (identity: letters, digits and
underscore, at most 121 characters)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time

MAX_LIFETIME_SECONDS = 24 * 3600
IDENTITY = re.compile(r"[A-Za-z0-9_]{1,121}")


class TokenError(ValueError):
    pass


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _issued_at(payload: dict) -> float | None:
    """iat or nbf; twilio-python writes neither by default, but its jti ends in the moment
    the token was made ("SK...-1764500000")."""
    for claim in ("iat", "nbf"):
        if isinstance(payload.get(claim), int | float):
            return float(payload[claim])
    _, _, stamp = str(payload.get("jti", "")).rpartition("-")
    return float(stamp) if stamp.isdigit() else None


def token_expiry(token: str) -> float:
    """The exp of a token verify_access_token accepted."""
    return float(json.loads(_b64decode(token.split(".")[1]))["exp"])


def verify_access_token(
    token: str,
    *,
    account_sid: str,
    api_key_sid: str,
    api_key_secret: str,
    twiml_app_sid: str | None = None,
    now: float | None = None,
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
    expires = payload.get("exp", 0)
    if not isinstance(expires, int | float) or expires <= moment:
        raise TokenError("20104: the token has expired (or its exp is not a time)")
    issued = _issued_at(payload)
    if expires - (issued if issued is not None else moment) > MAX_LIFETIME_SECONDS:
        raise TokenError("31207: the token lives longer than 24 hours (JWT expiration too long)")
    if payload.get("nbf", 0) > moment + 60:
        raise TokenError("the token is not valid yet")
    grants = payload.get("grants") or {}
    identity = grants.get("identity")
    if not identity or "voice" not in grants:
        raise TokenError("the token carries no identity or no voice grant")
    if not isinstance(identity, str) or not IDENTITY.fullmatch(identity):
        raise TokenError(
            f"identity {str(identity)[:40]!r} has characters Twilio does not allow "
            "(letters, digits and underscore, at most 121)"
        )
    outgoing = (grants["voice"] or {}).get("outgoing") or {}
    if twiml_app_sid and outgoing and outgoing.get("application_sid") != twiml_app_sid:
        raise TokenError(
            f"the voice grant's TwiML App {outgoing.get('application_sid')!r} is not this "
            f"account's {twiml_app_sid}"
        )
    return identity
