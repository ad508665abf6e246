"""Benchmark: "Call today" for one agent among N cases, and recording outcomes.

Builds a fresh database with the project's migrations, creates 20 agents and 2 sales
managers, bulk-loads contacts (one phone each) and N cases accumulated over two years
(mostly closed; the open ones assigned or in the pool, due from weeks overdue to weeks
ahead), each case of a type about an order (new order, payment reminder, cancellation,
debt collection) linked to an order of its own (Call today shows the order's status),
runs ANALYZE, then measures

  service   services.cases.call_today(db, agent, now=NOW, zone="Europe/Berlin",
            page=1, per_page=50) in a fresh app context per call
  sql       the same function's statement only, run on the driver (the page's rows with the
            total, not made into objects): where the time of `service` goes
  api       GET /api/cases?view=today through the Flask test client, bearer token
  api WSGI  the same request handed to the app's WSGI callable, its environ prepared
            once: the app's own cost without the test client's
  outcomes  services.cases.record_outcome(..., OutcomeInput("not_reached"), now=NOW) and
            commit, on open cases assigned to the agent, one after another

The page and total are checked once against a plain SQL query, and every API answer
against the service's; a mismatch makes the exit status 1.

    .venv/bin/python bench/bench_cases.py --backend sqlite --cases 1000000
    .venv/bin/python bench/bench_cases.py --backend postgresql --cases 1000000

PostgreSQL: database `bench_cases` on 127.0.0.1, user postgres (trust auth); created when
missing, its public schema dropped and rebuilt on every run. SQLite: a file under /tmp.
`--name other` uses database `other` and /tmp/voiceapp-other instead (two people on one
machine).
Prints load time, database size, the query plans, p50/p99/max in ms, outcomes/s, and a
one-line JSON summary last.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sqlite3
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
from sqlalchemy import bindparam, text

from voiceapp import db
from voiceapp.db import UTCDateTime, utcnow
from voiceapp.domain.cases import end_of_today
from voiceapp.migrate import upgrade
from voiceapp.models import Case, User
from voiceapp.models.settings import DEFAULT_CASE_TYPES
from voiceapp.services import accounts, cases
from voiceapp.services.team_settings import editable_team_settings

REDIS_URL = "redis://127.0.0.1:6379/12"
PG_DATABASE = "bench_cases"
PG_BENCH = f"host=127.0.0.1 user=postgres dbname={PG_DATABASE}"
WORK_DIR = Path("/tmp/voiceapp-bench-cases")
SQLITE_PATH = WORK_DIR / "bench.sqlite3"
ZONE = "Europe/Berlin"
BATCH = 50_000
DAY = 86400

CASE_TYPES = [t["key"] for t in DEFAULT_CASE_TYPES]
# Share of cases by type (new_order, payment_reminder, cancellation, debt_collection,
# callback_request, missed_call, voicemail) and of contacts by language.
TYPE_WEIGHTS = [22, 20, 8, 10, 12, 16, 12]
LANGUAGES = ["de", "en", "fr", "es"]
LANGUAGE_WEIGHTS = [72, 14, 8, 6]
# Languages of the 20 agents: most speak German, some a second language.
AGENT_LANGUAGES = (
    [["de", "en"]] * 5
    + [["de"]] * 8
    + [["en"]]
    + [["fr"]]
    + [["de", "fr"]] * 2
    + [["es"]]
    + [["de", "es"]] * 2
)
# The measured agent: the most common profile (German and English, three busy types).
MEASURED_TYPES = ["new_order", "payment_reminder", "missed_call"]
CLOSED_OUTCOMES = [
    ("completed", 55, "completed"),
    ("already_paid", 15, "already paid"),
    ("cancelled", 10, "cancelled"),
    ("not_reached", 10, "unreachable after 10 attempts"),
    ("invalid_contact", 10, "invalid number"),
]

CONTACT_COLUMNS = (
    "id, kind, first_name, last_name, language, country, timezone, visibility, "
    "created_at, updated_at, tags, auto_payments"
)
PHONE_COLUMNS = "id, contact_id, number, kind, position, invalid"
CASE_COLUMNS = (
    "id, type, contact_id, language, assignee_id, status, due_at, attempts, not_reached, "
    "last_outcome, last_called_at, close_reason, closed_at, remind_at, created_at, updated_at, "
    "order_id"
)
DATE_COLUMNS = (6, 10, 12, 13, 14, 15)  # positions of datetimes in a case row
ORDER_COLUMNS = (
    "id, number, contact_id, status, currency, net, vat, total, vat_rate, reverse_charge, "
    "plan, withdrawal_right, waiver_ignored, created_at, channel"
)
# Case types about an order: each such case is linked to one (Call today shows its status).
ORDER_CASE_TYPES = ("new_order", "payment_reminder", "cancellation", "debt_collection")
# The order's status by case type while the case is open (weights), and by last outcome
# once closed.
OPEN_ORDER_STATUSES = {
    "new_order": (("pending", 85), ("paid", 15)),
    "payment_reminder": (("paid", 90), ("pending", 10)),
    "cancellation": (("pending", 70), ("cancelled", 30)),
    "debt_collection": (("paid", 60), ("pending", 40)),
}
CLOSED_ORDER_STATUS = {"already_paid": "paid", "cancelled": "cancelled"}


def agent_profiles(rng: random.Random) -> list[tuple[list[str], list[str]]]:
    """(case types, languages) of the 20 agents; the first one is measured."""
    profiles = [(MEASURED_TYPES, AGENT_LANGUAGES[0])]
    for languages in AGENT_LANGUAGES[1:]:
        types = rng.sample(CASE_TYPES, rng.choice([2, 3, 3, 4]))
        profiles.append((sorted(types, key=CASE_TYPES.index), languages))
    return profiles


def generate_contacts(n: int, rng: random.Random, now: datetime):
    contacts, phones = [], []
    country = {"de": ("DE", ZONE), "en": ("GB", "Europe/London"), "fr": ("FR", "Europe/Paris")}
    country["es"] = ("ES", "Europe/Madrid")
    languages = rng.choices(LANGUAGES, weights=LANGUAGE_WEIGHTS, k=n)
    for contact_id, language in enumerate(languages, 1):
        created = now - timedelta(seconds=rng.randrange(3 * 365 * DAY))
        region, zone = country[language]
        contacts.append(
            (
                contact_id,
                "person",
                "Anna",
                f"Kunde{contact_id}",
                language,
                region,
                zone,
                # One contact in ten is private with no owner: only managers see it, so
                # Call today must leave its cases out for an agent (the case page does).
                "private" if contact_id % 10 == 0 else "shared_write",
                created,
                created,
            )
        )
        phones.append((contact_id, contact_id, f"+49151{contact_id:08d}", "mobile", 0))
    return contacts, phones, languages


def generate_cases(
    n: int,
    rng: random.Random,
    now: datetime,
    contact_languages: list[str],
    agents: list[tuple[int, list[str], list[str]]],
    open_share: float,
) -> list[tuple]:
    """Case rows in CASE_COLUMNS order, with aware UTC datetimes."""
    handlers: dict[tuple[str, str], list[int]] = {}
    for agent_id, types, languages in agents:
        for t in types:
            for lang in languages:
                handlers.setdefault((t, lang), []).append(agent_id)
    agent_ids = [a[0] for a in agents]
    end = end_of_today(now, ZONE).astimezone(UTC)
    later_today = (end - now).total_seconds()
    outcomes = [o[0] for o in CLOSED_OUTCOMES]
    reasons = {o[0]: o[2] for o in CLOSED_OUTCOMES}
    outcome_weights = [o[1] for o in CLOSED_OUTCOMES]
    types = rng.choices(CASE_TYPES, weights=TYPE_WEIGHTS, k=n)
    rows = []
    for case_id, case_type in enumerate(types, 1):
        contact_id = rng.randrange(1, len(contact_languages) + 1)
        language = contact_languages[contact_id - 1]
        agent = rng.choice(handlers.get((case_type, language)) or agent_ids)
        if rng.random() >= open_share:
            created = now - timedelta(seconds=rng.randrange(2 * 365 * DAY))
            closed = min(now, created + timedelta(seconds=rng.randrange(3600, 10 * DAY)))
            outcome = rng.choices(outcomes, weights=outcome_weights)[0]
            attempts = 10 if outcome == "not_reached" else rng.randrange(1, 5)
            rows.append(
                (
                    case_id,
                    case_type,
                    contact_id,
                    language,
                    agent if rng.random() < 0.9 else None,
                    "closed",
                    closed,
                    attempts,
                    attempts if outcome == "not_reached" else rng.randrange(attempts),
                    outcome,
                    closed,
                    reasons[outcome],
                    closed,
                    None,
                    created,
                    closed,
                )
            )
            continue
        created = now - timedelta(seconds=rng.randrange(45 * DAY))
        assignee = agent if rng.random() < 0.6 else None
        r = rng.random()
        if r < 0.10:  # overdue, up to three weeks, most of them recently
            due = now - timedelta(seconds=int(rng.random() ** 2 * 21 * DAY) + 1)
        elif r < 0.16:  # later today
            due = now + timedelta(seconds=rng.random() * later_today)
        else:  # up to six weeks ahead
            due = end + timedelta(seconds=rng.randrange(42 * DAY))
        attempts = rng.choice([0, 0, 0, 1, 1, 2, 3, 4, 5])
        last = None if attempts == 0 else rng.choice(["not_reached", "not_reached", "callback"])
        called = None if attempts == 0 else min(now, due - timedelta(hours=1))
        rows.append(
            (
                case_id,
                case_type,
                contact_id,
                language,
                assignee,
                "open",
                due,
                attempts,
                attempts if last == "not_reached" else 0,
                last,
                called,
                None,
                None,
                due if assignee is not None and due > now else None,
                created,
                called or created,
            )
        )
    return rows


def generate_orders(case_rows: list[tuple], seed: int) -> tuple[list[tuple], list[tuple]]:
    """An order for every case of a type about an order (ORDER_COLUMNS order), and the case
    rows with their order_id appended (None for the others). Its own random generator, so
    the cases are the same with or without orders."""
    rng = random.Random(seed + 1)
    orders, linked = [], []
    plan = json.dumps({"kind": "single"})
    for row in case_rows:
        case_type, contact_id, status, outcome, created = row[1], row[2], row[5], row[9], row[14]
        if case_type not in ORDER_CASE_TYPES:
            linked.append((*row, None))
            continue
        if status == "open":
            choices = OPEN_ORDER_STATUSES[case_type]
            order_status = rng.choices([c[0] for c in choices], [c[1] for c in choices])[0]
        else:
            order_status = CLOSED_ORDER_STATUS.get(outcome, rng.choice(["paid", "cancelled"]))
        order_id = len(orders) + 1
        orders.append(
            (
                order_id,
                f"PO-{created.year}-{order_id:06d}",
                contact_id,
                order_status,
                "EUR",
                "100.00",
                "19.00",
                "119.00",
                "19.00",
                False,
                plan,
                True,
                False,
                created,
                "phone",
            )
        )
        linked.append((*row, order_id))
    return orders, linked


# --- SQLite ---------------------------------------------------------------------------


def sqlite_load(
    contacts: list[tuple], phones: list[tuple], orders: list[tuple], case_rows: list[tuple]
) -> None:
    con = sqlite3.connect(SQLITE_PATH, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=OFF", "cache_size=-1000000"):
        con.execute(f"PRAGMA {pragma}")
    con.execute("BEGIN")
    # SQLAlchemy's SQLite DateTime storage format (what the app writes and reads back).
    fmt = "%Y-%m-%d %H:%M:%S.%f"

    def s(value):
        return value.strftime(fmt) if isinstance(value, datetime) else value

    for batch in batches(contacts, BATCH):
        con.executemany(
            f"INSERT INTO contacts ({CONTACT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,'[]',1)",
            [tuple(s(v) for v in r) for r in batch],
        )
    for batch in batches(phones, BATCH):
        con.executemany(f"INSERT INTO contact_phones ({PHONE_COLUMNS}) VALUES (?,?,?,?,?,0)", batch)
    order_marks = ",".join("?" * len(ORDER_COLUMNS.split(",")))
    for batch in batches(orders, BATCH):
        con.executemany(
            f"INSERT INTO orders ({ORDER_COLUMNS}) VALUES ({order_marks})",
            [tuple(s(v) for v in r) for r in batch],
        )
    marks = ",".join("?" * len(CASE_COLUMNS.split(",")))
    for batch in batches(case_rows, BATCH):
        con.executemany(
            # keep_recordings (issue 12) has no default in the schema: not kept.
            f"INSERT INTO cases ({CASE_COLUMNS}, keep_recordings) VALUES ({marks}, 0)",
            [tuple(s(v) for v in r) for r in batch],
        )
    con.execute("COMMIT")
    con.execute("ANALYZE")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def sqlite_sizes() -> dict:
    files = [Path(f"{SQLITE_PATH}{s}") for s in ("", "-wal")]
    sizes = {"database_bytes": sum(f.stat().st_size for f in files if f.exists())}
    con = sqlite3.connect(SQLITE_PATH)
    try:
        rows = con.execute(
            "SELECT name, sum(pgsize) FROM dbstat WHERE name IN ('cases', 'orders') "
            "OR name LIKE 'ix_cases%' "
            "GROUP BY name"
        ).fetchall()
        sizes["relations"] = dict(rows)
    except sqlite3.OperationalError:  # SQLite built without dbstat
        pass
    con.close()
    return sizes


# --- PostgreSQL -----------------------------------------------------------------------


def pg_load(
    contacts: list[tuple], phones: list[tuple], orders: list[tuple], case_rows: list[tuple]
) -> None:
    import psycopg

    with psycopg.connect(PG_BENCH) as conn:
        with conn.cursor() as cur:
            with cur.copy(f"COPY contacts ({CONTACT_COLUMNS}) FROM STDIN") as copy:
                for r in contacts:
                    copy.write_row((*r, "[]", True))
            with cur.copy(f"COPY contact_phones ({PHONE_COLUMNS}) FROM STDIN") as copy:
                for r in phones:
                    copy.write_row((*r, False))
            with cur.copy(f"COPY orders ({ORDER_COLUMNS}) FROM STDIN") as copy:
                for r in orders:
                    copy.write_row(r)
            with cur.copy(f"COPY cases ({CASE_COLUMNS}, keep_recordings) FROM STDIN") as copy:
                for r in case_rows:
                    copy.write_row((*r, False))
            # Rows came with their ids; later inserts by the app must not collide.
            for table in ("contacts", "contact_phones", "orders", "cases"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
        conn.commit()
    # VACUUM too, as autovacuum does after a bulk load: it sets the visibility map, so
    # counts over the partial indexes need not visit the table.
    with psycopg.connect(PG_BENCH, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def pg_sizes() -> dict:
    import psycopg

    with psycopg.connect(PG_BENCH) as conn:
        total = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        rows = conn.execute(
            "SELECT relname, pg_relation_size(oid) FROM pg_class "
            "WHERE relname IN ('cases', 'orders') OR relname LIKE 'ix_cases%' ORDER BY relname"
        ).fetchall()
    return {"database_bytes": total, "relations": dict(rows)}


# --- measuring ------------------------------------------------------------------------


def call_today_ids(dbs, user: User, now: datetime) -> tuple[list[int], int]:
    """The database part of call_today alone: its statement run on the driver, rows not
    turned into objects."""
    connection = dbs.connection()
    page, _total, values = cases.call_today_queries(
        user, dialect=connection.dialect, now=now, zone=ZONE
    )
    rows = page.run(connection, values)
    return [row[0] for row in rows], rows[0][-1] if rows else 0


def explain(app, user_id: int, now: datetime) -> list[str]:
    lines = []
    with app.app_context():
        dbs = db.session()
        user = dbs.get(User, user_id)
        conn = dbs.connection()
        page, _total, values = cases.call_today_queries(
            user, dialect=conn.dialect, now=now, zone=ZONE
        )
        if conn.dialect.name == "sqlite":
            rows = page.explain(conn, values, "EXPLAIN QUERY PLAN")
            lines += [f"  {row[3]}" for row in rows]
        else:
            # A plan for these values (a custom plan: the app's prepared statement runs
            # PostgreSQL's generic plan after its fifth run, which may differ).
            rows = page.explain(conn, values, "EXPLAIN (ANALYZE, BUFFERS)")
            lines += [f"  {row[0]}" for row in rows]
        dbs.rollback()
    return lines


def reference_answer(app, user_id: int, end: datetime) -> tuple[list[int], int]:
    """Call today in one plain SQL query: every id, in order (cases of contacts the agent
    may not see left out)."""
    with app.app_context():
        dbs = db.session()
        user = dbs.get(User, user_id)
        types = ", ".join(f"'{t}'" for t in user.case_types)
        langs = ", ".join(f"'{lang}'" for lang in user.languages)
        query = text(
            "SELECT id FROM cases WHERE status = 'open' AND due_at < :end AND "
            f"(assignee_id = :uid OR (assignee_id IS NULL AND type IN ({types}) "
            f"AND language IN ({langs}))) "
            "AND EXISTS (SELECT 1 FROM contacts c WHERE c.id = cases.contact_id "
            "AND (c.owner_id = :uid OR c.visibility != 'private')) ORDER BY due_at, id"
        ).bindparams(bindparam("end", type_=UTCDateTime()))
        ids = list(dbs.scalars(query, {"end": end, "uid": user_id}))
        dbs.rollback()
    return ids, len(ids)


def measure_reads(app, user_id: int, count: int, read):
    """Times `read(session, agent)`, each call with a fresh session read as a GET request
    reads (a deferred transaction); the durations and the last answer."""
    durations, answer = [], None
    for _ in range(count):
        with app.test_request_context(method="GET"):
            dbs = db.session()
            user = dbs.get(User, user_id)
            start = time.perf_counter()
            answer = read(dbs, user)
            durations.append(time.perf_counter() - start)
    return durations, answer


def call_today_answer(dbs, user: User, now: datetime) -> tuple[list[int], int]:
    """The whole service, its page reduced to ids for comparing."""
    items, total = cases.call_today(dbs, user, now=now, zone=ZONE, page=1, per_page=50)
    return [c.id for c in items], total


def measure_api(get, label: str, count: int, expected: tuple[list[int], int]):
    """`get()` -> (status line, body) of GET /api/cases?view=today, `count` times, each
    answer checked against the service's."""
    durations, failures = [], 0
    for _ in range(count):
        start = time.perf_counter()
        status, body = get()
        durations.append(time.perf_counter() - start)
        data = json.loads(body) if status.startswith("200") else {}
        got = ([item["id"] for item in data.get("items", [])], data.get("total"))
        if got != expected:
            failures += 1
            if failures <= 3:
                print(f"  {label}: {status} {got} != {expected}", file=sys.stderr)
    return durations, failures


