"""Throttling of failed panel sign-ins, per account and per address.

Every attempt first increments its counters (atomically, in Redis) and only then compares
them with the limits: checking first and counting after the password was verified let a
burst of concurrent attempts all pass the check before any was counted. A successful
sign-in gives its address count back and clears the account's, so only failures add up.

The counters live in Redis so that every gunicorn worker and host sees the same numbers.
When Redis does not answer, a counter in this process takes over (and the log says so):
weaker, since each worker counts alone, but an outage of the cache must neither lock
everybody out nor switch the limit off.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# Decrement only a counter that still exists: one that expired meanwhile must not come
# back as -1 without an expiry.
_GIVE_BACK = "if redis.call('exists', KEYS[1]) == 1 then return redis.call('decr', KEYS[1]) end"


@dataclass(frozen=True)
class ThrottleLimits:
    per_account: int
    per_address: int
    window_seconds: int


class LocalCounters:
    """Fixed-window counters of one process, for while Redis is unreachable."""

    # Past this many keys, expired windows are swept out (an attacker spraying e-mails
    # must not grow the table without bound).
    SWEEP_ABOVE = 10_000

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, float]] = {}  # key -> (count, window ends)

    def incr(self, key: str, window_seconds: int) -> int:
        with self._lock:
            now = self._clock()
            if len(self._counts) > self.SWEEP_ABOVE:
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
            count, ends = self._counts.get(key, (0, now + window_seconds))
            if ends <= now:
                count, ends = 0, now + window_seconds
            self._counts[key] = (count + 1, ends)
            return count + 1

    def give_back(self, key: str) -> None:
        with self._lock:
            if key in self._counts:
                count, ends = self._counts[key]
                self._counts[key] = (max(0, count - 1), ends)

    def delete(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)


def _keys(email: str, address: str) -> tuple[str, str]:
    return f"voiceapp:login-fail:acct:{email.lower()}", f"voiceapp:login-fail:addr:{address}"


def begin_sign_in(
    redis: Redis, fallback: LocalCounters, limits: ThrottleLimits, email: str, address: str
) -> bool:
    """Count this attempt; False when it is over the limit of the account or the address
    (the caller refuses it without looking at the password)."""
    account_key, address_key = _keys(email, address)
    try:
        pipe = redis.pipeline(transaction=True)
        for key in (account_key, address_key):
            pipe.incr(key)
            # The window starts at the first failure and is not extended by later ones.
            pipe.expire(key, limits.window_seconds, nx=True)
        account_count, _, address_count, _ = pipe.execute()
    except RedisError as exc:
        log.warning(
            "sign-in throttle: Redis unavailable (%s); counting failures in this process only",
            exc,
        )
        account_count = fallback.incr(account_key, limits.window_seconds)
        address_count = fallback.incr(address_key, limits.window_seconds)
    return account_count <= limits.per_account and address_count <= limits.per_address


def sign_in_succeeded(redis: Redis, fallback: LocalCounters, email: str, address: str) -> None:
    """The password was right: the account starts afresh, and the address gets this
    attempt back (people signing in behind one office address are no failures)."""
    account_key, address_key = _keys(email, address)
    fallback.delete(account_key)  # failures counted during an outage are void too
    try:
        pipe = redis.pipeline(transaction=True)
        pipe.delete(account_key)
        pipe.eval(_GIVE_BACK, 1, address_key)
        pipe.execute()
    except RedisError as exc:
        log.warning("sign-in throttle: Redis unavailable (%s); clearing in this process", exc)
        fallback.give_back(address_key)
