"""Benchmark: the customer's pay page under a code-guessing load.

Builds a fresh database with N real orders (taken through services.orders.create_order,
each with its payment code), serves the app with gunicorn as the Procfile does (the rate
limit on /p/ in Redis, PAY_PAGE_RATE_LIMIT), and fires random well-formed codes (40
random bits and a valid check symbol, so every guess passes the check and is looked up)
at GET /p/CODE from several client addresses at once: each simulated client is a thread
with a keep-alive connection bound to its own loopback source address (127.0.0.x; the
app trusts no proxy here, so X-Forwarded-For would be ignored, as it should be).

    .venv/bin/python bench/pay_page_guessing.py --backend sqlite
    .venv/bin/python bench/pay_page_guessing.py --backend postgresql --orders 10000

Prints the share of guesses answered 429 (the rate limit) and 404 (looked up, not
found), the codes found (must be 0), the orders in the database, the request rate, and
what the limit means for a guesser: how many address-hours one hit takes on average.
Before the guessing, one real code and one guess are asked from a fresh address (200 and
404), so "found 0" is known to come from real look-ups. A JSON line last. Exit status 1
when a guess found an order, the control answers are wrong, or an answer is neither 404
nor 429.

PostgreSQL: database `bench_pay` on 127.0.0.1 (user postgres, trust auth), created when
missing, its public schema rebuilt on every run. SQLite: /tmp/voiceapp-bench-pay. Redis:
only the limiter's keys (prefix voiceapp-pay) are deleted before the run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from bench_common import add_gunicorn_arguments, pg_fresh, sqlite_fresh

ROOT = Path(__file__).resolve().parent.parent
WORK_DIR = Path("/tmp/voiceapp-bench-pay")
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
SECRET_KEY = "bench-secret-key-0123456789abcdef"
CODE_SPACE = 2**40  # the random bits of a payment code
BATCH = 500


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--orders", type=int, default=10_000, help="real orders to create")
    parser.add_argument("--guesses", type=int, default=4_000, help="guesses in all")
    parser.add_argument("--addresses", type=int, default=8, help="simulated client addresses")
    parser.add_argument(
        "--limit", default="30 per minute;300 per hour", help="PAY_PAGE_RATE_LIMIT of the app"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/10")
    parser.add_argument("--pg-database", default="bench_pay")
    add_gunicorn_arguments(parser)
    return parser.parse_args()


# ------------------------------------------------------------------------ the data


def prepare_database(args) -> str:
    from voiceapp.migrate import upgrade

    if args.backend == "sqlite":
        url = sqlite_fresh(WORK_DIR / "bench.sqlite3")
    else:
        url = pg_fresh(args.pg_database)
    upgrade(url)
    return url


def create_orders(url: str, args) -> tuple[list[str], float]:
    """N pending orders through the real service (VAT, code, follow-up case), committed
    in batches; their canonical codes and the seconds it took."""
    from voiceapp import create_app, db
    from voiceapp.models import Contact, Product
    from voiceapp.services import accounts
    from voiceapp.services.orders import create_order
    from voiceapp.services.team_settings import editable_team_settings

    app = create_app(
        {
            "env": "testing",
            "secret_key": SECRET_KEY,
            "database_url": url,
            "redis_url": args.redis_url,
            "instance_path": WORK_DIR / "instance",
        }
    )
    codes = []
    with app.app_context():
        dbs = db.session()
        now = datetime.now(UTC)
        seller = accounts.create_user(
            dbs, email="seller@example.com", name="Seller", role="admin", password="bench-pass-1"
        )
        product = Product(
            name="Sales course", price=Decimal("119.00"), price_is="gross", currency="EUR"
        )
        dbs.add(product)
        # A stored settings row, held here: the service reads it several times per order,
        # and the session keeps only rows someone holds (an unsaved one is never kept).
        settings = editable_team_settings(dbs)
        dbs.commit()
        started = time.perf_counter()
        for n in range(args.orders):
            contact = Contact(
                kind="person",
                first_name="Anna",
                last_name=f"Muster{n}",
                country="DE",
                language="de",
                visibility="shared_write",
                owner_id=seller.id,
            )
            dbs.add(contact)
            dbs.flush()
            order = create_order(
                dbs,
                {
                    "contact_id": contact.id,
                    "items": [{"product_id": product.id, "quantity": 1}],
                    "buyer": {"first_name": "Anna", "last_name": f"Muster{n}", "country": "DE"},
                },
                seller=seller,
                now=now,
            )
            codes.append(order.payment_code)
            if (n + 1) % BATCH == 0:
                dbs.commit()
                dbs.expunge_all()
                seller, product = dbs.merge(seller, load=True), dbs.merge(product, load=True)
                settings = dbs.merge(settings, load=True)
        dbs.commit()
        elapsed = time.perf_counter() - started
    app.extensions["voiceapp.db"].engine.dispose()
    return codes, elapsed


def clear_limiter_keys(redis_url: str) -> None:
    from redis import Redis

    redis = Redis.from_url(redis_url)
    keys = list(redis.scan_iter(match="*voiceapp-pay*", count=1000))
    if keys:
        redis.delete(*keys)


# ------------------------------------------------------------------------ the server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    def __init__(self, url: str, args):
        self.port = free_port()
        self.log = WORK_DIR / "gunicorn.log"
        env = {
            **os.environ,
            "VOICEAPP_ENV": "production",
            "SECRET_KEY": SECRET_KEY,
            "DATABASE_URL": url,
            "REDIS_URL": args.redis_url,
            "PAY_PAGE_RATE_LIMIT": args.limit,
            "VOICEAPP_INSTANCE_PATH": str(WORK_DIR / "instance"),
        }
        command = [
            str(GUNICORN),
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--log-level",
            "warning",
            "--error-logfile",
            str(self.log),
            "voiceapp:create_app()",
        ]
        # The app logs each refused request (flask-limiter, INFO): to the log, not the screen.
        self._output = self.log.open("a")
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=self._output,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"gunicorn exited; see {self.log}")
            try:
                if get(self.port, "127.0.0.1", "/healthz") == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        sys.exit(f"gunicorn did not answer within 30 s; see {self.log}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._output.close()


def get(port: int, source: str, path: str) -> int:
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=30, source_address=(source, 0)
    )
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


# ------------------------------------------------------------------------ guessing


def guess() -> str:
    from voiceapp.domain.payment_code import format_code, new_code

    return format_code(new_code())


def guesser(port: int, source: str, paths: list[str], answers: Counter, found: list, lock):
    """One client address: its guesses one after another on one keep-alive connection."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=30, source_address=(source, 0)
    )
    mine: Counter = Counter()
    for path in paths:
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection(
                "127.0.0.1", port, timeout=30, source_address=(source, 0)
            )
            status = "error"
        mine[status] += 1
        if status == 200:
            with lock:
                found.append(path)
    connection.close()
    with lock:
        answers.update(mine)


