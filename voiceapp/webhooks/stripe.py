"""What Stripe reports (POST /webhooks/stripe): Checkout Sessions paid, expired, failed.

The raw body and its Stripe-Signature header are checked with the stripe library's own
`Webhook.construct_event` against STRIPE_WEBHOOK_SECRET before anything else: a missing
or wrong signature, or one older than five minutes (a replay), is a 400 and changes
nothing. Then one service call, one commit, 200. Stripe sends an event again until it
gets a 2xx, so an event that can never be recorded (an order that is not ours) is
answered 200 too, and logged; only a failure of ours (the database) is a 5xx, which makes
Stripe try again later.
"""

from __future__ import annotations

import logging

import stripe
from flask import Blueprint, abort, current_app, jsonify, request

from voiceapp.auth import csrf
from voiceapp.db import session, utcnow
from voiceapp.services.orders.stripe_checkout import handle_event

bp = Blueprint("stripe_webhooks", __name__, url_prefix="/webhooks")
csrf.exempt(bp)
log = logging.getLogger(__name__)

SIGNATURE_HEADER = "Stripe-Signature"


def _refused(message: str):
    log.warning("refused Stripe webhook: %s", message)
    response = jsonify({"error": message})
    response.status_code = 400
    return response


@bp.post("/stripe")
def stripe_event():
    secret = current_app.config["VOICEAPP"].stripe_webhook_secret
    if not secret:
        abort(404)  # Stripe is not configured here
    try:
        event = stripe.Webhook.construct_event(
            request.get_data(), request.headers.get(SIGNATURE_HEADER), secret
        )
    except stripe.SignatureVerificationError as exc:
        return _refused(f"signature: {exc.user_message or exc}")
    except (ValueError, TypeError, AttributeError) as exc:  # signed, but not an event
        return _refused(f"not a Stripe event: {exc}")
    data = event.to_dict()
    outcome = handle_event(session(), data, utcnow())
    session().commit()
    log.info(
        "Stripe event %s (%s): %s, %s",
        data.get("id"),
        data.get("type"),
        outcome.action,
        outcome.detail,
    )
    return jsonify({"received": True, "outcome": outcome.action})
