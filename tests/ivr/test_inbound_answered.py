"""A whole inbound call answered by an agent, over the signed webhooks: the caller's leg
and the agent's browser leg are two Call rows, but the contact's history gets one line,
and the language the caller chose in the menu becomes the new contact's language."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine
from sqlalchemy import select

from tests.factories import ContactFactory, UserFactory
from tests.twilio_helpers import (
    dial_action_params,
    gather_params,
    new_call_sid,
    signed_post,
    status_params,
    voice_params,
)
from voiceapp.db import utcnow
from voiceapp.models import AgentPresence, Call, Contact, ContactEvent, ContactPhone

OUR_NUMBER = "+4930901820"
CALLER = "+4915112345678"
STATUS = "/twilio/voice/status"
# A Monday, 10:00 in Berlin: open by the default business hours.
OPEN = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def answered_call(tw, dbs, *, language_digit: str) -> str:
    """The caller dials in, picks a language and a reason; the online agent's browser
    rings, answers and talks for 30 s; both legs complete. Returns the caller's CallSid."""
    agent = UserFactory(languages=["de", "en"], case_types=["new_order"])
    dbs.add(AgentPresence(user_id=agent.id, status="online", updated_at=utcnow()))
    dbs.commit()
    sid, leg = new_call_sid(), new_call_sid()

    def leg_status(status: str, seq: int, **kw) -> dict:
        return status_params(
            leg,
            status,
            seq,
            from_=CALLER,
            to=f"client:agent_{agent.id}",
            parent=sid,
            direction="outbound-dial",
            **kw,
        )

    with time_machine.travel(OPEN, tick=False):
        for path, params in [
            ("/twilio/voice/inbound", voice_params(sid, from_=CALLER, to=OUR_NUMBER)),
            ("/twilio/ivr/language", gather_params(sid, language_digit)),
            ("/twilio/ivr/reason", gather_params(sid, "1")),
            (STATUS, leg_status("ringing", 1)),
            (STATUS, leg_status("in-progress", 2)),
            (STATUS, leg_status("completed", 3, duration=30)),
            ("/twilio/ivr/dial-result/team", dial_action_params(sid, "completed", duration=30)),
            (STATUS, status_params(sid, "completed", 4, duration=45)),
        ]:
            assert signed_post(tw, path, params).status_code == 200, path
    dbs.rollback()
    return sid


def test_an_answered_inbound_call_is_one_line_in_the_callers_history(tw, team, dbs):
    sid = answered_call(tw, dbs, language_digit="1")
    assert len(dbs.scalars(select(Call)).all()) == 2  # the caller's leg and the agent's
    contact = dbs.scalars(select(Contact)).one()
    call_lines = [
        e
        for e in dbs.scalars(select(ContactEvent).where(ContactEvent.contact_id == contact.id))
        if e.kind.startswith("call_")
    ]
    assert [(e.kind, e.ref_id) for e in call_lines] == [("call_inbound", sid)]


def test_the_language_chosen_in_the_menu_becomes_the_new_callers_language(tw, team, dbs):
    answered_call(tw, dbs, language_digit="1")  # 1: German (team languages de, en)
    assert dbs.scalars(select(Contact)).one().language == "de"


def test_a_known_callers_language_is_kept(tw, team, dbs):
    contact = ContactFactory(phones=[ContactPhone(number=CALLER)], language="en")
    answered_call(tw, dbs, language_digit="1")
    dbs.refresh(contact)
    assert contact.language == "en"


def test_a_known_caller_without_a_language_gets_the_chosen_one(tw, team, dbs):
    contact = ContactFactory(phones=[ContactPhone(number=CALLER)], language=None)
    answered_call(tw, dbs, language_digit="2")  # 2: English
    dbs.refresh(contact)
    assert contact.language == "en"
