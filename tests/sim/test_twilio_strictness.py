"""Where the simulator used to be kinder than Twilio: the fallback URL for any TwiML fetch
of a call (not only the first), 3xx answers followed with Twilio's limits, <Reject>'s two
reasons and an empty <Response/>, repeated REST parameters, Calls.update(twiml=...), and
the recording's start time."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

import pytest
from twilio.base.exceptions import TwilioRestException

from tests.sim.conftest import CUSTOMER, OUR_NUMBER
from tests.sim.test_rest_api import _wait_for_verb, account, served  # noqa: F401 (fixture)
from voiceapp.sim.parties import Party
from voiceapp.sim.transport import MAX_REDIRECTS

HANGUP = "<Response><Hangup/></Response>"


def _fallbacks(stub):
    return stub.kinds("/fallback")


# --- the fallback URL in the middle of a call ------------------------------------------------


def test_a_failing_gather_action_makes_twilio_request_the_fallback_url(stubbed):
    url = stubbed.url
    stubbed.stub.on(
        "/voice",
        f'<Response><Gather action="{url}/menu" numDigits="1"><Say>Hi</Say></Gather></Response>',
    )
    stubbed.stub.on("/menu", ("boom", 500))
    stubbed.stub.on("/fallback", "<Response><Say>Sorry</Say><Hangup/></Response>")
    run = stubbed.sim.inbound_call(CUSTOMER, OUR_NUMBER, caller=Party(digits=["2"]))
    (fallback,) = _fallbacks(stubbed.stub)
    assert fallback["form"]["ErrorCode"] == "11200"
    assert fallback["form"]["ErrorUrl"] == f"{url}/menu"
    assert fallback["form"]["CallSid"] == run.parent.sid
    assert fallback["form"]["CallStatus"] == "in-progress"
    assert "<Say>Sorry</Say>" in [e["text"] for e in run.log if e["kind"] == "verb"]
    assert run.parent.record.error is None  # the fallback saved the call


def test_a_redirect_and_a_dial_action_that_fail_go_to_the_fallback_too(stubbed):
    url = stubbed.url
    stubbed.stub.on("/voice", f"<Response><Redirect>{url}/broken</Redirect></Response>")
    stubbed.stub.on("/broken", "<Response><Dance/></Response>")  # a schema error: 12200
    stubbed.stub.on(
        "/fallback",
        lambda req: (
            HANGUP
            if req.form.get("ErrorUrl", "").endswith("/dialled")
            else f'<Response><Dial action="{url}/dialled"><Number>+4930111</Number></Dial>'
            "</Response>"
        ),
    )
    stubbed.stub.on("/dialled", ("nope", 404))
    stubbed.sim.customers["+4930111"] = Party(answer_after=1, talk_seconds=5)
    stubbed.sim.inbound_call(CUSTOMER, OUR_NUMBER)
    errors = [(f["form"]["ErrorCode"], f["form"]["ErrorUrl"]) for f in _fallbacks(stubbed.stub)]
    assert errors == [("12200", f"{url}/broken"), ("11200", f"{url}/dialled")]


def test_without_a_fallback_url_a_failing_action_ends_the_call_with_the_error(stubbed):
    stubbed.sim.account.number(OUR_NUMBER).voice_fallback_url = None
    stubbed.stub.on("/voice", f"<Response><Redirect>{stubbed.url}/broken</Redirect></Response>")
    stubbed.stub.on("/broken", ("boom", 500))
    run = stubbed.sim.inbound_call(CUSTOMER, OUR_NUMBER)
    assert run.parent.record.error.startswith("11200")
    assert _fallbacks(stubbed.stub) == []


def test_a_softphone_call_uses_the_twiml_apps_fallback_url(stubbed):
    app = stubbed.sim.account.apps[stubbed.sim.config.twiml_app_sid]
    app.voice_url, app.voice_fallback_url = f"{stubbed.url}/out", f"{stubbed.url}/fallback"
    stubbed.stub.on("/out", ("down", 503))
    stubbed.stub.on("/fallback", HANGUP)
    stubbed.sim.softphone_call("agent_1", {"To": CUSTOMER})
    (fallback,) = _fallbacks(stubbed.stub)
    assert fallback["form"]["From"] == "client:agent_1"
    assert fallback["form"]["ErrorUrl"] == f"{stubbed.url}/out"


# --- 3xx answers ----------------------------------------------------------------------------


def test_a_redirect_answer_is_followed_and_signed_for_the_url_it_leads_to(stubbed):
    from twilio.request_validator import RequestValidator

    stubbed.stub.on("/voice", ("", 302, {"Location": "/moved"}))
    stubbed.stub.on("/moved", "<Response><Say>Here</Say></Response>")
    run = stubbed.sim.inbound_call(CUSTOMER, OUR_NUMBER)
    (moved,) = stubbed.stub.kinds("/moved")
    validator = RequestValidator(stubbed.sim.config.auth_token)
    assert validator.validate(moved["url"], moved["form"], moved["headers"]["X-Twilio-Signature"])
    assert moved["method"] == "POST"
    assert "<Say>Here</Say>" in [e["text"] for e in run.log]
    assert _fallbacks(stubbed.stub) == []


def test_a_303_is_followed_with_a_get(stubbed):
    stubbed.stub.on("/voice", ("", 303, {"Location": f"{stubbed.url}/seeother"}))
    stubbed.stub.on("/seeother", HANGUP)
    stubbed.sim.inbound_call(CUSTOMER, OUR_NUMBER)
    (seen,) = stubbed.stub.kinds("/seeother")
    assert seen["method"] == "GET" and seen["args"]["CallSid"]


def test_a_redirect_loop_is_error_11215_and_a_308_is_11216(stubbed):
    stubbed.stub.on("/voice", ("", 302, {"Location": "/voice"}))
    stubbed.stub.on("/fallback", ("", 308, {"Location": "/elsewhere"}))
    run = stubbed.sim.inbound_call(CUSTOMER, OUR_NUMBER)
    assert len(stubbed.stub.kinds("/voice")) == MAX_REDIRECTS + 1
    (fallback,) = _fallbacks(stubbed.stub)
    assert fallback["form"]["ErrorCode"] == "11215"
    assert run.parent.record.error.startswith("11216")
    assert stubbed.stub.kinds("/elsewhere") == []


# --- <Reject> and an empty document ----------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "status"), [("busy", "busy"), ("rejected", "no-answer"), (None, "no-answer")]
)
def test_reject_ends_the_call_as_twilio_says_for_each_reason(stubbed, reason, status):
    attr = f' reason="{reason}"' if reason else ""
    stubbed.stub.on("/voice", f"<Response><Reject{attr}/></Response>")
    run = stubbed.sim.inbound_call(CUSTOMER, OUR_NUMBER)
    (final,) = stubbed.stub.kinds("/status")
    assert final["form"]["CallStatus"] == status
    assert run.parent.record.start_time is None  # never answered, never billed


def test_an_empty_response_answers_the_call_and_hangs_up(stubbed):
    stubbed.stub.on("/voice", "<Response/>")
    run = stubbed.sim.inbound_call(CUSTOMER, OUR_NUMBER)
    (final,) = stubbed.stub.kinds("/status")
    assert final["form"]["CallStatus"] == "completed"
    assert run.parent.record.start_time is not None  # answered (and billed)
    assert "call ends: end of the TwiML document" in [e["text"] for e in run.log]


# --- the REST API as twilio-python uses it ----------------------------------------------------


def test_every_repeated_status_callback_event_is_read(served, stubbed):  # noqa: F811
    stubbed.stub.on("/api", "<Response><Say>Hello</Say></Response>")
    stubbed.sim.customers[CUSTOMER] = Party(answer_after=2)
    call = account(served).calls.create(
        to=CUSTOMER,
        from_=OUR_NUMBER,
        url=f"{stubbed.url}/api",
        status_callback=f"{stubbed.url}/status",
        status_callback_event=["initiated", "ringing", "answered", "completed"],
    )
    run = stubbed.sim.history.get(call.sid) or stubbed.sim.runs[call.sid]
    assert run.done.wait(10)
    assert [r["form"]["CallStatus"] for r in stubbed.stub.kinds("/status")] == [
        "initiated",
        "ringing",
        "in-progress",
        "completed",
    ]


def test_a_call_is_given_new_twiml_through_calls_update(served, stubbed):  # noqa: F811
    stubbed.stub.on("/voice", '<Response><Pause length="600"/></Response>')
    sim, api = stubbed.sim, account(served)
    sim.config.real_speed = 100
    run = sim.inbound_call(CUSTOMER, OUR_NUMBER, wait=False, realtime=True)
    _wait_for_verb(run)
    with pytest.raises(TwilioRestException) as refused:
        api.calls(run.parent.sid).update(twiml="<Response><Dance/></Response>")
    assert refused.value.status == 400
    api.calls(run.parent.sid).update(twiml="<Response><Say>Changed plans</Say></Response>")
    assert run.done.wait(10)
    assert [e["text"] for e in run.log if e["kind"] == "verb"][-1] == "<Say>Changed plans</Say>"
    assert run.parent.record.status == "completed"


def test_recording_start_time_is_when_the_recording_began(stubbed):
    url = stubbed.url
    stubbed.stub.on(
        "/voice",
        f'<Response><Say>one two three four five</Say><Record action="{url}/done" '
        f'recordingStatusCallback="{url}/recording"/></Response>',
    )
    run = stubbed.sim.inbound_call(CUSTOMER, OUR_NUMBER, caller=Party(message_seconds=30))
    (callback,) = stubbed.stub.kinds("/recording")
    started = parsedate_to_datetime(callback["form"]["RecordingStartTime"])
    answered = run.parent.record.start_time
    # 2 s of prompt and half a second of beep, then 30 s of message: the start is the
    # beginning, not the end.
    assert 1 <= (started - answered).total_seconds() <= 3  # RFC 2822: whole seconds
    assert (run.recordings[0].start_time - answered).total_seconds() == pytest.approx(2.5)
