"""Softphone calls: the access token, presence, the TwiML App voice URL with its checks,
and the calls API."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import jwt
import pytest
from sqlalchemy import select

from tests.factories import ContactFactory, UserFactory
from tests.twilio_helpers import (
    ACCOUNT_SID,
    API_KEY_SECRET,
    API_KEY_SID,
    TWIML_APP_SID,
    dial_action_params,
    new_call_sid,
    recording_params,
    signed_post,
    status_params,
    voice_params,
)
from voiceapp.db import utcnow
from voiceapp.models import Call, Contact, ContactEvent, ContactPhone, NumberOperator, PhoneNumber
from voiceapp.services.accounts import create_api_token

OUR_NUMBER = "+4930901820"
SECOND_NUMBER = "+4940809010"


@pytest.fixture
def app_tw(twilio_app):
    return twilio_app


@pytest.fixture
def tw(app_tw):
    return app_tw.test_client()


@pytest.fixture
def api(app_tw, dbs):
    def for_user(user):
        _row, token = create_api_token(dbs, user, name="t", now=utcnow())
        dbs.commit()
        client = app_tw.test_client()

        def call(method, url, **kw):
            return client.open(
                url, method=method, headers={"Authorization": f"Bearer {token}"}, **kw
            )

        return call

    return for_user


def _number(dbs, number=OUR_NUMBER, *, outgoing=True, recording=False, operators=()):
    row = PhoneNumber(number=number, outgoing_enabled=outgoing, recording_enabled=recording)
    for user, op_outgoing, op_recording in operators:
        row.operators.append(
            NumberOperator(
                user_id=user.id, outgoing_enabled=op_outgoing, recording_enabled=op_recording
            )
        )
    dbs.add(row)
    dbs.commit()
    return row


def softphone_params(agent_id: int, to: str, **extra) -> dict:
    """What the Voice JavaScript SDK sends to the TwiML App's voice URL (TWILIO.md)."""
    sid = new_call_sid()
    params = voice_params(sid, from_=f"client:agent_{agent_id}", to="", direction="inbound")
    params.update({"To": to, "ApplicationSid": TWIML_APP_SID, "Caller": f"client:agent_{agent_id}"})
    params.update(extra)
    return params


def parse(response):
    assert response.status_code == 200, response.text
    return ET.fromstring(response.text)


def test_an_operator_calls_a_number_written_in_any_format(tw, ctx, dbs):
    agent = UserFactory()
    _number(dbs, recording=True, operators=[(agent, True, True)])
    params = softphone_params(agent.id, "0151 2345 6789")
    root = parse(signed_post(tw, "/twilio/voice/outbound", params))
    dial = root.find("Dial")
    assert dial.get("callerId") == OUR_NUMBER
    assert dial.get("record") == "record-from-answer-dual"
    number = dial.find("Number")
    assert number.text == "+4915123456789"
    assert number.get("statusCallback") == "https://voice.example.com/twilio/voice/status"
    assert number.get("statusCallbackEvent") == "initiated ringing answered completed"
    call = dbs.scalars(select(Call)).one()
    assert (call.direction, call.agent_id, call.to_number) == (
        "outbound",
        agent.id,
        "+4915123456789",
    )
    # The unknown callee became a contact with an "Outgoing call" in its history.
    contact = dbs.scalars(select(Contact)).one()
    assert call.contact_id == contact.id
    summaries = [e.summary for e in dbs.scalars(select(ContactEvent))]
    assert "Outgoing call" in summaries


def test_recording_needs_both_the_number_and_the_operator(tw, ctx, dbs):
    agent = UserFactory()
    _number(dbs, recording=True, operators=[(agent, True, False)])
    root = parse(
        signed_post(tw, "/twilio/voice/outbound", softphone_params(agent.id, "+4915123456789"))
    )
    assert root.find("Dial").get("record") is None


