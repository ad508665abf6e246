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
from rq.exceptions import DuplicateJobError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from voiceapp.db import utcnow
from voiceapp.models import OutboxJob

log = logging.getLogger(__name__)
RELAY_BATCH = 200


def add_job(
    db: Session,
    func: str,
    *args,
    job_id: str,
    queue: str = "default",
    run_at: datetime | None = None,
) -> OutboxJob:
    """Record `func(*args)` to run once the current transaction commits, or at `run_at`
    (RQ's scheduler, in `voiceapp worker`, holds it until then)."""
    row = OutboxJob(func=func, args=list(args), job_id=job_id, queue=queue, run_at=run_at)
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
                from voiceapp.redis_client import get_breaker, get_redis

                breaker = get_breaker()
                # Redis failed a moment ago: this thread does not wait on it again (the
                # rows wait for the sweep, or for a request once Redis answers).
                if not breaker.allow():
                    return
                try:
                    relay_pending(session(), get_redis(), breaker=breaker)
                except Exception:  # never let the relay break the response
                    log.exception("outbox relay failed")

        response.call_on_close(relay_on_close)
        return response


def relay_pending(db: Session, redis: Redis, *, now: datetime | None = None, breaker=None) -> int:
    """Enqueue pending rows, oldest first; stop at the first Redis error. Returns how many
    were handed over.

    No database transaction is open while Redis is asked: a hanging Redis takes its whole
    socket timeout, and on SQLite an open write transaction would make every webhook wait
    that long. Two relays (a request's and the sweep's) may pick the same row; the job is
    enqueued with unique=True, so Redis takes it once and the other relay only marks it.
    `breaker` (a request's relay: redis_client.RedisBreaker) learns whether Redis answered."""
    rows = db.execute(
        select(
            OutboxJob.id,
            OutboxJob.func,
            OutboxJob.args,
            OutboxJob.job_id,
            OutboxJob.queue,
            OutboxJob.run_at,
        )
        .where(OutboxJob.enqueued_at.is_(None))
        .order_by(OutboxJob.id)
        .limit(RELAY_BATCH)
    ).all()
    db.commit()
    handed: list[int] = []
    failure: tuple[int, str] | None = None
    current = now or utcnow()
    for row in rows:
        queue = Queue(row.queue, connection=redis)
        options = dict(
            job_id=row.job_id,
            unique=True,
            job_timeout=300,
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
            # Jobs fail mostly for passing reasons (Twilio or SMTP unreachable).
            retry=Retry(max=5, interval=[10, 30, 120, 600, 1800]),
        )
        try:
            if row.run_at is not None and row.run_at > current:
                queue.enqueue_at(row.run_at, row.func, *row.args, **options)
            else:
                queue.enqueue(row.func, *row.args, **options)
        except DuplicateJobError:
            pass  # another relay handed this row over a moment ago
        except RedisError as exc:
            failure = (row.id, str(exc)[:500])
            log.warning("outbox: Redis refused job %s (%s); it waits for the sweep", row.id, exc)
            break
        handed.append(row.id)
    if breaker is not None and failure is not None:
        breaker.failed()
    elif breaker is not None and rows:
        breaker.succeeded()
    if handed:
        db.execute(
            update(OutboxJob)
            .where(OutboxJob.id.in_(handed), OutboxJob.enqueued_at.is_(None))
            .values(enqueued_at=current)
        )
    if failure is not None:
        db.execute(
            update(OutboxJob)
            .where(OutboxJob.id == failure[0])
            .values(attempts=OutboxJob.attempts + 1, last_error=failure[1])
        )
    db.commit()
    return len(handed)


def purge_handed_over(db: Session, *, before: datetime) -> int:
    """Forget rows handed to Redis before `before`: RQ has long run (or failed) their
    jobs, and the table would otherwise grow with every reminder, e-mail and recording."""
    result = db.execute(delete(OutboxJob).where(OutboxJob.enqueued_at < before))
    db.commit()
    return result.rowcount
