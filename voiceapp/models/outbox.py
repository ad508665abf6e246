"""Work for RQ, written in the same transaction as the change that needs it.

After the commit a relay hands pending rows to Redis; if Redis is down or slow the rows
wait, and the periodic sweep hands them over later. A rolled-back request leaves no job,
a committed one never loses its job.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from voiceapp.db import Base, utcnow


class OutboxJob(Base):
    __tablename__ = "outbox_jobs"
    __table_args__ = (
        Index("ix_outbox_jobs_pending", "enqueued_at", "id"),
        # The sweep asks whether a repair job is already waiting.
        Index("ix_outbox_jobs_job_id", "job_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    func: Mapped[str] = mapped_column(String(200))  # dotted path of the job function
    args: Mapped[list] = mapped_column(default=list)
    # Deterministic RQ job id: the same work enqueued twice runs once.
    job_id: Mapped[str] = mapped_column(String(200))
    queue: Mapped[str] = mapped_column(String(50), default="default")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Not before this time (RQ's scheduler holds it until then); None: at once.
    run_at: Mapped[datetime | None]
    enqueued_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
