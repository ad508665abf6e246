"""Inbound calls through the IVR (voiceapp.ivr.inbound, over the signed webhooks): business
hours, the language and reason menus, ringing the right online agents, voicemail and missed
calls, unknown callers as contacts, Twilio's retries."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import select

from tests.factories import ContactFactory, UserFactory
from tests.twilio_helpers import (
    dial_action_params,
    gather_params,
    new_call_sid,
    parse_twiml,
    signed_post,
    verb_names,
    voice_params,
)
from voiceapp.db import utcnow
from voiceapp.models import (
    AgentPresence,
    Call,
    Contact,
    ContactEvent,
    ContactPhone,
    IvrSession,
)

OUR_NUMBER = "+4930901820"
CALLER = "+4915112345678"
# A Monday, 10:00 in Berlin: open by the default business hours.
OPEN = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
# A Sunday: closed.
CLOSED = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def online(dbs, user):
    dbs.add(AgentPresence(user_id=user.id, status="online", updated_at=utcnow()))
    dbs.commit()
    return user


def test_outside_business_hours_the_caller_gets_voicemail_and_a_missed_call(tw, team, dbs):
    sid = new_call_sid()
    with time_machine.travel(CLOSED, tick=False):
        root = parse_twiml(
            signed_post(tw, "/twilio/voice/inbound", voice_params(sid, from_=CALLER, to=OUR_NUMBER))
        )
    assert verb_names(root) == ["Say", "Record", "Say", "Hangup"]
    record = root.find("Record")
    assert (
        record.get("recordingStatusCallback") == "https://voice.example.com/twilio/voice/recording"
    )
    assert record.get("action") == "https://voice.example.com/twilio/ivr/voicemail-done"
    assert "nicht erreichbar" in root.find("Say").text
    call = dbs.scalars(select(Call)).one()
    assert call.missed and call.direction == "inbound"
    # The unknown caller became a contact with both events in the history.
    contact = dbs.scalars(select(Contact)).one()
    assert [p.number for p in contact.phones] == [CALLER]
    kinds = sorted(e.kind for e in dbs.scalars(select(ContactEvent)))
    # ... and the callback case the missed call opened.
    assert kinds == ["call_inbound", "call_missed", "case_created", "created"]


def test_the_ivr_asks_language_then_reason_then_rings_matching_online_agents(tw, team, dbs):
    german = online(dbs, UserFactory(languages=["de"], case_types=["payment_reminder"]))
    online(dbs, UserFactory(languages=["en"], case_types=["payment_reminder"]))  # wrong language
    online(dbs, UserFactory(languages=["de"], case_types=["new_order"]))  # wrong reason
    UserFactory(languages=["de"], case_types=["payment_reminder"])  # offline
    sid = new_call_sid()
    with time_machine.travel(OPEN, tick=False):
        root = parse_twiml(
            signed_post(tw, "/twilio/voice/inbound", voice_params(sid, from_=CALLER, to=OUR_NUMBER))
        )
        assert verb_names(root) == ["Gather", "Redirect"]
        gather = root.find("Gather")
        assert gather.get("action") == "https://voice.example.com/twilio/ivr/language"
        assert gather.get("numDigits") == "1"
        assert [s.get("language") for s in gather.findall("Say")] == ["de-DE", "de-DE", "en-US"]

        root = parse_twiml(signed_post(tw, "/twilio/ivr/language", gather_params(sid, "1")))
        assert root.find("Gather").get("action") == "https://voice.example.com/twilio/ivr/reason"
        assert "Zahlung" in "".join(s.text for s in root.iter("Say"))

        root = parse_twiml(signed_post(tw, "/twilio/ivr/reason", gather_params(sid, "2")))
    assert verb_names(root) == ["Say", "Dial"]
    dial = root.find("Dial")
    assert [c.text.strip() for c in dial.findall("Client")] == [f"agent_{german.id}"]
    assert dial.get("action") == "https://voice.example.com/twilio/ivr/dial-result/team"
    assert dial.get("timeout") == "25"
    # The number records calls: the dial records and reports the recording.
    assert dial.get("record") == "record-from-answer-dual"
    assert (
        dial.find("Client").get("statusCallback") == "https://voice.example.com/twilio/voice/status"
    )
    session = dbs.get(IvrSession, sid)
    assert (session.language, session.case_type) == ("de", "payment_reminder")


def test_wrong_or_no_keys_repeat_the_menu_a_bounded_number_of_times(tw, team, dbs):
    agent = online(dbs, UserFactory(languages=[], case_types=[]))
    sid = new_call_sid()
    with time_machine.travel(OPEN, tick=False):
        signed_post(tw, "/twilio/voice/inbound", voice_params(sid, from_=CALLER, to=OUR_NUMBER))
        first = parse_twiml(signed_post(tw, "/twilio/ivr/language", gather_params(sid, "9")))
        assert "verstanden" in first.find("Gather/Say").text  # "sorry, I did not get that"
        parse_twiml(signed_post(tw, "/twilio/ivr/language", gather_params(sid, None)))
        # Third miss (max 3 attempts): German is taken and the reason menu follows.
        third = parse_twiml(signed_post(tw, "/twilio/ivr/language", gather_params(sid, None)))
        assert third.find("Gather").get("action").endswith("/twilio/ivr/reason")
        for _ in range(3):
            last = parse_twiml(signed_post(tw, "/twilio/ivr/reason", gather_params(sid, "7")))
    # Any reason: every online agent for the language rings.
    assert [c.text.strip() for c in last.iter("Client")] == [f"agent_{agent.id}"]


def test_the_contacts_responsible_agent_rings_first_then_the_team(tw, team, dbs):
    owner = online(dbs, UserFactory(languages=["de"]))
    colleague = online(dbs, UserFactory(languages=["de"]))
    ContactFactory(owner_id=owner.id, phones=[ContactPhone(number=CALLER)])
    sid = new_call_sid()
    with time_machine.travel(OPEN, tick=False):
        signed_post(tw, "/twilio/voice/inbound", voice_params(sid, from_=CALLER, to=OUR_NUMBER))
        signed_post(tw, "/twilio/ivr/language", gather_params(sid, "1"))
        first = parse_twiml(signed_post(tw, "/twilio/ivr/reason", gather_params(sid, "1")))
        assert [c.text.strip() for c in first.iter("Client")] == [f"agent_{owner.id}"]
        assert first.find("Dial").get("action").endswith("/dial-result/preferred")
        second = parse_twiml(
            signed_post(
                tw, "/twilio/ivr/dial-result/preferred", dial_action_params(sid, "no-answer")
            )
        )
        assert [c.text.strip() for c in second.iter("Client")] == [f"agent_{colleague.id}"]
        third = parse_twiml(
            signed_post(tw, "/twilio/ivr/dial-result/team", dial_action_params(sid, "busy"))
        )
    assert verb_names(third) == ["Say", "Record", "Say", "Hangup"]
    dbs.rollback()
    assert dbs.scalars(select(Call)).one().missed


def test_an_answered_dial_ends_the_call_without_voicemail(tw, team, dbs):
    online(dbs, UserFactory(languages=[]))
    sid = new_call_sid()
    with time_machine.travel(OPEN, tick=False):
        signed_post(tw, "/twilio/voice/inbound", voice_params(sid, from_=CALLER, to=OUR_NUMBER))
        signed_post(tw, "/twilio/ivr/language", gather_params(sid, "1"))
        signed_post(tw, "/twilio/ivr/reason", gather_params(sid, "1"))
        done = parse_twiml(
            signed_post(
                tw,
                "/twilio/ivr/dial-result/team",
                dial_action_params(sid, "completed", duration=42),
            )
        )
    assert verb_names(done) == ["Hangup"]
    assert not dbs.scalars(select(Call)).one().missed


def test_nobody_online_goes_straight_to_voicemail(tw, team, dbs):
    sid = new_call_sid()
    with time_machine.travel(OPEN, tick=False):
        signed_post(tw, "/twilio/voice/inbound", voice_params(sid, from_=CALLER, to=OUR_NUMBER))
        signed_post(tw, "/twilio/ivr/language", gather_params(sid, "2"))
        root = parse_twiml(signed_post(tw, "/twilio/ivr/reason", gather_params(sid, "1")))
    assert verb_names(root) == ["Say", "Record", "Say", "Hangup"]
    assert root.find("Say").get("language") == "en-US"
    assert dbs.scalars(select(Call)).one().missed


@pytest.mark.parametrize("withheld", ["anonymous", "+266696687", "restricted", ""])
def test_a_withheld_caller_creates_no_contact(tw, team, dbs, withheld):
    with time_machine.travel(CLOSED, tick=False):
        parse_twiml(
            signed_post(
                tw,
                "/twilio/voice/inbound",
                voice_params(new_call_sid(), from_=withheld, to=OUR_NUMBER),
            )
        )
    assert dbs.scalars(select(Contact)).all() == []
    assert dbs.scalars(select(Call)).one().contact_id is None


def test_a_known_caller_is_linked_not_duplicated(tw, team, dbs):
    contact = ContactFactory(phones=[ContactPhone(number=CALLER)])
    with time_machine.travel(CLOSED, tick=False):
        signed_post(
            tw, "/twilio/voice/inbound", voice_params(new_call_sid(), from_=CALLER, to=OUR_NUMBER)
        )
    assert [c.id for c in dbs.scalars(select(Contact))] == [contact.id]
    assert dbs.scalars(select(Call)).one().contact_id == contact.id


def _statements_of(ran, table: str) -> list[str]:
    return [sql for sql, _params in ran if f" {table} " in sql or f'"{table}"' in sql]


def test_a_known_callers_call_row_is_written_once_with_its_contact(tw, team, dbs, monkeypatch):
    """The known caller's contact is found before the call's row is written, so the row
    goes in with it (no UPDATE of the row after), and its history gets the call's line."""
    from tests.sql_capture import note_precompiled_runs

    contact = ContactFactory(phones=[ContactPhone(number=CALLER)])
    ran = note_precompiled_runs(monkeypatch)
    sid = new_call_sid()
    with time_machine.travel(OPEN, tick=False):
        signed_post(tw, "/twilio/voice/inbound", voice_params(sid, from_=CALLER, to=OUR_NUMBER))
    call_writes = [sql for sql in _statements_of(ran, "calls") if not sql.startswith("SELECT")]
    assert len(call_writes) == 1 and call_writes[0].startswith("INSERT"), call_writes
    assert dbs.get(Call, dbs.scalars(select(Call.id)).one()).contact_id == contact.id
    lines = dbs.scalars(select(ContactEvent).where(ContactEvent.contact_id == contact.id)).all()
    assert [(e.kind, e.ref_id) for e in lines] == [("call_inbound", sid)]


