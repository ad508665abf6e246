"""Benchmark: the dashboard of a sales manager whose team of 50 agents has made and taken a
million calls and worked a million cases, on PostgreSQL.

Builds a fresh database with the project's migrations, the team (50 agents, a sales
manager, an admin; team time zone Europe/Berlin) and, with set-based INSERT ... SELECT
generate_series (not timed; VACUUM ANALYZE after, as autovacuum would, which is off here):

- --calls top-level calls over the last 365 days up to now, 55 % outbound (70 % of them
  answered) and 45 % inbound (90 % taken by an agent, the rest missed with no agent), each
  answered one with its leg where the agent and the customer talked (so about 1.7 rows a
  call), on 100,000 contacts;
- --cases cases: 90 % closed over the year by an outcome (an outcome event each, its type
  in the event's data as the app writes it), 10 % open, due from 30 days ago to 30 days
  ahead, all assigned to the agents;
- 20,000 reviews of answered calls, a few callers ringing now.

Then times, for today, this week and this month, over --runs runs after --warmup:

- service: services.dashboard.dashboard(..., with_team=True) for the manager in a fresh
  app context (a fresh session), as a request gets;
- api: GET /api/dashboard?period=... with a bearer token, through the Flask test client;
- page: GET /?period=... signed in (the whole home page: figures, team table, the
  charts' tables, recent contacts) through the Flask test client.

Prints p50 / p99 / max per period and kind, and a one-line JSON summary last; the target
is under 300 ms. The answers are checked: the month's calls made in the team table must
equal the calls made in the database (exit status 1 otherwise).

    .venv/bin/python bench/bench_dashboard.py
    .venv/bin/python bench/bench_dashboard.py --calls 100000 --cases 100000 --runs 10

PostgreSQL: database `bench_dashboard` on 127.0.0.1, user postgres (trust auth), its
public schema rebuilt on every run (--reuse keeps the loaded data of the last run).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import psycopg
from bench_common import bench_app, machine_speed, pg_fresh, summarize

from voiceapp import db
from voiceapp.db import utcnow
from voiceapp.domain.dashboard import PERIODS, period_for
from voiceapp.migrate import upgrade
from voiceapp.services import accounts, call_hours
from voiceapp.services import dashboard as figures
from voiceapp.services.team_settings import editable_team_settings

WORK_DIR = Path("/tmp/voiceapp-bench-dashboard")
DBNAME = "bench_dashboard"
DSN = f"host=127.0.0.1 user=postgres dbname={DBNAME}"
ZONE = "Europe/Berlin"
AGENTS = 50
CONTACTS = 100_000
REVIEWS = 20_000
PASSWORD = "bench-password-123"
OUTCOMES = (
    "ARRAY['completed','not_reached','callback','already_paid','cancelled','invalid_contact']"
)

# One row per call; `a` is the agent (1..AGENTS), `n` the call's number, its start spread
# over the 365 days before now. Kinds by n % 20: 0-10 outbound (0-7 answered), 11-19
# inbound (11-18 taken, 19 missed).
CALLS_SQL = """
INSERT INTO calls (sid, direction, from_number, to_number, agent_id, contact_id, status,
                   last_sequence, started_at, answered_at, duration, missed, voicemail,
                   record, created_at, updated_at)
SELECT 'CA' || lpad(to_hex(n), 32, '0'),
       CASE WHEN n %% 20 <= 10 THEN 'outbound' ELSE 'inbound' END,
       '+4930901820', '+4915100000000',
       CASE WHEN n %% 20 = 19 THEN NULL ELSE %(agent0)s + n %% %(agents)s END,
       1 + n %% %(contacts)s,
       CASE WHEN n %% 20 IN (8, 9, 10) THEN 'no-answer' ELSE 'completed' END,
       3, t,
       CASE WHEN n %% 20 IN (8, 9, 10, 19) THEN NULL ELSE t + interval '5 seconds' END,
       60 + n %% 400, n %% 20 = 19, false, false, t, t
FROM (SELECT n, now() - (n * (365 * 86400.0 / %(calls)s)) * interval '1 second' AS t
      FROM generate_series(1, %(calls)s) AS n) AS spread
"""
# The leg where the agent and the customer talked, for every answered call.
LEGS_SQL = """
INSERT INTO calls (sid, parent_sid, direction, from_number, to_number, agent_id, contact_id,
                   status, last_sequence, started_at, answered_at, duration, missed,
                   voicemail, record, created_at, updated_at)
SELECT 'CL' || substr(sid, 3), sid, direction, to_number, from_number, agent_id, contact_id,
       'completed', 3, started_at + interval '1 second', answered_at, duration - 20, false,
       false, false, started_at, started_at