def test_the_caller_id_chosen_must_be_one_the_agent_may_use(tw, ctx, dbs):
    agent = UserFactory()
    _number(dbs, OUR_NUMBER, operators=[(agent, True, False)])
    _number(dbs, SECOND_NUMBER, operators=[(agent, False, False)])
    ok = parse(
        signed_post(
            tw,
            "/twilio/voice/outbound",
            softphone_params(agent.id, "+4915123456789", CallerId=OUR_NUMBER),
        )
    )
    assert ok.find("Dial").get("callerId") == OUR_NUMBER
    refused = parse(
        signed_post(
            tw,
            "/twilio/voice/outbound",
            softphone_params(agent.id, "+4915123456789", CallerId=SECOND_NUMBER),
        )
    )
    assert [c.tag for c in refused] == ["Say", "Hangup"]
    assert "may not make outgoing calls" in refused.find("Say").text


@pytest.mark.parametrize(
    ("to", "reason"),
    [
        ("12", "not a valid phone number"),
        (OUR_NUMBER, "one of our own numbers"),
    ],
)
def test_bad_targets_are_refused_with_a_reason(tw, ctx, dbs, to, reason):
    agent = UserFactory()
    _number(dbs, operators=[(agent, True, True)])
    root = parse(signed_post(tw, "/twilio/voice/outbound", softphone_params(agent.id, to)))
    assert [c.tag for c in root] == ["Say", "Hangup"]
    assert reason in root.find("Say").text
    assert dbs.scalars(select(Call)).all() == []


def test_a_non_operator_or_inactive_agent_cannot_call(tw, ctx, dbs):
    stranger = UserFactory()
    inactive = UserFactory(active=False)
    _number(dbs, operators=[(inactive, True, True)])
    for agent in (stranger, inactive):
        root = parse(
            signed_post(tw, "/twilio/voice/outbound", softphone_params(agent.id, "+4915123456789"))
        )
        assert [c.tag for c in root] == ["Say", "Hangup"]
    assert dbs.scalars(select(Call)).all() == []


def test_a_number_with_outgoing_switched_off_cannot_be_used(tw, ctx, dbs):
    agent = UserFactory()
    _number(dbs, outgoing=False, operators=[(agent, True, True)])
    root = parse(
        signed_post(tw, "/twilio/voice/outbound", softphone_params(agent.id, "+4915123456789"))
    )
    assert root.find("Dial") is None


def test_the_access_token_carries_the_agent_identity_and_voice_grant(api, ctx):
    agent = UserFactory()
    response = api(agent)("GET", "/api/token")
    assert response.status_code == 200
    body = response.json
    assert body["identity"] == f"agent_{agent.id}"
    assert body["ttl"] == 3600
    claims = jwt.decode(body["token"], API_KEY_SECRET, algorithms=["HS256"])
    assert claims["iss"] == API_KEY_SID
    assert claims["sub"] == ACCOUNT_SID
    assert abs(claims["exp"] - (time.time() + 3600)) < 60
    grants = claims["grants"]
    assert grants["identity"] == f"agent_{agent.id}"
    assert grants["voice"]["outgoing"]["application_sid"] == TWIML_APP_SID
    assert grants["voice"]["incoming"]["allow"] is True


def test_no_token_without_softphone_settings(make_app, dbs, ctx):
    agent = UserFactory()
    _row, token = create_api_token(dbs, agent, name="t", now=utcnow())
    dbs.commit()
    response = (
        make_app().test_client().get("/api/token", headers={"Authorization": f"Bearer {token}"})
    )
    assert response.status_code == 503
    assert "not configured" in response.json["message"]


def test_presence_is_set_through_the_api(api, ctx):
    agent = UserFactory()
    call = api(agent)
    assert call("GET", "/api/agents/me/presence").json["status"] == "offline"
    assert (
        call("PUT", "/api/agents/me/presence", json={"status": "online"}).json["status"] == "online"
    )
    assert call("GET", "/api/agents/me/presence").json["status"] == "online"
    bad = call("PUT", "/api/agents/me/presence", json={"status": "dancing"})
    assert bad.status_code == 422
    assert "status" in bad.json["errors"]["json"]
    assert call("GET", "/api/agents/me/presence").json["status"] == "online"


def _inbound_call(tw, dbs, caller="+4915112345678"):
    _number(dbs)
    sid = new_call_sid()
    signed_post(tw, "/twilio/voice/inbound", voice_params(sid, from_=caller, to=OUR_NUMBER))
    return sid