def test_an_unknown_callers_first_lines_go_in_by_one_statement(tw, team, dbs, monkeypatch):
    """The new contact's "created" line and the call's, in that order, one INSERT."""
    from tests.sql_capture import note_precompiled_runs

    ran = note_precompiled_runs(monkeypatch)
    sid = new_call_sid()
    with time_machine.travel(OPEN, tick=False):
        signed_post(tw, "/twilio/voice/inbound", voice_params(sid, from_=CALLER, to=OUR_NUMBER))
    history_writes = _statements_of(ran, "contact_events")
    assert len(history_writes) == 1, history_writes
    contact = dbs.scalars(select(Contact)).one()
    assert dbs.scalars(select(Call)).one().contact_id == contact.id
    lines = dbs.scalars(
        select(ContactEvent).where(ContactEvent.contact_id == contact.id).order_by(ContactEvent.id)
    ).all()
    assert [(e.kind, e.summary, e.ref_type, e.ref_id) for e in lines] == [
        ("created", "Contact created", None, None),
        ("call_inbound", "Incoming call", "call", sid),
    ]
    assert {e.occurred_at for e in lines} == {OPEN}


def test_a_call_from_one_of_our_own_numbers_makes_no_contact(tw, team, dbs):
    with time_machine.travel(CLOSED, tick=False):
        signed_post(
            tw,
            "/twilio/voice/inbound",
            voice_params(new_call_sid(), from_=OUR_NUMBER, to=OUR_NUMBER),
        )
    assert dbs.scalars(select(Call)).one().contact_id is None
    assert dbs.scalars(select(Contact)).all() == []


