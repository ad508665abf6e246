"""Handing work to RQ only after the transaction that needs it has committed.

`add_job` writes an OutboxJob row in the caller's transaction. After the response, the
request's relay hands the rows that request committed to Redis (rq.Queue.enqueue with the
row's deterministic job id) and marks them; the periodic sweep (`relay_pending`) hands
over rows a failed relay left behind. Requests never wait on Redis: the relay runs after
the response has been sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask import after_this_request, has_request_context
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError
from sqlalchemy import delete, event, inspect, select, update
from sqlalchemy.orm import Session

from voiceapp.db import utcnow
from voiceapp.models import OutboxJob

log = logging.getLogger(__name__)
RELAY_BATCH = 200
# In a session's info: the jobs added since its last commit, and those it committed.
_ADDED = "voiceapp_outbox_added"
_COMMITTED = "voiceapp_outbox_committed"


@dataclass(frozen=True)
class PendingJob:
    """A committed row to hand over: its id, and what RQ needs of it."""

    id: int
    func: str
    args: list
    job_id: str
    queue: str
    run_at: datetime | None


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
        db.info.setdefault(_ADDED, []).append(row)
        _relay_after_response(db)
    return row


@event.listens_for(Session, "after_commit")
def _note_committed(db: Session) -> None:
    """The jobs a request added are its relay's once committed. A row that a rolled-back
    SAVEPOINT took out again lost its identity, and a rolled-back transaction's never
    reach this (their next commit finds them without one). The session does not expire
    its objects on commit (db.Database), so the row's values are at hand."""
    added = db.info.pop(_ADDED, None)
    if added:
        db.info.setdefault(_COMMITTED, []).extend(
            PendingJob(identity[0], row.func, row.args, row.job_id, row.queue, row.run_at)
            for row in added
            if (identity := inspect(row).identity) is not None
        )


def _relay_after_response(db: Session) -> None:
    from flask import g

    if g.get("outbox_relay_scheduled"):
        return
    g.outbox_relay_scheduled = True

    @after_this_request
    def _schedule(response):
        from flask import current_app

        app = current_app._get_current_object()

        def relay_on_close():
            committed = db.info.pop(_COMMITTED, None)
            db.info.pop(_ADDED, None)
            with app.app_context():
                from voiceapp.db import session
                from voiceapp.redis_client import get_breaker, get_redis

                breaker = get_breaker()
                was_open = breaker.is_open
                # Redis failed a moment ago: this thread does not wait on it again (the
                # rows wait for the sweep, or for a request once Redis answers).
                if not breaker.allow():
                    return
                try:
                    if was_open:  # Redis answers again: what earlier relays left goes too
                        relay_pending(session(), get_redis(), breaker=breaker)
                    elif committed:
                        hand_over(session(), get_redis(), committed, breaker=breaker)
                except Exception:  # never let the relay break the response
                    log.exception("outbox relay failed")

        response.call_on_close(relay_on_close)
        return response


def relay_pending(db: Session, redis: Redis, *, now: datetime | None = None, breaker=None) -> int:
    """Enqueue pending rows, oldest first; stop at the first Redis error. Returns how many
    were handed over. The sweep's relay, and a request's once Redis answers again.

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
    jobs = [PendingJob(*row) for row in rows]
    return hand_over(db, redis, jobs, now=now, breaker=breaker)


def hand_over(
    db: Session, redis: Redis, jobs: list[PendingJob], *, now: datetime | None = None, breaker=None
) -> int:
    """Enqueue `jobs` (committed rows, known to be pending a moment ago) in their order,
    then mark those Redis took in one statement; stop at the first Redis error. A
    request's relay gives the jobs it committed, so it reads nothing first: the relay of
    a status callback that ended a call cost more than the rest of the callback when it
    read the pending rows, in their own transaction, before handing them over."""
    handed: list[int] = []
    failure: tuple[int, str] | None = None
    current = now or utcnow()
    for job in jobs:
        queue = Queue(job.queue, connection=redis)
        options = dict(
            job_id=job.job_id,
            unique=True,
            job_timeout=300,
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
            # Jobs fail mostly for passing reasons (Twilio or SMTP unreachable).
            retry=Retry(max=5, interval=[10, 30, 120, 600, 1800]),
        )
        try:
            if job.run_at is not None and job.run_at > current:
                queue.enqueue_at(job.run_at, job.func, *job.args, **options)
            else:
                queue.enqueue(job.func, *job.args, **options)
        except DuplicateJobError:
            pass  # another relay handed this row over a moment ago
        except RedisError as exc:
            failure = (job.id, str(exc)[:500])
            log.warning("outbox: Redis refused job %s (%s); it waits for the sweep", job.id, exc)
            break
        handed.append(job.id)
    if breaker is not None and failure is not None:
        breaker.failed()
    elif breaker is not None and jobs:
        breaker.succeeded()
    # On the table, not the class: the ORM's UPDATE would look for the rows among the
    # session's objects to keep them in step, and the relay holds none of them.
    table = OutboxJob.__table__
    if handed:
        db.execute(
            update(table)
            .where(table.c.id.in_(handed), table.c.enqueued_at.is_(None))
            .values(enqueued_at=current)
        )
    if failure is not None:
        db.execute(
            update(table)
            .where(table.c.id == failure[0])
            .values(attempts=table.c.attempts + 1, last_error=failure[1])
        )
    db.commit()
    return len(handed)


def purge_handed_over(db: Session, *, before: datetime) -> int:
    """Forget rows handed to Redis before `before`: RQ has long run (or failed) their
    jobs, and the table would otherwise grow with every reminder, e-mail and recording."""
    result = db.execute(delete(OutboxJob).where(OutboxJob.enqueued_at < before))
    db.commit()
    return result.rowcount