def test_the_calls_api_lists_calls_and_shows_one_with_events_and_recordings(tw, api, ctx, dbs):
    manager = UserFactory(role="sales_manager")
    sid = _inbound_call(tw, dbs)
    for seq, status in enumerate(["ringing", "in-progress", "completed"]):
        signed_post(
            tw,
            "/twilio/voice/status",
            status_params(sid, status, seq, duration=31 if status == "completed" else None),
        )
    signed_post(tw, "/twilio/voice/recording", recording_params(sid, "RE" + "a" * 32))
    listing = api(manager)("GET", "/api/calls").json
    assert listing["total"] == 1
    item = listing["items"][0]
    assert item["sid"] == sid
    assert item["from"] == "+4915112345678" and item["to"] == OUR_NUMBER
    assert (item["direction"], item["status"], item["duration"]) == ("inbound", "completed", 31)
    assert item["recordings"][0]["sid"] == "RE" + "a" * 32
    assert item["recordings"][0]["url"] == f"/calls/recordings/{'RE' + 'a' * 32}"
    detail = api(manager)("GET", f"/api/calls/{sid}").json
    assert [e["status"] for e in detail["events"] if e["source"] == "status"] == [
        "ringing",
        "in-progress",
        "completed",
    ]
    assert (
        api(manager)("GET", "/api/calls", query_string={"direction": "outbound"}).json["total"] == 0
    )
    assert (
        api(manager)("GET", "/api/calls", query_string={"direction": "sideways"}).status_code == 422
    )


def test_an_agent_does_not_see_another_agents_call(tw, api, ctx, dbs):
    owner, other = UserFactory(), UserFactory()
    sid = _inbound_call(tw, dbs)
    dbs.rollback()
    call = dbs.scalars(select(Call)).one()
    call.agent_id = owner.id
    dbs.commit()
    shown = api(owner)("GET", f"/api/calls/{sid}")
    assert shown.status_code == 200 and shown.json["sid"] == sid
    assert api(other)("GET", f"/api/calls/{sid}").status_code == 404
    assert api(other)("GET", "/api/calls").json["total"] == 0


def test_our_own_number_calling_in_creates_no_contact(tw, ctx, dbs):
    _number(dbs, SECOND_NUMBER)
    sid = _inbound_call(tw, dbs, caller=SECOND_NUMBER)
    # The call itself is stored, from our number, linked to no contact; no contact is made.
    dbs.rollback()
    call = dbs.scalars(select(Call)).one()
    assert (call.sid, call.from_number, call.contact_id) == (sid, SECOND_NUMBER, None)
    assert dbs.scalars(select(Contact)).all() == []


def test_an_existing_contact_is_found_for_an_outbound_call(tw, ctx, dbs, monkeypatch):
    from tests.sql_capture import note_precompiled_runs

    agent = UserFactory()
    contact = ContactFactory(phones=[ContactPhone(number="+4915123456789")])
    _number(dbs, operators=[(agent, True, False)])
    params = softphone_params(agent.id, "0151 23456789")
    ran = note_precompiled_runs(monkeypatch)
    signed_post(tw, "/twilio/voice/outbound", params)
    assert dbs.scalars(select(Call)).one().contact_id == contact.id
    assert len(dbs.scalars(select(Contact)).all()) == 1
    # Found before the call's row is written: the row goes in with it, no UPDATE after.
    writes = [sql for sql, _ in ran if sql.startswith(("INSERT INTO calls", "UPDATE calls"))]
    assert len(writes) == 1 and writes[0].startswith("INSERT"), writes
    lines = dbs.scalars(select(ContactEvent).where(ContactEvent.contact_id == contact.id)).all()
    assert [(e.kind, e.summary) for e in lines] == [("call_outbound", "Outgoing call")]


def test_a_retried_dial_action_of_a_softphone_call_is_stored_once(tw, dbs):
    from voiceapp.models import CallEvent

    sid = new_call_sid()
    params = dial_action_params(sid, "completed", duration=42, from_="client:agent_1")
    headers = {"I-Twilio-Idempotency-Token": "retry-of-the-same-request"}
    for _ in range(2):
        response = signed_post(tw, "/twilio/voice/outbound-done", params, headers=headers)
        assert response.status_code == 200
        assert "<Hangup" in response.text
    dbs.rollback()
    events = dbs.scalars(select(CallEvent).where(CallEvent.call_sid == sid)).all()
    assert [(e.source, e.status) for e in events] == [("dial", "completed")]
