"""Whole calls through the real app over HTTP, its real database (SQLite, or PostgreSQL
with DATABASE_URL) and the test Redis with an RQ worker, Twilio played by the simulator:
an inbound call through the IVR to an agent with its recording fetched; nobody answering
(voicemail, missed call); an agent calling an unknown number (contact created); customers
who are busy, do not answer, fail or hang up; and chaos in the callbacks changing nothing."""

from __future__ import annotations

import wave

import pytest
from sqlalchemy import func, select

from tests.mp3 import mp3_info
from tests.sim.conftest import CUSTOMER, OUR_NUMBER, api_token, go_online, settle
from voiceapp.models import (
    AgentPresence,
    Call,
    CallEvent,
    Contact,
    ContactEvent,
    ContactPhone,
    IvrSession,
    NumberOperator,
    PhoneNumber,
)
from voiceapp.sim.parties import Party
from voiceapp.sim.transport import Chaos


def identity(user) -> str:
    return f"agent_{user.id}"


def contact_numbers(dbs) -> set[str]:
    return set(dbs.scalars(select(ContactPhone.number)))


def wav_seconds(path) -> tuple[float, int]:
    with wave.open(str(path)) as wav:
        return wav.getnframes() / wav.getframerate(), wav.getnchannels()


def test_a_customer_picks_language_and_reason_an_agent_answers_and_the_recording_is_stored(
    world, agent, dbs
):
    go_online(world, api_token(dbs, agent))
    run = world.sim.inbound_call(
        CUSTOMER,
        OUR_NUMBER,
        caller=Party(digits=["1", "2"], talk_seconds=90),
        agents={identity(agent): Party(answer_after=4, talk_seconds=35)},
    )
    assert all(r.status == 200 for r in world.sim.transport.sent), "a request was refused"
    assert settle(dbs) == 3  # the recording; the price of the call and of its leg

    call = dbs.scalar(select(Call).where(Call.sid == run.parent.sid))
    assert (call.status, call.direction, call.agent_id) == ("completed", "inbound", agent.id)
    # A number's StatusCallback reports only the end of the call (TWILIO.md): the answer
    # is known from the agent's leg.
    assert call.missed is False and call.ended_at is not None
    assert call.duration == int(run.parent.record.duration)
    ivr = dbs.get(IvrSession, call.sid)
    assert (ivr.language, ivr.case_type) == ("de", "payment_reminder")
    assert call.contact is not None and CUSTOMER in contact_numbers(dbs)
    (leg,) = dbs.scalars(select(Call).where(Call.parent_sid == call.sid))
    assert (leg.status, leg.to_number, leg.duration) == (
        "completed",
        f"client:{identity(agent)}",
        35,
    )
    assert dbs.get(AgentPresence, agent.id).status == "online"  # busy during, online after

    (recording,) = call.recordings
    assert (recording.status, recording.source, recording.duration) == ("completed", "DialVerb", 35)
    assert recording.fetched_at is not None
    # Kept as MP3 (the default): mono, 32 kbit/s, as long as the call's talk (LAME's
    # encoder delay and its last frames add a fraction of a second).
    assert recording.media_path.endswith(f"{recording.sid}.mp3")
    media = mp3_info((world.recordings / recording.media_path).read_bytes())
    assert (media.channels, media.kbps, media.sample_rate) == (1, {32}, 8000)
    assert 35.0 <= media.seconds < 35.0 + 3 * 576 / 8000  # at most 3 frames more


