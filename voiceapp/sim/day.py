"""`voiceapp sim day`: a realistic day of calls against a running app, then a summary.

The plan is a pure function of the seed and what the app has (numbers, agents, languages,
reasons, known customers): inbound callers who get through to an agent, who leave a
voicemail, who hang up while it rings or in the menus; agents calling customers out, some
busy, some not answering, some numbers failing. What actually happens is the app's
decision (routing, business hours); the summary counts that."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

INBOUND_MIX = [
    ("answered", 50),
    ("voicemail", 18),
    ("hangup-ringing", 10),
    ("ivr-hangup", 10),
    ("wrong-key", 7),
    ("silent", 5),
]
OUTBOUND_MIX = [("answer", 60), ("busy", 15), ("no-answer", 15), ("fail", 10)]
OUTBOUND_SHARE = 0.3
NEW_CUSTOMER_SHARE = 0.4
# Talk times as in a call centre (up to 7 and 10 minutes). Recordings are real media files:
# kept as MP3 (240 KB a minute) a day of 50 calls stores about 20 MB, as two-channel WAV
# (1.9 MB a minute) about 160 MB (seed 7: 40 recordings, 83 minutes). The draws are part of
# each seed's plan: changing a range changes every seed's day (tests rely on seed 7).


@dataclass
class DayContext:
    our_numbers: list[str]
    agents: list[int]  # user ids of active agents
    operators: dict[int, list[str]]  # agent id -> numbers they may call out from
    customers: list[str]  # known customers' numbers
    languages: int
    reasons: int


@dataclass
class PlannedCall:
    kind: str  # inbound | outbound
    flavour: str
    path: str  # the simulator endpoint
    payload: dict = field(default_factory=dict)


def _pick(rng: random.Random, mix: list[tuple[str, int]]) -> str:
    names, weights = zip(*mix, strict=True)
    return rng.choices(names, weights)[0]


def _customer(rng: random.Random, ctx: DayContext) -> str:
    if ctx.customers and rng.random() > NEW_CUSTOMER_SHARE:
        return rng.choice(ctx.customers)
    return f"+49157{rng.randrange(10**7, 10**8)}"


def _menu_digits(rng: random.Random, ctx: DayContext) -> list[str]:
    digits = []
    if ctx.languages > 1:
        digits.append(str(rng.randint(1, ctx.languages)))
    if ctx.reasons > 1:
        digits.append(str(rng.randint(1, ctx.reasons)))
    return digits


def _inbound(rng: random.Random, ctx: DayContext) -> PlannedCall:
    flavour = _pick(rng, INBOUND_MIX)
    digits = _menu_digits(rng, ctx)
    caller = {
        "digits": digits,
        "talk_seconds": rng.randint(40, 420),
        "message_seconds": rng.randint(6, 40),
    }
    answering = flavour in ("answered", "wrong-key")
    agents = {
        f"agent_{a}": {
            "answers": "answer" if answering else "no-answer",
            "answer_after": round(rng.uniform(2, 12), 1),
            "talk_seconds": rng.randint(40, 420),
        }
        for a in ctx.agents
    }
    if flavour == "wrong-key":
        caller["digits"] = ["9", *digits]
    elif flavour == "ivr-hangup":
        caller["digits"] = [*digits[: rng.randint(0, max(len(digits) - 1, 0))], "hangup"]
    elif flavour == "hangup-ringing":
        caller["hangup_after"] = 20 + 4 * len(digits) + rng.randint(5, 10)
    elif flavour == "silent":
        caller["message_seconds"] = 0
    payload = {
        "from": _customer(rng, ctx),
        "to": rng.choice(ctx.our_numbers),
        "caller": caller,
        "agents": agents,
    }
    return PlannedCall("inbound", flavour, "calls", payload)


def _outbound(rng: random.Random, ctx: DayContext) -> PlannedCall | None:
    callers = [a for a in ctx.agents if ctx.operators.get(a)]
    if not callers:
        return None
    agent = rng.choice(callers)
    flavour = _pick(rng, OUTBOUND_MIX)
    number = _customer(rng, ctx)
    payload = {
        "identity": f"agent_{agent}",
        "params": {"To": number},
        "caller": {"talk_seconds": rng.randint(30, 600)},
        "callees": {
            number: {
                "answers": flavour,
                "answer_after": round(rng.uniform(3, 15), 1),
                "talk_seconds": rng.randint(30, 600),
            }
        },
    }
    return PlannedCall("outbound", flavour, "softphone-calls", payload)


def plan_day(calls: int, seed: int, ctx: DayContext) -> list[PlannedCall]:
    rng = random.Random(seed)
    plan = []
    for _ in range(calls):
        call = _outbound(rng, ctx) if rng.random() < OUTBOUND_SHARE else None
        plan.append(call or _inbound(rng, ctx))
    return plan


@dataclass
class DaySummary:
    outcomes: dict[str, Counter] = field(
        default_factory=lambda: {"inbound": Counter(), "outbound": Counter()}
    )
    recordings: int = 0
    call_sids: list[str] = field(default_factory=list)

    def add(self, call: PlannedCall, final: dict) -> str:
        state = final["state"]
        outcome = state["outcome"] or "unknown"
        self.outcomes[call.kind][outcome] += 1
        self.recordings += len(state["recordings"])
        self.call_sids.append(state["call"]["sid"])
        return outcome
