"""The stand-in's own endpoints, for tests and demos (Stripe has none of these): what it
holds, and events on demand, so a test can play what Stripe does at its worst: the same
event delivered twice, events in the wrong order, an event held back and sent later.

    GET  /sim                               settings, sessions and events in short
    GET  /sim/sessions/<id>                 a session (no API key needed)
    POST /sim/sessions/<id>/events          {"type": "checkout.session.expired",
                                             "payment_status": "unpaid"?, "deliver": true?}
                                            moves the session as the event says and makes
                                            the event; delivers it unless deliver is false
    POST /sim/events/<id>/deliver           (re)delivers an event: same id, same body
    GET  /sim/events                        every event and each delivery's answer
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from voiceapp.sim.stripe.delivery import deliver
from voiceapp.sim.stripe.state import TRANSITIONS

bp = Blueprint("stripe_control", __name__, url_prefix="/sim")


def _standin():
    return current_app.extensions["voiceapp.sim.stripe"]


def _problem(status: int, message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response


@bp.get("")
def status():
    standin = _standin()
    with standin.lock:
        return jsonify(
            {
                "webhook_url": standin.config.webhook_url,
                "public_url": standin.config.public_url,
                "delivery_delay": standin.config.delivery_delay,
                "sessions": len(standin.sessions),
                "events": len(standin.events),
            }
        )


@bp.get("/sessions/<session_id>")
def session(session_id: str):
    found = _standin().session(session_id)
    if found is None:
        return _problem(404, f"no session {session_id}")
    return jsonify(found.to_json())


@bp.post("/sessions/<session_id>/events")
def make_event(session_id: str):
    standin = _standin()
    found = standin.session(session_id)
    if found is None:
        return _problem(404, f"no session {session_id}")
    body = request.get_json(silent=True) or {}
    event_type = body.get("type")
    if event_type not in TRANSITIONS:
        return _problem(400, f"type must be one of {', '.join(sorted(TRANSITIONS))}")
    payment_status = body.get("payment_status")
    if payment_status not in (None, "paid", "unpaid"):
        return _problem(400, "payment_status must be paid or unpaid")
    event = standin.make_event(found, event_type, payment_status=payment_status)
    if body.get("deliver", True):
        deliver(standin, event)
    return jsonify(event.to_json())


@bp.post("/events/<event_id>/deliver")
def redeliver(event_id: str):
    standin = _standin()
    event = standin.event(event_id)
    if event is None:
        return _problem(404, f"no event {event_id}")
    deliver(standin, event)
    return jsonify(event.to_json())


@bp.get("/events")
def events():
    standin = _standin()
    with standin.lock:
        return jsonify([event.to_json() for event in standin.events.values()])
