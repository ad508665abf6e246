"""Benchmark: what the JSON API adds to the service it calls, for a 50-row page of the
calls list and of the contacts list (issue 15: at most 1 ms p50).

Builds a fresh database with the project's migrations, a sales manager with an API token
(managers see every call and contact), C contacts (one or two numbers, half with an
e-mail) and K top-level calls (a fifth with a recording), then measures, after a warm-up,
the three below interleaved request by request (a change of machine speed during the run
touches them alike):

  service    the function the API calls, with the API's arguments, in a fresh GET
             request context per call (services.calls.list_calls, page 1 of 50;
             services.contacts.search_contacts, page 1 of 50)
  api        GET /api/calls and GET /api/contacts through the Flask test client
  api WSGI   the same requests handed to the app's WSGI callable, environ prepared once

Every API answer (ids of the page and total) must equal the service's; a difference makes
the exit status 1.

    .venv/bin/python bench/bench_api_lists.py --backend sqlite
    .venv/bin/python bench/bench_api_lists.py --backend postgresql

PostgreSQL: database `bench_api_lists` on 127.0.0.1, user postgres (trust auth), created
when missing, its public schema rebuilt every run; SQLite: a file under
/tmp/voiceapp-bench-api-lists. Prints p50/p99/max per series, API minus service (p50),
the machine-speed yardstick, and a JSON line last.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench_common import (
    batches,
    bench_app,
    machine_speed,
    pg_fresh,
    sqlite_fresh,
    summarize,
    wsgi_get,
)
from sqlalchemy import insert

from voiceapp import db
from voiceapp.db import utcnow
from voiceapp.migrate import upgrade
from voiceapp.models import Call, Contact, ContactEmail, ContactPhone, Recording, User
from voiceapp.services import accounts
from voiceapp.services.calls import list_calls
from voiceapp.services.contacts import search_contacts

BATCH = 5_000
EPOCH = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
FIRST_NAMES = ["Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hugo", "Ida", "Jonas"]
LAST_NAMES = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker"]


def load(app, contacts: int, calls: int, rng: random.Random) -> None:
    """Contacts with their numbers and e-mails, then calls (a fifth with a recording),
    through Core inserts in batches: the column defaults are SQLAlchemy's own."""
    now = utcnow()
    with app.app_context():
        dbs = db.session()
        contact_rows, phone_rows, email_rows = [], [], []
        for n in range(1, contacts + 1):
            contact_rows.append(
                {
                    "id": n,
                    "first_name": rng.choice(FIRST_NAMES),
                    "last_name": rng.choice(LAST_NAMES),
                    "timezone": "Europe/Berlin",
                    "created_at": now,
                    "updated_at": now,
                }
            )
            for position in range(rng.choice((1, 1, 2))):
                phone_rows.append(
                    {
                        "contact_id": n,
                        "number": f"+4915{position}{n:08d}",
                        "kind": "mobile",
                        "position": position,
                    }
                )
            if n % 2:
                email_rows.append({"contact_id": n, "email": f"c{n}@example.com", "position": 0})
        for model, rows in ((Contact, contact_rows), (ContactPhone, phone_rows)):
            for batch in batches(rows, BATCH):
                dbs.execute(insert(model), batch)
        for batch in batches(email_rows, BATCH):
            dbs.execute(insert(ContactEmail), batch)
        call_rows, recording_rows = [], []
        for n in range(calls):
            started = EPOCH + timedelta(seconds=37 * n)
            answered = rng.random() < 0.7
            sid = f"CA{n:032x}"
            call_rows.append(
                {
                    "sid": sid,
                    "direction": rng.choice(("inbound", "outbound")),
                    "from_number": f"+49151{n:08d}",
                    "to_number": "+4930901820",
                    "contact_id": rng.randint(1, contacts),
                    "status": "completed" if answered else "no-answer",
                    "started_at": started,
                    "answered_at": started + timedelta(seconds=5) if answered else None,
                    "ended_at": started + timedelta(seconds=95),
                    "duration": 90 if answered else 0,
                    "missed": not answered,
                }
            )
            if answered and n % 5 == 0:
                recording_rows.append(
                    {
                        "sid": f"RE{n:032x}",
                        "call_sid": sid,
                        "status": "completed",
                        "duration": 88,
                        "channels": 2,
                    }
                )
        for batch in batches(call_rows, BATCH):
            dbs.execute(insert(Call), batch)
        for batch in batches(recording_rows, BATCH):
            dbs.execute(insert(Recording), batch)
        dbs.commit()
        if dbs.get_bind().dialect.name == "postgresql":
            # Rows came with their ids; later inserts must not collide.
            dbs.connection().exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('contacts', 'id'), "
                "(SELECT max(id) FROM contacts))"
            )
        dbs.connection().exec_driver_sql("ANALYZE")
        dbs.commit()


