"""The day scenario's plan: the same seed gives the same day; the mix holds."""

from __future__ import annotations

from collections import Counter

from voiceapp.sim.day import DayContext, plan_day

CTX = DayContext(
    our_numbers=["+4930901820", "+34910602345"],
    agents=[3, 4, 5],
    operators={3: ["+4930901820"], 4: ["+34910602345"]},
    customers=[f"+4915100000{i:03d}" for i in range(30)],
    languages=4,
    reasons=4,
)


def test_the_same_seed_plans_the_same_day_and_another_seed_another():
    assert plan_day(50, 7, CTX) == plan_day(50, 7, CTX)
    assert plan_day(50, 7, CTX) != plan_day(50, 8, CTX)


def test_a_day_mixes_inbound_and_outbound_calls_and_their_flavours():
    plan = plan_day(400, 1, CTX)
    kinds = Counter(call.kind for call in plan)
    assert 0.2 < kinds["outbound"] / 400 < 0.4
    flavours = Counter(call.flavour for call in plan if call.kind == "inbound")
    assert {"answered", "voicemail", "hangup-ringing", "ivr-hangup", "wrong-key", "silent"} <= set(
        flavours
    )
    assert flavours.most_common(1)[0][0] == "answered"
    outbound = [c for c in plan if c.kind == "outbound"]
    assert {c.payload["identity"] for c in outbound} <= {"agent_3", "agent_4"}  # operators only
    callers = [c.payload["from"] for c in plan if c.kind == "inbound"]
    new = [n for n in callers if n not in CTX.customers]
    assert 0.25 < len(new) / len(callers) < 0.55


def test_menu_choices_stay_within_the_menus():
    for call in plan_day(200, 2, CTX):
        if call.kind == "inbound" and call.flavour == "answered":
            assert all(1 <= int(d) <= 4 for d in call.payload["caller"]["digits"])
