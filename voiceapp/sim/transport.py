"""Requests to the app, made and signed as Twilio makes them, and the callbacks' delivery
(in order, or with the chaos switch: late, out of order and twice; or, in its concurrent
mode, while the call runs, on several connections at once, delayed and out of order).

X-Twilio-Signature = Base64(HMAC-SHA1(auth token, URL + sorted POST parameters)), computed
with twilio's own RequestValidator over the URL requested; a GET carries its parameters in
the query string, which is then part of the signed URL.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode, urljoin, urlsplit

import requests
from twilio.request_validator import RequestValidator

IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"
FINAL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
# Twilio gives up after 15 s in total, and tries a failed connection twice (TWILIO.md,
# "Timeouts, fallback, retries").
CONNECT_TIMEOUT, TOTAL_TIMEOUT = 5, 15
CONNECT_ATTEMPTS = 2
# A 3xx answer is followed for 301, 302, 303 and 307 only, each request signed for the URL
# it goes to; another 3xx or one without a Location is error 11216, a chain too long 11215
# (https://www.twilio.com/docs/api/errors/11216 and /11215). Twilio documents no number
# for "too many"; the simulator stops after 10, as common HTTP clients do.
FOLLOWED_REDIRECTS = frozenset({301, 302, 303, 307})
MAX_REDIRECTS = 10


@dataclass
class Exchange:
    """One request the simulator made and what came back."""

    kind: str  # voice | fallback | action | redirect | status | recording
    method: str
    url: str
    params: dict
    headers: dict
    status: int | None = None
    body: str = ""
    content_type: str = ""
    error: str | None = None
    attempts: int = 0
    error_code: int | None = None  # a Twilio error of its own (a redirect gone wrong)
    final_url: str | None = None  # where the answer came from, after redirects
    redirects: list[str] = field(default_factory=list)
    location: str | None = None  # the Location header of a 3xx answer

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def summary(self) -> str:
        answer = self.error or f"HTTP {self.status}"
        return f"{self.method} {self.url} ({self.kind}) -> {answer}"


@dataclass
class Transport:
    auth_token: str
    session: requests.Session = field(default_factory=requests.Session)
    sent: list[Exchange] = field(default_factory=list)  # every request, for tests and reports
    keep: int = 5000

    def sign(self, url: str, params: dict) -> str:
        return RequestValidator(self.auth_token).compute_signature(url, params)

    def send(
        self, kind: str, method: str, url: str, params: dict, *, token: str | None = None
    ) -> Exchange:
        token = token or str(uuid.uuid4())
        exchange = self._send_once(kind, method, url, params, token)
        first = exchange
        while exchange.status in range(300, 400) and exchange.error is None:
            location = exchange.location
            if exchange.status not in FOLLOWED_REDIRECTS or not location:
                first.error_code = 11216
                first.error = f"HTTP invalid redirect: {exchange.status} from {exchange.url}"
                break
            if len(first.redirects) >= MAX_REDIRECTS:
                first.error_code = 11215
                first.error = f"HTTP too many redirects ({MAX_REDIRECTS}) from {url}"
                break
            target = urljoin(exchange.url, location)
            first.redirects.append(target)
            next_method = "GET" if exchange.status == 303 else exchange.method
            following = self._send_once(kind, next_method, target, params, token)
            first.status, first.body = following.status, following.body
            first.content_type, first.final_url = following.content_type, following.url
            first.error = following.error
            exchange = following
        return first

    def _send_once(self, kind: str, method: str, url: str, params: dict, token: str) -> Exchange:
        method = (method or "POST").upper()
        params = {k: "" if v is None else str(v) for k, v in params.items()}
        if method == "GET":
            joiner = "&" if urlsplit(url).query else "?"
            url = url + joiner + urlencode(params) if params else url
            signature, body = self.sign(url, {}), None
        else:
            signature, body = self.sign(url, params), params
        headers = {
            "X-Twilio-Signature": signature,
            IDEMPOTENCY_HEADER: token,
            "User-Agent": "TwilioProxy/1.1 (voiceapp simulator)",
            "Accept": "*/*",
        }
        exchange = Exchange(kind, method, url, params, headers)
        for attempt in range(1, CONNECT_ATTEMPTS + 1):
            exchange.attempts = attempt
            try:
                response = self.session.request(
                    method,
                    url,
                    data=body,
                    headers=headers,
                    timeout=(CONNECT_TIMEOUT, TOTAL_TIMEOUT),
                    allow_redirects=False,
                )
            except requests.ConnectionError as exc:  # retried once, same token
                exchange.error = f"{type(exc).__name__}: {exc}"
                continue
            except requests.RequestException as exc:
                exchange.error = f"{type(exc).__name__}: {exc}"
                break
            exchange.error = None
            exchange.status = response.status_code
            exchange.body = response.text
            exchange.content_type = response.headers.get("Content-Type", "")
            if 300 <= response.status_code < 400:
                exchange.location = response.headers.get("Location")
            break
        self.sent.append(exchange)
        del self.sent[: -self.keep]
        return exchange


CHAOS_MODES = ("late", "concurrent")


@dataclass
class Chaos:
    """late: deliver callbacks after the call ended, shuffled, some twice.

    concurrent: as Twilio does (TWILIO.md, "Status callbacks": separate requests that
    arrive out of order, concurrently and more than once): each callback goes out on its
    own connection while the call still runs, after a random delay of up to
    `max_delay_seconds`, so later events often overtake earlier ones; a share is sent twice
    at once (a retry, same idempotency token); and the first two callbacks of every leg
    (initiated and ringing of a new call, before the app has a row for it) are released at
    the same instant."""

    seed: int = 0
    duplicate_share: float = 0.5
    mode: str = "late"
    max_delay_seconds: float = 0.25

    def __post_init__(self):
        if self.mode not in CHAOS_MODES:
            raise ValueError(f"chaos mode must be one of {', '.join(CHAOS_MODES)}")


class Callbacks:
    """Status and recording callbacks of one call (all its legs)."""

    def __init__(self, transport: Transport, chaos: Chaos | None, on_sent):
        self.transport = transport
        self.chaos = chaos
        self.on_sent = on_sent
        self.held: list[tuple[str, str, str, dict, str]] = []
        self.rng = random.Random(chaos.seed if chaos else 0)
        self.threads: list[threading.Thread] = []
        self.lock = threading.Lock()
        self.firsts: dict[str, list] = {}  # CallSid -> its first callbacks, held together

    def send(self, kind: str, url: str, method: str, params: dict) -> None:
        token = str(uuid.uuid4())
        if self.chaos is None:
            self.on_sent(self.transport.send(kind, method, url, params, token=token))
        elif self.chaos.mode == "concurrent":
            self._send_concurrently((kind, url, method, params, token))
        else:
            self.held.append((kind, url, method, params, token))

    def _send_concurrently(self, item) -> None:
        kind, _url, _method, params, _token = item
        sid = params.get("CallSid", "")
        if kind == "status" and params.get("SequenceNumber") in ("0", "1"):
            # The leg's first two callbacks leave together, the moment the second fires.
            waiting = self.firsts.setdefault(sid, [])
            waiting.append(item)
            if len(waiting) < 2 and params.get("CallStatus") not in FINAL_STATUSES:
                return
            batch = self.firsts.pop(sid)
            self._release(batch, delay=self.rng.uniform(0, self.chaos.max_delay_seconds))
            return
        copies = 2 if self.rng.random() < self.chaos.duplicate_share / 2 else 1
        delays = [self.rng.uniform(0, self.chaos.max_delay_seconds) for _ in range(copies)]
        for delay in delays:
            self._release([item], delay=delay)

    def _release(self, items: list, *, delay: float) -> None:
        """Send `items` after `delay` seconds, each on its own connection, all at once."""
        gate = threading.Barrier(len(items))

        def deliver(item):
            kind, url, method, params, token = item
            time.sleep(delay)
            with contextlib.suppress(threading.BrokenBarrierError):
                gate.wait(timeout=10)
            exchange = self.transport.send(kind, method, url, params, token=token)
            with self.lock:
                self.on_sent(exchange)

        for item in items:
            thread = threading.Thread(target=deliver, args=(item,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def flush(self) -> None:
        """With chaos: now that the call is over, deliver what was held, in a shuffled
        order, a share of them twice (a retry carries the same idempotency token). In
        the concurrent mode: release what waits for a partner and let every delivery
        still on its way arrive before the call counts as over."""
        for sid in list(self.firsts):
            self._release(self.firsts.pop(sid), delay=0)
        for thread in self.threads:
            thread.join(timeout=60)
        self.threads.clear()
        if not self.held:
            return
        rng = random.Random(self.chaos.seed if self.chaos else 0)
        original = list(self.held)
        self.held.clear()
        twice = [item for item in original if rng.random() < self.chaos.duplicate_share]
        batch = original + (twice or [rng.choice(original)])  # at least one comes twice
        rng.shuffle(batch)
        if batch[: len(original)] == original:  # and never in the order they fired
            batch = batch[1:] + batch[:1]
        for kind, url, method, params, token in batch:
            self.on_sent(self.transport.send(kind, method, url, params, token=token))