def manager_with_token(app) -> tuple[int, str]:
    with app.app_context():
        dbs = db.session()
        manager = accounts.create_user(
            dbs,
            email="manager@bench.test",
            name="Bench Manager",
            role="sales_manager",
            password="bench-password-123",
        )
        dbs.flush()
        _row, token = accounts.create_api_token(dbs, manager, name="bench", now=utcnow())
        dbs.commit()
        return manager.id, token


SERIES = {
    # name: (API path, the service as the API calls it, its page's ids)
    "calls": (
        "/api/calls",
        lambda dbs, user: list_calls(dbs, user, {}, page=1, per_page=50),
        lambda items: [item["sid"] if isinstance(item, dict) else item.sid for item in items],
    ),
    "contacts": (
        "/api/contacts",
        lambda dbs, user: search_contacts(dbs, user, page=1, per_page=50),
        lambda items: [item["id"] if isinstance(item, dict) else item.id for item in items],
    ),
}


def service_call(app, user_id: int, service, ids):
    """One call in a fresh GET request context (a fresh session, as a request gets):
    (seconds, answer)."""
    with app.test_request_context(method="GET"):
        dbs = db.session()
        user = dbs.get(User, user_id)
        start = time.perf_counter()
        items, total = service(dbs, user)
        took = time.perf_counter() - start
        return took, (ids(items), total)


def api_call(get, ids) -> tuple[float, tuple, str]:
    """One `get()` -> (status, body): (seconds, answer, status)."""
    start = time.perf_counter()
    status, body = get()
    took = time.perf_counter() - start
    data = json.loads(body) if str(status).startswith("200") else {}
    return took, (ids(data.get("items", [])), data.get("total")), str(status)


def measure(app, user_id: int, count: int, service, ids, gets: dict) -> tuple[dict, int]:
    """The service and each way of asking the API, interleaved request by request, so a
    change of machine speed during the run touches them alike: their timings, and how many
    API answers differed from the service's."""
    times: dict[str, list[float]] = {"service": [], **{label: [] for label in gets}}
    failures = 0
    for _ in range(count):
        took, expected = service_call(app, user_id, service, ids)
        times["service"].append(took)
        for label, get in gets.items():
            took, got, status = api_call(get, ids)
            times[label].append(took)
            if got != expected:
                failures += 1
                if failures <= 3:
                    print(f"  {label} {status}: {got[1]} != {expected[1]}", file=sys.stderr)
    return times, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    # Small enough that the page's count costs little: the figure is what the API adds.
    parser.add_argument("--contacts", type=int, default=2_000)
    parser.add_argument("--calls", type=int, default=5_000)
    parser.add_argument("--queries", type=int, default=1_000, help="timed requests per series")
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--name", default="bench_api_lists")
    args = parser.parse_args()

    work = Path(f"/tmp/voiceapp-{args.name.replace('_', '-')}")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    url = sqlite_fresh(work / "bench.sqlite3") if args.backend == "sqlite" else pg_fresh(args.name)
    upgrade(url)
    app = bench_app(url, work)
    started = time.perf_counter()
    load(app, args.contacts, args.calls, random.Random(args.seed))
    manager_id, token = manager_with_token(app)
    print(
        f"backend {args.backend}: {args.contacts:,} contacts, {args.calls:,} calls, "
        f"loaded in {time.perf_counter() - started:.1f} s"
    )

    speed_before = machine_speed()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    results: dict = {"backend": args.backend, "contacts": args.contacts, "calls": args.calls}
    failures = 0
    for name, (path, service, ids) in SERIES.items():

        def through_client(path=path):
            response = client.get(path, headers=headers)
            return response.status, response.data

        gets = {"api": through_client, "api_wsgi": wsgi_get(app, path, "", headers)}
        measure(app, manager_id, args.warmup, service, ids, gets)
        times, failed = measure(app, manager_id, args.queries, service, ids, gets)
        failures += failed
        figures = {label: summarize(series) for label, series in times.items()}
        _, (_, total) = service_call(app, manager_id, service, ids)
        results[name] = {**figures, "failures": failed, "total": total}
        service_p50 = figures["service"]["p50_ms"]
        for label, f in figures.items():
            extra = "" if label == "service" else f", adds {f['p50_ms'] - service_p50:.2f} ms"
            print(
                f"{name} {label}: p50 {f['p50_ms']:.2f} ms, p99 {f['p99_ms']:.2f} ms, "
                f"max {f['max_ms']:.2f} ms{extra}",
                flush=True,
            )
        print(f"{name}: total {total:,}, {failed} answers differed")
    speed_after = machine_speed()
    app.extensions["voiceapp.db"].engine.dispose()
    print(
        f"machine speed (fixed loop, lower is faster): {speed_before} ms before, "
        f"{speed_after} ms after"
    )
    results["machine_speed_ms"] = [speed_before, speed_after]
    print(json.dumps(results))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
