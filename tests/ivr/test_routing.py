"""Who rings for an inbound call (voiceapp.ivr.routing): the case owner first, then the
online agents who handle the language and reason, longest idle first, at most 10."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from voiceapp.ivr.routing import MAX_CLIENTS_PER_DIAL, AgentState, handles, plan_ringing

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def agent(user_id, *, status="online", languages=(), case_types=(), idle_minutes=0):
    return AgentState(
        user_id=user_id,
        status=status,
        languages=tuple(languages),
        case_types=tuple(case_types),
        idle_since=T0 - timedelta(minutes=idle_minutes),
    )


def test_the_preferred_agent_rings_alone_first_and_not_again_with_the_team():
    agents = [agent(1, idle_minutes=5), agent(2, idle_minutes=50)]
    plan = plan_ringing(agents, language="de", case_type=None, preferred_agent_id=2)
    assert plan.preferred == (2,)
    assert plan.team == (1,)


def test_an_offline_or_busy_preferred_agent_is_skipped():
    agents = [agent(1), agent(2, status="busy"), agent(3, status="offline")]
    for preferred in (2, 3):
        plan = plan_ringing(agents, language=None, case_type=None, preferred_agent_id=preferred)
        assert plan.preferred == ()
        assert plan.team == (1,)


def test_the_longest_idle_agent_rings_first():
    agents = [agent(1, idle_minutes=1), agent(2, idle_minutes=30), agent(3, idle_minutes=10)]
    plan = plan_ringing(agents, language=None, case_type=None, preferred_agent_id=None)
    assert plan.team == (2, 3, 1)


def test_equal_idle_times_ring_in_user_order():
    agents = [agent(7), agent(3), agent(5)]
    plan = plan_ringing(agents, language=None, case_type=None, preferred_agent_id=None)
    assert plan.team == (3, 5, 7)


def test_at_most_ten_clients_ring_and_they_are_the_longest_idle():
    agents = [agent(i, idle_minutes=i) for i in range(1, 15)]
    plan = plan_ringing(agents, language=None, case_type=None, preferred_agent_id=None)
    assert MAX_CLIENTS_PER_DIAL == 10
    assert plan.team == tuple(range(14, 4, -1))


def test_only_agents_handling_the_language_and_reason_ring():
    agents = [
        agent(1, languages=("de",), case_types=("new_order",)),
        agent(2, languages=("en",)),
        agent(3, case_types=("cancellation",)),
        agent(4),  # nothing configured: handles everything
    ]
    plan = plan_ringing(agents, language="de", case_type="new_order", preferred_agent_id=None)
    assert set(plan.team) == {1, 4}


def test_nobody_when_no_one_is_online():
    plan = plan_ringing(
        [agent(1, status="offline")], language=None, case_type=None, preferred_agent_id=1
    )
    assert plan.nobody


def test_handles_with_no_choice_made_by_the_caller():
    assert handles(agent(1, languages=("de",), case_types=("x",)), None, None)
    assert not handles(agent(1, languages=("de",)), "fr", None)