def test_nobody_answers_so_the_caller_leaves_a_voicemail_and_the_call_is_missed(
    world, agent, team, dbs
):
    team.recording_format = "wav"  # this team keeps WAV
    dbs.commit()
    go_online(world, api_token(dbs, agent))
    run = world.sim.inbound_call(
        CUSTOMER,
        OUR_NUMBER,
        caller=Party(digits=["1", "1"], message_seconds=17),
        agents={identity(agent): Party(answers="no-answer")},
    )
    assert run.parent.record.outcome == "voicemail"
    settle(dbs)
    call = dbs.scalar(select(Call).where(Call.sid == run.parent.sid))
    assert (call.status, call.missed, call.voicemail, call.agent_id) == (
        "completed",
        True,
        True,
        None,
    )
    (leg,) = dbs.scalars(select(Call).where(Call.parent_sid == call.sid))
    assert leg.status == "no-answer"
    (recording,) = call.recordings
    assert (recording.source, recording.channels, recording.duration) == ("RecordVerb", 1, 17)
    assert recording.media_path.endswith(f"{recording.sid}.wav")
    assert wav_seconds(world.recordings / recording.media_path) == (17.0, 1)
    kinds = [
        e.kind
        for e in dbs.scalars(select(ContactEvent).where(ContactEvent.contact_id == call.contact_id))
    ]
    assert "call_missed" in kinds
    # The missed call is on the API's missed list, as the panel shows it.
    manager = dbs.merge(agent)
    manager.role = "sales_manager"
    dbs.commit()
    listed = world.api(api_token(dbs, manager), "GET", "/api/calls", params={"missed": "true"})
    assert [c["sid"] for c in listed.json()["items"]] == [call.sid]


@pytest.fixture
def operator(dbs, agent):
    number = dbs.scalar(select(PhoneNumber).where(PhoneNumber.number == OUR_NUMBER))
    dbs.add(NumberOperator(phone_number_id=number.id, user_id=agent.id))
    dbs.commit()
    return agent


def test_an_agent_calls_an_unknown_number_and_it_becomes_a_contact(world, operator, dbs):
    assert "+4917612345678" not in contact_numbers(dbs)
    run = world.sim.softphone_call(
        identity(operator),
        {"To": "0176 12345678"},
        caller=Party(talk_seconds=50),
        callees={"+4917612345678": Party(answer_after=6, talk_seconds=120)},
    )
    assert run.parent.record.outcome == "answered"
    settle(dbs)
    call = dbs.scalar(select(Call).where(Call.sid == run.parent.sid))
    assert (call.direction, call.agent_id, call.to_number) == (
        "outbound",
        operator.id,
        "+4917612345678",
    )
    assert call.contact is not None
    assert "+4917612345678" in contact_numbers(dbs)
    (leg,) = dbs.scalars(select(Call).where(Call.parent_sid == call.sid))
    assert (leg.status, leg.duration) == ("completed", 50)  # the agent hung up first
    (recording,) = call.recordings
    assert recording.fetched_at is not None and recording.duration == 50


@pytest.mark.parametrize(
    ("answers", "leg_status"),
    [("busy", "busy"), ("no-answer", "no-answer"), ("fail", "failed")],
)
def test_a_customer_who_is_busy_does_not_answer_or_fails_is_a_call_without_talk(
    world, operator, dbs, answers, leg_status
):
    run = world.sim.softphone_call(
        identity(operator),
        {"To": "+4917612345678"},
        callees={"+4917612345678": Party(answers=answers)},
    )
    assert run.dial_status == leg_status
    settle(dbs)
    call = dbs.scalar(select(Call).where(Call.sid == run.parent.sid))
    (leg,) = dbs.scalars(select(Call).where(Call.parent_sid == call.sid))
    assert leg.status == leg_status and leg.answered_at is None
    assert call.recordings == []
    dial_events = dbs.scalars(
        select(CallEvent).where(CallEvent.call_sid == call.sid, CallEvent.source == "dial")
    ).all()
    assert [e.status for e in dial_events] == [leg_status]


def test_a_caller_hanging_up_in_the_menu_is_not_a_missed_call(world, agent, dbs):
    go_online(world, api_token(dbs, agent))
    run = world.sim.inbound_call(CUSTOMER, OUR_NUMBER, caller=Party(hangup_after=5))
    assert run.parent.record.outcome == "hung up in the IVR"
    settle(dbs)
    call = dbs.scalar(select(Call).where(Call.sid == run.parent.sid))
    assert (call.status, call.missed, call.duration) == ("completed", False, 5)