FROM calls WHERE parent_sid IS NULL AND answered_at IS NOT NULL
"""
CASES_SQL = """
INSERT INTO cases (type, contact_id, language, assignee_id, status, due_at, attempts,
                   not_reached, last_outcome, closed_at, closed_by_id, keep_recordings,
                   created_at, updated_at)
SELECT 'payment_reminder', 1 + n %% %(contacts)s, 'de', %(agent0)s + n %% %(agents)s,
       CASE WHEN n %% 10 = 0 THEN 'open' ELSE 'closed' END,
       CASE WHEN n %% 10 = 0 THEN now() + ((n %% 86400) - 43200) * interval '1 minute'
            ELSE t END,
       1, 0,
       CASE WHEN n %% 10 = 0 THEN NULL ELSE (%(outcomes)s)[1 + n %% 6] END,
       CASE WHEN n %% 10 = 0 THEN NULL ELSE t END,
       CASE WHEN n %% 10 = 0 THEN NULL ELSE %(agent0)s + n %% %(agents)s END,
       false, t - interval '1 day', t
FROM (SELECT n, now() - (n * (365 * 86400.0 / %(cases)s)) * interval '1 second' AS t
      FROM generate_series(1, %(cases)s) AS n) AS spread
"""
OUTCOME_EVENTS_SQL = """
INSERT INTO case_events (case_id, at, kind, summary, actor_id, data)
SELECT id, closed_at, 'outcome', last_outcome, assignee_id,
       json_build_object('outcome', last_outcome, 'reached', last_outcome <> 'not_reached')
FROM cases WHERE status = 'closed'
"""
REVIEWS_SQL = """
INSERT INTO call_reviews (call_sid, reviewer_id, agent_id, score, criteria, created_at,
                          updated_at)
SELECT sid, %(manager)s, agent_id, 1 + id %% 5, '{}'::json, started_at + interval '1 day',
       started_at + interval '1 day'
FROM calls
WHERE parent_sid IS NULL AND answered_at IS NOT NULL AND id %% %(every)s = 0
LIMIT %(reviews)s
"""
RINGING_SQL = """
INSERT INTO calls (sid, direction, from_number, to_number, contact_id, status, last_sequence,
                   started_at, missed, voicemail, record, created_at, updated_at)
SELECT 'CW' || n, 'inbound', '+4915100000000', '+4930901820', n, 'ringing', 1,
       now() - n * interval '20 seconds', false, false, false, now(), now()
FROM generate_series(1, 3) AS n
"""
CONTACTS_SQL = """
INSERT INTO contacts (kind, first_name, last_name, tags, visibility, auto_payments,
                      created_at, updated_at)
SELECT 'person', 'First' || n, 'Last' || n, '[]'::json, 'shared_write', true,
       now() - n * interval '1 minute', now() - n * interval '1 minute'