def main() -> int:
    args = parse_args()
    sys.path.insert(0, str(ROOT))
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    print(
        f"backend {args.backend}, {args.orders:,} orders, {args.guesses:,} guesses from "
        f"{args.addresses} addresses, limit {args.limit!r}, gunicorn {args.workers} workers "
        f"x {args.threads} threads"
    )
    url = prepare_database(args)
    codes, seconds = create_orders(url, args)
    print(
        f"created {len(codes):,} orders through the service in {seconds:.1f} s "
        f"({len(codes) / seconds:.0f} orders/s)"
    )
    clear_limiter_keys(args.redis_url)
    server = Gunicorn(url, args)
    problems = []
    try:
        from voiceapp.domain.payment_code import format_code

        real = get(server.port, "127.0.0.250", f"/p/{format_code(codes[0])}")
        control = get(server.port, "127.0.0.251", f"/p/{guess()}")
        print(f"control from fresh addresses: a real code answered {real}, a guess {control}")
        if (real, control) != (200, 404):
            problems.append(f"control answers {real} and {control}, not 200 and 404")
        sources = [f"127.0.0.{10 + i}" for i in range(args.addresses)]
        per_source = [
            [f"/p/{guess()}" for _ in range(args.guesses // args.addresses)] for _ in sources
        ]
        answers: Counter = Counter()
        found: list[str] = []
        lock = threading.Lock()
        threads = [
            threading.Thread(target=guesser, args=(server.port, s, p, answers, found, lock))
            for s, p in zip(sources, per_source, strict=True)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        server.stop()
    total = sum(answers.values())
    share = {status: answers[status] / total for status in (429, 404)}
    other = {str(k): v for k, v in answers.items() if k not in (429, 404, 200)}
    if other:
        problems.append(f"answers other than 404/429: {other}")
    if found:
        problems.append(f"guesses found orders: {found}")
    hourly = min_per_hour(args.limit)
    hours_per_hit = CODE_SPACE / len(codes) / hourly if hourly else float("inf")
    print(
        f"guesses: {total:,} in {elapsed:.1f} s ({total / elapsed:.0f} req/s); "
        f"429 {share[429]:.1%}, 404 {share[404]:.1%}, found {len(found)}"
        + (f", other {other}" if other else "")
    )
    print(
        f"answered (looked up) per address: {answers[404] / args.addresses:.0f}; "
        f"at {hourly} look-ups per address and hour, one hit among {len(codes):,} orders "
        f"takes {hours_per_hit:,.0f} address-hours on average ({hours_per_hit / 8766:,.0f} "
        "address-years)"
    )
    summary = {
        "backend": args.backend,
        "orders": len(codes),
        "orders_per_s": round(len(codes) / seconds, 1),
        "guesses": total,
        "addresses": args.addresses,
        "limit": args.limit,
        "share_429": round(share[429], 4),
        "share_404": round(share[404], 4),
        "found": len(found),
        "req_per_s": round(total / elapsed, 1),
        "address_hours_per_hit": round(hours_per_hit),
    }
    print(json.dumps(summary))
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


def min_per_hour(limit: str) -> int:
    """The tightest of the limits, as look-ups per hour."""
    from limits import parse_many

    return min(round(item.amount * 3600 / item.get_expiry()) for item in parse_many(limit))


if __name__ == "__main__":
    sys.exit(main())
