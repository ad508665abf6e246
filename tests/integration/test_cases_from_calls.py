"""Missed calls and voicemails open callback cases; a second missed call adds to the open
case; the agent of a caller's open case rings first."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import time_machine
from sqlalchemy import select

from tests.factories import CaseFactory, ContactFactory, UserFactory
from tests.ivr.test_inbound import CALLER, CLOSED, OPEN, OUR_NUMBER, online
from tests.twilio_helpers import (
    dial_action_params,
    gather_params,
    new_call_sid,
    recording_params,
    signed_post,
    voice_params,
)
from voiceapp.models import Case, CaseEvent, ContactPhone


def reread(dbs):
    dbs.rollback()
    dbs.expire_all()


def call_outside_hours(tw, sid: str, caller: str = CALLER) -> None:
    with time_machine.travel(CLOSED, tick=False):
        response = signed_post(
            tw, "/twilio/voice/inbound", voice_params(sid, from_=caller, to=OUR_NUMBER)
        )
    assert response.status_code == 200
    assert [c.tag for c in ET.fromstring(response.text)] == ["Say", "Record", "Say", "Hangup"]


def test_a_missed_call_opens_a_callback_case_due_now_for_the_pool(tw, team, dbs):
    call_outside_hours(tw, new_call_sid())
    reread(dbs)
    case = dbs.scalar(select(Case))
    assert case.type == "missed_call" and case.status == "open"
    assert case.due_at == CLOSED and case.assignee_id is None
    assert case.contact.phones[0].number == CALLER
    assert case.language == "de"  # the contact's default language, first IVR language
    assert [e.kind for e in case.events] == ["created", "missed_call"]


def test_a_second_missed_call_adds_to_the_open_case(tw, team, dbs):
    first, second = new_call_sid(), new_call_sid()
    call_outside_hours(tw, first)
    call_outside_hours(tw, second)
    reread(dbs)
    cases = dbs.scalars(select(Case)).all()
    assert len(cases) == 1
    events = [(e.kind, (e.data or {}).get("call_sid")) for e in cases[0].events]
    assert events == [("created", None), ("missed_call", first), ("missed_call", second)]


def test_a_missed_call_after_the_case_closed_opens_a_new_one(tw, team, dbs):
    call_outside_hours(tw, new_call_sid())
    reread(dbs)
    case = dbs.scalar(select(Case))
    case.status = "closed"
    dbs.commit()
    call_outside_hours(tw, new_call_sid())
    reread(dbs)
    assert [c.status for c in dbs.scalars(select(Case).order_by(Case.id))] == ["closed", "open"]


def test_a_voicemail_turns_the_missed_call_case_into_a_voicemail_case(tw, team, dbs):
    sid = new_call_sid()
    call_outside_hours(tw, sid)
    params = recording_params(sid, "RE" + "5" * 32, source="RecordVerb", duration=17)
    assert signed_post(tw, "/twilio/voice/recording", params).status_code == 200
    # Twilio retries the callback: nothing more happens.
    assert signed_post(tw, "/twilio/voice/recording", params).status_code == 200
    reread(dbs)
    case = dbs.scalar(select(Case))
    assert case.type == "voicemail"
    voicemail = [e for e in case.events if e.kind == "voicemail"]
    assert len(voicemail) == 1 and voicemail[0].summary == "Voicemail left (17 s)"


def test_a_withheld_number_opens_no_case(tw, team, dbs):
    call_outside_hours(tw, new_call_sid(), caller="anonymous")
    reread(dbs)
    assert dbs.scalars(select(Case)).all() == []


def test_the_agent_of_the_callers_open_case_rings_first_and_gets_the_missed_call(tw, team, dbs):
    owner = online(dbs, UserFactory(role="agent", languages=["de"], case_types=["new_order"]))
    online(dbs, UserFactory(role="agent", languages=["de"], case_types=["new_order"]))
    contact = ContactFactory()
    dbs.add(ContactPhone(contact_id=contact.id, number="+4915199990000", position=1))
    dbs.commit()
    CaseFactory(contact=contact, assignee_id=owner.id, type="payment_reminder")
    sid = new_call_sid()
    with time_machine.travel(OPEN, tick=False):
        signed_post(
            tw, "/twilio/voice/inbound", voice_params(sid, from_="+4915199990000", to=OUR_NUMBER)
        )
        signed_post(tw, "/twilio/ivr/language", gather_params(sid, "1", from_="+4915199990000"))
        ring = signed_post(
            tw, "/twilio/ivr/reason", gather_params(sid, "1", from_="+4915199990000")
        )
        clients = [c.text for c in ET.fromstring(ring.text).iter("Client")]
        assert clients == [f"agent_{owner.id}"]
        # Nobody answers, in either round: the callback case goes to the case's agent.
        team_round = signed_post(
            tw,
            "/twilio/ivr/dial-result/preferred",
            dial_action_params(sid, "no-answer", from_="+4915199990000"),
        )
        assert f"agent_{owner.id}" not in team_round.text
        signed_post(
            tw,
            "/twilio/ivr/dial-result/team",
            dial_action_params(sid, "no-answer", from_="+4915199990000"),
        )
    reread(dbs)
    callback = dbs.scalar(select(Case).where(Case.type == "missed_call"))
    assert callback.assignee_id == owner.id
    assert callback.language == "de"
    assert callback.remind_at == OPEN
    assert dbs.scalar(select(CaseEvent).where(CaseEvent.kind == "missed_call")) is not None