FROM generate_series(1, %(contacts)s) AS n
"""


def make_team(app) -> tuple[int, list[int]]:
    with app.app_context():
        dbs = db.session()
        editable_team_settings(dbs).timezone = ZONE
        accounts.create_user(
            dbs, email="admin@example.com", name="Admin", role="admin", password=PASSWORD
        )
        manager = accounts.create_user(
            dbs,
            email="manager@example.com",
            name="Manager",
            role="sales_manager",
            password=PASSWORD,
        )
        agents = [
            accounts.create_user(
                dbs, email=f"agent{i}@example.com", name=f"Agent {i:02d}", role="agent"
            )
            for i in range(AGENTS)
        ]
        dbs.commit()
        return manager.id, [a.id for a in agents]


def load(calls: int, cases: int, manager_id: int, agent_ids: list[int]) -> float:
    """Fill the tables set-based; the seconds it took (ANALYZE included)."""
    started = time.perf_counter()
    args = {
        "calls": calls,
        "cases": cases,
        "contacts": CONTACTS,
        "agents": AGENTS,
        "agent0": agent_ids[0],
        "manager": manager_id,
        "reviews": REVIEWS,
        "every": max(1, calls // (REVIEWS * 2)),
    }
    assert agent_ids == list(range(agent_ids[0], agent_ids[0] + AGENTS))
    steps = [
        ("contacts", CONTACTS_SQL),
        ("calls", CALLS_SQL),
        ("legs", LEGS_SQL),
        ("ringing now", RINGING_SQL),
        ("cases", CASES_SQL.replace("%(outcomes)s", OUTCOMES)),
        ("outcome events", OUTCOME_EVENTS_SQL),
        ("reviews", REVIEWS_SQL),
    ]
    with psycopg.connect(DSN, autocommit=True) as conn:
        for name, sql in steps:
            step = time.perf_counter()
            rows = conn.execute(sql, args).rowcount
            print(f"  {name}: {rows:,} rows in {time.perf_counter() - step:.1f} s", flush=True)
        # What autovacuum (off on this machine) would have done by now: statistics, and the
        # visibility map that lets PostgreSQL answer from an index alone.
        conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def roll_up_calls(app) -> float:
    """What the clock's roll-up job does, all at once the first time; its seconds."""
    started = time.perf_counter()
    with app.app_context():
        dbs = db.session()
        call_hours.roll_up(dbs, now=utcnow())
        dbs.commit()
    with psycopg.connect(DSN, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE call_hour_totals")
    return time.perf_counter() - started


def time_runs(fn, runs: int, warmup: int) -> dict:
    for _ in range(warmup):
        fn()
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        durations.append(time.perf_counter() - started)
    return summarize(durations, rate="per_s")


def check_answer(app, manager_id: int) -> bool:
    """The month's calls made in the team table equal the database's count."""
    with app.app_context():
        dbs = db.session()
        manager = accounts.get_user(dbs, manager_id)
        now = utcnow()
        period = period_for("month", now=now, zone=ZONE)
        board = figures.dashboard(dbs, manager, period, now=now, with_team=True)
    with psycopg.connect(DSN) as conn:
        expected = conn.execute(
            "SELECT count(*) FROM calls WHERE parent_sid IS NULL AND direction = 'outbound' "
            "AND started_at >= %s AND started_at < %s",
            (period.start, period.end),
        ).fetchone()[0]
    made = sum(row.calls_made for row in board.team)
    charted = sum(day.made for day in board.charts.days)
    print(f"check: month's calls made {made:,} (table), {charted:,} (chart), {expected:,} (SQL)")
    return made == charted == expected


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep the last run's data")
    options = parser.parse_args()

    yardstick = machine_speed()
    if options.reuse:
        url = f"postgresql+psycopg://postgres@127.0.0.1/{DBNAME}"
        app = bench_app(url, WORK_DIR)
        with psycopg.connect(DSN) as conn:
            manager_id = conn.execute(
                "SELECT id FROM users WHERE email = 'manager@example.com'"
            ).fetchone()[0]
        load_s = 0.0
    else:
        url = pg_fresh(DBNAME)
        upgrade(url)
        app = bench_app(url, WORK_DIR)
        manager_id, agent_ids = make_team(app)
        print(f"loading {options.calls:,} calls and {options.cases:,} cases", flush=True)
        load_s = load(options.calls, options.cases, manager_id, agent_ids)
        print(f"loaded in {load_s:.1f} s (ANALYZE included)")
    if options.reuse:
        upgrade(url)  # tables a later migration added
    rolled_s = roll_up_calls(app)
    print(f"calls added up per hour (services.call_hours.roll_up) in {rolled_s:.1f} s")
    if not check_answer(app, manager_id):
        print("wrong answer: the month's calls made differ", file=sys.stderr)
        return 1

    with app.app_context():
        dbs = db.session()
        manager = accounts.get_user(dbs, manager_id)
        _row, token = accounts.create_api_token(dbs, manager, name="bench", now=utcnow())
        dbs.commit()
    api = app.test_client()
    page = app.test_client()
    form = page.get("/sign-in").text
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    signed_in = page.post(
        "/sign-in",
        data={"email": "manager@example.com", "password": PASSWORD, "csrf_token": csrf},
    )
    assert signed_in.status_code == 302, signed_in.status_code

    def service(kind):
        def run():
            with app.app_context():
                dbs = db.session()
                manager = accounts.get_user(dbs, manager_id)
                now = utcnow()
                period = period_for(kind, now=now, zone=ZONE)
                figures.dashboard(dbs, manager, period, now=now, with_team=True)

        return run

    def api_call(kind):
        def run():
            answer = api.get(
                f"/api/dashboard?period={kind}", headers={"Authorization": f"Bearer {token}"}
            )
            assert answer.status_code == 200, answer.status_code

        return run

    def page_call(kind):
        def run():
            answer = page.get(f"/?period={kind}")
            assert answer.status_code == 200 and 'data-testid="team"' in answer.text

        return run

    results = {}
    print(f"{'period':<8} {'kind':<8} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9}")
    for kind in PERIODS:
        for name, make in (("service", service), ("api", api_call), ("page", page_call)):
            figures_ = time_runs(make(kind), options.runs, options.warmup)
            results[f"{kind}.{name}"] = figures_
            print(
                f"{kind:<8} {name:<8} {figures_['p50_ms']:>9.1f} {figures_['p99_ms']:>9.1f} "
                f"{figures_['max_ms']:>9.1f}",
                flush=True,
            )
    print(f"yardstick {yardstick:.0f} ms / {machine_speed():.0f} ms (before / after)")
    summary = {
        "calls": options.calls,
        "cases": options.cases,
        "load_s": round(load_s, 1),
        "roll_up_s": round(rolled_s, 1),
    }
    print(json.dumps(summary | results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
