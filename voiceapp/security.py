"""Secrets: password hashing (Argon2id), random tokens and their hashes, security headers."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi's defaults are RFC 9106's low-memory profile of Argon2id.
_hasher = PasswordHasher()
# Verified against when the account does not exist, so a wrong e-mail and a wrong password
# take the same time and do not tell an attacker which accounts exist.
_DUMMY_HASH = _hasher.hash("voiceapp-timing-equaliser")

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password must have at least {MIN_PASSWORD_LENGTH} characters"
    return None


def new_token(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def token_hash(token: str) -> str:
    """Tokens carry 256 random bits, so a fast hash is enough (no password stretching)."""
    return hashlib.sha256(token.encode()).hexdigest()


def content_security_policy(connect_also: str | None = None) -> str:
    """The panel's policy; `connect_also` is one more origin scripts may connect to (the
    Twilio simulator, in development only)."""
    connect = "connect-src 'self'" + (f" {connect_also}" if connect_also else "")
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "media-src 'self' blob:",
            connect,
            "frame-ancestors 'none'",
            "form-action 'self'",
            "base-uri 'self'",
            "object-src 'none'",
        ]
    )


CONTENT_SECURITY_POLICY = content_security_policy()


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def add_security_headers(response):
    from flask import current_app

    simulator = current_app.config["VOICEAPP"].simulator_url
    policy = content_security_policy(_origin(simulator)) if simulator else CONTENT_SECURITY_POLICY
    response.headers.setdefault("Content-Security-Policy", policy)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
