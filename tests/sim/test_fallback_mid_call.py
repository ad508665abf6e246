"""The app's /twilio/voice/fallback in the middle of a call: the IVR's menu action fails
after the caller was greeted, Twilio (the simulator) requests the number's fallback URL
with ErrorCode and ErrorUrl, and the caller's message is still stored with the call. A
softphone call whose voice URL fails is told so by the TwiML App's fallback and ends."""

from __future__ import annotations

from sqlalchemy import select

from tests.sim.conftest import CUSTOMER, OUR_NUMBER, api_token, go_online, settle
from voiceapp.models import Call
from voiceapp.sim.parties import Party


def _break(app, prefix: str) -> None:
    """Every request under `prefix` answers 500 from now on (a bug, a crash, a deploy)."""
    inner = app.wsgi_app

    def failing(environ, start_response):
        if environ.get("PATH_INFO", "").startswith(prefix):
            start_response("500 INTERNAL SERVER ERROR", [("Content-Type", "text/plain")])
            return [b"boom"]
        return inner(environ, start_response)

    app.wsgi_app = failing


def test_a_menu_action_failing_mid_call_reaches_the_fallback_which_takes_a_message(
    world, agent, dbs
):
    go_online(world, api_token(dbs, agent))
    _break(world.app, "/twilio/ivr/")
    run = world.sim.inbound_call(
        CUSTOMER, OUR_NUMBER, caller=Party(digits=["1"], message_seconds=12)
    )
    sent = world.sim.transport.sent
    (fallback,) = [e for e in sent if e.kind == "fallback"]
    assert fallback.status == 200
    assert fallback.params["ErrorCode"] == "11200"
    assert "/twilio/ivr/" in fallback.params["ErrorUrl"]
    assert fallback.params["CallSid"] == run.parent.sid
    assert run.parent.record.outcome == "voicemail"
    settle(dbs)
    call = dbs.scalar(select(Call).where(Call.sid == run.parent.sid))
    assert (call.status, call.voicemail) == ("completed", True)
    (recording,) = call.recordings
    assert (recording.source, recording.duration) == ("RecordVerb", 12)


def test_a_softphone_call_whose_voice_url_fails_is_ended_by_the_apps_fallback(world, agent, dbs):
    _break(world.app, "/twilio/voice/outbound")
    run = world.sim.softphone_call(f"agent_{agent.id}", {"To": CUSTOMER})
    (fallback,) = [e for e in world.sim.transport.sent if e.kind == "fallback"]
    assert fallback.status == 200 and fallback.params["ErrorCode"] == "11200"
    verbs = [e["text"] for e in run.log if e["kind"] == "verb"]
    assert verbs[-1] == "<Hangup>" and not any("Record" in v for v in verbs)
    assert run.parent.record.error is None
