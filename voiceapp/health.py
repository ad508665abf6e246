"""GET /healthz for the load balancer: 200 when the database and Redis answer, else 503
naming what failed. Redis is asked with a short socket timeout, so a hanging Redis still
gets an answer well within a second."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from voiceapp.db import READ_MOSTLY, get_database
from voiceapp.redis_client import get_redis

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


def _check_database() -> str:
    try:
        with get_database().engine.connect() as conn:
            # A reading transaction: on SQLite it does not queue behind a writer.
            conn.execution_options(**{READ_MOSTLY: True}).execute(text("SELECT 1"))
        return "ok"
    except SQLAlchemyError as exc:
        log.error("health: database check failed: %s", exc)
        return "unavailable"


def _check_redis() -> str:
    try:
        return "ok" if get_redis().ping() else "unavailable"
    except RedisError as exc:
        log.error("health: redis check failed: %s", exc)
        return "unavailable"


@bp.get("/healthz")
def healthz():
    checks = {"database": _check_database(), "redis": _check_redis()}
    healthy = all(v == "ok" for v in checks.values())
    response = jsonify(checks)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
