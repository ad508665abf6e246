"""Benchmark: Twilio's webhooks under load, against a floor, in the same run.

1. inbound  POST /twilio/voice/inbound, pre-signed, a unique CallSid and an unknown caller
            each (so every request also creates a call and a contact), sent to our app
            and to a bare Flask route returning static TwiML (the floor), both under the
            same gunicorn settings, by the same load generator. Figures: req/s, p50, p99,
            and ours divided by the floor's.
2. status   POST /twilio/voice/status: C calls x 4 callbacks (initiated, ringing,
            in-progress, completed), plus a share of duplicates (Twilio's retries with the
            same I-Twilio-Idempotency-Token, and copies without one), shuffled. Figures:
            events/s, and afterwards the number of calls whose row differs from the truth
            ("lost", must be 0).

    .venv/bin/python bench/bench_webhooks.py --backend sqlite
    .venv/bin/python bench/bench_webhooks.py --backend postgresql --requests 3000

The load generator is one Python process, C threads, each with one keep-alive connection
and requests prepared (and signed) beforehand. PostgreSQL: database `bench_webhooks` on
127.0.0.1, user postgres, created when missing, its public schema rebuilt every run.
SQLite: a file under /tmp/voiceapp-bench-webhooks. Prints the figures, and one line of
JSON last. Exit status 1 when a request failed, an answer was wrong or a callback was lost.

gunicorn imports this module for the floor app (`bench_webhooks:floor_app()`), so the
top level only defines things.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlencode

from bench_common import add_gunicorn_arguments, pg_fresh, sqlite_fresh

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
WORK_DIR = Path("/tmp/voiceapp-bench-webhooks")
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
REDIS_URL = "redis://127.0.0.1:6379/11"  # the webhooks measured here never use it
PG_DATABASE = "bench_webhooks"
PUBLIC_BASE_URL = "https://voice.example.com"
ACCOUNT_SID = "AC" + "b" * 32
AUTH_TOKEN = "bench-twilio-auth-token"
SECRET_KEY = "bench-secret-key-0123456789abcdef"
OUR_NUMBER = "+4930901820"
FLOOR_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Hi</Say></Response>'
INBOUND = "/twilio/voice/inbound"
STATUS = "/twilio/voice/status"
ALWAYS_OPEN = {
    day: [["00:00", "23:59"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}
CALL_EPOCH = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
STARTUP_SECONDS = 180


def floor_app():
    """The floor: what any Flask app under the same gunicorn costs for this request."""
    from flask import Flask, Response

    app = Flask("floor")

    @app.post(INBOUND)
    def inbound():
        return Response(FLOOR_TWIML, mimetype="text/xml")

    @app.get("/healthz")
    def health():
        return "ok"

    return app


# ---------------------------------------------------------------- requests as Twilio sends


def voice_params(call_sid: str, *, from_: str, to: str, status: str, **extra) -> dict:
    """A voice-URL request's parameters (TWILIO.md, "Requests Twilio makes to a voice URL")."""
    return {
        "CallSid": call_sid,
        "AccountSid": ACCOUNT_SID,
        "From": from_,
        "To": to,
        "CallStatus": status,
        "ApiVersion": "2010-04-01",
        "Direction": "inbound",
        "Caller": from_,
        "Called": to,
        "CallerName": "",
        "FromCity": "BERLIN",
        "FromCountry": "DE",
        "ToCountry": "DE",
        "CallerCountry": "DE",
        "CalledCountry": "DE",
        **extra,
    }


def raw_post(path: str, params: dict, port: int, headers: dict | None = None) -> bytes:
    """One HTTP/1.1 request, signed for PUBLIC_BASE_URL + path as Twilio would sign it."""
    from twilio.request_validator import RequestValidator

    body = urlencode(params).encode()
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_BASE_URL + path, params)
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/x-www-form-urlencoded",
        f"Content-Length: {len(body)}",
        f"X-Twilio-Signature: {signature}",
        "User-Agent: TwilioProxy/1.1",
    ]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def inbound_requests(count: int, port: int, first_caller: int) -> list[bytes]:
    return [
        raw_post(
            INBOUND,
            voice_params(
                "CA" + uuid.uuid4().hex,
                from_=f"+49151{first_caller + i:08d}",  # unknown: a contact is created
                to=OUR_NUMBER,
                status="ringing",
            ),
            port,
        )
        for i in range(count)
    ]


