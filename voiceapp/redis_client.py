"""The app's Redis connection. Short socket timeouts everywhere: a hanging Redis must
never hang a request (health checks answer within a second, sign-ins go on)."""

from __future__ import annotations

import threading
import time

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError

REDIS_TIMEOUT_SECONDS = 0.4
# A request thread that finds Redis failing gives up at once for a while (the breaker's
# back-off, doubling from the first to the last), then asks with a PING bounded by the
# probe's timeouts before it hands work over again: after a first failure, a hanging Redis
# costs a thread at most about PROBE_CONNECT + PROBE_READ seconds.
BREAKER_FIRST_BACKOFF_SECONDS = 1.0
BREAKER_LAST_BACKOFF_SECONDS = 30.0
PROBE_CONNECT_SECONDS = 0.015
PROBE_READ_SECONDS = 0.03


def make_redis(url: str) -> Redis:
    return Redis.from_url(
        url,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        health_check_interval=30,
    )


def get_redis() -> Redis:
    return current_app.extensions["voiceapp.redis"]


class RedisBreaker:
    """Per process and app: whether request threads should try Redis now.

    Closed (Redis answered last time): every thread tries. Open (a thread saw Redis fail):
    threads skip Redis until the back-off is over; work they would have handed over stays
    in the database (the outbox) for the sweep or a later request. Then one thread probes
    with a short PING; an answer closes the breaker, silence opens it again for twice as
    long. Threads never wait on each other: only one probes, the rest skip."""

    def __init__(self, url: str, *, clock=time.monotonic):
        self._probe_client = Redis.from_url(
            url,
            socket_connect_timeout=PROBE_CONNECT_SECONDS,
            socket_timeout=PROBE_READ_SECONDS,
            retry=None,
        )
        self._clock = clock
        self._lock = threading.Lock()
        self._open_until: float | None = None  # None: closed
        self._backoff = BREAKER_FIRST_BACKOFF_SECONDS
        self._probing = False

    @property
    def is_open(self) -> bool:
        return self._open_until is not None

    def allow(self) -> bool:
        """May this thread use Redis now? Probes (once, shortly) when the back-off is over."""
        with self._lock:
            if self._open_until is None:
                return True
            if self._probing or self._clock() < self._open_until:
                return False
            self._probing = True
        try:
            answered = bool(self._probe_client.ping())
        except (RedisError, OSError):
            answered = False
        finally:
            with self._lock:
                self._probing = False
        if answered:
            self.succeeded()
        else:
            self.failed()
        return answered

    def failed(self) -> None:
        with self._lock:
            if self._open_until is not None:
                self._backoff = min(self._backoff * 2, BREAKER_LAST_BACKOFF_SECONDS)
            self._open_until = self._clock() + self._backoff

    def succeeded(self) -> None:
        with self._lock:
            self._open_until = None
            self._backoff = BREAKER_FIRST_BACKOFF_SECONDS


def get_breaker() -> RedisBreaker:
    return current_app.extensions["voiceapp.redis_breaker"]
