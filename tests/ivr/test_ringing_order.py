"""Who rings, through the whole inbound flow (signed webhooks, the IVR service, the
stored presences), not only the pure rule: the longest idle online agents first, at most
ten <Client> nouns, nobody offline, busy or switched off."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import time_machine

from tests.factories import UserFactory
from tests.twilio_helpers import (
    gather_params,
    new_call_sid,
    parse_twiml,
    signed_post,
    voice_params,
)
from voiceapp.models import AgentPresence

OUR_NUMBER = "+4930901820"
CALLER = "+4915112345678"
OPEN = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Berlin


def _present(dbs, user, status, idle_minutes):
    dbs.add(
        AgentPresence(
            user_id=user.id, status=status, updated_at=OPEN - timedelta(minutes=idle_minutes)
        )
    )


def _ring(tw) -> list[str]:
    sid = new_call_sid()
    with time_machine.travel(OPEN, tick=False):
        signed_post(tw, "/twilio/voice/inbound", voice_params(sid, from_=CALLER, to=OUR_NUMBER))
        signed_post(tw, "/twilio/ivr/language", gather_params(sid, "1"))  # Deutsch
        root = parse_twiml(signed_post(tw, "/twilio/ivr/reason", gather_params(sid, "2")))
    return [c.text.strip() for c in root.find("Dial").findall("Client")]


def test_the_ten_longest_idle_online_agents_ring_longest_idle_first(tw, team, dbs):
    agents = UserFactory.create_batch(13, languages=["de"], case_types=["payment_reminder"])
    # Idle for 13, 12, ... 1 minutes, stored in a shuffled order (ids say nothing).
    idle = {agent.id: 13 - n for n, agent in enumerate(agents)}
    for agent in random.Random(7).sample(agents, len(agents)):
        _present(dbs, agent, "online", idle[agent.id])
    # Longer idle than anyone, but not available: never rung.
    _present(dbs, UserFactory(languages=["de"]), "busy", 600)
    _present(dbs, UserFactory(languages=["de"]), "offline", 600)
    _present(dbs, UserFactory(languages=["de"], active=False), "online", 600)
    dbs.commit()

    rung = _ring(tw)

    expected = sorted(agents, key=lambda a: -idle[a.id])[:10]
    assert rung == [f"agent_{a.id}" for a in expected]


def test_an_agent_who_just_came_back_waits_behind_those_idle_longer(tw, team, dbs):
    first, second = UserFactory.create_batch(2, languages=["de"])
    _present(dbs, first, "online", 1)  # just became available
    _present(dbs, second, "online", 30)
    dbs.commit()
    assert _ring(tw) == [f"agent_{second.id}", f"agent_{first.id}"]
