"""Events sent to the app's webhook URL, signed exactly as Stripe signs them:

    Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>

made with the stripe library's own `WebhookSignature.generate_signature_header`, so what
the app checks with `stripe.Webhook.construct_event` is the real scheme. Each delivery
signs afresh (a new timestamp); a repeated delivery carries the same event id and body,
as Stripe's retries do.
"""

from __future__ import annotations

import threading

import requests
from stripe import WebhookSignature

from voiceapp.sim.stripe.state import Delivery, Event, StripeStandIn

# Stripe waits this long for an answer before it counts a delivery as failed.
CONNECT_TIMEOUT, READ_TIMEOUT = 5, 20
USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks) voiceapp-stand-in"


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    return WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)


def deliver(standin: StripeStandIn, event: Event) -> Delivery:
    """POST the event to the configured webhook URL and remember what came back."""
    delivery = Delivery(at=standin.clock())
    url = standin.config.webhook_url
    if not url:
        delivery.error = "no webhook URL configured: the event is kept, not sent"
    else:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": sign(event.payload, standin.config.webhook_secret, standin.now()),
            "User-Agent": USER_AGENT,
            "Accept": "*/*; q=0.5, application/xml",
        }
        try:
            response = requests.post(
                url,
                data=event.payload.encode("utf-8"),
                headers=headers,
                timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            delivery.error = f"{type(exc).__name__}: {exc}"
        else:
            delivery.status, delivery.body = response.status_code, response.text
    with standin.lock:
        event.deliveries.append(delivery)
    answer = delivery.error or f"HTTP {delivery.status}"
    standin.tell(f"stripe: {event.type} {event.id} for {event.session_id} -> {answer}")
    return delivery


def deliver_later(standin: StripeStandIn, event: Event, delay: float) -> threading.Thread:
    """Deliver from a thread after `delay` seconds (the browser has moved on by then)."""
    timer = threading.Timer(delay, deliver, args=(standin, event))
    timer.daemon = True
    timer.start()
    return timer