@dataclass
class CallTruth:
    sid: str
    answered_at: datetime
    ended_at: datetime
    duration: int


STATUS_SEQUENCE = ("initiated", "ringing", "in-progress", "completed")


def status_events(calls: int, duplicates: float, port: int, rng: random.Random):
    """Every callback of `calls` answered calls, plus duplicates, shuffled; and the truth."""
    truths: list[CallTruth] = []
    deliveries: list[bytes] = []
    originals: list[tuple[dict, str]] = []
    for index in range(calls):
        sid = "CA" + uuid.uuid4().hex
        start = CALL_EPOCH + timedelta(seconds=index * 7)
        duration = rng.randint(5, 900)
        moments = [start, start + timedelta(seconds=1), start + timedelta(seconds=6)]
        moments.append(moments[-1] + timedelta(seconds=duration))
        caller = f"+49152{index:08d}"
        for sequence, (status, moment) in enumerate(zip(STATUS_SEQUENCE, moments, strict=True)):
            params = voice_params(
                sid,
                from_=caller,
                to=OUR_NUMBER,
                status=status,
                CallbackSource="call-progress-events",
                SequenceNumber=str(sequence),
                Timestamp=format_datetime(moment),
                SipResponseCode="200",
            )
            if status == "completed":
                params["CallDuration"] = str(duration)
                params["Duration"] = str((duration + 59) // 60)
            originals.append((params, f"{sid}-{sequence}"))
        truths.append(CallTruth(sid, moments[2], moments[3], duration))
    for params, token in originals:
        deliveries.append(raw_post(STATUS, params, port, {"I-Twilio-Idempotency-Token": token}))
    for params, token in rng.sample(originals, int(len(originals) * duplicates)):
        # Half are Twilio's retries (same token), half copies that carry no token.
        headers = {"I-Twilio-Idempotency-Token": token} if rng.random() < 0.5 else None
        deliveries.append(raw_post(STATUS, params, port, headers))
    rng.shuffle(deliveries)
    return deliveries, truths, len(originals)


def calls_first(truths: list[CallTruth], port: int) -> list[bytes]:
    """The inbound request that starts each call of `truths` (its row and its caller's
    contact), the caller's number as status_events gives it."""
    return [
        raw_post(
            INBOUND,
            voice_params(truth.sid, from_=f"+49152{index:08d}", to=OUR_NUMBER, status="ringing"),
            port,
        )
        for index, truth in enumerate(truths)
    ]


# ---------------------------------------------------------------- the load generator


@dataclass
class Run:
    latencies: list[float]
    wall: float
    failures: list[str] = field(default_factory=list)
    # CPU ms per request of our gunicorn and of PostgreSQL, once measured (CpuMeter).
    cpu_ms: dict = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.wall

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        rank = max(1, round(share * len(ordered) + 0.5))  # nearest rank
        return ordered[min(rank, len(ordered)) - 1] * 1000

    def summary(self) -> dict:
        return {
            "requests": len(self.latencies),
            "per_s": round(self.per_second, 1),
            "p50_ms": round(self.percentile(0.50), 2),
            "p99_ms": round(self.percentile(0.99), 2),
            "max_ms": round(max(self.latencies) * 1000, 2),
            "failures": len(self.failures),
            "cpu_ms": self.cpu_ms,
        }


class Connection:
    def __init__(self, port: int):
        self.port = port
        self.sock: socket.socket | None = None
        self.buffer = b""

    def _open(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        return sock

    def exchange(self, request: bytes) -> tuple[int, bytes]:
        for attempt in (1, 2):  # the server may have closed an idle keep-alive connection
            if self.sock is None:
                self.sock = self._open()
            try:
                self.sock.sendall(request)
                return self._read()
            except (ConnectionError, EOFError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed")
        self.buffer += chunk

    def _read(self) -> tuple[int, bytes]:
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", 0))
        while len(self.buffer) < length:
            self._fill()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, body

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = None


def drive(port: int, requests: list[bytes], connections: int, check) -> Run:
    """Send every request over `connections` keep-alive connections; time each exchange."""
    latencies = [0.0] * len(requests)
    failures: list[str] = []
    counter = itertools.count()
    start_gate = threading.Barrier(connections + 1)

    def client() -> None:
        conn = Connection(port)
        start_gate.wait()
        while (i := next(counter)) < len(requests):
            started = time.perf_counter()
            try:
                status, body = conn.exchange(requests[i])
            except OSError as exc:
                failures.append(f"request {i}: {exc!r}")
                conn.close()
                continue
            latencies[i] = time.perf_counter() - started
            problem = check(status, body)
            if problem:
                failures.append(f"request {i}: {problem}")
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    start_gate.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return Run(latencies, time.perf_counter() - began, failures)


def expect(marker: bytes):
    def check(status: int, body: bytes) -> str | None:
        if status != 200:
            return f"HTTP {status}: {body[:200]!r}"
        if marker not in body:
            return f"unexpected answer {body[:200]!r}"
        return None

    return check


# ---------------------------------------------------------------- servers and data


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def procfile_settings_without_access_log() -> Path:
    """A gunicorn settings file: the Procfile's (voiceapp/gunicorn_conf.py, its worker hook
    included) but with no access log, as these figures were always measured (a line per
    request on both servers would change the floor); workers and threads come from the
    command line."""
    path = WORK_DIR / "gunicorn_settings.py"
    procfile_settings = ROOT / "voiceapp" / "gunicorn_conf.py"
    path.write_text(
        f"exec(compile(open({str(procfile_settings)!r}).read(), {str(procfile_settings)!r}, "
        "'exec'))\naccesslog = None\n"
    )
    return path


class Gunicorn:
    def __init__(self, name: str, app: str, env: dict, args):
        self.name = name
        self.port = free_port()
        self.log = WORK_DIR / f"gunicorn-{name}.log"
        command = [
            str(GUNICORN),
            "--config",
            str(procfile_settings_without_access_log()),
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
            "--pythonpath",
            str(BENCH_DIR),
            app,
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
        self._wait_ready()

    def _wait_ready(self) -> None:
        # Generous: on a shared, busy machine importing the app took more than 30 s.
        deadline = time.monotonic() + STARTUP_SECONDS
        request = f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n\r\n".encode()
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"gunicorn ({self.name}) exited; see {self.log}")
            try:
                status, _ = Connection(self.port).exchange(request)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        sys.exit(
            f"gunicorn ({self.name}) did not answer within {STARTUP_SECONDS} s; see {self.log}"
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime, stime, cutime, cstime: fields 14-17 of proc(5), 12-15 after "pid (comm)".
    return sum(int(value) for value in fields[11:15]) / CLOCK_TICKS


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def _postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


class CpuMeter:
    """CPU seconds spent during a series by our gunicorn (master and workers) and by the
    PostgreSQL server (every postgres process; 0 on SQLite): where the machine's two cores
    went, which latency alone does not say."""

    def __init__(self, server: Gunicorn):
        self.server = server
        self.start = self._read()

    def _read(self) -> tuple[float, float]:
        pid = self.server.process.pid
        app = _cpu_seconds(pid) + sum(_cpu_seconds(child) for child in _children(pid))
        return app, sum(_cpu_seconds(pid) for pid in _postgres_pids())

    def per_request_ms(self, requests: int) -> tuple[float, float]:
        end = self._read()
        pairs = zip(self.start, end, strict=True)
        return tuple((after - before) * 1000 / requests for before, after in pairs)  # type: ignore[return-value]


def _use_name(name: str) -> None:
    global WORK_DIR, PG_DATABASE
    if name != PG_DATABASE:
        WORK_DIR = Path(f"/tmp/voiceapp-{name}")
        PG_DATABASE = name


def prepare_database(backend: str) -> str:
    from voiceapp.migrate import upgrade

    url = sqlite_fresh(WORK_DIR / "bench.sqlite3") if backend == "sqlite" else pg_fresh(PG_DATABASE)
    upgrade(url)
    return url


def app_env(url: str) -> dict:
    return {
        **os.environ,
        "VOICEAPP_ENV": "testing",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": url,
        "REDIS_URL": REDIS_URL,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "VOICEAPP_INSTANCE_PATH": str(WORK_DIR / "instance"),
        "DEFAULT_REGION": "DE",
    }


def bench_app(url: str):
    from voiceapp import create_app

    return create_app(
        {
            "env": "testing",
            "secret_key": SECRET_KEY,
            "database_url": url,
            "redis_url": REDIS_URL,
            "instance_path": WORK_DIR / "instance",
        }
    )


def seed(app) -> None:
    """Our number, and a team that is always open in German and English: every inbound
    call gets the IVR's language menu (no agent needs to be online for that)."""
    from voiceapp import db
    from voiceapp.models import PhoneNumber
    from voiceapp.services.team_settings import editable_team_settings

    with app.app_context():
        session = db.session()
        session.add(PhoneNumber(number=OUR_NUMBER, friendly_name="Berlin"))
        settings = editable_team_settings(session)
        settings.business_hours = ALWAYS_OPEN
        settings.languages = ["de", "en"]
        session.commit()


def count_rows(app) -> dict:
    from sqlalchemy import func, select

    from voiceapp import db
    from voiceapp.models import Call, CallEvent, Contact

    with app.app_context():
        session = db.session()
        return {
            "calls": session.scalar(select(func.count()).select_from(Call)),
            "contacts": session.scalar(select(func.count()).select_from(Contact)),
            "call_events": session.scalar(select(func.count()).select_from(CallEvent)),
        }


def lost_calls(app, truths: list[CallTruth]) -> list[str]:
    """Calls whose row differs from what their callbacks said, with the difference."""
    from sqlalchemy import func, select

    from voiceapp import db
    from voiceapp.models import Call, CallEvent

    with app.app_context():
        session = db.session()
        rows = {c.sid: c for c in session.scalars(select(Call))}
        events = dict(
            session.execute(
                select(CallEvent.call_sid, func.count())
                .where(CallEvent.source == "status")
                .group_by(CallEvent.call_sid)
            ).all()
        )
    lost = []
    for truth in truths:
        row = rows.get(truth.sid)
        expected = ("completed", truth.answered_at, truth.ended_at, truth.duration, 3, 4)
        actual = (
            None
            if row is None
            else (
                row.status,
                row.answered_at,
                row.ended_at,
                row.duration,
                row.last_sequence,
                events.get(truth.sid, 0),
            )
        )
        if actual != expected:
            lost.append(f"{truth.sid}: expected {expected}, got {actual}")
    return lost


# ---------------------------------------------------------------- main


def print_run(label: str, run: Run, meter: CpuMeter) -> None:
    s = run.summary()
    app_ms, database_ms = meter.per_request_ms(s["requests"])
    run.cpu_ms = {"app": round(app_ms, 2), "postgresql": round(database_ms, 2)}
    print(
        f"{label}: {s['requests']:,} requests, {s['per_s']:,.1f} req/s, p50 {s['p50_ms']:.1f} ms, "
        f"p99 {s['p99_ms']:.1f} ms, max {s['max_ms']:.1f} ms, {s['failures']} failed; "
        f"CPU per request: gunicorn {app_ms:.2f} ms, PostgreSQL {database_ms:.2f} ms",
        flush=True,
    )
    for failure in run.failures[:5]:
        print(f"  {failure}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--requests", type=int, default=2000, help="timed inbound requests")
    parser.add_argument("--warmup", type=int, default=200, help="untimed requests first")
    parser.add_argument("--connections", type=int, default=16)
    add_gunicorn_arguments(parser)
    parser.add_argument("--calls", type=int, default=2500, help="calls of 4 status callbacks")
    parser.add_argument("--duplicates", type=float, default=0.2, help="share of extra copies")
    parser.add_argument(
        "--calls-first",
        action="store_true",
        help="each call's inbound request first (untimed), as Twilio sends it, so the "
        "callbacks find their call; without it the first callback creates the call",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--app",
        default="voiceapp:create_app()",
        help="what gunicorn serves as ours; 'worker_phases:app()' prints where a worker's "
        "CPU goes (bench/worker_phases.py)",
    )
    parser.add_argument(
        "--name",
        default=PG_DATABASE,
        help="the PostgreSQL database and the folder /tmp/voiceapp-<name> (two people "
        "benchmarking on one machine each take their own)",
    )
    args = parser.parse_args()
    _use_name(args.name)

    rng = random.Random(args.seed)
    shutil.rmtree(WORK_DIR, ignore_errors=True)
    (WORK_DIR / "instance").mkdir(parents=True)
    url = prepare_database(args.backend)
    app = bench_app(url)
    seed(app)
    print(
        f"backend {args.backend}, gunicorn {args.workers} workers x {args.threads} threads, "
        f"{args.connections} connections, {os.cpu_count()} CPUs",
        flush=True,
    )

    results: dict = {"backend": args.backend, "connections": args.connections}
    failed = False
    servers = []
    try:
        floor = Gunicorn("floor", "bench_webhooks:floor_app()", app_env(url), args)
        servers.append(floor)
        ours = Gunicorn("ours", args.app, app_env(url), args)
        servers.append(ours)

        # 1. inbound: the same requests to both (the floor ignores them), warm-up first.
        total = args.warmup + args.requests
        for_ours = inbound_requests(total, ours.port, first_caller=10_000_000)
        for_floor = [
            r.replace(f":{ours.port}".encode(), f":{floor.port}".encode(), 1) for r in for_ours
        ]
        runs = {}
        for name, server, prepared, marker in [
            ("floor", floor, for_floor, b"<Say>Hi</Say>"),
            ("ours", ours, for_ours, b"<Gather"),
        ]:
            drive(server.port, prepared[: args.warmup], args.connections, expect(marker))
            meter = CpuMeter(server)
            runs[name] = drive(
                server.port, prepared[args.warmup :], args.connections, expect(marker)
            )
            print_run(f"inbound {name:5}", runs[name], meter)
        ratio = runs["ours"].per_second / runs["floor"].per_second
        rows = count_rows(app)
        print(
            f"inbound ours/floor: {ratio:.3f} of the floor's req/s; "
            f"p99 {runs['ours'].percentile(0.99):.1f} ms vs {runs['floor'].percentile(0.99):.1f} ms"
            f"; stored {rows['calls']:,} calls, {rows['contacts']:,} contacts",
            flush=True,
        )
        if rows["calls"] != total or rows["contacts"] != total:
            print(f"expected {total:,} calls and contacts", file=sys.stderr)
            failed = True
        failed |= bool(runs["ours"].failures or runs["floor"].failures)
        results["inbound"] = {
            "floor": runs["floor"].summary(),
            "ours": runs["ours"].summary(),
            "ratio": round(ratio, 3),
        }

        # 2. status callbacks: shuffled, duplicated, concurrent.
        deliveries, truths, distinct = status_events(args.calls, args.duplicates, ours.port, rng)
        if args.calls_first:
            first = calls_first(truths, ours.port)
            drive(ours.port, first, args.connections, expect(b"<Gather"))
            rows = count_rows(app)
        meter = CpuMeter(ours)
        run = drive(ours.port, deliveries, args.connections, expect(b"<Response"))
        print_run("status", run, meter)
        lost = lost_calls(app, truths)
        rows_after = count_rows(app)
        stored = rows_after["call_events"] - rows["call_events"]
        print(
            f"status: {args.calls:,} calls "
            f"({'started by their inbound request' if args.calls_first else 'unknown before'}), "
            f"{distinct:,} callbacks + "
            f"{len(deliveries) - distinct:,} duplicates, {run.per_second:,.1f} events/s; "
            f"stored {stored:,} events; "
            f"lost {len(lost)}",
            flush=True,
        )
        for line in lost[:5]:
            print(f"  lost {line}", file=sys.stderr)
        failed |= bool(lost or run.failures or stored != distinct)
        results["status"] = {
            **run.summary(),
            "calls": args.calls,
            "calls_first": args.calls_first,
            "distinct_events": distinct,
            "duplicates": len(deliveries) - distinct,
            "stored_events": stored,
            "lost": len(lost),
        }
    finally:
        for server in servers:
            server.stop()
    print(json.dumps(results))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
