"""Benchmark: card payments confirmed per second through Stripe's webhook.

N pending phone orders are taken through the service (services.orders.create_order: VAT,
payment code, follow-up case), then N checkout.session.completed events, one per order,
paid, each signed as Stripe signs them (stripe.WebhookSignature, the webhook secret), plus
a share of the same events sent again (Stripe delivers at least once), all shuffled and
POSTed to /webhooks/stripe of the app served by gunicorn (a real server, the Procfile's
settings; `--via test-client` posts through Flask's test client in this process instead).
Afterwards every order must be paid, with exactly one Stripe payment, of the amount the
event said, recorded under its session's id.

    .venv/bin/python bench/stripe_webhook_payments.py                     # PostgreSQL
    .venv/bin/python bench/stripe_webhook_payments.py --orders 5000 --connections 16
    .venv/bin/python bench/stripe_webhook_payments.py --backend sqlite --via test-client

PostgreSQL: database `bench_stripe` on 127.0.0.1 (user postgres), created when missing,
its public schema rebuilt every run. SQLite: a file under /tmp/voiceapp-bench-stripe.
Prints the figures and one line of JSON last. Exit status 1 when a request failed, an
answer was wrong, or an order did not end paid with exactly one payment.

Events are signed just before they are sent and Stripe's library refuses signatures older
than five minutes, so a run must deliver its events within that time (about 2 minutes
for 10,000 on a 2-core machine).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from bench_common import add_gunicorn_arguments, pg_fresh, sqlite_fresh, summarize
from bench_webhooks import Connection, Run, drive, free_port

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
WORK_DIR = Path("/tmp/voiceapp-bench-stripe")
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
REDIS_URL = "redis://127.0.0.1:6379/10"
SECRET_KEY = "bench-secret-key-0123456789abcdef"
STRIPE_SECRET_KEY = "sk_test_bench_0123456789"
WEBHOOK_SECRET = "whsec_bench_0123456789"
WEBHOOK = "/webhooks/stripe"
ORDER_BATCH = 250


def settings(url: str) -> dict:
    return {
        "env": "testing",
        "secret_key": SECRET_KEY,
        "database_url": url,
        "redis_url": REDIS_URL,
        "instance_path": WORK_DIR / "instance",
        "stripe_secret_key": STRIPE_SECRET_KEY,
        "stripe_webhook_secret": WEBHOOK_SECRET,
        "stripe_api_base": "http://127.0.0.1:9",  # the webhook never calls Stripe
    }


def environment(url: str) -> dict:
    return {
        **os.environ,
        "VOICEAPP_ENV": "testing",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": url,
        "REDIS_URL": REDIS_URL,
        "VOICEAPP_INSTANCE_PATH": str(WORK_DIR / "instance"),
        "STRIPE_SECRET_KEY": STRIPE_SECRET_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": "http://127.0.0.1:9",
    }


# ---------------------------------------------------------------- orders and events


def take_orders(app, count: int) -> list[dict]:
    """`count` pending orders through the service, each for its own contact; what the
    checkout of each would carry (id, code, amount due now in minor units)."""
    from voiceapp import db
    from voiceapp.domain.stripe_amounts import to_stripe_amount
    from voiceapp.models import Contact, ContactPhone
    from voiceapp.services import accounts
    from voiceapp.services.orders import create_order, create_product
    from voiceapp.services.orders.payments import due_now

    now = datetime.now(UTC)
    orders = []
    with app.app_context():
        session = db.session()
        seller = accounts.create_user(
            session, email="seller@bench.example", name="Bench Seller", role="agent"
        )
        product = create_product(
            session,
            {
                "name": "Sales course",
                "price": Decimal("119.00"),
                "price_is": "gross",
                "currency": "EUR",
                "vat_category": "standard",
                "physical": False,
            },
            now=now,
        )
        for index in range(count):
            contact = Contact(
                kind="person",
                first_name="Anna",
                last_name=f"Muster {index}",
                country="DE",
                language="de",
                visibility="shared_write",
                owner_id=seller.id,
                phones=[ContactPhone(number=f"+49151{index:08d}", kind="mobile")],
            )
            session.add(contact)
            session.flush()
            order = create_order(
                session,
                {
                    "contact_id": contact.id,
                    "items": [{"product_id": product.id, "quantity": 1}],
                    "buyer": {"first_name": "Anna", "last_name": "Muster", "country": "DE"},
                },
                seller=seller,
                now=now,
            )
            orders.append(
                {
                    "id": order.id,
                    "code": order.payment_code,
                    "amount": to_stripe_amount(due_now(session, order), order.currency),
                    "currency": order.currency.lower(),
                }
            )
            if index % ORDER_BATCH == ORDER_BATCH - 1:
                session.commit()
        session.commit()
    return orders


def event_body(order: dict, index: int) -> str:
    """checkout.session.completed, paid, as Stripe sends it for the order's checkout."""
    now = int(time.time())
    session = {
        "id": f"cs_test_bench{index:08d}",
        "object": "checkout.session",
        "amount_subtotal": order["amount"],
        "amount_total": order["amount"],
        "client_reference_id": str(order["id"]),
        "created": now,
        "currency": order["currency"],
        "livemode": False,
        "metadata": {"order_id": str(order["id"]), "payment_code": order["code"]},
        "mode": "payment",
        "payment_intent": f"pi_bench{index:08d}",
        "payment_status": "paid",
        "status": "complete",
        "url": None,
    }
    return json.dumps(
        {
            "id": f"evt_bench{index:08d}",
            "object": "event",
            "api_version": "2026-10-28.endive",
            "created": now,
            "data": {"object": session},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": "checkout.session.completed",
        },
        indent=2,
    )


