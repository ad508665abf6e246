"""Requests as Twilio sends them: the documented parameter sets, signed with twilio's own
RequestValidator against the public URL. Nothing here switches a check off."""

from __future__ import annotations

import itertools
import uuid
import xml.etree.ElementTree as ET

from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "test-twilio-auth-token"
API_KEY_SID = "SK" + "2" * 32
API_KEY_SECRET = "test-api-key-secret-of-32-or-more-bytes"
TWIML_APP_SID = "AP" + "3" * 32
PUBLIC_BASE_URL = "https://voice.example.com"

TWILIO_SETTINGS = {
    "twilio_account_sid": ACCOUNT_SID,
    "twilio_auth_token": AUTH_TOKEN,
    "twilio_api_key_sid": API_KEY_SID,
    "twilio_api_key_secret": API_KEY_SECRET,
    "twilio_twiml_app_sid": TWIML_APP_SID,
    "public_base_url": PUBLIC_BASE_URL,
}

_counter = itertools.count(1)


def new_call_sid() -> str:
    return "CA" + uuid.uuid4().hex


def signed_post(
    client,
    path: str,
    params: dict,
    *,
    token: str = AUTH_TOKEN,
    base: str = PUBLIC_BASE_URL,
    headers: dict | None = None,
):
    signature = RequestValidator(token).compute_signature(base + path, params)
    return client.post(
        path, data=params, headers={"X-Twilio-Signature": signature, **(headers or {})}
    )


def voice_params(
    call_sid: str,
    *,
    from_: str,
    to: str,
    status: str = "ringing",
    direction: str = "inbound",
    **extra,
) -> dict:
    """The parameters of Twilio's request to a voice URL (voice-webhooks documentation)."""
    params = {
        "CallSid": call_sid,
        "AccountSid": ACCOUNT_SID,
        "From": from_,
        "To": to,
        "CallStatus": status,
        "ApiVersion": "2010-04-01",
        "Direction": direction,
        "Caller": from_,
        "Called": to,
        "CallerName": "",
        "FromCity": "BERLIN",
        "FromState": "",
        "FromZip": "",
        "FromCountry": "DE",
        "ToCity": "",
        "ToState": "",
        "ToZip": "",
        "ToCountry": "DE",
        "CallerCity": "BERLIN",
        "CallerCountry": "DE",
        "CalledCountry": "DE",
    }
    params.update(extra)
    return params


def gather_params(call_sid: str, digits: str | None, **kw) -> dict:
    params = voice_params(
        call_sid,
        from_=kw.pop("from_", "+4915112345678"),
        to=kw.pop("to", "+4930901820"),
        status="in-progress",
        **kw,
    )
    if digits is not None:
        params["Digits"] = digits
        params["FinishedOnKey"] = ""
    return params


def dial_action_params(call_sid: str, dial_status: str, *, duration: int = 0, **kw) -> dict:
    params = voice_params(
        call_sid,
        from_=kw.pop("from_", "+4915112345678"),
        to=kw.pop("to", "+4930901820"),
        status="in-progress",
        **kw,
    )
    params.update(
        {
            "DialCallStatus": dial_status,
            "DialCallSid": "CA" + uuid.uuid4().hex,
            "DialCallDuration": str(duration),
            "DialBridged": "true" if dial_status == "completed" else "false",
        }
    )
    return params


def status_params(
    call_sid: str,
    status: str,
    sequence: int,
    *,
    from_: str = "+4915112345678",
    to: str = "+4930901820",
    duration: int | None = None,
    parent: str | None = None,
    direction: str = "inbound",
) -> dict:
    """A StatusCallback request (call-resource documentation)."""
    params = voice_params(call_sid, from_=from_, to=to, status=status, direction=direction)
    params.update(
        {
            "CallbackSource": "call-progress-events",
            "SequenceNumber": str(sequence),
            "Timestamp": f"Mon, 23 Nov 2026 10:00:0{min(sequence, 9)} +0000",
            "SipResponseCode": "200" if status != "busy" else "486",
        }
    )
    if duration is not None:
        params["CallDuration"] = str(duration)
        params["Duration"] = str(max(1, (duration + 59) // 60))
    if parent:
        params["ParentCallSid"] = parent
    return params


def recording_params(
    call_sid: str,
    recording_sid: str,
    status: str = "completed",
    *,
    duration: int = 12,
    source: str = "DialVerb",
) -> dict:
    """A RecordingStatusCallback request (recording documentation)."""
    return {
        "AccountSid": ACCOUNT_SID,
        "CallSid": call_sid,
        "RecordingSid": recording_sid,
        "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}"
        f"/Recordings/{recording_sid}",
        "RecordingStatus": status,
        "RecordingDuration": str(duration),
        "RecordingChannels": "2" if source == "DialVerb" else "1",
        "RecordingSource": source,
        "RecordingStartTime": "Mon, 23 Nov 2026 10:00:05 +0000",
        "RecordingTrack": "both",
        "ErrorCode": "0",
    }


def parse_twiml(response) -> ET.Element:
    """The TwiML document of a 200 text/xml answer."""
    assert response.status_code == 200, response.text
    assert response.mimetype == "text/xml"
    return ET.fromstring(response.text)


def verb_names(root: ET.Element) -> list[str]:
    return [child.tag for child in root]
