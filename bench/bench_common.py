"""What the benchmarks (bench_cases.py, bench_contact_lookup.py, bench_api_lists.py,
bench_webhooks.py ...) share: a fresh SQLite file or PostgreSQL database to load, batches
for loading, the figures of a series of timings, a machine-speed yardstick, a request
through the app's WSGI callable, and gunicorn's settings as the Procfile has them. The
benchmarks run as scripts, so this folder is on their path."""

from __future__ import annotations

import argparse
import functools
import io
import time
from collections.abc import Iterator
from pathlib import Path

PG_ADMIN = "host=127.0.0.1 user=postgres dbname=postgres"


def batches(rows: list[tuple], size: int) -> Iterator[list[tuple]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def sqlite_fresh(path: Path) -> str:
    """An empty SQLite file at `path` (with its WAL and journal gone); its URL."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def pg_fresh(dbname: str) -> str:
    """Database `dbname` on 127.0.0.1 (user postgres, trust auth), created when missing,
    its public schema dropped and made anew; its URL."""
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,))
        if exists.fetchone() is None:
            conn.execute(f'CREATE DATABASE "{dbname}"')
    with psycopg.connect(f"host=127.0.0.1 user=postgres dbname={dbname}", autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return f"postgresql+psycopg://postgres@127.0.0.1/{dbname}"


def summarize(durations: list[float], rate: str = "per_s") -> dict:
    """p50, p99 (nearest rank) and max in ms, and calls per second under `rate`."""
    ordered = sorted(durations)

    def pct(p: float) -> float:
        return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))]

    return {
        "p50_ms": round(pct(50) * 1000, 3),
        "p99_ms": round(pct(99) * 1000, 3),
        "max_ms": round(ordered[-1] * 1000, 3),
        rate: round(len(ordered) / sum(ordered), 1),
    }


def bench_app(url: str, work_dir: Path, redis_url: str = "redis://127.0.0.1:6379/13"):
    """The app on the bench's database, configured as the tests configure it; its instance
    folder under `work_dir`. The heap is then frozen as a gunicorn worker freezes it once
    it has loaded the app (voiceapp.gunicorn_conf.post_worker_init), so that requests
    timed here meet the garbage collector as they do in production."""
    from voiceapp import create_app
    from voiceapp.gunicorn_conf import freeze_startup_heap

    work_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(
        {
            "env": "testing",
            "secret_key": "bench-secret-key-0123456789abcdef",
            "database_url": url,
            "redis_url": redis_url,
            "instance_path": work_dir / "instance",
        }
    )
    freeze_startup_heap()
    return app


def machine_speed() -> float:
    """Milliseconds a fixed pure-Python loop takes (median of five): shared machines run
    the same code at different speeds from one minute to the next (this one has been
    seen at 68 and at 128 ms within the hour), so each run's figures come with this
    yardstick."""
    times = []
    for _ in range(5):
        start, total = time.perf_counter(), 0
        for i in range(3_000_000):
            total += i
        times.append(time.perf_counter() - start)
    return round(sorted(times)[2] * 1000, 1)


def wsgi_get(app, path: str, query_string: str, headers: dict):
    """A function making this GET through the app's WSGI callable (what gunicorn calls),
    the environ prepared once: the app's own cost, without the test client's (werkzeug's
    EnvironBuilder, cookie jar and response wrapper, about 0.2-0.3 ms a request). It
    returns (status line, body)."""
    from werkzeug.test import EnvironBuilder

    prepared = EnvironBuilder(path=path, query_string=query_string, headers=headers).get_environ()

    def get() -> tuple[str, bytes]:
        environ = dict(prepared, **{"wsgi.input": io.BytesIO(b"")})
        statuses: list[str] = []
        answer = app(environ, functools.partial(_note_status, statuses))
        try:
            body = b"".join(answer)
        finally:
            if hasattr(answer, "close"):
                answer.close()
        return statuses[0], body

    return get


def _note_status(statuses: list[str], status: str, _headers, _exc_info=None) -> None:
    statuses.append(status)


def add_gunicorn_arguments(parser: argparse.ArgumentParser) -> None:
    """--workers and --threads, by default what the Procfile's web process runs
    (voiceapp.gunicorn_conf: one worker per CPU plus one, two threads each)."""
    from voiceapp.gunicorn_conf import THREADS_PER_WORKER, worker_count

    workers = worker_count()
    parser.add_argument(
        "--workers", type=int, default=workers, help=f"gunicorn workers (the Procfile's: {workers})"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=THREADS_PER_WORKER,
        help=f"gunicorn threads per worker (the Procfile's: {THREADS_PER_WORKER})",
    )
