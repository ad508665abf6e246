"""The voice URLs (voiceapp.webhooks.voice): the fallback apologises and takes a message.
Inbound calls are tested with the IVR (tests/ivr/test_inbound.py), softphone calls in
tests/integration/test_outbound_and_api.py."""

from __future__ import annotations

from tests.twilio_helpers import new_call_sid, parse_twiml, signed_post, verb_names, voice_params

OUR_NUMBER = "+4930901820"
CALLER = "+4915112345678"


def test_the_fallback_apologises_and_takes_a_message(tw, team):
    root = parse_twiml(
        signed_post(
            tw,
            "/twilio/voice/fallback",
            voice_params(
                new_call_sid(),
                from_=CALLER,
                to=OUR_NUMBER,
                ErrorCode="11200",
                ErrorUrl="https://voice.example.com/x",
            ),
        )
    )
    assert verb_names(root) == ["Say", "Record", "Say", "Hangup"]
    assert "technical problem" in root.find("Say").text or "technisches" in root.find("Say").text
