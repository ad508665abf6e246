"""How fast could any Flask app take this machine's webhooks? A ceiling, beside ours.

The ceiling is a bare Flask app under the same gunicorn that does the least each webhook
must do, with none of our code: psycopg on one autocommit connection per thread, the team
settings read (one round trip, as ours reads them on every request), the signature
checked with twilio's RequestValidator, then the writes by one statement (a
data-modifying CTE, atomic without BEGIN or COMMIT):

- a status callback: the event stored once (INSERT ... ON CONFLICT DO NOTHING) and the
  call moved forward-only (advance() in SQL); empty TwiML;
- an inbound call from an unknown number: which of the two numbers are ours, the caller's
  contact found by number or made (with its phone and its "created" line), the call's row,
  its line in the history and the IVR's first state, as ours writes them; the language
  menu's TwiML.

It knows only what this bench sends (calls started by their inbound request; no legs,
agents, prices, business hours): a measuring stick, not a second implementation.

    .venv/bin/python bench/ceiling_webhooks.py --calls 1000 --inbound 1000 --rounds 2

Each round sends inbound requests (unknown callers, as bench_webhooks.py's) to the static
TwiML floor, to the ceiling and to ours, then shuffled, duplicated status callbacks
(bench_webhooks.py's `status_events`, each call's inbound request first, untimed, through
our app) to the ceiling and to ours, one after the other; it checks every call against
the truth (lost must be 0 for both). PostgreSQL only (database `bench_ceiling`). gunicorn
imports this module for the ceiling app (`ceiling_webhooks:ceiling_app()`).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import sys

import bench_webhooks as bw
from bench_common import add_gunicorn_arguments, machine_speed

FINAL = ("completed", "busy", "failed", "no-answer", "canceled")
RANK = {"queued": 0, "initiated": 1, "ringing": 2, "in-progress": 3}


def _rank_sql(column: str) -> str:
    finals = ", ".join(f"'{status}'" for status in FINAL)
    ranks = " ".join(f"WHEN '{status}' THEN {rank}" for status, rank in RANK.items())
    return f"(CASE WHEN {column} IN ({finals}) THEN 4 ELSE (CASE {column} {ranks} ELSE -1 END) END)"


# The call's status after the callback, from the row as it is: advance() in SQL, for the
# statuses this bench sends (an unknown status would still move last_sequence here).
_NEW_STATUS = (
    f"(CASE WHEN %(rank)s = -1 OR {_rank_sql('calls.status')} >= %(rank)s "
    "THEN calls.status ELSE %(status)s END)"
)
_FINALS = ", ".join(f"'{status}'" for status in FINAL)
STATUS_STATEMENT = f"""
WITH event AS (
    INSERT INTO call_events
        (call_sid, source, sequence_number, idempotency_token, status, params, received_at)
    VALUES (%(sid)s, 'status', %(sequence)s, %(token)s, %(status)s, %(params)s, now())
    ON CONFLICT DO NOTHING
    RETURNING id
)
UPDATE calls SET
    status = {_NEW_STATUS},
    last_sequence = GREATEST(calls.last_sequence, COALESCE(%(sequence)s, calls.last_sequence)),
    answered_at = CASE
        WHEN calls.answered_at IS NULL
             AND (%(status)s = 'in-progress' OR {_NEW_STATUS} = 'in-progress')
             AND {_NEW_STATUS} IN ('in-progress', 'completed')
        THEN %(at)s ELSE calls.answered_at END,
    ended_at = CASE
        WHEN calls.ended_at IS NULL AND {_NEW_STATUS} IN ({_FINALS})
        THEN %(at)s ELSE calls.ended_at END,
    duration = CASE
        WHEN calls.duration IS NULL AND {_NEW_STATUS} IN ({_FINALS})
        THEN %(duration)s ELSE calls.duration END,
    updated_at = now()
