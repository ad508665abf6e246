"""The signature guard on every /twilio/ route (voiceapp.webhooks.signature): unsigned,
wrongly signed or tampered requests are refused with 403, logged, and change nothing."""

from __future__ import annotations

from sqlalchemy import select

from tests.twilio_helpers import (
    AUTH_TOKEN,
    new_call_sid,
    signed_post,
    voice_params,
)
from voiceapp.models import Call, Contact

OUR_NUMBER = "+4930901820"
CALLER = "+4915112345678"


def test_an_unsigned_request_is_refused_and_stores_nothing(tw, team, dbs):
    response = tw.post(
        "/twilio/voice/inbound", data=voice_params(new_call_sid(), from_=CALLER, to=OUR_NUMBER)
    )
    assert response.status_code == 403
    assert dbs.scalars(select(Call)).all() == []
    assert dbs.scalars(select(Contact)).all() == []


def test_a_wrong_signature_is_refused(tw, team, dbs):
    params = voice_params(new_call_sid(), from_=CALLER, to=OUR_NUMBER)
    assert (
        signed_post(tw, "/twilio/voice/inbound", params, token="not-the-token").status_code == 403
    )
    # Signed for the address gunicorn sees, not the public one: refused too.
    assert (
        signed_post(tw, "/twilio/voice/inbound", params, base="http://localhost").status_code == 403
    )
    # A parameter changed after signing.
    from twilio.request_validator import RequestValidator

    sig = RequestValidator(AUTH_TOKEN).compute_signature(
        "https://voice.example.com/twilio/voice/inbound", params
    )
    tampered = dict(params, From="+4917000000000")
    assert (
        tw.post(
            "/twilio/voice/inbound", data=tampered, headers={"X-Twilio-Signature": sig}
        ).status_code
        == 403
    )
    assert dbs.scalars(select(Call)).all() == []


def test_every_twilio_route_is_guarded(tw, team):
    for path in [
        "/twilio/voice/inbound",
        "/twilio/voice/outbound",
        "/twilio/voice/status",
        "/twilio/voice/recording",
        "/twilio/voice/fallback",
        "/twilio/ivr/language",
        "/twilio/ivr/reason",
        "/twilio/ivr/dial-result/team",
        "/twilio/ivr/voicemail-done",
        "/twilio/voice/outbound-done",
    ]:
        assert tw.post(path, data={"CallSid": "CA1"}).status_code == 403, path


def test_a_refused_request_is_logged_with_the_reason(tw, team, caplog):
    params = voice_params(new_call_sid(), from_=CALLER, to=OUR_NUMBER)
    with caplog.at_level("WARNING", logger="voiceapp.webhooks.signature"):
        tw.post("/twilio/voice/inbound", data=params)
        signed_post(tw, "/twilio/voice/inbound", params, token="not-the-token")
    messages = [r.getMessage() for r in caplog.records]
    assert any("no X-Twilio-Signature header" in m for m in messages)
    assert any(
        "signature does not match https://voice.example.com/twilio/voice/inbound" in m
        for m in messages
    )


def test_without_a_configured_auth_token_every_request_is_refused(make_app, team, dbs):
    client = make_app().test_client()  # no TWILIO_AUTH_TOKEN, nothing saved by an admin
    params = voice_params(new_call_sid(), from_=CALLER, to=OUR_NUMBER)
    response = signed_post(client, "/twilio/voice/inbound", params, base="http://localhost")
    assert response.status_code == 403
    assert dbs.scalars(select(Call)).all() == []


def test_a_signature_over_the_public_url_with_its_port_is_accepted(tw, team, dbs):
    """Twilio signs the URL it requested, but its back end is known to have signed it with
    the default port spelled out at times: both forms pass, as RequestValidator says."""
    for base in ("https://voice.example.com", "https://voice.example.com:443"):
        params = voice_params(new_call_sid(), from_=CALLER, to=OUR_NUMBER)
        assert signed_post(tw, "/twilio/voice/inbound", params, base=base).status_code == 200
    assert len(dbs.scalars(select(Call)).all()) == 2
    # The port form of the wrong token is refused all the same.
    params = voice_params(new_call_sid(), from_=CALLER, to=OUR_NUMBER)
    refused = signed_post(
        tw, "/twilio/voice/inbound", params, base="https://voice.example.com:443", token="nope"
    )
    assert refused.status_code == 403
