"""Benchmark: one payout run over 50 members and 100,000 commissions.

Builds a fresh database with the project's migrations, 50 freelancers (members paid by
payouts), one order and 100,000 approved, due commissions spread over the members
(2,000 each, some of them negative: taken back after an earlier payout), then times
services.commissions.payouts.create_run over all 50 members, committed, as a manager's
"Create payouts" does. Then the same again with "mark as paid at once" on a second set
of commissions, which logs a decision per commission (earning.record_decision).

Every payout's amount must equal the sum of its commissions, and every commission must
be in exactly one payout; a mismatch makes the exit status 1.

    .venv/bin/python bench/bench_payouts.py --backend postgresql
    .venv/bin/python bench/bench_payouts.py --backend sqlite --commissions 20000

PostgreSQL: database `bench_payouts` on 127.0.0.1, user postgres (trust auth), its public
schema rebuilt on every run. Prints seconds and commissions/s, the machine's speed
yardstick (a fixed pure-Python loop; lower is faster) before and after, and a one-line
JSON summary last.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from bench_common import batches, bench_app, machine_speed, pg_fresh, sqlite_fresh
from sqlalchemy import func, insert, select

from voiceapp import db
from voiceapp.db import utcnow
from voiceapp.migrate import upgrade
from voiceapp.models import Commission, Contact, Order, Payout, User
from voiceapp.services import accounts
from voiceapp.services.commissions import payouts
from voiceapp.services.team_settings import editable_team_settings

REDIS_URL = "redis://127.0.0.1:6379/13"
WORK_DIR = Path("/tmp/voiceapp-bench-payouts")
SQLITE_PATH = WORK_DIR / "bench.sqlite3"


def load(dbs, members: list[int], order_id: int, count: int, tag: str) -> None:
    """`count` approved, due commissions over the members; every 20th negative."""
    due = utcnow() - timedelta(days=1)
    rows = [
        {
            "key": f"bench:{tag}:{i}",
            "user_id": members[i % len(members)],
            "order_id": order_id,
            "reason": "sales_team",
            "amount": Decimal("-3.00") if i % 20 == 19 else Decimal(f"{i % 97 + 1}.{i % 100:02d}"),
            "currency": "EUR",
            "base_net": Decimal("100.00"),
            "status": "approved",
            "earned_at": due - timedelta(days=14),
            "due_at": due,
        }
        for i in range(count)
    ]
    for chunk in batches(rows, 5000):
        dbs.execute(insert(Commission), chunk)
    dbs.commit()


def timed_run(app, members, manager_id, mark_paid: bool) -> tuple[float, int]:
    with app.app_context():
        dbs = db.session()
        started = time.perf_counter()
        result = payouts.create_run(
            dbs,
            actor=dbs.get(User, manager_id),
            member_ids=members,
            minimum=Decimal("0"),
            currency="EUR",
            include_not_due=False,
            mark_paid=mark_paid,
            now=utcnow(),
        )
        dbs.commit()
        elapsed = time.perf_counter() - started
        return elapsed, len(result.run.payouts)


def check(app) -> int:
    """Mismatches: payouts whose amount is not their commissions' sum, commissions unpaid."""
    with app.app_context():
        dbs = db.session()
        sums = dict(
            dbs.execute(
                select(Commission.payout_id, func.sum(Commission.amount)).group_by(
                    Commission.payout_id
                )
            ).all()
        )
        wrong = sum(
            1
            for payout_id, amount in dbs.execute(select(Payout.id, Payout.amount))
            if Decimal(sums.get(payout_id, 0)).quantize(Decimal("0.01")) != amount
        )
        return wrong + (1 if None in sums else 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--commissions", type=int, default=100_000)
    args = parser.parse_args(argv)

    url = sqlite_fresh(SQLITE_PATH) if args.backend == "sqlite" else pg_fresh("bench_payouts")
    upgrade(url)
    app = bench_app(url, WORK_DIR, REDIS_URL)
    with app.app_context():
        dbs = db.session()
        editable_team_settings(dbs)
        manager = accounts.create_user(
            dbs, email="manager@example.com", name="Manager", role="sales_manager"
        )
        members = []
        for n in range(args.members):
            user = accounts.create_user(
                dbs, email=f"member{n}@example.com", name=f"Member {n}", role="agent"
            )
            user.can_receive_payouts = True
            members.append(user)
        contact = Contact(first_name="Bench", last_name="Buyer", country="DE")
        dbs.add(contact)
        dbs.flush()
        order = Order(number="PO-BENCH", status="paid", contact_id=contact.id)
        dbs.add(order)
        dbs.commit()
        member_ids, manager_id, order_id = [m.id for m in members], manager.id, order.id
        load(dbs, member_ids, order_id, args.commissions, "a")
    print(f"{args.backend}: {args.members} members, {args.commissions:,} commissions")

    speed_before = machine_speed()
    run_s, made = timed_run(app, member_ids, manager_id, mark_paid=False)
    with app.app_context():
        load(db.session(), member_ids, order_id, args.commissions, "b")
    paid_s, paid_made = timed_run(app, member_ids, manager_id, mark_paid=True)
    speed_after = machine_speed()
    failures = check(app) + (made != args.members) + (paid_made != args.members)

    rate, paid_rate = round(args.commissions / run_s), round(args.commissions / paid_s)
    print(f"payout run: {run_s:.2f} s, {made} payouts, {rate:,} commissions/s")
    print(
        f"payout run marked paid at once (a logged decision per commission): {paid_s:.2f} s, "
        f"{paid_rate:,} commissions/s"
    )
    print(
        f"machine speed (fixed loop, lower is faster): {speed_before} ms before, "
        f"{speed_after} ms after; failures: {failures}"
    )
    print(
        json.dumps(
            {
                "backend": args.backend,
                "members": args.members,
                "commissions": args.commissions,
                "run_s": round(run_s, 3),
                "commissions_per_s": rate,
                "run_marked_paid_s": round(paid_s, 3),
                "marked_paid_commissions_per_s": paid_rate,
                "machine_speed_ms": [speed_before, speed_after],
                "failures": failures,
            }
        )
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