WHERE calls.sid = %(sid)s AND EXISTS (SELECT 1 FROM event)
"""


INBOUND_STATEMENT = """
WITH ours AS (
    SELECT number FROM phone_numbers WHERE number IN (%(to)s, %(caller)s)
),
known AS (
    SELECT contact_id AS id FROM contact_phones WHERE number = %(caller)s
    ORDER BY contact_id LIMIT 1
),
made AS (
    INSERT INTO contacts (kind, tags, visibility, timezone, created_at, updated_at, auto_payments)
    SELECT 'person', '[]', 'shared_write', 'Europe/Berlin', now(), now(), false
    WHERE NOT EXISTS (SELECT 1 FROM known)
      AND NOT EXISTS (SELECT 1 FROM ours WHERE number = %(caller)s)
    RETURNING id
),
phone AS (
    INSERT INTO contact_phones (contact_id, number, kind, position, invalid)
    SELECT id, %(caller)s, 'mobile', 0, false FROM made
),
contact AS (SELECT id FROM known UNION ALL SELECT id FROM made),
call AS (
    INSERT INTO calls (sid, direction, from_number, to_number, status, last_sequence,
                       started_at, missed, voicemail, record, created_at, updated_at,
                       twilio_direction, contact_id, phone_number_id)
    VALUES (%(sid)s, 'inbound', %(from)s, %(to)s, %(status)s, -1, now(), false, false,
            false, now(), now(), 'inbound', (SELECT id FROM contact LIMIT 1),
            (SELECT id FROM phone_numbers WHERE number = %(to)s))
    ON CONFLICT (sid) DO NOTHING
    RETURNING sid
),
lines AS (
    INSERT INTO contact_events (contact_id, occurred_at, kind, summary, ref_type, ref_id)
    SELECT id, now(), 'created', 'Contact created', NULL, NULL FROM made
    UNION ALL
    SELECT contact.id, now(), 'call_inbound', 'Incoming call', 'call', call.sid
    FROM contact, call
),
ivr AS (
    INSERT INTO ivr_sessions (call_sid, step, attempts, created_at, updated_at)
    SELECT sid, 'language', 0, now(), now() FROM call
)
SELECT count(*) FROM call
"""
GREETING = {"de": "Willkommen. Vielen Dank für Ihren Anruf.", "en": "Welcome."}
PRESS = {"de": "Für Deutsch drücken Sie die {}.", "en": "For English, press {}."}
VOICE = {"de": "de-DE", "en": "en-US"}


def language_menu(languages: list[str]) -> str:
    """The IVR's first answer, as ours renders it for these languages."""
    action = f"{bw.PUBLIC_BASE_URL}/twilio/ivr/language"
    says = [f'<Say language="{VOICE[languages[0]]}">{GREETING[languages[0]]}</Say>']
    says += [
        f'<Say language="{VOICE[language]}">{PRESS[language].format(index)}</Say>'
        for index, language in enumerate(languages, start=1)
    ]
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        f'<Gather action="{action}" method="POST" numDigits="1" timeout="6">{"".join(says)}'
        f'</Gather><Redirect method="POST">{action}</Redirect></Response>'
    )


