"""Where a webhook's CPU goes inside a gunicorn worker, phase by phase (thread CPU time).

    .venv/bin/python bench/bench_webhooks.py --backend postgresql --calls 600 --calls-first \
        --app 'worker_phases:app()' --workers 1 --threads 1 --connections 1

gunicorn serves our app wrapped: the webhook path's main functions are timed with
`time.thread_time` (the CPU of the thread that serves the request, none of the waiting;
each thread counts its own), and so is what gunicorn runs after the answer (the
response's close(), where the outbox relay hands jobs to Redis). After WORKER_PHASES_SKIP
requests of a path (default 200), each worker counts WORKER_PHASES_COUNT more (default
2,000; with several workers, lower it so that each gets that many) and prints its table
to standard error, per request of that path.

The in-process profile (profile_webhooks.py) runs Flask's test client, which does not
close the response as gunicorn does: the relay after a completed call's callback, a
quarter of that callback's CPU under gunicorn on 2 December 2026, did not show there.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import time
from collections import defaultdict

SKIP = int(os.environ.get("WORKER_PHASES_SKIP", "200"))
COUNT = int(os.environ.get("WORKER_PHASES_COUNT", "2000"))


class Phases:
    """CPU seconds per phase name: of the request a thread serves (`thread_local`), or
    summed over a path's requests."""

    def __init__(self, *, thread_local: bool = False):
        self._local = threading.local() if thread_local else None
        self._seconds: dict[str, float] = defaultdict(float)

    @property
    def seconds(self) -> dict[str, float]:
        if self._local is None:
            return self._seconds
        if not hasattr(self._local, "seconds"):
            self._local.seconds = defaultdict(float)
        return self._local.seconds

    def timed(self, name: str, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            started = time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[name] += time.thread_time() - started

        return wrapper

    def table(self, path: str, requests: int) -> str:
        lines = [f"worker {os.getpid()}, {path}, CPU per request over {requests:,} requests:"]
        for name, seconds in sorted(self.seconds.items(), key=lambda item: -item[1]):
            lines.append(f"  {name:34} {seconds / requests * 1000:7.3f} ms")
        return "\n".join(lines)


def _wrap(phases: Phases) -> None:
    """Time the webhook path's functions where their callers look them up."""
    import sqlalchemy.orm.session as orm_session

    from voiceapp.ivr import inbound as ivr_inbound
    from voiceapp.services import calls, outbox
    from voiceapp.services.calls import lifecycle
    from voiceapp.telephony import twiml
    from voiceapp.webhooks import signature

    for module, name, label in [
        (signature, "signature_problem", "signature check"),
        (signature, "_auth_token", "  the settings' read"),
        (signature, "_signed_params", "  the form"),
        (signature, "signed_by", "  the HMAC"),
        (ivr_inbound, "begin_inbound", "begin_inbound"),
        (calls, "apply_status_callback", "apply_status_callback"),
        (lifecycle, "store_event", "  store_event"),
        (lifecycle, "lock_call", "  lock_call"),
        (lifecycle, "_write_state", "  the call's UPDATE"),
        (outbox, "hand_over", "the relay's hand-over"),
        (twiml, "twiml_response", "TwiML"),
    ]:
        setattr(module, name, phases.timed(label, getattr(module, name)))
    orm_session.Session.commit = phases.timed("Session.commit (all)", orm_session.Session.commit)


def app():
    from voiceapp import create_app

    by_path: dict[str, Phases] = defaultdict(Phases)
    counted: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    current = Phases(thread_local=True)  # the request each thread serves
    _wrap(current)
    inner = create_app()
    inner.wsgi_app = current.timed("Flask (the whole app)", inner.wsgi_app)

    def wsgi(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/twilio/"):
            return inner(environ, start_response)
        current.seconds.clear()
        started = time.thread_time()
        body = inner(environ, start_response)
        answer = b"".join(body)
        closing = time.thread_time()
        if hasattr(body, "close"):
            body.close()  # as gunicorn does once the answer is sent
        current.seconds["after the answer (close)"] += time.thread_time() - closing
        current.seconds["all of it"] += time.thread_time() - started
        with lock:
            counted[path] += 1
            if SKIP < counted[path] <= SKIP + COUNT:
                for name, seconds in current.seconds.items():
                    by_path[path].seconds[name] += seconds
            if counted[path] == SKIP + COUNT:
                print(by_path[path].table(path, COUNT), file=sys.stderr, flush=True)
        return [answer]

    return wsgi
