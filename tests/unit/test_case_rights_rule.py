"""domain.case_rights.case_refusal on its own: the rule the API and panel tests exercise,
including reopening, which no endpoint offers yet."""

from __future__ import annotations

import pytest

from voiceapp.domain.case_rights import (
    ASSIGN,
    CASE_ACTIONS,
    CaseFacts,
    Worker,
    case_refusal,
    may_act_on_case,
)

AGENT = Worker(id=1, role="agent", case_types=("payment_reminder",), languages=("de",))
COLLEAGUE = 2


def facts(assignee_id=None, case_type="payment_reminder", language="de", visibility="shared_read"):
    return CaseFacts(assignee_id, case_type, language, COLLEAGUE, visibility)


@pytest.mark.parametrize("action", CASE_ACTIONS)
def test_an_agent_works_own_and_handled_pool_cases_only(action):
    own = facts(assignee_id=AGENT.id)
    target = None if action == ASSIGN else AGENT.id
    assert may_act_on_case(action, AGENT, own, new_assignee_id=target)
    assert may_act_on_case(action, AGENT, facts(), new_assignee_id=AGENT.id)
    assert not may_act_on_case(action, AGENT, facts(assignee_id=COLLEAGUE), new_assignee_id=1)
    assert not may_act_on_case(action, AGENT, facts(language="fr"), new_assignee_id=1)
    assert not may_act_on_case(action, AGENT, facts(case_type="new_order"), new_assignee_id=1)
    hidden = facts(assignee_id=AGENT.id, visibility="private")
    assert case_refusal(action, AGENT, hidden, new_assignee_id=1) == "case not found"


@pytest.mark.parametrize("role", ["sales_manager", "admin"])
@pytest.mark.parametrize("action", CASE_ACTIONS)
def test_managers_and_admins_work_every_case(role, action):
    boss = Worker(id=9, role=role)
    for case in (facts(assignee_id=COLLEAGUE, visibility="private"), facts(language="fr")):
        assert may_act_on_case(action, boss, case, new_assignee_id=COLLEAGUE)


def test_an_agent_does_not_give_a_case_to_a_colleague():
    assert "only managers" in case_refusal(ASSIGN, AGENT, facts(), new_assignee_id=COLLEAGUE)
    own = facts(assignee_id=AGENT.id)
    assert "only managers" in case_refusal(ASSIGN, AGENT, own, new_assignee_id=COLLEAGUE)


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(ValueError):
        case_refusal("delete", AGENT, facts())
