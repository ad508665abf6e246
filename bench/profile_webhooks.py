"""Profile the webhook paths in one process through Flask's test client (no gunicorn):
N inbound requests (unknown callers) and the status callbacks of N/4 calls, with
pyinstrument, printing the CPU time per request and the profile's top lines.

    .venv/bin/python bench/profile_webhooks.py --backend sqlite --requests 500
    .venv/bin/python bench/profile_webhooks.py --backend postgresql --name bench_speed

Not a benchmark of throughput (bench_webhooks.py is): it says where one request's time
goes. Needs pyinstrument (the dev extras).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import bench_webhooks as bw
from bench_common import pg_fresh, sqlite_fresh


def signed(path: str, params: dict, headers: dict | None = None) -> tuple[bytes, dict]:
    from twilio.request_validator import RequestValidator

    signature = RequestValidator(bw.AUTH_TOKEN).compute_signature(bw.PUBLIC_BASE_URL + path, params)
    return urlencode(params).encode(), {"X-Twilio-Signature": signature, **(headers or {})}


def for_test_client(raw_requests: list[bytes]) -> list[tuple[bytes, dict]]:
    """bench_webhooks' prepared HTTP requests as (body, Twilio's headers) for the client."""
    prepared = []
    for raw in raw_requests:
        head, body = raw.split(b"\r\n\r\n", 1)
        headers = dict(
            line.split(": ", 1) for line in head.decode().split("\r\n")[1:] if ": " in line
        )
        prepared.append(
            (body, {k: v for k, v in headers.items() if k.startswith(("X-Twilio", "I-Twilio"))})
        )
    return prepared


def run(client, path: str, prepared, marker: bytes) -> float:
    started = time.perf_counter()
    for body, headers in prepared:
        answer = client.post(
            path, data=body, headers=headers, content_type="application/x-www-form-urlencoded"
        )
        if answer.status_code != 200 or marker not in answer.data:
            sys.exit(f"{path}: {answer.status_code} {answer.data[:200]!r}")
    return time.perf_counter() - started


def main() -> int:
    from pyinstrument import Profiler

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--name", default="bench_profile")
    parser.add_argument("--lines", type=int, default=40, help="profile lines printed")
    parser.add_argument(
        "--calls-first",
        action="store_true",
        help="each status call's inbound request first (untimed), as bench_webhooks.py's",
    )
    parser.add_argument(
        "--no-profile",
        action="store_true",
        help="only the CPU time per request, unprofiled (compare code versions with it)",
    )
    args = parser.parse_args()

    work = Path(f"/tmp/voiceapp-{args.name}")
    shutil.rmtree(work, ignore_errors=True)
    (work / "instance").mkdir(parents=True)
    bw.WORK_DIR = work
    url = sqlite_fresh(work / "bench.sqlite3") if args.backend == "sqlite" else pg_fresh(args.name)
    from voiceapp.migrate import upgrade

    upgrade(url)
    from voiceapp import create_app

    app = create_app(
        {
            "env": "testing",
            "secret_key": bw.SECRET_KEY,
            "database_url": url,
            "redis_url": bw.REDIS_URL,
            "instance_path": work / "instance",
            "public_base_url": bw.PUBLIC_BASE_URL,
            "twilio_auth_token": bw.AUTH_TOKEN,
            "default_region": "DE",
        }
    )
    bw.seed(app)
    client = app.test_client()

    inbound = [
        signed(
            bw.INBOUND,
            bw.voice_params(
                "CA" + uuid.uuid4().hex, from_=f"+49151{i:08d}", to=bw.OUR_NUMBER, status="ringing"
            ),
        )
        for i in range(10_000_000, 10_000_000 + args.requests + 50)
    ]
    deliveries, truths, _ = bw.status_events(args.requests // 4 + 13, 0.2, 0, random.Random(1))
    if args.calls_first:
        run(client, bw.INBOUND, for_test_client(bw.calls_first(truths, 0)), b"<Gather")
    status = for_test_client(deliveries)

    run(client, bw.INBOUND, inbound[:50], b"<Gather")  # warm-up
    run(client, bw.STATUS, status[:50], b"<Response")
    for path, prepared, marker in (
        (bw.INBOUND, inbound[50:], b"<Gather"),
        (bw.STATUS, status[50:], b"<Response"),
    ):
        profiler = Profiler(interval=0.0005)
        cpu = time.process_time()
        if not args.no_profile:
            profiler.start()
        wall = run(client, path, prepared, marker)
        cpu = time.process_time() - cpu
        each = 1000 / len(prepared)
        print(
            f"{args.backend} {path}: {len(prepared)} requests, wall {wall * each:.2f} ms, "
            f"CPU {cpu * each:.2f} ms per request" + ("" if args.no_profile else " (profiled)"),
            flush=True,
        )
        if args.no_profile:
            continue
        profiler.stop()
        text = profiler.output_text(unicode=False, color=False, show_all=False)
        print("\n".join(text.splitlines()[: args.lines]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