def test_a_retried_first_request_does_not_start_a_second_call(tw, team, dbs):
    sid = new_call_sid()
    params = voice_params(sid, from_=CALLER, to=OUR_NUMBER)
    with time_machine.travel(OPEN, tick=False):
        first = signed_post(tw, "/twilio/voice/inbound", params)
        again = signed_post(tw, "/twilio/voice/inbound", params)
    assert first.text == again.text
    assert len(dbs.scalars(select(Call)).all()) == 1
    assert len(dbs.scalars(select(Contact)).all()) == 1


def test_a_first_request_that_finds_its_call_made_meanwhile_leaves_no_contact(tw, team, dbs):
    """A new caller's contact goes in before the call's row, so that the row goes in with
    it. When Twilio's retry ran alongside and made the row first, this request's INSERT
    finds it and takes its own, still bare, contact out again: the caller's number stays
    unknown rather than owned twice. (Run one after the other, the retry would find the
    first request's contact; the row made directly stands for the concurrent first.)"""
    sid = new_call_sid()
    dbs.add(Call(sid=sid, direction="inbound", from_number=CALLER, to_number=OUR_NUMBER))
    dbs.commit()
    with time_machine.travel(OPEN, tick=False):
        answer = signed_post(
            tw, "/twilio/voice/inbound", voice_params(sid, from_=CALLER, to=OUR_NUMBER)
        )
    assert answer.status_code == 200 and "<Gather" in answer.text
    dbs.expire_all()
    assert dbs.scalars(select(Contact)).all() == []
    assert dbs.scalars(select(ContactPhone)).all() == []
    assert dbs.scalars(select(Call)).one().contact_id is None


