"""POST /twilio/voice/status: every callback stored once, a call's state moved only forward
whatever the order, duplicates and concurrency of Twilio's requests (TWILIO.md, "Status
callbacks")."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.factories import UserFactory
from tests.twilio_helpers import new_call_sid, signed_post, status_params
from voiceapp.db import utcnow
from voiceapp.models import AgentPresence, Call, CallEvent, Contact, ContactPhone

STATUS = "/twilio/voice/status"
IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"
CALLER = "+4915112345678"
OUR_NUMBER = "+4930901820"
UNANSWERED = ["no-answer", "busy", "failed", "canceled"]


@pytest.fixture
def tw_app(twilio_app):
    return twilio_app


@pytest.fixture
def tw(tw_app):
    return tw_app.test_client()


def at(params: dict) -> datetime:
    return parsedate_to_datetime(params["Timestamp"])


@dataclass(frozen=True)
class Truth:
    """A call as it really went, and the rows that must result from its callbacks."""

    events: list[dict]
    status: str
    answered_at: datetime | None
    ended_at: datetime
    duration: int
    last_sequence: int


def true_call(sid: str, outcome: str, *, with_initiated: bool, duration: int) -> Truth:
    statuses = (["initiated"] if with_initiated else []) + ["ringing"]
    statuses += ["in-progress", "completed"] if outcome == "completed" else [outcome]
    events = []
    for sequence, status in enumerate(statuses):
        final = status == statuses[-1]
        events.append(
            status_params(
                sid,
                status,
                sequence,
                from_=CALLER,
                to=OUR_NUMBER,
                # Twilio reports CallDuration on the final callback; 0 for unanswered calls.
                duration=(duration if outcome == "completed" else 0) if final else None,
            )
        )
    answered = [at(e) for e in events if e["CallStatus"] == "in-progress"]
    return Truth(
        events=events,
        status=outcome,
        answered_at=answered[0] if answered else None,
        ended_at=at(events[-1]),
        duration=duration if outcome == "completed" else 0,
        last_sequence=len(events) - 1,
    )


def post_status(client, params: dict, token: str | None = None):
    headers = {IDEMPOTENCY_HEADER: token} if token else None
    return signed_post(client, STATUS, params, headers=headers)


def call_row(dbs, sid: str) -> Call:
    dbs.rollback()  # see what the requests committed
    return dbs.scalars(select(Call).where(Call.sid == sid)).one()


def stored_events(dbs, sid: str) -> int:
    dbs.rollback()
    return dbs.scalar(select(func.count()).select_from(CallEvent).where(CallEvent.call_sid == sid))


def assert_matches(call: Call, truth: Truth) -> None:
    assert call.status == truth.status
    assert call.answered_at == truth.answered_at
    assert call.ended_at == truth.ended_at
    assert call.duration == truth.duration
    assert call.last_sequence == truth.last_sequence


# How a copy of a callback arrives: Twilio's retry (same idempotency token), a request
# without the header, or one with a token of its own.
COPY_KINDS = st.sampled_from(["retry", "no-token", "other-token"])


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    outcome=st.sampled_from(["completed", *UNANSWERED]),
    with_initiated=st.booleans(),
    duration=st.integers(min_value=1, max_value=7200),
    copies=st.lists(st.tuples(st.integers(0, 3), COPY_KINDS), max_size=6),
    row_first=st.booleans(),
    data=st.data(),
)
def test_shuffled_and_duplicated_callbacks_give_the_true_final_row(
    tw, dbs, outcome, with_initiated, duration, copies, row_first, data
):
    sid = new_call_sid()  # a fresh call per example: nothing to clean between examples
    truth = true_call(sid, outcome, with_initiated=with_initiated, duration=duration)
    deliveries = [(e, f"{sid}-{e['SequenceNumber']}") for e in truth.events]
    for index, kind in copies:
        event, token = deliveries[index % len(truth.events)]
        copy_token = {"retry": token, "no-token": None, "other-token": uuid.uuid4().hex}[kind]
        deliveries.append((event, copy_token))
    order = data.draw(st.permutations(range(len(deliveries))), label="order")
    if row_first:  # the voice URL's request made the row before any callback came
        dbs.add(
            Call(
                sid=sid,
                direction="inbound",
                from_number=CALLER,
                to_number=OUR_NUMBER,
                status="ringing",
                started_at=utcnow(),
            )
        )
        dbs.commit()

    for position in order:
        event, token = deliveries[position]
        response = post_status(tw, event, token)
        assert response.status_code == 200, response.text
        assert response.mimetype == "text/xml"

    assert_matches(call_row(dbs, sid), truth)
    assert stored_events(dbs, sid) == len(truth.events)
    assert dbs.scalar(select(func.count()).select_from(Call).where(Call.sid == sid)) == 1


def test_in_progress_arriving_after_completed_still_records_the_answer(tw, dbs):
    """Found by the property test: answered_at was only set while the call was in progress,
    so an in-progress callback arriving after the final one was lost."""
    sid = new_call_sid()
    truth = true_call(sid, "completed", with_initiated=True, duration=42)
    for position in (3, 0, 2, 1):
        assert post_status(tw, truth.events[position]).status_code == 200
    assert_matches(call_row(dbs, sid), truth)


def test_the_same_token_twice_is_stored_once(tw, dbs):
    sid = new_call_sid()
    params = status_params(sid, "ringing", 1)
    token = f"{sid}-ringing-retry"
    assert post_status(tw, params, token).status_code == 200
    assert post_status(tw, params, token).status_code == 200
    dbs.rollback()
    events = dbs.scalars(select(CallEvent).where(CallEvent.call_sid == sid)).all()
    assert [(e.sequence_number, e.status, e.idempotency_token) for e in events] == [
        (1, "ringing", token)
    ]
    # A callback without SequenceNumber is deduplicated by its token alone.
    bare = {k: v for k, v in status_params(sid, "in-progress", 2).items() if k != "SequenceNumber"}
    assert post_status(tw, bare, f"{sid}-bare").status_code == 200
    assert post_status(tw, bare, f"{sid}-bare").status_code == 200
    assert stored_events(dbs, sid) == 2
    assert call_row(dbs, sid).status == "in-progress"


def test_unknown_call_status_values_change_nothing(tw, dbs):
    sid = new_call_sid()
    assert post_status(tw, status_params(sid, "ringing", 0)).status_code == 200
    assert post_status(tw, status_params(sid, "in-progress", 1)).status_code == 200
    before = call_row(dbs, sid)
    snapshot = (before.status, before.last_sequence, before.answered_at, before.ended_at)
    # Twilio adds values over time; a value we do not know moves nothing.
    for weird in ("answered", "on-hold", ""):
        response = post_status(tw, status_params(sid, weird, 2))
        assert response.status_code == 200
        dbs.rollback()
    after = call_row(dbs, sid)
    assert (after.status, after.last_sequence, after.answered_at, after.ended_at) == snapshot
    # The completed callback that follows still applies.
    assert post_status(tw, status_params(sid, "completed", 3, duration=9)).status_code == 200
    done = call_row(dbs, sid)
    assert (done.status, done.duration, done.last_sequence) == ("completed", 9, 3)

    # A first callback with an unknown value makes the row, but claims no state.
    other = new_call_sid()
    assert post_status(tw, status_params(other, "on-hold", 1)).status_code == 200
    first = call_row(dbs, other)
    assert (first.status, first.last_sequence, first.answered_at) == ("queued", -1, None)
    assert post_status(tw, status_params(other, "ringing", 0)).status_code == 200
    assert call_row(dbs, other).status == "ringing"


def test_a_final_state_is_never_reopened(tw, dbs):
    sid = new_call_sid()
    assert post_status(tw, status_params(sid, "busy", 2, duration=0)).status_code == 200
    for seq, status in [(3, "in-progress"), (4, "ringing"), (5, "completed")]:
        assert post_status(tw, status_params(sid, status, seq, duration=5)).status_code == 200
    call = call_row(dbs, sid)
    assert (call.status, call.duration, call.answered_at) == ("busy", 0, None)


def test_an_agents_leg_marks_the_agent_busy_then_online_and_names_the_parents_agent(tw, dbs):
    agent = UserFactory()
    dbs.add(AgentPresence(user_id=agent.id, status="online", updated_at=utcnow()))
    parent_sid = new_call_sid()
    dbs.add(
        Call(
            sid=parent_sid,
            direction="inbound",
            from_number=CALLER,
            to_number=OUR_NUMBER,
            status="in-progress",
            started_at=utcnow(),
        )
    )
    dbs.commit()
    child = new_call_sid()

    def leg(status: str, seq: int, **kw) -> dict:
        return status_params(
            child,
            status,
            seq,
            from_=CALLER,
            to=f"client:agent_{agent.id}",
            parent=parent_sid,
            direction="outbound-dial",
            **kw,
        )

    assert post_status(tw, leg("ringing", 1)).status_code == 200
    dbs.rollback()
    assert dbs.get(AgentPresence, agent.id).status == "online"
    assert dbs.get(Call, call_row(dbs, parent_sid).id).agent_id is None

    assert post_status(tw, leg("in-progress", 2)).status_code == 200
    dbs.rollback()
    presence = dbs.get(AgentPresence, agent.id)
    assert (presence.status, presence.call_sid) == ("busy", parent_sid)
    assert call_row(dbs, parent_sid).agent_id == agent.id
    # The inbound call was answered when the agent's leg was.
    assert call_row(dbs, parent_sid).answered_at == call_row(dbs, child).answered_at
    assert call_row(dbs, parent_sid).answered_at is not None
    leg_row = call_row(dbs, child)
    assert (leg_row.parent_sid, leg_row.agent_id, leg_row.direction) == (
        parent_sid,
        agent.id,
        "inbound",
    )

    assert post_status(tw, leg("completed", 3, duration=30)).status_code == 200
    dbs.rollback()
    presence = dbs.get(AgentPresence, agent.id)
    assert (presence.status, presence.call_sid) == ("online", None)
    # The parent's leg ends later; the agent stays named on it.
    assert post_status(tw, status_params(parent_sid, "completed", 4, duration=45)).status_code
    assert call_row(dbs, parent_sid).agent_id == agent.id


def test_an_agents_leg_reported_out_of_order_still_names_the_agent(tw, dbs):
    """The leg's completed callback overtook its in-progress one: the parent still learns
    who answered, and the agent, whose call is over, is not left busy."""
    agent = UserFactory()
    dbs.add(AgentPresence(user_id=agent.id, status="online", updated_at=utcnow()))
    parent_sid = new_call_sid()
    dbs.add(
        Call(
            sid=parent_sid,
            direction="inbound",
            from_number=CALLER,
            to_number=OUR_NUMBER,
            status="in-progress",
            started_at=utcnow(),
        )
    )
    dbs.commit()
    child = new_call_sid()
    for status, seq in [("completed", 3), ("ringing", 1), ("in-progress", 2)]:
        params = status_params(
            child,
            status,
            seq,
            to=f"client:agent_{agent.id}",
            parent=parent_sid,
            direction="outbound-dial",
            duration=30 if status == "completed" else None,
        )
        assert post_status(tw, params).status_code == 200
    leg = call_row(dbs, child)
    assert (leg.status, leg.answered_at is not None) == ("completed", True)
    assert call_row(dbs, parent_sid).agent_id == agent.id
    assert dbs.get(AgentPresence, agent.id).status == "online"


def post_concurrently(app, events: list[dict], threads_count: int = 8) -> list[int]:
    """Every thread (its own test client) sends all the events, starting at a different one,
    all released at once by a barrier. Returns the status codes."""
    barrier = threading.Barrier(threads_count)
    results: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(offset: int) -> None:
        client = app.test_client()
        mine = [events[(offset + i) % len(events)] for i in range(len(events))]
        try:
            barrier.wait(timeout=10)
            for event in mine:
                response = post_status(client, event)
                with lock:
                    results.append(response.status_code)
        except BaseException as exc:  # reported below, not lost in the thread
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    return results


def test_concurrent_callbacks_of_one_call_leave_one_consistent_row(tw_app, dbs):
    """Several calls in a row, so that the race has more than one chance to show: before
    the fix, PostgreSQL created one contact per concurrent first callback."""
    for index in range(6):
        sid = new_call_sid()
        caller = f"+4915133{index:06d}"
        truth = true_call(sid, "completed", with_initiated=True, duration=61 + index)
        for event in truth.events:
            event["From"] = event["Caller"] = caller
        assert post_concurrently(tw_app, truth.events) == [200] * 32
        assert_matches(call_row(dbs, sid), truth)
        assert stored_events(dbs, sid) == 4
        assert dbs.scalar(select(func.count()).select_from(Call).where(Call.sid == sid)) == 1
        # The unknown caller became exactly one contact, linked to the call.
        contacts = dbs.scalars(
            select(Contact).where(Contact.phones.any(ContactPhone.number == caller))
        ).all()
        assert len(contacts) == 1
        assert call_row(dbs, sid).contact_id == contacts[0].id


def test_a_burst_of_shuffled_duplicated_callbacks_from_8_threads_loses_and_doubles_nothing(
    tw_app, dbs
):
    """bench/bench_webhooks.py's status series on a smaller number: 60 unknown calls of 4
    callbacks each, 20 % copies (half Twilio's retries with the same token, half without a
    token), shuffled and posted by 8 threads at once. Every call ends as it really went,
    with exactly its 4 events and one contact; no event is stored twice."""
    import random

    rng = random.Random(15)
    truths, originals = {}, []
    for index in range(60):
        sid = new_call_sid()
        truth = true_call(sid, "completed", with_initiated=True, duration=30 + index)
        for event in truth.events:
            event["From"] = event["Caller"] = f"+4915144{index:06d}"
            originals.append((event, f"{sid}-{event['SequenceNumber']}"))
        truths[sid] = truth
    deliveries = [(event, {IDEMPOTENCY_HEADER: token}) for event, token in originals]
    for event, token in rng.sample(originals, len(originals) // 5):
        deliveries.append((event, {IDEMPOTENCY_HEADER: token} if rng.random() < 0.5 else {}))
    rng.shuffle(deliveries)

    answers: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    chunks = [deliveries[i::8] for i in range(8)]
    barrier = threading.Barrier(len(chunks))

    def worker(chunk) -> None:
        client = tw_app.test_client()
        try:
            barrier.wait(timeout=10)
            for event, headers in chunk:
                code = signed_post(client, STATUS, event, headers=headers).status_code
                with lock:
                    answers.append(code)
        except BaseException as exc:
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=worker, args=(chunk,)) for chunk in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert answers == [200] * len(deliveries)

    dbs.rollback()
    rows = {c.sid: c for c in dbs.scalars(select(Call).where(Call.sid.in_(truths)))}
    lost = [sid for sid, truth in truths.items() if sid not in rows]
    for sid, truth in truths.items():
        if sid in rows:
            assert_matches(rows[sid], truth)
    assert lost == []
    counts = dict(
        dbs.execute(
            select(CallEvent.call_sid, func.count())
            .where(CallEvent.call_sid.in_(truths), CallEvent.source == "status")
            .group_by(CallEvent.call_sid)
        ).all()
    )
    assert counts == {sid: 4 for sid in truths}  # none lost, none counted twice
    assert all(row.contact_id is not None for row in rows.values())
    contacts = dbs.scalar(
        select(func.count(func.distinct(ContactPhone.contact_id))).where(
            ContactPhone.number.like("+4915144%")
        )
    )
    assert contacts == 60


def test_the_state_written_by_a_callback_is_the_sessions_and_the_rows(dbs):
    """The call's new state is written by one statement, and the session's object holds it
    as loaded (nothing left to flush); the call's own pending change is written first, not
    lost."""
    from voiceapp.services.calls import apply_status_callback

    sid = new_call_sid()
    call = Call(sid=sid, direction="inbound", from_number=CALLER, to_number=OUR_NUMBER)
    dbs.add(call)
    dbs.commit()
    written_before = call.updated_at
    call.voicemail = True  # pending in the session, not flushed
    params = status_params(sid, "completed", 3, from_=CALLER, to=OUR_NUMBER, duration=42)
    params["Price"] = "-0.0125"
    params["PriceUnit"] = "EUR"
    answer = apply_status_callback(
        dbs, params, idempotency_token=None, default_region="DE", now=utcnow()
    )
    assert answer is call
    assert not dbs.dirty and not dbs.new
    seen = (call.status, call.last_sequence, call.ended_at, call.duration, call.price)
    assert seen == ("completed", 3, at(params), 42, Decimal("0.0125"))
    assert call.updated_at >= written_before
    dbs.commit()
    dbs.expunge_all()
    stored = call_row(dbs, sid)
    assert (stored.status, stored.last_sequence, stored.ended_at, stored.duration) == seen[:4]
    assert (stored.price, stored.price_unit, stored.voicemail) == (seen[4], "EUR", True)
    assert stored.updated_at == call.updated_at
