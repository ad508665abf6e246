"""TwiML builders: small functions around twilio's VoiceResponse, one per thing we say."""

from __future__ import annotations

from flask import Response
from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from voiceapp.telephony import prompts

GATHER_TIMEOUT_SECONDS = 6


def _recording(record: bool, callback: str) -> dict:
    """<Dial> attributes that record both parties (one channel each) from the answer on."""
    if not record:
        return {}
    return {
        "record": "record-from-answer-dual",
        "recording_status_callback": callback,
        "recording_status_callback_event": "completed absent",
    }


def _progress_events(callback: str) -> dict:
    """<Client>/<Number> attributes: for a dialled leg Twilio sends only `completed` unless
    more events are asked for (TWILIO.md)."""
    return {
        "status_callback": callback,
        "status_callback_event": "initiated ringing answered completed",
        "status_callback_method": "POST",
    }


def twiml_response(twiml: VoiceResponse) -> Response:
    return Response(str(twiml), mimetype="text/xml")


def _say(node, language: str, key: str, **fmt) -> None:
    node.say(prompts.text(language, key).format(**fmt), language=prompts.say_language(language))


def language_menu(languages: tuple[str, ...], *, action: str, retry: bool) -> VoiceResponse:
    response = VoiceResponse()
    first = languages[0]
    gather = Gather(num_digits=1, action=action, method="POST", timeout=GATHER_TIMEOUT_SECONDS)
    _say(gather, first, "retry" if retry else "greeting")
    for n, language in enumerate(languages, start=1):
        template = prompts.LANGUAGE_OPTION.get(language, prompts.LANGUAGE_OPTION["en"])
        gather.say(template.format(n=n), language=prompts.say_language(language))
    response.append(gather)
    # No key pressed: Twilio goes on to the next verb; send the silence to the same action.
    response.redirect(action, method="POST")
    return response


def reason_menu(
    language: str,
    case_types: tuple[str, ...],
    labels: dict[str, str],
    *,
    action: str,
    retry: bool,
    greet: bool = False,
) -> VoiceResponse:
    response = VoiceResponse()
    gather = Gather(num_digits=1, action=action, method="POST", timeout=GATHER_TIMEOUT_SECONDS)
    if retry:
        _say(gather, language, "retry")
    elif greet:
        _say(gather, language, "greeting")
    _say(gather, language, "reason_intro")
    for n, case_type in enumerate(case_types, start=1):
        label = prompts.case_type_label(language, case_type, labels.get(case_type))
        _say(gather, language, "reason_option", label=label, n=n)
    response.append(gather)
    response.redirect(action, method="POST")
    return response


def dial_agents(
    language: str,
    identities: list[str],
    *,
    action: str,
    timeout: int,
    record: bool,
    recording_callback: str,
    status_callback: str,
    announce: bool = True,
) -> VoiceResponse:
    response = VoiceResponse()
    if announce:
        _say(response, language, "connecting")
    dial = Dial(
        action=action, method="POST", timeout=timeout, **_recording(record, recording_callback)
    )
    for identity in identities:
        # The browser legs report back, so we learn which agent answered.
        dial.client(identity, **_progress_events(status_callback))
    response.append(dial)
    return response


def voicemail(
    language: str, reason: str, *, action: str, recording_callback: str, max_length: int
) -> VoiceResponse:
    response = VoiceResponse()
    _say(response, language, reason)
    response.record(
        action=action,
        method="POST",
        max_length=max_length,
        play_beep=True,
        recording_status_callback=recording_callback,
        recording_status_callback_event="completed absent",
    )
    # Reached only if the caller records nothing: Twilio then skips the action.
    _say(response, language, "thanks")
    response.hangup()
    return response


def goodbye(language: str) -> VoiceResponse:
    response = VoiceResponse()
    _say(response, language, "thanks")
    response.hangup()
    return response


def hangup() -> VoiceResponse:
    response = VoiceResponse()
    response.hangup()
    return response


def refuse_outbound(reason: str) -> VoiceResponse:
    response = VoiceResponse()
    response.say(reason, language="en-US")
    response.hangup()
    return response


def dial_number(
    number: str,
    *,
    caller_id: str,
    record: bool,
    status_callback: str,
    recording_callback: str,
    action: str,
) -> VoiceResponse:
    response = VoiceResponse()
    dial = Dial(
        caller_id=caller_id,
        action=action,
        method="POST",
        **_recording(record, recording_callback),
    )
    dial.number(number, **_progress_events(status_callback))
    response.append(dial)
    return response


# Rendered once: twiml's builder and ElementTree cost a tenth of a millisecond a callback.
_EMPTY = str(VoiceResponse())


def empty_response() -> Response:
    """For callbacks: Twilio ignores the body, an empty <Response/> is the polite answer."""
    return Response(_EMPTY, mimetype="text/xml")