def test_concurrent_first_requests_of_a_new_caller_make_one_call_and_one_contact(
    twilio_app, team, dbs
):
    """Twilio's first request and its retries for a new caller's call, 4 threads at once,
    several calls in a row so that the race has chances to show: each call is one row and
    its caller one contact, with one number and one "created" line, linked to the call."""
    barrier = threading.Barrier(4)
    for index in range(5):
        sid, caller = new_call_sid(), f"+4915177{index:06d}"
        params = voice_params(sid, from_=caller, to=OUR_NUMBER)
        statuses: list[int] = []

        def post(params=params, statuses=statuses):
            client = twilio_app.test_client()
            barrier.wait(timeout=10)
            statuses.append(signed_post(client, "/twilio/voice/inbound", params).status_code)

        with time_machine.travel(OPEN, tick=False):
            threads = [threading.Thread(target=post) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
        assert statuses == [200] * 4
        dbs.rollback()  # a new snapshot: SQLite's would still be the last loop's
        (call,) = dbs.scalars(select(Call).where(Call.sid == sid)).all()
        (phone,) = dbs.scalars(select(ContactPhone).where(ContactPhone.number == caller)).all()
        assert call.contact_id == phone.contact_id
        kinds = dbs.scalars(
            select(ContactEvent.kind).where(ContactEvent.contact_id == phone.contact_id)
        ).all()
        assert sorted(kinds) == ["call_inbound", "created"]
    assert len(dbs.scalars(select(Contact)).all()) == 5