def measure_outcomes(app, user_id: int, case_ids: list[int], now: datetime):
    durations, failures = [], 0
    for case_id in case_ids:
        with app.app_context():
            dbs = db.session()
            start = time.perf_counter()
            user = dbs.get(User, user_id)
            case = dbs.get(Case, case_id)
            cases.record_outcome(
                dbs, case, user, cases.OutcomeInput(outcome="not_reached"), now=now
            )
            dbs.commit()
            durations.append(time.perf_counter() - start)
            if case.status != "open" or case.due_at <= now:
                failures += 1
    return durations, failures


def _use_name(name: str) -> None:
    global PG_BENCH, WORK_DIR, SQLITE_PATH
    if name == PG_DATABASE:
        return
    PG_BENCH = f"host=127.0.0.1 user=postgres dbname={name}"
    WORK_DIR = Path(f"/tmp/voiceapp-{name}")
    SQLITE_PATH = WORK_DIR / "bench.sqlite3"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--contacts", type=int, default=300_000)
    parser.add_argument("--open-share", type=float, default=0.03, help="share of open cases")
    parser.add_argument("--queries", type=int, default=1000, help="timed Call today each")
    parser.add_argument("--warmup", type=int, default=100, help="untimed calls first")
    parser.add_argument("--outcomes", type=int, default=300, help="outcomes recorded")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--name",
        default=PG_DATABASE,
        help="the PostgreSQL database and the folder /tmp/voiceapp-<name> (default "
        "bench_cases): two people benchmarking at once each take their own",
    )
    args = parser.parse_args(argv)
    _use_name(args.name)
    rng = random.Random(args.seed)
    # The API reads the clock itself, so the data is laid out around the real time.
    now = utcnow().replace(microsecond=0)
    end = end_of_today(now, ZONE)
    print(
        f"backend {args.backend}, {args.cases:,} cases, {args.contacts:,} contacts, "
        f"{args.queries:,} queries, now {now.isoformat()}"
    )

    url = sqlite_fresh(SQLITE_PATH) if args.backend == "sqlite" else pg_fresh(args.name)
    upgrade(url)
    app = bench_app(url, WORK_DIR, REDIS_URL)
    profiles = agent_profiles(rng)
    with app.app_context():
        dbs = db.session()
        editable_team_settings(dbs).timezone = ZONE
        agents = []
        for i, (types, languages) in enumerate(profiles, 1):
            user = accounts.create_user(
                dbs,
                email=f"agent{i}@example.com",
                name=f"Agent {i}",
                role="agent",
                case_types=types,
                languages=languages,
            )
            agents.append((user.id, types, languages))
        for i in (1, 2):
            accounts.create_user(
                dbs, email=f"manager{i}@example.com", name=f"Manager {i}", role="sales_manager"
            )
        agent_id = agents[0][0]
        _row, token = accounts.create_api_token(
            dbs, dbs.get(User, agent_id), name="bench", now=utcnow()
        )
        dbs.commit()
    app.extensions["voiceapp.db"].engine.dispose()

    started = time.perf_counter()
    contacts, phones, languages = generate_contacts(args.contacts, rng, now)
    case_rows = generate_cases(args.cases, rng, now, languages, agents, args.open_share)
    orders, case_rows = generate_orders(case_rows, args.seed)
    print(f"generated in {time.perf_counter() - started:.1f} s")
    n_open = sum(1 for r in case_rows if r[5] == "open")
    n_pool = sum(1 for r in case_rows if r[5] == "open" and r[4] is None)
    # The agent's open cases of contacts they see (domain.case_rights lets them work
    # no other).
    sample = [r[0] for r in case_rows if r[5] == "open" and r[4] == agent_id and r[2] % 10 != 0]
    rng.shuffle(sample)
    sample = sample[: args.outcomes]
    print(
        f"mix: {n_open:,} open ({n_open / len(case_rows):.1%}; {n_pool:,} in the pool), "
        f"{len(case_rows) - n_open:,} closed; 20 agents + 2 managers"
    )
    print(f"measured agent {agent_id}: types {agents[0][1]}, languages {agents[0][2]}")

    started = time.perf_counter()
    (sqlite_load if args.backend == "sqlite" else pg_load)(contacts, phones, orders, case_rows)
    load_s = time.perf_counter() - started
    print(
        f"loaded {len(contacts):,} contacts, {len(orders):,} orders, {len(case_rows):,} cases, "
        f"(VACUUM) ANALYZE: {load_s:.1f} s"
    )
    n_cases = len(case_rows)
    # Millions of rows held here would make every full garbage collection in the measured
    # requests walk them: a benchmark artefact, not the app's cost.
    del contacts, phones, languages, case_rows, orders
    gc.collect()
    sizes = sqlite_sizes() if args.backend == "sqlite" else pg_sizes()
    print(f"database size {sizes['database_bytes'] / 2**20:.0f} MiB")
    for name, size in sorted(sizes.get("relations", {}).items()):
        print(f"  {name}: {size / 2**20:.1f} MiB")

    failures = 0
    ref_ids, ref_total = reference_answer(app, agent_id, end)
    print(f"Call today of the measured agent: {ref_total:,} cases")
    print("plans of call_today's statements:")
    for line in explain(app, agent_id, now):
        print(f"  {line}")

    speed_before = machine_speed()

    def read_service(dbs, user):
        return call_today_answer(dbs, user, now)

    def read_sql(dbs, user):
        return call_today_ids(dbs, user, now)

    measure_reads(app, agent_id, args.warmup, read_service)
    service_times, answer = measure_reads(app, agent_id, args.queries, read_service)
    if answer != (ref_ids[:50], ref_total):
        failures += 1
        print(f"  service: {answer} != {(ref_ids[:50], ref_total)}", file=sys.stderr)
    measure_reads(app, agent_id, args.warmup, read_sql)
    sql_times, sql_answer = measure_reads(app, agent_id, args.queries, read_sql)
    if sql_answer != answer:
        failures += 1
        print(f"  sql: {sql_answer} != {answer}", file=sys.stderr)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def through_client():
        response = client.get("/api/cases?view=today", headers=headers)
        return response.status, response.data

    measure_api(through_client, "api", args.warmup, answer)
    api_times, api_failures = measure_api(through_client, "api", args.queries, answer)
    through_wsgi = wsgi_get(app, "/api/cases", "view=today", headers)
    measure_api(through_wsgi, "api (WSGI)", args.warmup, answer)
    wsgi_times, wsgi_failures = measure_api(through_wsgi, "api (WSGI)", args.queries, answer)
    api_failures += wsgi_failures
    if end_of_today(utcnow(), ZONE) != end:
        print("  (the day changed during the run: API answers differ)", file=sys.stderr)
    outcome_times, outcome_failures = measure_outcomes(app, agent_id, sample, now)
    speed_after = machine_speed()
    app.extensions["voiceapp.db"].engine.dispose()

    service, sql, api = summarize(service_times), summarize(sql_times), summarize(api_times)
    wsgi = summarize(wsgi_times)
    outcomes = summarize(outcome_times)
    for label, figures in (
        ("service (call_today, page 1 of 50)", service),
        ("sql (call_today's statement, rows not made into objects)", sql),
        ("api (GET /api/cases?view=today)", api),
        ("api, WSGI (the same, environ prepared, no test client)", wsgi),
    ):
        print(
            f"{label}: p50 {figures['p50_ms']:.2f} ms, p99 {figures['p99_ms']:.2f} ms, "
            f"max {figures['max_ms']:.2f} ms, {figures['per_s']:.0f}/s"
        )
    print(
        f"outcomes (record_outcome not_reached + commit): {outcomes['per_s']:.0f}/s, "
        f"p50 {outcomes['p50_ms']:.2f} ms, p99 {outcomes['p99_ms']:.2f} ms, "
        f"{len(outcome_times) - outcome_failures}/{len(outcome_times)} rescheduled"
    )
    print(
        f"machine speed (fixed loop, lower is faster): {speed_before} ms before, "
        f"{speed_after} ms after"
    )
    failures += api_failures + outcome_failures
    summary = {
        "backend": args.backend,
        "cases": n_cases,
        "open": n_open,
        "pool": n_pool,
        "call_today_total": ref_total,
        "queries": args.queries,
        "load_s": round(load_s, 1),
        **sizes,
        "service": service,
        "sql": sql,
        "api": {**api, "failures": api_failures},
        "api_wsgi": wsgi,
        "outcomes": {**outcomes, "count": len(outcome_times), "failures": outcome_failures},
        "machine_speed_ms": [speed_before, speed_after],
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
    }
    print(json.dumps(summary))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