def test_a_caller_hanging_up_while_it_rings_is_a_missed_call(world, agent, dbs):
    go_online(world, api_token(dbs, agent))
    run = world.sim.inbound_call(
        CUSTOMER,
        OUR_NUMBER,
        caller=Party(digits=["1", "1"], hangup_after=35),
        agents={identity(agent): Party(answers="no-answer")},
    )
    assert run.parent.record.outcome == "hung up while ringing"
    settle(dbs)
    call = dbs.scalar(select(Call).where(Call.sid == run.parent.sid))
    assert call.missed is True and call.voicemail is False
    (leg,) = dbs.scalars(select(Call).where(Call.parent_sid == call.sid))
    assert leg.status == "canceled"


def snapshot(dbs, run) -> dict:
    """What a user sees of a call once everything arrived."""
    dbs.rollback()
    call = dbs.scalar(select(Call).where(Call.sid == run.parent.sid))
    legs = sorted(
        (leg.to_number, leg.status, leg.duration, leg.answered_at is not None)
        for leg in dbs.scalars(select(Call).where(Call.parent_sid == call.sid))
    )
    return {
        "call": (
            call.status,
            call.duration,
            call.missed,
            call.voicemail,
            call.agent_id,
            call.answered_at is not None,
            call.ended_at is not None,
        ),
        "legs": legs,
        "recordings": sorted(
            (r.status, r.duration, r.channels, r.source, r.fetched_at is not None)
            for r in call.recordings
        ),
        "presence": sorted((p.user_id, p.status) for p in dbs.scalars(select(AgentPresence))),
        # The callbacks received, each once (the API's "events" of the call and its legs).
        "events": sorted(
            (
                e.call_sid == call.sid,
                e.source,
                e.status or "",
                -1 if e.sequence_number is None else e.sequence_number,
            )
            for e in dbs.scalars(
                select(CallEvent).where(
                    CallEvent.call_sid.in_(
                        [
                            call.sid,
                            *dbs.scalars(select(Call.sid).where(Call.parent_sid == call.sid)),
                        ]
                    )
                )
            )
        ),
        "contacts": dbs.scalar(select(func.count()).select_from(Contact)),
    }


SCENARIOS = {
    "answered": dict(caller=Party(digits=["1", "2"], talk_seconds=40), answers="answer"),
    "voicemail": dict(caller=Party(digits=["1", "1"], message_seconds=9), answers="no-answer"),
    "no agent for English": dict(caller=Party(digits=["2", "1"], message_seconds=9), answers=""),
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
@pytest.mark.parametrize("seed", [1, 2])
def test_chaos_in_the_callbacks_leaves_the_same_final_state(world, agent, dbs, scenario, seed):
    go_online(world, api_token(dbs, agent))
    seen, callbacks = [], []
    for chaos in (None, Chaos(seed=seed)):
        given = SCENARIOS[scenario]
        caller = Party.from_json(given["caller"].to_json())
        run = world.sim.inbound_call(
            f"+49151{seed}000000{len(seen)}",
            OUR_NUMBER,
            caller=caller,
            agents={
                identity(agent): Party(
                    answers=given["answers"] or "answer", answer_after=3, talk_seconds=25
                )
            },
            chaos=chaos,
        )
        settle(dbs)
        state = snapshot(dbs, run)
        state["contacts"] -= len(seen)  # each run's caller is a new contact
        seen.append(state)
        callbacks.append([e["text"] for e in run.log if e["kind"] == "callback"])
    calm, chaotic = seen
    assert chaotic == calm
    # The chaos was real: callbacks came after the call, shuffled, some twice.
    assert len(callbacks[1]) > len(callbacks[0])
    assert set(callbacks[1]) == set(callbacks[0])
    assert callbacks[1][: len(callbacks[0])] != callbacks[0]
