"""What the database benchmarks (bench_cases.py, bench_contact_lookup.py) share: a fresh
SQLite file or PostgreSQL database to load, batches for loading, and the figures of a
series of timings. The benchmarks run as scripts, so this folder is on their path."""

from __future__ import annotations

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
    folder under `work_dir`."""
    from voiceapp import create_app

    work_dir.mkdir(parents=True, exist_ok=True)
    return create_app(
        {
            "env": "testing",
            "secret_key": "bench-secret-key-0123456789abcdef",
            "database_url": url,
            "redis_url": redis_url,
            "instance_path": work_dir / "instance",
        }
    )
