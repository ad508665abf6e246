"""`voiceapp sim day --chaos --chaos-mode concurrent`: every callback of every call on its
own connection while the call runs, delayed and out of order, a share of them twice at
once, the first two callbacks of each new leg at the same instant (run on PostgreSQL in
the suite's PostgreSQL run, where those races are real). Afterwards every call and leg
the app stored is in its true final state, with each callback stored exactly once."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from tests.factories import UserFactory
from tests.sim.conftest import OUR_NUMBER
from tests.sim.test_commands import cli_env, invoke  # noqa: F401 (cli_env: autouse fixture)
from voiceapp.models import AgentPresence, Call, CallEvent, NumberOperator, PhoneNumber


def _truth(sim) -> tuple[dict, dict]:
    """What the simulator did: every leg's record, and the status callbacks it sent, by
    CallSid ({sequence: status}); duplicates of one callback count once."""
    legs = {}
    for run in sim.history.values():
        for leg in (run.parent, *run.children):
            legs[leg.sid] = leg
    sent: dict[str, dict[int, str]] = defaultdict(dict)
    for exchange in sim.transport.sent:
        if exchange.kind == "status":
            p = exchange.params
            sent[p["CallSid"]][int(p["SequenceNumber"])] = p["CallStatus"]
    return legs, sent


def test_a_day_with_concurrent_chaos_ends_with_every_call_in_its_true_state(world, team, dbs):
    agents = [UserFactory(languages=["de", "en"], case_types=[]) for _ in range(3)]
    UserFactory(role="sales_manager")
    number = dbs.scalar(select(PhoneNumber).where(PhoneNumber.number == OUR_NUMBER))
    for agent in agents:
        dbs.add(NumberOperator(phone_number_id=number.id, user_id=agent.id))
    dbs.commit()

    result = invoke(
        "sim",
        "day",
        "--calls",
        "30",
        "--seed",
        "5",
        "--chaos",
        "--chaos-mode",
        "concurrent",
        # No worker runs here: waiting for it to store the recordings took a minute.
        "--recordings-wait",
        "0",
    )
    assert result.exit_code == 0, result.output
    legs, sent = _truth(world.sim)
    assert len([leg for leg in legs.values() if not leg.record.parent_sid]) == 30
    refused = [e for e in world.sim.transport.sent if e.status != 200]
    assert refused == [], [(e.kind, e.url, e.status, e.body[:200]) for e in refused]
    # The chaos was real: duplicates, and callbacks overtaking earlier ones of their leg.
    deliveries = [e for e in world.sim.transport.sent if e.kind == "status"]
    assert len(deliveries) > sum(len(s) for s in sent.values())
    overtaken = any(
        int(later.params["SequenceNumber"]) < int(earlier.params["SequenceNumber"])
        for i, earlier in enumerate(deliveries)
        for later in deliveries[i + 1 :]
        if later.params["CallSid"] == earlier.params["CallSid"]
    )
    assert overtaken

    dbs.rollback()
    stored = {c.sid: c for c in dbs.scalars(select(Call))}
    events: dict[str, list[int]] = defaultdict(list)
    for event in dbs.scalars(select(CallEvent).where(CallEvent.source == "status")):
        events[event.call_sid].append(event.sequence_number)
    wrong = []
    for sid, callbacks in sent.items():
        truth = legs[sid].record
        call = stored.get(sid)
        if call is None:
            wrong.append((sid, "not stored"))
            continue
        if call.status != truth.status:
            wrong.append((sid, f"status {call.status}, truly {truth.status}"))
        if truth.status == "completed" and call.duration != truth.duration:
            wrong.append((sid, f"duration {call.duration}, truly {truth.duration}"))
        if sorted(events[sid]) != sorted(callbacks):
            wrong.append((sid, f"events {sorted(events[sid])}, sent {sorted(callbacks)}"))
        if "in-progress" in callbacks.values() and call.answered_at is None:
            wrong.append((sid, "answered, but no answer time"))
        if call.parent_sid != truth.parent_sid:
            wrong.append((sid, f"parent {call.parent_sid}, truly {truth.parent_sid}"))
    assert wrong == []
    # Every agent is back as before the day (offline), none left "busy" by a late callback.
    assert {dbs.get(AgentPresence, a.id).status for a in agents} == {"offline"}