def ceiling_app():
    import threading
    from email.utils import parsedate_to_datetime

    import phonenumbers
    import psycopg
    from flask import Flask, Response, abort, request
    from psycopg.types.json import Jsonb
    from twilio.request_validator import RequestValidator

    dsn = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    local = threading.local()
    app = Flask("ceiling")
    empty = '<?xml version="1.0" encoding="UTF-8"?><Response />'
    menus: dict[tuple, str] = {}

    def connection() -> psycopg.Connection:
        if getattr(local, "connection", None) is None:
            local.connection = psycopg.connect(dsn, autocommit=True, prepare_threshold=0)
        return local.connection

    def signed_form(db: psycopg.Connection, columns: str) -> tuple[dict, tuple]:
        """The request's form and the settings' `columns`; 403 unless Twilio signed it."""
        settings = db.execute(
            f"SELECT twilio_auth_token, {columns} FROM team_settings LIMIT 1"
        ).fetchone()
        form = request.form.to_dict()
        signature = RequestValidator(
            settings[0] or os.environ["TWILIO_AUTH_TOKEN"]
        ).compute_signature(bw.PUBLIC_BASE_URL + request.path, form)
        if signature != request.headers.get("X-Twilio-Signature"):
            abort(403)
        return form, settings[1:]

    @app.post(bw.INBOUND)
    def inbound():
        db = connection()
        form, (languages,) = signed_form(db, "languages")
        caller = phonenumbers.format_number(
            phonenumbers.parse(form["From"], "DE"), phonenumbers.PhoneNumberFormat.E164
        )
        db.execute(
            INBOUND_STATEMENT,
            {
                "sid": form["CallSid"],
                "from": form["From"],
                "to": form["To"],
                "caller": caller,
                "status": form.get("CallStatus", "ringing"),
            },
        )
        return Response(
            menus.setdefault(tuple(languages), language_menu(languages)), mimetype="text/xml"
        )

    @app.post(bw.STATUS)
    def status():
        db = connection()
        form, _ = signed_form(db, "1")
        sequence = form.get("SequenceNumber")
        duration = form.get("CallDuration")
        status = form.get("CallStatus", "")
        db.execute(
            STATUS_STATEMENT,
            {
                "sid": form.get("CallSid", ""),
                "sequence": int(sequence) if sequence else None,
                "token": request.headers.get("I-Twilio-Idempotency-Token") or None,
                "status": status,
                "rank": 4 if status in FINAL else RANK.get(status, -1),
                "params": Jsonb(form),
                "at": parsedate_to_datetime(form["Timestamp"]),
                "duration": int(duration) if duration else None,
            },
        )
        return Response(empty, mimetype="text/xml")

    @app.get("/healthz")
    def health():
        return "ok"

    return app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inbound", type=int, default=1000, help="timed inbound requests")
    parser.add_argument("--warmup", type=int, default=100, help="untimed inbound requests first")
    parser.add_argument("--calls", type=int, default=1000, help="calls of 4 status callbacks")
    parser.add_argument("--duplicates", type=float, default=0.2, help="share of extra copies")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    add_gunicorn_arguments(parser)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--name", default="bench_ceiling")
    args = parser.parse_args()
    bw._use_name(args.name)

    rng = random.Random(args.seed)
    shutil.rmtree(bw.WORK_DIR, ignore_errors=True)
    (bw.WORK_DIR / "instance").mkdir(parents=True)
    url = bw.prepare_database("postgresql")
    app = bw.bench_app(url)
    bw.seed(app)
    print(
        f"gunicorn {args.workers} workers x {args.threads} threads, "
        f"{args.connections} connections, {os.cpu_count()} CPUs; "
        f"yardstick {machine_speed()} ms",
        flush=True,
    )
    results: dict = {"rounds": []}
    failed = False
    servers = []
    try:
        ours = bw.Gunicorn("ours", "voiceapp:create_app()", bw.app_env(url), args)
        servers.append(ours)
        ceiling = bw.Gunicorn("ceiling", "ceiling_webhooks:ceiling_app()", bw.app_env(url), args)
        servers.append(ceiling)
        floor = bw.Gunicorn("floor", "bench_webhooks:floor_app()", bw.app_env(url), args)
        servers.append(floor)
        callers = itertools.count(20_000_000, 1_000_000)
        for round_number in range(1, args.rounds + 1):
            figures = {}
            total = args.warmup + args.inbound
            for name, server, marker in (
                ("floor", floor, b"<Say>Hi</Say>"),
                ("ceiling", ceiling, b"<Gather"),
                ("ours", ours, b"<Gather"),
            ):
                prepared = bw.inbound_requests(total, server.port, first_caller=next(callers))
                before = bw.count_rows(app)
                bw.drive(server.port, prepared[: args.warmup], args.connections, bw.expect(marker))
                meter = bw.CpuMeter(server)
                run = bw.drive(
                    server.port, prepared[args.warmup :], args.connections, bw.expect(marker)
                )
                bw.print_run(f"round {round_number} inbound {name:7}", run, meter)
                after = bw.count_rows(app)
                made = {table: after[table] - before[table] for table in ("calls", "contacts")}
                expected = (
                    {"calls": 0, "contacts": 0}
                    if name == "floor"
                    else {"calls": total, "contacts": total}
                )
                if made != expected:
                    print(f"  {name} stored {made}, expected {expected}", file=sys.stderr)
                    failed = True
                failed |= bool(run.failures)
                figures[f"inbound_{name}"] = run.summary()
            for name in ("ceiling", "ours"):
                figures[f"inbound_{name}_of_floor"] = round(
                    figures[f"inbound_{name}"]["per_s"] / figures["inbound_floor"]["per_s"], 3
                )
            print(
                f"round {round_number} inbound: of the floor's req/s, ceiling "
                f"{figures['inbound_ceiling_of_floor']}, ours {figures['inbound_ours_of_floor']}",
                flush=True,
            )
            for name, server in (("ceiling", ceiling), ("ours", ours)):
                deliveries, truths, distinct = bw.status_events(
                    args.calls, args.duplicates, server.port, rng
                )
                first = bw.calls_first(truths, ours.port)
                bw.drive(ours.port, first, args.connections, bw.expect(b"<Gather"))
                before = bw.count_rows(app)["call_events"]
                meter = bw.CpuMeter(server)
                run = bw.drive(server.port, deliveries, args.connections, bw.expect(b"<Response"))
                bw.print_run(f"round {round_number} status {name:7}", run, meter)
                lost = bw.lost_calls(app, truths)
                stored = bw.count_rows(app)["call_events"] - before
                print(
                    f"round {round_number} status {name:7}: {run.per_second:,.1f} events/s; "
                    f"stored {stored:,} of {distinct:,} events; lost {len(lost)}",
                    flush=True,
                )
                for line in lost[:5]:
                    print(f"  lost {line}", file=sys.stderr)
                failed |= bool(lost or run.failures or stored != distinct)
                figures[f"status_{name}"] = {**run.summary(), "lost": len(lost), "stored": stored}
            figures["status_ours_of_ceiling"] = round(
                figures["status_ours"]["per_s"] / figures["status_ceiling"]["per_s"], 3
            )
            print(
                f"round {round_number} status: ours/ceiling {figures['status_ours_of_ceiling']}",
                flush=True,
            )
            results["rounds"].append(figures)
    finally:
        for server in servers:
            server.stop()
    print(f"yardstick {machine_speed()} ms", flush=True)
    print(json.dumps(results))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
