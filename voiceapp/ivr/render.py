"""A step of an inbound call (ivr.inbound) as TwiML, with the public URLs Twilio follows."""

from __future__ import annotations

from flask import Response

from voiceapp.ivr import menu
from voiceapp.ivr.inbound import Hangup, Ring, Step
from voiceapp.telephony import twiml
from voiceapp.telephony.urls import public_url


def render_step(step: Step, *, greet: bool = True) -> Response:
    if isinstance(step, menu.AskLanguage):
        response = twiml.language_menu(
            step.languages, action=public_url("ivr.language"), retry=step.retry
        )
    elif isinstance(step, menu.AskReason):
        response = twiml.reason_menu(
            step.language,
            step.case_types,
            {},
            action=public_url("ivr.reason"),
            retry=step.retry,
            greet=greet,
        )
    elif isinstance(step, Ring):
        response = twiml.dial_agents(
            step.language,
            list(step.identities),
            action=public_url("ivr.dial_result", stage=step.stage),
            timeout=step.timeout,
            record=step.record,
            recording_callback=public_url("twilio_callbacks.recording"),
            status_callback=public_url("twilio_callbacks.status"),
        )
    elif isinstance(step, menu.Voicemail):
        response = twiml.voicemail(
            step.language,
            step.reason,
            action=public_url("ivr.voicemail_done"),
            recording_callback=public_url("twilio_callbacks.recording"),
            max_length=120,
        )
    elif isinstance(step, Hangup):
        response = twiml.hangup()
    else:  # pragma: no cover - a new step type without a renderer is a bug
        raise TypeError(f"no TwiML for {step!r}")
    return twiml.twiml_response(response)
