"""Throttling of failed panel sign-ins, per account and per address.

The counters live in Redis so that every gunicorn worker and host sees the same numbers.
If Redis does not answer, sign-in still works (and the outage is logged): locking every
user out because the cache is down would be worse than a short unthrottled window.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ThrottleLimits:
    per_account: int
    per_address: int
    window_seconds: int


def _keys(email: str, address: str) -> tuple[str, str]:
    return f"voiceapp:login-fail:acct:{email.lower()}", f"voiceapp:login-fail:addr:{address}"


def is_sign_in_blocked(redis: Redis, limits: ThrottleLimits, email: str, address: str) -> bool:
    account_key, address_key = _keys(email, address)
    try:
        account_count, address_count = redis.mget(account_key, address_key)
    except RedisError as exc:
        log.warning("sign-in throttle unavailable (Redis: %s); not throttling", exc)
        return False
    return (
        int(account_count or 0) >= limits.per_account
        or int(address_count or 0) >= limits.per_address
    )


def record_failed_sign_in(redis: Redis, limits: ThrottleLimits, email: str, address: str) -> None:
    try:
        pipe = redis.pipeline()
        for key in _keys(email, address):
            pipe.incr(key)
            # The window starts at the first failure and is not extended by later ones.
            pipe.expire(key, limits.window_seconds, nx=True)
        pipe.execute()
    except RedisError as exc:
        log.warning("could not record a failed sign-in (Redis: %s)", exc)


def clear_account_failures(redis: Redis, email: str) -> None:
    try:
        redis.delete(_keys(email, "")[0])
    except RedisError as exc:
        log.warning("could not clear sign-in failures (Redis: %s)", exc)
