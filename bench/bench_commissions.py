"""Benchmark: commissions computed and stored per second when orders are paid.

Builds a fresh PostgreSQL database with the project's migrations, a team (20 agents who
sell, a sales manager with a 10 % manager commission, an admin; 10 % team share,
approval required) and N pending orders of 119.00 EUR gross (100.00 net), loaded with
COPY and not timed. Then pays every order through the real path,
services.orders.payments.record_payment (which marks the order paid and calls
services.commissions.earning.earn_on_order), committing every --batch orders. Each payment
earns two commissions (the seller's 10.00, the manager's 1.00).

Afterwards the database must hold exactly 2 x N commissions adding up to 11.00 x N, and
every order must be paid; a mismatch makes the exit status 1.

    .venv/bin/python bench/bench_commissions.py --orders 100000
    .venv/bin/python bench/bench_commissions.py --orders 2000 --profile

PostgreSQL: database `bench_commissions` on 127.0.0.1, user postgres (trust auth), its
public schema rebuilt on every run. Prints orders/s, commissions/s, the machine
yardstick (bench_cases.machine_speed), and a one-line JSON summary last. --profile prints
where the time of the paying goes (cProfile, cumulative).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
from bench_common import batches, bench_app, machine_speed, pg_fresh
from sqlalchemy import func, select, text

from voiceapp import db
from voiceapp.migrate import upgrade
from voiceapp.models import Commission, Order
from voiceapp.services import accounts
from voiceapp.services.orders.payments import record_payment
from voiceapp.services.team_settings import editable_team_settings

REDIS_URL = "redis://127.0.0.1:6379/13"
WORK_DIR = Path("/tmp/voiceapp-bench-commissions")
DBNAME = "bench_commissions"
AGENTS = 20
CONTACTS = 1_000
GROSS, NET, VAT = Decimal("119.00"), Decimal("100.00"), Decimal("19.00")
# What one payment earns: the seller's 10 % of 100.00, the manager's 10 % of that.
EARNED_PER_ORDER = Decimal("11.00")
START = datetime(2026, 3, 2, 9, tzinfo=UTC)
# After how many paid orders the tables' statistics are refreshed (timed: it is part of
# running a database).
ANALYZE_AT = {500, 2_000, 8_000, 32_000, 64_000}
ORDER_COLUMNS = (
    "id, number, contact_id, seller_id, status, currency, net, vat, total, vat_rate, "
    "reverse_charge, plan, withdrawal_right, waiver_ignored, created_at, channel"
)


def make_team(dbs) -> list[int]:
    settings = editable_team_settings(dbs)
    settings.commission_team_share_percent = Decimal("10.00")
    settings.commission_approval_required = True
    settings.commission_share_across_team = False
    accounts.create_user(dbs, email="admin@example.com", name="Admin", role="admin")
    manager = accounts.create_user(
        dbs, email="manager@example.com", name="Manager", role="sales_manager"
    )
    manager.manager_commission_percent = Decimal("10.00")
    agents = [
        accounts.create_user(dbs, email=f"agent{i}@example.com", name=f"Agent {i}", role="agent")
        for i in range(AGENTS)
    ]
    dbs.commit()
    return [a.id for a in agents]


def load_orders(url: str, count: int, sellers: list[int]) -> None:
    """Contacts and pending orders with COPY (setup: not timed)."""
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY contacts (id, kind, first_name, last_name, language, country, visibility, "
            "created_at, updated_at, tags, auto_payments) FROM STDIN"
        ) as copy:
            for i in range(1, CONTACTS + 1):
                contact = (i, "person", "Buyer", str(i), "de", "DE", "shared_write")
                copy.write_row((*contact, START, START, "[]", True))
        rows = [
            (
                i,
                f"PO-{i:07d}",
                (i % CONTACTS) + 1,
                sellers[i % len(sellers)],
                "pending",
                "EUR",
                NET,
                VAT,
                GROSS,
                Decimal("19.00"),
                False,
                '{"kind": "single"}',
                True,
                False,
                START,
                "phone",
            )
            for i in range(1, count + 1)
        ]
        for batch in batches(rows, 20_000):
            with cur.copy(f"COPY orders ({ORDER_COLUMNS}) FROM STDIN") as copy:
                for row in batch:
                    copy.write_row(row)
        for table in ("contacts", "orders"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        cur.execute("ANALYZE")
        conn.commit()


def pay_all(app, count: int, batch: int) -> float:
    """Pays orders 1..count, committing every `batch`; returns the seconds it took."""
    started = time.perf_counter()
    with app.app_context():
        dbs = db.session()
        for order_id in range(1, count + 1):
            now = START + timedelta(days=1, seconds=order_id)
            record_payment(dbs, order_id, amount=GROSS, method="demo", now=now)
            if order_id % batch == 0:
                dbs.commit()
                dbs.expunge_all()
            if order_id in ANALYZE_AT:
                # What autovacuum does on a real server (it is off on this machine): without
                # fresh statistics the planner keeps reading the growing payments table
                # whole, and the run slows down with every order (33 orders/s at 55,000).
                dbs.execute(text("ANALYZE payments, commissions, order_events"))
                dbs.commit()
        dbs.commit()
    return time.perf_counter() - started


def check(app, count: int) -> list[str]:
    with app.app_context():
        dbs = db.session()
        made, total = dbs.execute(
            select(func.count(Commission.id), func.coalesce(func.sum(Commission.amount), 0))
        ).one()
        paid = dbs.scalar(select(func.count(Order.id)).where(Order.status == "paid"))
    problems = []
    if made != 2 * count or Decimal(total) != EARNED_PER_ORDER * count:
        problems.append(f"{made} commissions adding up to {total}, not {2 * count}")
    if paid != count:
        problems.append(f"{paid} orders paid, not {count}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500, help="orders per commit")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)

    url = pg_fresh(DBNAME)
    upgrade(url)
    app = bench_app(url, WORK_DIR, REDIS_URL)
    with app.app_context():
        sellers = make_team(db.session())
    setup = time.perf_counter()
    load_orders(url, args.orders, sellers)
    print(
        f"postgresql: {args.orders:,} pending orders of {GROSS} EUR by {AGENTS} agents, "
        f"loaded in {time.perf_counter() - setup:.1f} s (not counted)"
    )
    yardstick_before = machine_speed()
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    seconds = pay_all(app, args.orders, args.batch)
    if profiler:
        profiler.disable()
    yardstick_after = machine_speed()
    problems = check(app, args.orders)
    for problem in problems:
        print(problem, file=sys.stderr)

    figures = {
        "backend": "postgresql",
        "orders": args.orders,
        "batch": args.batch,
        "seconds": round(seconds, 1),
        "orders_per_s": round(args.orders / seconds, 1),
        "commissions_per_s": round(2 * args.orders / seconds, 1),
        "yardstick_ms": [yardstick_before, yardstick_after],
        "failures": len(problems),
    }
    print(
        f"record_payment -> earn_on_order x {args.orders:,} (commit every {args.batch}): "
        f"{figures['seconds']} s, {figures['orders_per_s']} orders/s, "
        f"{figures['commissions_per_s']} commissions/s; yardstick "
        f"{yardstick_before} / {yardstick_after} ms (before / after)"
    )
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    print(json.dumps(figures))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