def signed_requests(bodies: list[str], port: int) -> list[bytes]:
    from stripe import WebhookSignature

    requests = []
    for body in bodies:
        payload = body.encode()
        signature = WebhookSignature.generate_signature_header(body, WEBHOOK_SECRET)
        head = "\r\n".join(
            [
                f"POST {WEBHOOK} HTTP/1.1",
                f"Host: 127.0.0.1:{port}",
                "Content-Type: application/json; charset=utf-8",
                f"Content-Length: {len(payload)}",
                f"Stripe-Signature: {signature}",
                "User-Agent: Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            ]
        )
        requests.append(head.encode() + b"\r\n\r\n" + payload)
    return requests


# ---------------------------------------------------------------- delivery


class Outcomes:
    """Counts the webhook's answers (recorded, duplicate, ...); anything else fails."""

    def __init__(self):
        self.counts: dict[str, int] = {}

    def check(self, status: int, body: bytes) -> str | None:
        if status != 200:
            return f"HTTP {status}: {body[:200]!r}"
        try:
            outcome = json.loads(body)["outcome"]
        except (ValueError, KeyError):
            return f"unexpected answer {body[:200]!r}"
        self.counts[outcome] = self.counts.get(outcome, 0) + 1  # dict += is atomic enough
        return None


def via_gunicorn(url: str, bodies: list[str], args, outcomes: Outcomes) -> Run:
    port = free_port()
    log = WORK_DIR / "gunicorn.log"
    command = [
        *(str(GUNICORN), "--workers", str(args.workers), "--threads", str(args.threads)),
        *("--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--error-logfile", str(log)),
        "voiceapp:create_app()",
    ]
    output = log.open("ab")  # the app logs every event it handles
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=environment(url),
        start_new_session=True,
        stdout=output,
        stderr=output,
    )
    try:
        wait_ready(process, port, log)
        return drive(port, signed_requests(bodies, port), args.connections, outcomes.check)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        output.close()


def wait_ready(process, port: int, log: Path) -> None:
    request = f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited; see {log}")
        try:
            status, _ = Connection(port).exchange(request)
            if status in (200, 503):  # up (503: Redis or the database not answering)
                return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit(f"gunicorn did not answer within 30 s; see {log}")


def via_test_client(app, bodies: list[str], outcomes: Outcomes) -> Run:
    from stripe import WebhookSignature

    client = app.test_client()
    latencies, failures = [], []
    began = time.perf_counter()
    for index, body in enumerate(bodies):
        headers = {
            "Stripe-Signature": WebhookSignature.generate_signature_header(body, WEBHOOK_SECRET)
        }
        started = time.perf_counter()
        response = client.post(WEBHOOK, data=body, headers=headers, content_type="application/json")
        latencies.append(time.perf_counter() - started)
        problem = outcomes.check(response.status_code, response.data)
        if problem:
            failures.append(f"request {index}: {problem}")
    return Run(latencies, time.perf_counter() - began, failures)


# ---------------------------------------------------------------- checking


