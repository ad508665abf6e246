"""RQ job functions. Thin: get an app context, load rows by id, call an operation, commit.

Jobs run in RQ's work horse (a forked child of `voiceapp worker`), so each job builds or
reuses the process's app and never shares database connections across a fork.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import delete, or_

from voiceapp.db import session, utcnow

_app = None


def _forget_app_after_fork() -> None:
    global _app
    if _app is not None:
        # Connections opened by the parent must not be used by the child.
        _app.extensions["voiceapp.db"].engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_app_after_fork)


def set_job_app(app) -> None:
    global _app
    _app = app


@contextmanager
def job_context():
    global _app
    if _app is None:
        from voiceapp import create_app

        _app = create_app()
    with _app.app_context():
        yield


def purge_old_sessions(keep_days: int = 30) -> int:
    """Delete panel sessions that ended (or went idle) more than `keep_days` ago."""
    from voiceapp.models import UserSession

    with job_context():
        cutoff = utcnow() - timedelta(days=keep_days)
        dbs = session()
        result = dbs.execute(
            delete(UserSession).where(
                or_(UserSession.ended_at < cutoff, UserSession.last_seen_at < cutoff)
            )
        )
        dbs.commit()
        return result.rowcount
