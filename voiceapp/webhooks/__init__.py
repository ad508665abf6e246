"""What Twilio POSTs: voice URLs, status and recording callbacks, the fallback.

Every route: signature checked first (403 otherwise), parameters read, one service call,
one commit, TwiML out. Nothing here waits on Redis.
"""

from __future__ import annotations

from flask import Blueprint, current_app, request

from voiceapp.auth import csrf
from voiceapp.db import session, utcnow
from voiceapp.ivr.inbound import begin_inbound
from voiceapp.ivr.render import render_step
from voiceapp.services import calls as call_ops
from voiceapp.services import outbound, recordings
from voiceapp.telephony import twiml
from voiceapp.telephony.signature import twilio_request

bp = Blueprint("twilio", __name__, url_prefix="/twilio/voice")
csrf.exempt(bp)

IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"


def _settings():
    return current_app.config["VOICEAPP"]


def _zone() -> str:
    return _settings().timezone


@bp.post("/inbound")
@twilio_request
def inbound():
    step = begin_inbound(
        session(),
        request.form.to_dict(),
        default_region=_settings().default_region,
        zone=_zone(),
        now=utcnow(),
    )
    session().commit()
    return render_step(step)


@bp.post("/outbound")
@twilio_request
def outbound_call():
    result = outbound.start_outbound(
        session(),
        request.form.to_dict(),
        default_region=_settings().default_region,
        now=utcnow(),
    )
    session().commit()
    return twiml.twiml_response(outbound.render(result))


@bp.post("/status")
@twilio_request
def status():
    call_ops.apply_status_callback(
        session(),
        request.form.to_dict(),
        idempotency_token=request.headers.get(IDEMPOTENCY_HEADER),
        default_region=_settings().default_region,
        now=utcnow(),
    )
    session().commit()
    return twiml.twiml_response(twiml.empty())


@bp.post("/recording")
@twilio_request
def recording():
    recordings.record_callback(
        session(),
        request.form.to_dict(),
        idempotency_token=request.headers.get(IDEMPOTENCY_HEADER),
        now=utcnow(),
    )
    session().commit()
    return twiml.twiml_response(twiml.empty())


@bp.post("/fallback")
@twilio_request
def fallback():
    """Twilio could not get TwiML from the primary URL: apologise and take a message, so
    the caller never hears Twilio's generic error."""
    from voiceapp.telephony.urls import public_url

    language = (_settings().default_region or "").lower()[:2]
    return twiml.twiml_response(
        twiml.voicemail(
            language if language in ("de", "es", "fr") else "en",
            "error",
            action=public_url("ivr.voicemail_done"),
            recording_callback=public_url("twilio.recording"),
            max_length=120,
        )
    )


@bp.post("/outbound-done")
@twilio_request
def outbound_done():
    """The Dial action of a softphone call: the customer's leg ended, so does the agent's."""
    call_ops.store_event(
        session(),
        source="dial",
        params=request.form.to_dict(),
        idempotency_token=request.headers.get(IDEMPOTENCY_HEADER),
        now=utcnow(),
    )
    session().commit()
    return twiml.twiml_response(twiml.hangup())
