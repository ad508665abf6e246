"""Order jobs: cancel an unpaid order at its auto-cancel date."""

from __future__ import annotations

from voiceapp.db import session, utcnow
from voiceapp.services.orders import auto_cancel
from workers.context import job_context


def auto_cancel_order(order_id: int, due_ts: int) -> bool:
    """Cancel the order if it is still unpaid and due_ts is still its auto-cancel date."""
    with job_context():
        dbs = session()
        cancelled = auto_cancel.cancel_if_due(dbs, order_id, due_ts, now=utcnow())
        dbs.commit()
        return cancelled
