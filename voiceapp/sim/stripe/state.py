"""What the stand-in remembers: its settings, the Checkout Sessions created through its
API, and every event it made (with each attempt to deliver it). All of it in memory,
behind one lock: the API, the hosted page and the control endpoints are served from
several threads."""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field

from stripe._api_version import _ApiVersion

DEMO_SECRET_KEY = "sk_test_voiceapp_stand_in_0123456789"
DEMO_WEBHOOK_SECRET = "whsec_voiceapp_stand_in_0123456789"
# Stripe's own default for a session that is not given expires_at.
DEFAULT_LIFETIME_SECONDS = 24 * 3600
EVENTS_KEPT = 5000


def new_id(prefix: str) -> str:
    """An id shaped like Stripe's test-mode ids: cs_test_..., evt_..., pi_..."""
    return f"{prefix}_{secrets.token_urlsafe(24).replace('-', 'x').replace('_', 'y')}"


@dataclass
class StandInConfig:
    secret_key: str = DEMO_SECRET_KEY  # the API key the app must send (STRIPE_SECRET_KEY)
    webhook_secret: str = DEMO_WEBHOOK_SECRET  # signs the events (STRIPE_WEBHOOK_SECRET)
    webhook_url: str | None = None  # the app's POST /webhooks/stripe; None: events are kept
    # The stand-in's own public address, in the sessions' `url` (the hosted page). None:
    # the address each API request was made to.
    public_url: str | None = None
    # Seconds between the customer's Pay and the event's delivery. 0: delivered before
    # the browser is sent on to success_url (deterministic); more: after it, from a
    # thread, as real Stripe may well do (the thank-you page may come first).
    delivery_delay: float = 0.0


@dataclass
class CheckoutSession:
    id: str
    created: int
    expires_at: int
    currency: str
    line_items: list[dict]
    success_url: str
    cancel_url: str | None
    page_url: str  # the hosted page, while the session is open
    metadata: dict[str, str] = field(default_factory=dict)
    client_reference_id: str | None = None
    customer_email: str | None = None
    locale: str | None = None
    mode: str = "payment"
    payment_method_types: list[str] = field(default_factory=lambda: ["card"])
    status: str = "open"  # open | complete | expired
    payment_status: str = "unpaid"  # unpaid | paid
    payment_intent: str | None = None

    @property
    def amount_total(self) -> int:
        return sum(item["price_data"]["unit_amount"] * item["quantity"] for item in self.line_items)

    def to_json(self) -> dict:
        """The Checkout Session object as Stripe's API answers it (the fields we keep)."""
        return {
            "id": self.id,
            "object": "checkout.session",
            "amount_subtotal": self.amount_total,
            "amount_total": self.amount_total,
            "cancel_url": self.cancel_url,
            "client_reference_id": self.client_reference_id,
            "created": self.created,
            "currency": self.currency,
            "customer": None,
            "customer_email": self.customer_email,
            "expires_at": self.expires_at,
            "livemode": False,
            "locale": self.locale,
            "metadata": dict(self.metadata),
            "mode": self.mode,
            "payment_intent": self.payment_intent,
            "payment_method_types": list(self.payment_method_types),
            "payment_status": self.payment_status,
            "status": self.status,
            "success_url": self.success_url,
            "ui_mode": "hosted",
            "url": self.page_url if self.status == "open" else None,
        }


@dataclass
class Delivery:
    at: float
    status: int | None = None
    body: str = ""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def to_json(self) -> dict:
        return {"at": self.at, "status": self.status, "body": self.body[:500], "error": self.error}


@dataclass
class Event:
    """An event as made, once: delivering it again sends the same id and body (as
    Stripe's retries do), signed afresh."""

    id: str
    type: str
    session_id: str
    payload: str  # the JSON body, fixed when the event is made
    deliveries: list[Delivery] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "type": self.type,
            "session": self.session_id,
            "data": json.loads(self.payload)["data"],
            "deliveries": [d.to_json() for d in self.deliveries],
        }


