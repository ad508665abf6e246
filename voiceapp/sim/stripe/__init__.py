"""A stand-in for the few Stripe endpoints voiceapp uses, for development, demos and tests
(no machine here reaches Stripe). It speaks Stripe's protocol, so the app talks to it
through the official stripe library unchanged, pointed at it by STRIPE_API_BASE:

- `api`: POST /v1/checkout/sessions (form-encoded, bracket-nested, as the library sends
  it; checked as Stripe checks it) and GET /v1/checkout/sessions/<id>; the secret key as
  Bearer or Basic; errors in Stripe's shape (400, 401, 404);
- `hosted`: the page a session's `url` leads to, with Pay and Cancel;
- `delivery`: events POSTed to the app's webhook URL, signed as Stripe signs them;
- `control`: /sim endpoints for tests: resend an event, send events out of order;
- `state`: the sessions and events, in memory; `params`: the request parameters;
- `server`: the WSGI app, served alone or mounted under /stripe by the Twilio simulator.
"""

from __future__ import annotations

from voiceapp.sim.stripe.server import MOUNT_PREFIX, StripeServer, create_stripe_app
from voiceapp.sim.stripe.state import (
    DEMO_SECRET_KEY,
    DEMO_WEBHOOK_SECRET,
    StandInConfig,
    StripeStandIn,
)

__all__ = [
    "DEMO_SECRET_KEY",
    "DEMO_WEBHOOK_SECRET",
    "MOUNT_PREFIX",
    "StandInConfig",
    "StripeServer",
    "StripeStandIn",
    "create_stripe_app",
    "demo_stripe_environment",
]


def demo_stripe_environment(sim_url: str) -> dict[str, str]:
    """The settings that point the app at the stand-in mounted in the simulator at
    `sim_url`: its demo secret key and webhook secret, and its API as STRIPE_API_BASE."""
    return {
        "STRIPE_SECRET_KEY": DEMO_SECRET_KEY,
        "STRIPE_WEBHOOK_SECRET": DEMO_WEBHOOK_SECRET,
        "STRIPE_API_BASE": sim_url.rstrip("/") + MOUNT_PREFIX,
    }
