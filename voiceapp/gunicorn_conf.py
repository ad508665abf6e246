"""gunicorn's settings for the web process: the Procfile's `--config voiceapp/gunicorn_conf.py`,
also what `voiceapp dev` and the benchmarks under bench/ run.

Given by its path, not as `python:voiceapp.gunicorn_conf`: that would import the voiceapp
package into gunicorn's master, and the workers a reload (HUP) forks would keep the old
code. This file imports nothing of the app.

Processes rather than threads: a request is mostly Python (Flask, SQLAlchemy, the
signature's HMAC), so threads of one process take turns on its GIL. On the bench's two
cores (bench/README.md, 1 December 2026), status callbacks on PostgreSQL went from 526-591
events/s with 2 workers x 4 threads to 811-864 with 3 x 2, and the inbound webhook from
525-616 to 634-636 requests/s; 4 x 2 did worse than 3 x 2 (more processes than cores to
switch between). Two threads per process still let one request wait on the database,
Redis or a recording's download while the other runs.
"""

from __future__ import annotations

import gc
import math
import os
from pathlib import Path

THREADS_PER_WORKER = 2
# Each worker holds its own database pool, Redis connections and about 125 MB: past this
# many, a platform should say how many it wants (WEB_CONCURRENCY).
MOST_WORKERS = 9


def worker_count(environ: os._Environ | dict = os.environ, cpus: float | None = None) -> int:
    """WEB_CONCURRENCY when set (the platform's choice: Heroku, Render and Dokku set it),
    else one process per CPU this process may use, plus one, at most MOST_WORKERS."""
    chosen = (environ.get("WEB_CONCURRENCY") or "").strip()
    if chosen:
        if not chosen.isdigit() or int(chosen) < 1:
            raise ValueError(f"WEB_CONCURRENCY must be a whole number from 1, not {chosen!r}")
        return int(chosen)
    if cpus is None:
        cpus = usable_cpus()
    return min(math.ceil(cpus) + 1, MOST_WORKERS)


def usable_cpus(cgroup: Path = Path("/sys/fs/cgroup")) -> float:
    """The CPUs this process may run on, or its container's CPU quota when smaller (a
    container on a large host sees all of the host's CPUs, but may use two of them)."""
    if hasattr(os, "sched_getaffinity"):
        cpus: float = len(os.sched_getaffinity(0))
    else:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    quota = cpu_quota(cgroup)
    return min(cpus, quota) if quota else cpus


def cpu_quota(cgroup: Path) -> float | None:
    """The CFS quota in CPUs: cgroup v2's cpu.max ("200000 100000"), else v1's
    cpu.cfs_quota_us / cpu.cfs_period_us; None when unlimited or unreadable."""
    try:
        quota, period = (cgroup / "cpu.max").read_text().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:
        quota_us = int((cgroup / "cpu" / "cpu.cfs_quota_us").read_text())
        period_us = int((cgroup / "cpu" / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return quota_us / period_us if quota_us > 0 and period_us > 0 else None


def freeze_startup_heap() -> None:
    """After a last collection, move every object alive now (the modules imported, the
    app, its blueprints and schemas: about 250,000 objects) to the garbage collector's
    permanent generation, which it never scans again (gc.freeze). Its full collections then
    look only at what requests made since. Unfrozen, a full collection walked the whole
    heap, once every few hundred API requests, and held that request up: the API lists'
    slowest request took 130 ms where the others took under 13 ms (bench_api_lists.py,
    bench/README.md), and a share of every request's mean went to it."""
    gc.collect()
    gc.freeze()


def post_worker_init(_worker) -> None:
    """gunicorn's hook, run in each worker once it has loaded the app, before its first
    request."""
    freeze_startup_heap()


# gunicorn reads these names (and ignores the others of this module).
workers = worker_count()
threads = THREADS_PER_WORKER
worker_class = "gthread"
accesslog = "-"