# What each event type does to the session it is about, as Stripe moves it.
TRANSITIONS = {
    "checkout.session.completed": {"status": "complete", "payment_status": "paid"},
    "checkout.session.async_payment_succeeded": {"status": "complete", "payment_status": "paid"},
    "checkout.session.async_payment_failed": {"status": "complete", "payment_status": "unpaid"},
    "checkout.session.expired": {"status": "expired"},
}


class StripeStandIn:
    """The sessions and events; the HTTP side is in api, hosted, control and delivery."""

    def __init__(self, config: StandInConfig | None = None, *, clock=time.time):
        self.config = config or StandInConfig()
        self.clock = clock
        self.lock = threading.RLock()
        self.sessions: dict[str, CheckoutSession] = {}
        self.events: dict[str, Event] = {}
        # Idempotency-Key -> (the request's parameters, the session it created).
        self.idempotency: dict[str, tuple[dict, str]] = {}
        self.observers: list = []  # called with a line of text for what happens

    def tell(self, text: str) -> None:
        for observer in self.observers:
            observer(text)

    def now(self) -> int:
        return int(self.clock())

    def add_session(self, params: dict, page_url_base: str) -> CheckoutSession:
        created = self.now()
        session_id = new_id("cs_test")
        session = CheckoutSession(
            id=session_id,
            created=created,
            expires_at=params.get("expires_at") or created + DEFAULT_LIFETIME_SECONDS,
            currency=params["line_items"][0]["price_data"]["currency"],
            line_items=params["line_items"],
            success_url=params["success_url"],
            cancel_url=params.get("cancel_url"),
            page_url=f"{page_url_base.rstrip('/')}/checkout/{session_id}",
            metadata=params.get("metadata") or {},
            client_reference_id=params.get("client_reference_id"),
            customer_email=params.get("customer_email"),
            locale=params.get("locale"),
            payment_method_types=params.get("payment_method_types") or ["card"],
        )
        with self.lock:
            self.sessions[session.id] = session
        self.tell(
            f"stripe: session {session.id} for {session.amount_total} "
            f"{session.currency} (minor units), metadata {session.metadata}"
        )
        return session

    def session(self, session_id: str) -> CheckoutSession | None:
        with self.lock:
            session = self.sessions.get(session_id)
            if (
                session is not None
                and session.status == "open"
                and self.now() >= session.expires_at
            ):
                session.status = "expired"
            return session

    def make_event(
        self, session: CheckoutSession, event_type: str, *, payment_status: str | None = None
    ) -> Event:
        """Move the session as `event_type` says (payment_status overrides, e.g. a
        completed session still unpaid) and make the event, its body a snapshot of the
        session now."""
        with self.lock:
            for name, value in TRANSITIONS.get(event_type, {}).items():
                setattr(session, name, value)
            if payment_status is not None:
                session.payment_status = payment_status
            if session.payment_status == "paid" and session.payment_intent is None:
                session.payment_intent = new_id("pi")
            event = Event(
                id=new_id("evt"),
                type=event_type,
                session_id=session.id,
                payload=json.dumps(
                    {
                        "id": "",  # set below, once the id is known
                        "object": "event",
                        "api_version": _ApiVersion.CURRENT,
                        "created": self.now(),
                        "data": {"object": session.to_json()},
                        "livemode": False,
                        "pending_webhooks": 1,
                        "request": {"id": None, "idempotency_key": None},
                        "type": event_type,
                    }
                ),
            )
            body = json.loads(event.payload)
            body["id"] = event.id
            event.payload = json.dumps(body, indent=2)  # Stripe's bodies are pretty-printed
            self.events[event.id] = event
            if len(self.events) > EVENTS_KEPT:
                del self.events[next(iter(self.events))]
            return event

    def event(self, event_id: str) -> Event | None:
        with self.lock:
            return self.events.get(event_id)
