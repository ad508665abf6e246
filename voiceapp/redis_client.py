"""The app's Redis connection. Short socket timeouts everywhere: a hanging Redis must
never hang a request (health checks answer within a second, sign-ins go on)."""

from __future__ import annotations

from flask import current_app
from redis import Redis

REDIS_TIMEOUT_SECONDS = 0.4


def make_redis(url: str) -> Redis:
    return Redis.from_url(
        url,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        health_check_interval=30,
    )


def get_redis() -> Redis:
    return current_app.extensions["voiceapp.redis"]