def unpaid_orders(app, orders: list[dict]) -> list[str]:
    """Orders not paid exactly once, by Stripe, for the event's amount and session."""
    from sqlalchemy import select

    from voiceapp import db
    from voiceapp.domain.stripe_amounts import from_stripe_amount
    from voiceapp.models import Order, Payment

    with app.app_context():
        session = db.session()
        status = dict(session.execute(select(Order.id, Order.status)).all())
        paid: dict[int, list] = {}
        for row in session.execute(
            select(Payment.order_id, Payment.method, Payment.amount, Payment.provider_ref)
        ):
            paid.setdefault(row.order_id, []).append((row.method, row.amount, row.provider_ref))
    wrong = []
    for index, order in enumerate(orders):
        expected = [
            (
                "stripe",
                from_stripe_amount(order["amount"], order["currency"]),
                f"cs_test_bench{index:08d}",
            )
        ]
        if status.get(order["id"]) != "paid" or paid.get(order["id"]) != expected:
            wrong.append(
                f"order {order['id']}: {status.get(order['id'])}, payments {paid.get(order['id'])}"
            )
    return wrong


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--orders", type=int, default=2000, help="pending orders, one event each")
    parser.add_argument("--duplicates", type=float, default=0.1, help="share sent twice")
    parser.add_argument("--via", choices=["gunicorn", "test-client"], default="gunicorn")
    parser.add_argument("--connections", type=int, default=8)
    add_gunicorn_arguments(parser)
    parser.add_argument("--pg-database", default="bench_stripe")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from voiceapp import create_app
    from voiceapp.migrate import upgrade

    rng = random.Random(args.seed)
    shutil.rmtree(WORK_DIR, ignore_errors=True)
    (WORK_DIR / "instance").mkdir(parents=True)
    url = (
        sqlite_fresh(WORK_DIR / "bench.sqlite3")
        if args.backend == "sqlite"
        else pg_fresh(args.pg_database)
    )
    upgrade(url)
    app = create_app(settings(url))
    logging.getLogger("voiceapp").setLevel(logging.WARNING)  # else a line per event
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{os.cpu_count()} CPUs, load average {load} (the figures follow the machine's load)")
    print(
        f"backend {args.backend}, {args.orders:,} orders, {args.duplicates:.0%} sent twice, "
        f"via {args.via}"
        + (
            f" ({args.workers} workers x {args.threads} threads, {args.connections} connections)"
            if args.via == "gunicorn"
            else ""
        ),
        flush=True,
    )
    started = time.perf_counter()
    orders = take_orders(app, args.orders)
    took = time.perf_counter() - started
    rate = len(orders) / took
    print(f"took {len(orders):,} orders through the service in {took:.1f} s ({rate:,.1f}/s)")

    bodies = [event_body(order, i) for i, order in enumerate(orders)]
    bodies += rng.sample(bodies, int(len(bodies) * args.duplicates))
    rng.shuffle(bodies)
    outcomes = Outcomes()
    if args.via == "gunicorn":
        run = via_gunicorn(url, bodies, args, outcomes)
    else:
        run = via_test_client(app, bodies, outcomes)
    figures = summarize(run.latencies, "requests_per_s")
    payments_per_s = outcomes.counts.get("recorded", 0) / run.wall
    print(
        f"webhook: {len(bodies):,} events in {run.wall:.1f} s, "
        f"{len(bodies) / run.wall:,.1f} req/s, p50 {figures['p50_ms']:.1f} ms, "
        f"p99 {figures['p99_ms']:.1f} ms, max {figures['max_ms']:.1f} ms, "
        f"{len(run.failures)} failed",
        flush=True,
    )
    for failure in run.failures[:5]:
        print(f"  {failure}", file=sys.stderr)
    print(f"answers: {dict(sorted(outcomes.counts.items()))}")
    wrong = unpaid_orders(app, orders)
    print(f"payments confirmed: {payments_per_s:,.1f} payments/s")
    print(
        f"orders paid with exactly one Stripe payment: {len(orders) - len(wrong):,}/{len(orders):,}"
    )
    for line in wrong[:5]:
        print(f"  {line}", file=sys.stderr)
    print(
        json.dumps(
            {
                "backend": args.backend,
                "via": args.via,
                "load_average": os.getloadavg()[0],
                "orders": len(orders),
                "events": len(bodies),
                "orders_per_s": round(len(orders) / took, 1),
                "payments_per_s": round(payments_per_s, 1),
                "requests_per_s": round(len(bodies) / run.wall, 1),
                "p50_ms": figures["p50_ms"],
                "p99_ms": figures["p99_ms"],
                "max_ms": figures["max_ms"],
                "answers": outcomes.counts,
                "failures": len(run.failures),
                "not_paid_once": len(wrong),
            }
        )
    )
    app.extensions["voiceapp.db"].engine.dispose()
    return 1 if run.failures or wrong else 0


if __name__ == "__main__":
    sys.exit(main())
