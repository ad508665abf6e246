"""Card payments for tests: the Stripe stand-in on a real port, the app served on another
with its STRIPE_* settings pointing at it (so the stripe library really talks HTTP and the
stand-in's signed webhooks really reach POST /webhooks/stripe), and a way to ask for what
the customer does: open the checkout, pay, and what Stripe does at its worst: the same
event twice, events out of order."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import requests
from sqlalchemy import func, select
from stripe import WebhookSignature
from werkzeug.serving import make_server

from tests.conftest import csrf_from
from voiceapp.db import Base
from voiceapp.sim.stripe import StandInConfig, StripeServer, StripeStandIn

SECRET_KEY = "sk_test_voiceapp_tests_0123456789abcdef"
WEBHOOK_SECRET = "whsec_voiceapp_tests_0123456789abcdef"
TIMEOUT = 15


class _Dispatcher:
    """Lets a server bind its port before the app it serves is built (the app must know
    the stand-in's address, and the stand-in the app's)."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@contextmanager
def serve(app) -> Iterator[str]:
    """`app` (WSGI) on 127.0.0.1 at a free port, from a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class StripeWorld:
    app: object
    app_url: str
    standin: StripeStandIn
    standin_url: str

    def browser(self) -> requests.Session:
        """A customer's browser: a session cookie and the CSRF token the pay page's form
        carries (taken from the sign-in page: the pay page is another engineer's)."""
        customer = requests.Session()
        page = customer.get(f"{self.app_url}/sign-in", timeout=TIMEOUT)
        customer.csrf = csrf_from(page.text)
        return customer

    def start_checkout(self, code: str, customer: requests.Session | None = None, **data):
        """The pay page's "Pay by card": POST /p/<code>/stripe, redirects not followed."""
        customer = customer or self.browser()
        form = {"csrf_token": customer.csrf, **data}
        return customer.post(
            f"{self.app_url}/p/{code}/stripe", data=form, allow_redirects=False, timeout=TIMEOUT
        )

    def checkout_session(self, code: str) -> dict:
        """Start a checkout; the stand-in's session it leads to."""
        response = self.start_checkout(code)
        assert response.status_code == 303, (response.status_code, response.text[:300])
        session_id = response.headers["Location"].rsplit("/", 1)[1]
        return self.control("GET", f"/sessions/{session_id}")

    def pay(self, session_id: str) -> requests.Response:
        """The customer's Pay on the hosted page (the event is delivered before it answers)."""
        return requests.post(
            f"{self.standin_url}/checkout/{session_id}/pay", allow_redirects=False, timeout=TIMEOUT
        )

    def control(self, method: str, path: str, **kwargs):
        response = requests.request(
            method, f"{self.standin_url}/sim{path}", timeout=TIMEOUT, **kwargs
        )
        assert response.ok, (response.status_code, response.text)
        return response.json()

    def event(self, session_id: str, event_type: str, *, deliver=True, **extra) -> dict:
        body = {"type": event_type, "deliver": deliver, **extra}
        return self.control("POST", f"/sessions/{session_id}/events", json=body)

    def deliver(self, event_id: str) -> dict:
        """(Re)deliver an event; its last delivery's answer."""
        return self.control("POST", f"/events/{event_id}/deliver")["deliveries"][-1]

    def post_webhook(self, payload: str, signature: str | None) -> requests.Response:
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["Stripe-Signature"] = signature
        return requests.post(
            f"{self.app_url}/webhooks/stripe",
            data=payload.encode(),
            headers=headers,
            timeout=TIMEOUT,
        )


@contextmanager
def stripe_world(make_app, **overrides) -> Iterator[StripeWorld]:
    """The stand-in and the app, each on its own port, pointed at each other."""
    standin = StripeStandIn(StandInConfig(secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET))
    dispatcher = _Dispatcher()
    with serve(dispatcher) as app_url, StripeServer(standin).start() as server:
        standin.config.webhook_url = f"{app_url}/webhooks/stripe"
        settings = {
            "stripe_secret_key": SECRET_KEY,
            "stripe_webhook_secret": WEBHOOK_SECRET,
            "stripe_api_base": server.url,
        }
        settings.update(overrides)
        app = make_app(**settings)
        dispatcher.app = app
        try:
            yield StripeWorld(app, app_url, standin, server.url)
        finally:
            app.extensions["voiceapp.db"].engine.dispose()


def signed(payload: str, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """A Stripe-Signature header for `payload`, made with the stripe library's own helper."""
    return WebhookSignature.generate_signature_header(
        payload, secret, timestamp=at or int(time.time())
    )


def session_event(session: dict, event_type: str = "checkout.session.completed", **changes) -> str:
    """An event body about `session` (a stand-in session's JSON), as Stripe writes it."""
    return json.dumps(
        {
            "id": f"evt_test_{int(time.time() * 1e6)}",
            "object": "event",
            "api_version": "2026-10-28.endive",
            "created": int(time.time()),
            "data": {"object": {**session, **changes}},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
        }
    )


def row_counts(dbs) -> dict[str, int]:
    """Rows per table, as the app committed them."""
    dbs.rollback()
    return {
        table.name: dbs.scalar(select(func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }
