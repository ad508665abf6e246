"""Benchmark: finding a contact by phone number, written in any human form, among N contacts.

Builds a fresh database with the project's migrations, bulk-loads N contacts with one or
two phone numbers each (valid E.164 numbers of several countries), runs ANALYZE, then
measures

  service  normalize_phone(text, "DE") + services.contacts.find_by_phone, in an app context
  api      GET /api/contacts?phone=<text> through the Flask test client, bearer token

where <text> is a stored number written as "+49 151 12345678", "0151 12345678" (German
numbers, read with region DE), "tel:+49-151-12345678" or "0049 151 12345678". Every answer
must contain the contact the number was taken from.

    .venv/bin/python bench/bench_contact_lookup.py --backend sqlite --contacts 1000000
    .venv/bin/python bench/bench_contact_lookup.py --backend postgresql --lookups 2000

PostgreSQL: database `bench` on 127.0.0.1, user postgres (trust auth); created when
missing, its public schema dropped and rebuilt on every run. SQLite: a file under /tmp.
Prints load time, database size, the query plan, p50/p99/max in ms and lookups/s of one
sequential client, and a one-line JSON summary last.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import random
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import phonenumbers
from bench_common import batches, bench_app, pg_fresh, sqlite_fresh, summarize

from voiceapp import db
from voiceapp.db import utcnow
from voiceapp.domain.phones import normalize_phone
from voiceapp.migrate import upgrade
from voiceapp.services import accounts
from voiceapp.services.contacts import find_by_phone, phone_lookup

REDIS_URL = "redis://127.0.0.1:6379/13"
PG_BENCH = "host=127.0.0.1 user=postgres dbname=bench"
WORK_DIR = Path("/tmp/voiceapp-bench")
SQLITE_PATH = WORK_DIR / "bench.sqlite3"
BATCH = 50_000

# (region, share of contacts, language, time zone, cities, mobile ranges, fixed-line ranges)
# A range is an E.164 prefix and the number of free digits after it; every number in it
# is valid for libphonenumber (checked on every run by check_ranges).
COUNTRIES = [
    (
        "DE",
        60,
        "de",
        "Europe/Berlin",
        ["Berlin", "Hamburg", "München", "Köln", "Frankfurt am Main"],
        [
            ("+49151", 8),
            ("+49152", 8),
            ("+49160", 7),
            ("+49170", 7),
            ("+49171", 7),
            ("+49172", 7),
            ("+49176", 8),
            ("+49179", 7),
        ],
        [("+4930", 8), ("+4989", 8), ("+4940", 8), ("+49221", 7), ("+4969", 8)],
    ),
    (
        "AT",
        8,
        "de",
        "Europe/Vienna",
        ["Wien", "Graz"],
        [("+43664", 7), ("+43676", 7), ("+43650", 7), ("+43699", 8)],
        [("+4312", 6), ("+4315", 6), ("+43316", 6)],
    ),
    (
        "CH",
        7,
        "de",
        "Europe/Zurich",
        ["Zürich", "Bern"],
        [("+4179", 7), ("+4178", 7)],
        [("+4144", 7), ("+4131", 7)],
    ),
    (
        "GB",
        5,
        "en",
        "Europe/London",
        ["London", "Manchester"],
        [("+44771", 7), ("+44781", 7), ("+44740", 7)],
        [("+44207", 7), ("+44161", 7)],
    ),
    (
        "FR",
        5,
        "fr",
        "Europe/Paris",
        ["Paris", "Lyon"],
        [("+3361", 7), ("+3362", 7), ("+3365", 7), ("+3367", 7), ("+3375", 7)],
        [("+331", 8), ("+3342", 7)],
    ),
    (
        "NL",
        4,
        "nl",
        "Europe/Amsterdam",
        ["Amsterdam", "Rotterdam"],
        [("+3161", 7), ("+3162", 7), ("+3165", 7)],
        [("+3120", 7), ("+3110", 7)],
    ),
    (
        "IT",
        4,
        "it",
        "Europe/Rome",
        ["Roma", "Milano"],
        [("+39347", 7), ("+39333", 7), ("+39320", 7), ("+39338", 7)],
        [("+3902", 8), ("+39064", 7)],
    ),
    (
        "ES",
        3,
        "es",
        "Europe/Madrid",
        ["Madrid"],
        [("+346", 8)],
        [("+3491", 7)],
    ),
    (
        "PL",
        2,
        "pl",
        "Europe/Warsaw",
        ["Warszawa"],
        [("+4850", 7), ("+4860", 7)],
        [("+4822", 7)],
    ),
    (
        "US",
        2,
        "en",
        "America/New_York",
        ["New York", "San Francisco"],
        [("+12127", 6), ("+14155", 6)],
        [("+16502", 6)],
    ),
]


def _words(text: str) -> list[str]:
    return text.split()


FIRST_NAMES = _words(
    "Anna Ben Clara David Emma Felix Greta Hannah Jonas Julia Karl Lea Lukas Marie Max Mia "
    "Noah Paul Sophie Tom Olivia James Lucas Chiara Marco Jan Eva Pierre Camille Sofia"
)
LAST_NAMES = _words(
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter "
    "Klein Wolf Schröder Neumann Huber Gruber Smith Jones Martin Bernard Rossi Russo "
    "García Jansen Kowalski Nowak Brown Keller"
)
COMPANY_WORDS = _words("Alpha Nord Süd Rhein Berg Tal Stadt Global Digital Solar Logistik Bau")
COMPANY_FORMS = ["GmbH", "AG", "KG", "GmbH & Co. KG", "Ltd", "SARL", "B.V.", "S.r.l."]


def check_ranges(rng: random.Random, samples: int = 300) -> None:
    """Fail loudly if a number range in COUNTRIES yields numbers libphonenumber rejects."""
    for region, *_rest, mobile, fixed in COUNTRIES:
        for prefix, digits in mobile + fixed:
            for _ in range(samples):
                number = f"{prefix}{rng.randrange(10**digits):0{digits}d}"
                parsed = phonenumbers.parse(number, None)
                if not phonenumbers.is_valid_number(parsed) or (
                    phonenumbers.region_code_for_number(parsed) != region
                ):
                    raise SystemExit(f"range {prefix} + {digits} digits gave invalid {number}")


def generate(n: int, rng: random.Random) -> tuple[list[tuple], list[tuple]]:
    """Contact rows (id, kind, first, last, company, language, country, city, timezone,
    visibility, created_at) and phone rows (id, contact_id, number, kind, position)."""
    picks = rng.choices(COUNTRIES, weights=[c[1] for c in COUNTRIES], k=n)
    base = datetime(2022, 1, 1, tzinfo=UTC)
    seen: set[str] = set()
    contacts: list[tuple] = []
    phones: list[tuple] = []

    def new_number(ranges: list[tuple[str, int]]) -> str:
        while True:
            prefix, digits = rng.choice(ranges)
            number = f"{prefix}{rng.randrange(10**digits):0{digits}d}"
            if number not in seen:
                seen.add(number)
                return number

    phone_id = 0
    for contact_id, (region, _w, language, zone, cities, mobile, fixed) in enumerate(picks, 1):
        company = rng.random() < 0.15
        if company:
            name = (None, None)
            company_name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_WORDS)} " + (
                rng.choice(COMPANY_FORMS)
            )
            first = [(fixed, "work"), (mobile, "mobile")]
        else:
            name = (rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))
            company_name = None
            first = [(mobile, "mobile"), (fixed, "home" if rng.random() < 0.5 else "work")]
        count = 2 if rng.random() < 0.45 else 1
        for position, (ranges, kind) in enumerate(first[:count]):
            phone_id += 1
            phones.append((phone_id, contact_id, new_number(ranges), kind, position))
        created = base + timedelta(seconds=rng.randrange(3 * 365 * 86400))
        contacts.append(
            (
                contact_id,
                "company" if company else "person",
                name[0],
                name[1],
                company_name,
                language,
                region,
                rng.choice(cities),
                zone,
                "shared_read" if rng.random() < 0.2 else "shared_write",
                created,
            )
        )
    return contacts, phones


CONTACT_COLUMNS = (
    "id, kind, first_name, last_name, company_name, language, country, city, timezone, "
    "visibility, created_at, updated_at, tags, auto_payments"
)
PHONE_COLUMNS = "id, contact_id, number, kind, position, invalid"


# --- SQLite ---------------------------------------------------------------------------


def sqlite_load(contacts: list[tuple], phones: list[tuple]) -> None:
    con = sqlite3.connect(SQLITE_PATH, isolation_level=None)
    for pragma in (
        "journal_mode=WAL",
        "synchronous=OFF",  # a benchmark file: losing it in a power cut costs nothing
        "cache_size=-1000000",  # 1 GB, so index pages stay in memory during the load
        "temp_store=MEMORY",
        "foreign_keys=ON",
    ):
        con.execute(f"PRAGMA {pragma}")
    con.execute("BEGIN")
    # SQLAlchemy's SQLite DateTime storage format (what the app writes and reads back).
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    for batch in batches(contacts, BATCH):
        con.executemany(
            f"INSERT INTO contacts ({CONTACT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,'[]',1)",
            [(*r[:10], r[10].strftime(fmt), r[10].strftime(fmt)) for r in batch],
        )
    for batch in batches(phones, BATCH):
        con.executemany(f"INSERT INTO contact_phones ({PHONE_COLUMNS}) VALUES (?,?,?,?,?,0)", batch)
    con.execute("COMMIT")
    con.execute("ANALYZE")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def sqlite_sizes() -> dict:
    sizes = {
        "database_bytes": sum(
            Path(f"{SQLITE_PATH}{s}").stat().st_size
            for s in ("", "-wal")
            if Path(f"{SQLITE_PATH}{s}").exists()
        )
    }
    con = sqlite3.connect(SQLITE_PATH)
    with contextlib.suppress(sqlite3.OperationalError):  # SQLite built without dbstat
        sizes["phone_index_bytes"] = con.execute(
            "SELECT sum(pgsize) FROM dbstat WHERE name = 'ix_contact_phones_number'"
        ).fetchone()[0]
    con.close()
    return sizes


# --- PostgreSQL -----------------------------------------------------------------------


def pg_load(contacts: list[tuple], phones: list[tuple]) -> None:
    import psycopg

    with psycopg.connect(PG_BENCH) as conn:
        with conn.cursor() as cur:
            with cur.copy(f"COPY contacts ({CONTACT_COLUMNS}) FROM STDIN") as copy:
                for r in contacts:
                    copy.write_row((*r, r[10], "[]", True))
            with cur.copy(f"COPY contact_phones ({PHONE_COLUMNS}) FROM STDIN") as copy:
                for r in phones:
                    copy.write_row((*r, False))
            # Rows came with their ids; later inserts by the app must not collide.
            for table in ("contacts", "contact_phones"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
        conn.commit()
        conn.execute("ANALYZE")
        conn.commit()


def pg_sizes() -> dict:
    import psycopg

    with psycopg.connect(PG_BENCH) as conn:
        row = conn.execute(
            "SELECT pg_database_size(current_database()), "
            "pg_relation_size('ix_contact_phones_number')"
        ).fetchone()
    return {"database_bytes": row[0], "phone_index_bytes": row[1]}


# --- measuring ------------------------------------------------------------------------


def human_form(e164: str, rng: random.Random) -> str:
    """The number as a person or a phone system might write it."""
    parsed = phonenumbers.parse(e164, None)
    forms = ["international", "tel", "00"]
    if phonenumbers.region_code_for_number(parsed) == "DE":
        forms.append("national")
    form = rng.choice(forms)
    fmt = phonenumbers.PhoneNumberFormat
    if form == "international":  # "+49 151 12345678"
        return phonenumbers.format_number(parsed, fmt.INTERNATIONAL)
    if form == "tel":  # "tel:+49-151-12345678"
        return phonenumbers.format_number(parsed, fmt.RFC3966)
    if form == "00":  # "0049 151 12345678"
        return "00" + phonenumbers.format_number(parsed, fmt.INTERNATIONAL)[1:]
    return phonenumbers.format_number(parsed, fmt.NATIONAL)  # "0151 12345678"


def explain_lookup(app, e164: str) -> list[str]:
    with app.app_context():
        conn = db.session().connection()
        statement = phone_lookup(conn.dialect)  # as find_by_phone runs it
        if conn.dialect.name == "sqlite":
            rows = statement.explain(conn, {"number": e164}, "EXPLAIN QUERY PLAN")
            return [row[3] for row in rows]
        return [row[0] for row in statement.explain(conn, {"number": e164}, "EXPLAIN")]


def measure_service(app, targets: list[tuple[str, int]]) -> tuple[list[float], int]:
    durations, failures = [], 0
    for text, contact_id in targets:
        with app.app_context():  # a fresh session, as for each inbound call
            dbs = db.session()
            start = time.perf_counter()
            found = find_by_phone(dbs, normalize_phone(text, "DE"))
            durations.append(time.perf_counter() - start)
        if contact_id not in [c.id for c in found]:
            failures += 1
            print(f"  service: {text!r} did not find contact {contact_id}", file=sys.stderr)
    return durations, failures


def measure_api(client, token: str, targets: list[tuple[str, int]]) -> tuple[list[float], int]:
    headers = {"Authorization": f"Bearer {token}"}
    durations, failures = [], 0
    for text, contact_id in targets:
        start = time.perf_counter()
        response = client.get("/api/contacts", query_string={"phone": text}, headers=headers)
        durations.append(time.perf_counter() - start)
        ids = [item["id"] for item in response.json["items"]] if response.status_code == 200 else []
        if contact_id not in ids:
            failures += 1
            print(
                f"  api: {text!r} -> {response.status_code}, not contact {contact_id}",
                file=sys.stderr,
            )
    return durations, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200, help="untimed lookups first")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)

    print(f"backend {args.backend}, {args.contacts:,} contacts, {args.lookups:,} lookups")
    check_ranges(rng)
    started = time.perf_counter()
    contacts, phones = generate(args.contacts, rng)
    print(f"generated {len(phones):,} numbers in {time.perf_counter() - started:.1f} s")
    n_contacts, n_phones = len(contacts), len(phones)
    picks = rng.sample(phones, min(n_phones, args.lookups + args.warmup))

    url = sqlite_fresh(SQLITE_PATH) if args.backend == "sqlite" else pg_fresh("bench")
    upgrade(url)
    started = time.perf_counter()
    (sqlite_load if args.backend == "sqlite" else pg_load)(contacts, phones)
    load_s = time.perf_counter() - started
    print(f"loaded {n_contacts:,} contacts and {n_phones:,} numbers, ANALYZE: {load_s:.1f} s")
    # Millions of rows held here would make every full garbage collection in the measured
    # requests walk them: a benchmark artefact, not the app's cost.
    del contacts, phones
    gc.collect()
    sizes = sqlite_sizes() if args.backend == "sqlite" else pg_sizes()
    print(
        f"database size {sizes['database_bytes'] / 2**20:.0f} MiB"
        + (
            f", ix_contact_phones_number {sizes['phone_index_bytes'] / 2**20:.0f} MiB"
            if sizes.get("phone_index_bytes")
            else ""
        )
    )

    app = bench_app(url, WORK_DIR, REDIS_URL)
    with app.app_context():
        dbs = db.session()
        user = accounts.create_user(dbs, email="bench@example.com", name="Bench", role="agent")
        _row, token = accounts.create_api_token(dbs, user, name="bench", now=utcnow())
        dbs.commit()

    targets = [(human_form(p[2], rng), p[1]) for p in picks]
    warmup, targets = targets[: args.warmup], targets[args.warmup :]
    print("plan of find_by_phone:")
    for line in explain_lookup(app, picks[0][2]):
        print(f"  {line}")

    measure_service(app, warmup)
    service_times, service_failures = measure_service(app, targets)
    client = app.test_client()
    measure_api(client, token, warmup)
    api_times, api_failures = measure_api(client, token, targets)
    app.extensions["voiceapp.db"].engine.dispose()

    service, api = summarize(service_times, "lookups_per_s"), summarize(api_times, "lookups_per_s")
    print(f"examples: {', '.join(repr(t) for t, _ in targets[:4])}")
    for label, figures, failures in (
        ("service (normalize_phone + find_by_phone)", service, service_failures),
        ("api (GET /api/contacts?phone=)", api, api_failures),
    ):
        print(
            f"{label}: p50 {figures['p50_ms']:.2f} ms, p99 {figures['p99_ms']:.2f} ms, "
            f"max {figures['max_ms']:.2f} ms, {figures['lookups_per_s']:.0f} lookups/s, "
            f"{len(targets) - failures}/{len(targets)} found"
        )
    summary = {
        "backend": args.backend,
        "contacts": n_contacts,
        "phones": n_phones,
        "lookups": len(targets),
        "load_s": round(load_s, 1),
        **sizes,
        "service": {**service, "failures": service_failures},
        "api": {**api, "failures": api_failures},
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
    }
    print(json.dumps(summary))
    return 1 if service_failures or api_failures else 0


if __name__ == "__main__":
    sys.exit(main())
