"""The app a job runs in: built once per worker process, never sharing database
connections across RQ's fork.

Jobs run in RQ's work horse (a forked child of `voiceapp worker`), so each job builds or
reuses the process's app; the child drops the parent's pooled connections.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

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
