"""The voice URLs Twilio asks for TwiML (/twilio/voice/...): a call to one of our numbers
(inbound, handed to the IVR), a softphone call (outbound, the TwiML App's voice URL), and
the fallback when the primary URL failed.

Every route: signature checked first (403 otherwise), parameters read, one service call,
one commit, TwiML out. Nothing here waits on Redis.
"""

from __future__ import annotations

from flask import Blueprint, current_app, request

from voiceapp.auth import csrf
from voiceapp.db import session, utcnow
from voiceapp.ivr.inbound import begin_inbound
from voiceapp.ivr.render import render_step
from voiceapp.services.calls import outbound
from voiceapp.telephony import twiml
from voiceapp.telephony.urls import public_url
from voiceapp.webhooks.signature import twilio_request

bp = Blueprint("twilio_voice", __name__, url_prefix="/twilio/voice")
csrf.exempt(bp)


def _settings():
    return current_app.config["VOICEAPP"]


@bp.post("/inbound")
@twilio_request
def inbound():
    step = begin_inbound(
        session(),
        request.form.to_dict(),
        default_region=_settings().default_region,
        zone=_settings().timezone,
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
    return twiml.twiml_response(_outbound_twiml(result))


def _outbound_twiml(result: outbound.Refused | outbound.Dialling):
    if isinstance(result, outbound.Refused):
        return twiml.refuse_outbound(result.reason)
    return twiml.dial_number(
        result.number,
        caller_id=result.caller_id,
        record=result.record,
        status_callback=public_url("twilio_callbacks.status"),
        recording_callback=public_url("twilio_callbacks.recording"),
        action=public_url("twilio_callbacks.outbound_done"),
    )


@bp.post("/fallback")
@twilio_request
def fallback():
    """Twilio could not get TwiML from a URL of the call (the first request, or an action
    or redirect in the middle of it: ErrorUrl says which): apologise and take a message,
    so the caller never hears Twilio's generic error. An agent's softphone call (the
    TwiML App's fallback) has no one to leave a message for: it is told and ends."""
    if request.form.get("From", "").startswith("client:"):
        return twiml.twiml_response(
            twiml.refuse_outbound("Sorry, the call could not be placed. Please try again.")
        )
    language = (_settings().default_region or "").lower()[:2]
    return twiml.twiml_response(
        twiml.voicemail(
            language if language in ("de", "es", "fr") else "en",
            "error",
            action=public_url("ivr.voicemail_done"),
            recording_callback=public_url("twilio_callbacks.recording"),
            max_length=120,
        )
    )
