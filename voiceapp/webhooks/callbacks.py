"""What Twilio reports about calls already under way: status callbacks, recording
callbacks, and the Dial action of a softphone call (/twilio/voice/...).

Every route: signature checked first (403 otherwise), parameters read, one service call,
one commit, empty TwiML out. Nothing here waits on Redis. Twilio retries a callback it
did not get a quick answer for, with the same I-Twilio-Idempotency-Token: the services
store each token once.
"""

from __future__ import annotations

from flask import Blueprint, current_app, request

from voiceapp.auth import csrf
from voiceapp.db import session, utcnow
from voiceapp.services import calls as call_ops
from voiceapp.services.calls import recordings
from voiceapp.telephony import twiml
from voiceapp.webhooks.signature import twilio_request

bp = Blueprint("twilio_callbacks", __name__, url_prefix="/twilio/voice")
csrf.exempt(bp)

IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"


@bp.post("/status")
@twilio_request
def status():
    call_ops.apply_status_callback(
        session(),
        request.form.to_dict(),
        idempotency_token=request.headers.get(IDEMPOTENCY_HEADER),
        default_region=current_app.config["VOICEAPP"].default_region,
        now=utcnow(),
    )
    session().commit()
    return twiml.empty_response()


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
    return twiml.empty_response()


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
