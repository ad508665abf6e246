"""The dashboard's job: add up the calls per hour (services.call_hours)."""

from __future__ import annotations

from datetime import datetime

from voiceapp.db import session, utcnow
from voiceapp.services.call_hours import roll_up
from workers.context import job_context


def roll_up_call_hours(now: datetime | None = None) -> int:
    """Every ten minutes (`voiceapp clock`): the totals of the last day's hours rewritten
    up to two hours ago; the number of totals written."""
    with job_context():
        dbs = session()
        written = roll_up(dbs, now=now or utcnow())
        dbs.commit()
        return written
