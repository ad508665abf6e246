"""Every request the simulator sends is signed as Twilio signs it (twilio's RequestValidator
accepts it for the auth token, and refuses it for another), carries an idempotency token,
and uses only the parameter names Twilio documents for its kind (with the ones Twilio always
sends present)."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

from twilio.request_validator import RequestValidator

from tests.sim.conftest import CUSTOMER, OUR_NUMBER
from voiceapp.sim.parties import Party
from voiceapp.sim.simulator import DEMO_AUTH_TOKEN

# https://www.twilio.com/docs/usage/webhooks/voice-webhooks
GEOGRAPHY = {
    f"{who}{what}"
    for who in ("From", "To", "Caller", "Called")
    for what in ("City", "State", "Zip", "Country")
}
VOICE = {
    *("CallSid", "AccountSid", "From", "To", "CallStatus", "ApiVersion", "Direction"),
    *("Caller", "Called", "CallerName", "ForwardedFrom", "ParentCallSid"),
    *GEOGRAPHY,
    "ApplicationSid",  # calls placed through a TwiML App (the softphone's)
}
ALWAYS = {"CallSid", "AccountSid", "From", "To", "CallStatus", "ApiVersion", "Direction"}
DOCUMENTED = {
    "voice": VOICE,
    # Voice JavaScript SDK calls: ApplicationSid and the custom parameters (here To).
    "softphone": VOICE,
    # https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides (fallback)
    "fallback": VOICE | {"ErrorCode", "ErrorUrl"},
    # https://www.twilio.com/docs/voice/twiml/gather
    "gather": VOICE | {"Digits", "FinishedOnKey"},
    "redirect": VOICE,
    # https://www.twilio.com/docs/voice/twiml/dial
    "dial": VOICE
    | {"DialCallStatus", "DialCallSid", "DialCallDuration", "DialBridged"}
    | {"RecordingUrl", "RecordingSid", "RecordingDuration"},
    # https://www.twilio.com/docs/voice/twiml/record
    "record": VOICE | {"RecordingUrl", "RecordingSid", "RecordingDuration", "Digits"},
    # https://www.twilio.com/docs/voice/api/call-resource (StatusCallback)
    "status": VOICE
    | {"CallbackSource", "SequenceNumber", "Timestamp", "CallDuration", "Duration"}
    | {"SipResponseCode", "AnsweredBy", "RecordingUrl", "RecordingSid", "RecordingDuration"},
    # https://www.twilio.com/docs/voice/twiml/recording (recordingStatusCallback)
    "recording": {
        *("AccountSid", "CallSid", "RecordingSid", "RecordingUrl", "RecordingStatus"),
        *("RecordingDuration", "RecordingChannels", "RecordingStartTime", "RecordingSource"),
        *("RecordingTrack", "ErrorCode"),
    },
}
REQUIRED = {
    "voice": ALWAYS,
    "softphone": ALWAYS | {"ApplicationSid"},
    "fallback": ALWAYS | {"ErrorCode", "ErrorUrl"},
    "gather": ALWAYS | {"Digits"},
    "redirect": ALWAYS,
    "dial": ALWAYS | {"DialCallStatus", "DialCallSid", "DialCallDuration"},
    "record": ALWAYS | {"RecordingUrl", "RecordingSid", "RecordingDuration"},
    "status": ALWAYS | {"CallbackSource", "SequenceNumber", "Timestamp"},
    "recording": {
        *("AccountSid", "CallSid", "RecordingSid", "RecordingUrl", "RecordingStatus"),
        *("RecordingDuration", "RecordingChannels", "RecordingSource"),
    },
}
KIND_OF_PATH = {
    "/voice": "voice",
    "/broken": "voice",
    "/twilio/voice/outbound": "softphone",
    "/api": "voice",
    "/fallback": "fallback",
    "/menu": "gather",
    "/next": "redirect",
    "/dialled": "dial",
    "/recorded": "record",
    "/status": "status",
    "/twilio/voice/status": "status",
    "/leg": "status",
    "/recording": "recording",
}
OTHER_NUMBER = "+4940123456"


def play_every_kind_of_request(stubbed) -> None:
    url, stub, sim = stubbed.url, stubbed.stub, stubbed.sim
    events = 'statusCallbackEvent="initiated ringing answered completed"'
    stub.on(
        "/voice",
        f'<Response><Gather action="{url}/menu" numDigits="1"><Say>Hi</Say></Gather></Response>',
    )
    stub.on("/menu", "<Response><Redirect>/next</Redirect></Response>")
    dial = (
        f'<Response><Dial action="{url}/dialled" record="record-from-answer-dual" '
        f'recordingStatusCallback="{url}/recording">'
        f'<Client statusCallback="{url}/leg" {events}>agent_1</Client>'
        f'<Number statusCallback="{url}/leg" {events}>+4917612345678</Number></Dial></Response>'
    )
    stub.on("/next", dial)
    stub.on("/twilio/voice/outbound", dial)
    stub.on(
        "/dialled",
        f'<Response><Record action="{url}/recorded" '
        f'recordingStatusCallback="{url}/recording"/></Response>',
    )
    stub.on("/broken", ("no", 500))
    stub.on("/fallback", "<Response><Say>Sorry</Say></Response>")
    stub.on("/api", "<Response><Say>Your order is ready</Say></Response>")
    broken = sim.account.add_number(OTHER_NUMBER)
    broken.voice_url, broken.voice_fallback_url = f"{url}/broken", f"{url}/fallback"
    broken.status_callback = f"{url}/status"

    agents = {"agent_1": Party(answer_after=2, talk_seconds=20)}
    callees = {"+4917612345678": Party(answer_after=9)}
    sim.inbound_call(
        CUSTOMER,
        OUR_NUMBER,
        caller=Party(digits=["1"], message_seconds=5),
        agents=agents,
        callees=callees,
    )
    sim.inbound_call(CUSTOMER, OTHER_NUMBER)
    sim.softphone_call(
        "agent_1",
        {"To": "+4917612345678"},
        caller=Party(message_seconds=4),
        callees={"+4917612345678": Party(answer_after=3, talk_seconds=10)},
    )
    sim.api_call(
        {
            "From": OUR_NUMBER,
            "To": CUSTOMER,
            "Url": f"{url}/api",
            "StatusCallback": f"{url}/status",
            "StatusCallbackEvent": "initiated ringing answered completed",
        },
        wait=True,
    )


def signed_url(request: dict) -> str:
    return request["url"]  # what the simulator requested, query string included


def test_every_request_validates_with_twilios_request_validator(stubbed):
    play_every_kind_of_request(stubbed)
    requests = stubbed.stub.requests
    assert {KIND_OF_PATH[r["path"]] for r in requests} == set(DOCUMENTED)
    right, wrong = RequestValidator(DEMO_AUTH_TOKEN), RequestValidator("another-token")
    for r in requests:
        params = r["form"] if r["method"] == "POST" else {}
        signature = r["headers"]["X-Twilio-Signature"]
        assert right.validate(signed_url(r), params, signature), r["path"]
        assert not wrong.validate(signed_url(r), params, signature), r["path"]
        assert r["headers"]["I-Twilio-Idempotency-Token"]
        assert r["headers"]["Content-Type"] == "application/x-www-form-urlencoded"


def test_parameter_names_are_the_documented_ones(stubbed):
    play_every_kind_of_request(stubbed)
    for r in stubbed.stub.requests:
        kind = KIND_OF_PATH[r["path"]]
        names = set(r["form"])
        extra = names - DOCUMENTED[kind]
        if kind == "softphone":
            extra -= {"To"}  # the custom parameter given to device.connect()
        assert not extra, f"{kind} request to {r['path']} has undocumented {sorted(extra)}"
        missing = REQUIRED[kind] - names
        assert not missing, f"{kind} request to {r['path']} lacks {sorted(missing)}"


def test_status_callbacks_are_numbered_and_stamped_per_leg(stubbed):
    play_every_kind_of_request(stubbed)
    by_leg: dict[str, list[dict]] = {}
    for r in stubbed.stub.requests:
        if KIND_OF_PATH[r["path"]] == "status":
            by_leg.setdefault(r["form"]["CallSid"], []).append(r["form"])
    assert len(by_leg) >= 6  # parents and dialled legs
    for forms in by_leg.values():
        assert [int(f["SequenceNumber"]) for f in forms] == list(range(len(forms)))
        stamps = [parsedate_to_datetime(f["Timestamp"]) for f in forms]
        assert stamps == sorted(stamps)
        assert forms[-1]["CallStatus"] in ("completed", "busy", "no-answer", "failed", "canceled")
        assert "CallDuration" in forms[-1]
        assert all(f["CallbackSource"] == "call-progress-events" for f in forms)
    children = [f for forms in by_leg.values() for f in forms if "ParentCallSid" in f]
    assert {f["Direction"] for f in children} == {"outbound-dial"}
    softphone = next(
        r["form"] for r in stubbed.stub.requests if r["path"] == "/twilio/voice/outbound"
    )
    assert (softphone["From"], softphone["Caller"], softphone["Direction"]) == (
        "client:agent_1",
        "client:agent_1",
        "inbound",
    )
    assert softphone["CallStatus"] == "ringing"
