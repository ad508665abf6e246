"""gunicorn's settings for the web process: the Procfile's `-c python:voiceapp.gunicorn_conf`,
also what `voiceapp dev` and the benchmarks under bench/ run.

Processes rather than threads: a request is mostly Python (Flask, SQLAlchemy, the
signature's HMAC), so threads of one process take turns on its GIL. On the bench's two
cores (bench/README.md, 1 December 2026), status callbacks on PostgreSQL went from 526-591
events/s with 2 workers x 4 threads to 811-864 with 3 x 2, and the inbound webhook from
525-616 to 634-636 requests/s; 4 x 2 did worse than 3 x 2 (more processes than cores to
switch between). Two threads per process still let one request wait on the database,
Redis or a recording's download while the other runs.
"""

from __future__ import annotations

import os

THREADS_PER_WORKER = 2


def worker_count(environ: os._Environ | dict = os.environ, cpus: int | None = None) -> int:
    """WEB_CONCURRENCY when set (the platform's choice: Heroku, Render and Dokku set it),
    else one process per CPU this process may run on, plus one."""
    chosen = (environ.get("WEB_CONCURRENCY") or "").strip()
    if chosen:
        if not chosen.isdigit() or int(chosen) < 1:
            raise ValueError(f"WEB_CONCURRENCY must be a whole number from 1, not {chosen!r}")
        return int(chosen)
    if cpus is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
        cpus = cpus or os.cpu_count() or 1
    return cpus + 1


# gunicorn reads these names (and ignores the others of this module).
workers = worker_count()
threads = THREADS_PER_WORKER
worker_class = "gthread"
accesslog = "-"
