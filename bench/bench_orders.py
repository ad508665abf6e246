"""Benchmark: phone orders taken per second through POST /api/orders.

Builds a fresh database with the project's migrations, an agent with an API token, three
products (a net-priced course with an instalment plan, a gross-priced e-book, a shipped
box) and N contacts in five countries (German and Austrian consumers, a French business
with a VAT ID: reverse charge, a Swiss and a US buyer: no VAT), then posts orders one
after another through the Flask test client with the agent's bearer token. Each order is
a whole one: VAT decided per line, a payment code drawn and checked unique, the
auto-cancel job put in the outbox, a follow-up case opened, history written, all in one
transaction and committed.

Every answer must be 201, and its gross must equal what the lines add up to; the
database must hold N orders with N distinct payment codes afterwards. A mismatch makes
the exit status 1.

    .venv/bin/python bench/bench_orders.py --backend postgresql --orders 2000
    .venv/bin/python bench/bench_orders.py --backend sqlite --orders 2000

PostgreSQL: database `bench_orders` on 127.0.0.1, user postgres (trust auth), its public
schema rebuilt on every run. SQLite: a file under /tmp. Prints p50/p99/max in ms,
orders/s, and a one-line JSON summary last.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

from bench_common import bench_app, pg_fresh, sqlite_fresh, summarize
from sqlalchemy import func, select

from voiceapp import db
from voiceapp.db import utcnow
from voiceapp.migrate import upgrade
from voiceapp.models import Contact, ContactPhone, Order, Product, User
from voiceapp.services import accounts
from voiceapp.services.team_settings import editable_team_settings

REDIS_URL = "redis://127.0.0.1:6379/13"
WORK_DIR = Path("/tmp/voiceapp-bench-orders")
SQLITE_PATH = WORK_DIR / "bench.sqlite3"

BUYERS = [
    # (country, company, vat_id, weight)
    ("DE", None, None, 60),
    ("AT", None, None, 15),
    ("FR", "Exemple SARL", "FR40303265045", 10),
    ("CH", None, None, 10),
    ("US", None, None, 5),
]


def make_products(dbs) -> list[Product]:
    products = [
        Product(
            name="Sales course",
            price=Decimal("100.00"),
            price_is="net",
            currency="EUR",
            vat_category="electronic_service",
            physical=False,
            plans=[
                {"kind": "single"},
                {
                    "kind": "instalments",
                    "count": 3,
                    "first_amount": "40.00",
                    "first_due_days": 0,
                    "later_amount": "30.00",
                    "later_start_days": None,
                    "interval": 1,
                    "interval_unit": "month",
                },
            ],
        ),
        Product(
            name="E-book",
            price=Decimal("19.90"),
            price_is="gross",
            currency="EUR",
            vat_category="reduced",
            physical=False,
            plans=[{"kind": "single"}],
        ),
        Product(
            name="Starter box",
            price=Decimal("49.00"),
            price_is="gross",
            currency="EUR",
            vat_category="standard",
            physical=True,
            plans=[{"kind": "single"}],
        ),
    ]
    dbs.add_all(products)
    dbs.flush()
    return products


def make_contacts(dbs, count: int, rng: random.Random) -> list[tuple[int, tuple]]:
    contacts = []
    weights = [b[3] for b in BUYERS]
    for i in range(count):
        buyer = rng.choices(BUYERS, weights)[0]
        contact = Contact(
            first_name=f"First{i}",
            last_name=f"Last{i}",
            company_name=buyer[1],
            country=buyer[0],
            language="de" if buyer[0] in ("DE", "AT") else "en",
            street=f"Street {i}",
            postcode="10115",
            city="Berlin",
            phones=[ContactPhone(number=f"+4915{i:09d}", kind="mobile")],
        )
        dbs.add(contact)
        contacts.append((contact, buyer))
    dbs.flush()
    return [(contact.id, buyer) for contact, buyer in contacts]


def order_body(contact_id: int, buyer: tuple, products: list[int], rng: random.Random) -> dict:
    course, ebook, box = products
    items = [{"product_id": course, "quantity": 1}]
    if rng.random() < 0.3:
        items.append({"product_id": ebook, "quantity": rng.randint(1, 3)})
    if rng.random() < 0.2:
        items.append({"product_id": box, "quantity": 1})
    plan = {"kind": "instalments"} if rng.random() < 0.4 else {"kind": "single"}
    body = {"contact_id": contact_id, "items": items, "plan": plan}
    if buyer[2]:
        body["buyer"] = {"vat_id": buyer[2]}
    return body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)

    url = sqlite_fresh(SQLITE_PATH) if args.backend == "sqlite" else pg_fresh("bench_orders")
    upgrade(url)
    app = bench_app(url, WORK_DIR, REDIS_URL)
    total = args.orders + args.warmup
    with app.app_context():
        dbs = db.session()
        editable_team_settings(dbs)  # a team has its settings row (the panel makes it)
        agent = accounts.create_user(dbs, email="agent@example.com", name="Agent", role="agent")
        products = [p.id for p in make_products(dbs)]
        contacts = make_contacts(dbs, total, rng)
        _row, token = accounts.create_api_token(
            dbs, dbs.get(User, agent.id), name="bench", now=utcnow()
        )
        dbs.commit()
    print(f"{args.backend}: {total:,} contacts, 3 products; {args.warmup} warm-up orders")

    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    bodies = [order_body(cid, buyer, products, rng) for cid, buyer in contacts]
    failures = 0
    durations = []
    for index, body in enumerate(bodies):
        started = time.perf_counter()
        answer = client.post("/api/orders", json=body, headers=headers)
        elapsed = time.perf_counter() - started
        if index >= args.warmup:
            durations.append(elapsed)
        if answer.status_code != 201:
            failures += 1
            if failures <= 3:
                print("unexpected answer", answer.status_code, answer.get_json(), file=sys.stderr)
            continue
        order = answer.get_json()
        lines = sum(Decimal(item["gross"]) for item in order["items"])
        if Decimal(order["gross"]) != lines:
            failures += 1
            print("gross differs from its lines", order["number"], file=sys.stderr)

    with app.app_context():
        dbs = db.session()
        stored = dbs.scalar(select(func.count(Order.id)))
        codes = dbs.scalar(select(func.count(func.distinct(Order.payment_code))))
    if stored != total - failures or codes != stored:
        failures += 1
        print(f"stored {stored} orders with {codes} distinct codes", file=sys.stderr)

    figures = summarize(durations, rate="orders_per_s")
    print(
        f"POST /api/orders x {len(durations):,}: p50 {figures['p50_ms']} ms, "
        f"p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms, "
        f"{figures['orders_per_s']} orders/s (one client, one after another)"
    )
    print(f"stored: {stored:,} orders, {codes:,} distinct payment codes; failures: {failures}")
    print(
        json.dumps(
            {"backend": args.backend, "orders": len(durations), **figures, "failures": failures}
        )
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
