"""The IVR's action URLs (/twilio/ivr/...): Twilio follows the URLs our TwiML names
(Gather and Dial actions). Each route: signature, one ivr.inbound call, commit, TwiML."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from voiceapp.auth import csrf
from voiceapp.db import session, utcnow
from voiceapp.ivr import inbound
from voiceapp.ivr.render import render_step
from voiceapp.telephony import twiml
from voiceapp.webhooks.signature import twilio_request

bp = Blueprint("ivr", __name__, url_prefix="/twilio/ivr")
csrf.exempt(bp)


def _menu():
    step = inbound.menu_input(
        session(),
        request.form.get("CallSid", ""),
        request.form.get("Digits") or None,
        zone=current_app.config["VOICEAPP"].timezone,
        now=utcnow(),
    )
    session().commit()
    return render_step(step, greet=False)


@bp.post("/language")
@twilio_request
def language():
    return _menu()


@bp.post("/reason")
@twilio_request
def reason():
    return _menu()


@bp.post("/dial-result/<stage>")
@twilio_request
def dial_result(stage: str):
    step = inbound.dial_finished(
        session(),
        request.form.get("CallSid", ""),
        request.form.get("DialCallStatus", ""),
        stage=stage,
        now=utcnow(),
    )
    session().commit()
    return render_step(step)


@bp.post("/voicemail-done")
@twilio_request
def voicemail_done():
    language = inbound.caller_language(session(), request.form.get("CallSid", ""))
    return twiml.twiml_response(twiml.goodbye(language))
