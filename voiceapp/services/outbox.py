"""Handing work to RQ only after the transaction that needs it has committed.

`add_job` writes an OutboxJob row in the caller's transaction. After the request, the
relay moves pending rows to Redis (rq.Queue.enqueue with the row's deterministic job id);
the periodic sweep does the same for rows a failed relay left behind. Requests never wait
on Redis: the relay runs after the response has been sent.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import after_this_request, has_request_context
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.db import utcnow
from voiceapp.models import OutboxJob

log = logging.getLogger(__name__)
RELAY_BATCH = 200


def add_job(db: Session, func: str, *args, job_id: str, queue: str = "default") -> OutboxJob:
    """Record `func(*args)` to run once the current transaction commits."""
    row = OutboxJob(func=func, args=list(args), job_id=job_id, queue=queue)
    db.add(row)
    if has_request_context():
        _relay_after_response()
    return row


def _relay_after_response() -> None:
    from flask import g

    if g.get("outbox_relay_scheduled"):
        return
    g.outbox_relay_scheduled = True

    @after_this_request
    def _schedule(response):
        from flask import current_app

        app = current_app._get_current_object()

        def relay_on_close():
            with app.app_context():
                from voiceapp.db import session
                from voiceapp.redis_client import get_redis

                try:
                    relay_pending(session(), get_redis())
                except Exception:  # never let the relay break the response
                    log.exception("outbox relay failed")

        response.call_on_close(relay_on_close)
        return response


def relay_pending(db: Session, redis: Redis, *, now: datetime | None = None) -> int:
    """Enqueue pending rows, oldest first; stop at the first Redis error. Returns how many
    were handed over."""
    rows = db.scalars(
        select(OutboxJob)
        .where(OutboxJob.enqueued_at.is_(None))
        .order_by(OutboxJob.id)
        .limit(RELAY_BATCH)
        # Two relays (a request's and the sweep's) never hand over the same row.
        .with_for_update(skip_locked=True)
    ).all()
    handed = 0
    for row in rows:
        try:
            Queue(row.queue, connection=redis).enqueue(
                row.func,
                *row.args,
                job_id=row.job_id,
                job_timeout=300,
                result_ttl=3600,
                failure_ttl=7 * 24 * 3600,
                # Jobs fail mostly for passing reasons (Twilio or SMTP unreachable).
                retry=Retry(max=5, interval=[10, 30, 120, 600, 1800]),
            )
        except RedisError as exc:
            row.attempts += 1
            row.last_error = str(exc)[:500]
            log.warning("outbox: Redis refused job %s (%s); it waits for the sweep", row.id, exc)
            break
        row.enqueued_at = now or utcnow()
        handed += 1
    db.commit()
    return handed
