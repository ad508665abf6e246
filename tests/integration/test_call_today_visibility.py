"""Call today, the next case and the count show an agent exactly the cases the case page
lets them open: a pool case (or one assigned to them) whose contact is private to a
colleague is not offered, not counted and not claimed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.conftest import form_token, sign_in
from tests.factories import PASSWORD, CaseFactory, ContactFactory, UserFactory
from voiceapp.models import Case

# Monday 23 November 2026, 10:05 Berlin.
NOW = datetime(2026, 11, 23, 9, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def agent_of(role="agent"):
    return UserFactory(role=role, languages=["de"], case_types=["payment_reminder"])


def team_with_private_contacts(agent, colleague):
    """One case of each kind an agent can meet, all due (overdue first): returns the ids
    the rule lets `agent` open, and all ids."""
    hours = iter(range(10, 0, -1))

    def case(contact, assignee=None):
        due = NOW - timedelta(hours=next(hours))
        return CaseFactory(contact=contact, assignee_id=assignee, due_at=due).id

    private_of_colleague = ContactFactory(visibility="private", owner_id=colleague.id)
    private_of_agent = ContactFactory(visibility="private", owner_id=agent.id)
    shared_read = ContactFactory(visibility="shared_read", owner_id=colleague.id)
    shared_write = ContactFactory(visibility="shared_write", owner_id=None)
    cases = {
        "pool, colleague's private contact": case(private_of_colleague),
        "mine, colleague's private contact": case(private_of_colleague, agent.id),
        "pool, own private contact": case(private_of_agent),
        "pool, shared read": case(shared_read),
        "mine, shared write": case(shared_write, agent.id),
    }
    return cases


def visible_to(as_agent, cases):
    return {
        name for name, i in cases.items() if as_agent("GET", f"/api/cases/{i}").status_code == 200
    }


@pytest.mark.parametrize("role", ["agent", "sales_manager"])
def test_call_today_lists_and_counts_exactly_the_cases_the_case_page_opens(as_user, ctx, role):
    user, colleague = agent_of(role), agent_of()
    cases = team_with_private_contacts(user, colleague)
    call = as_user(user)
    openable = visible_to(call, cases)
    if role == "agent":
        assert "pool, colleague's private contact" not in openable
    else:
        assert openable == set(cases)
    today = call("GET", "/api/cases?view=today").json
    by_id = {i: name for name, i in cases.items()}
    assert [by_id[item["id"]] for item in today["items"]] == [
        name for name in cases if name in openable
    ]
    assert today["total"] == len(openable)
    # A page past the end counts the same way (the total alone is its own statement).
    past = call("GET", "/api/cases?view=today&page=2&per_page=50").json
    assert past["items"] == [] and past["total"] == len(openable)


def test_next_case_never_claims_a_case_the_agent_cannot_open(as_user, ctx, dbs):
    agent, colleague = agent_of(), agent_of()
    cases = team_with_private_contacts(agent, colleague)
    call = as_user(agent)
    openable = visible_to(call, cases)
    claimed = []
    for _ in range(len(cases) + 1):
        response = call("POST", "/api/cases/next")
        if response.status_code == 204:
            break
        claimed.append(response.json["id"])
        shown = call("GET", f"/api/cases/{response.json['id']}")
        assert shown.status_code == 200
        assert (shown.json["id"], shown.json["claimed_by_id"]) == (response.json["id"], agent.id)
        # Record the call so the next request moves on.
        assert (
            call(
                "POST",
                f"/api/cases/{response.json['id']}/outcome",
                json={"outcome": "already_paid"},
            ).status_code
            == 200
        )
    assert sorted(claimed) == sorted(cases[name] for name in openable)
    dbs.rollback()
    hidden = dbs.get(Case, cases["pool, colleague's private contact"])
    assert hidden.claimed_by_id is None and hidden.status == "open"


def test_the_panels_call_today_and_next_case_follow_the_same_rule(client, ctx):
    agent, colleague = agent_of(), agent_of()
    cases = team_with_private_contacts(agent, colleague)
    sign_in(client, agent.email, PASSWORD)
    page = client.get("/cases/today").text
    hidden = cases["pool, colleague's private contact"]
    assert f'data-case-id="{hidden}"' not in page
    assert f'data-case-id="{cases["pool, shared read"]}"' in page
    token = form_token(client, "/cases/today")
    for _ in range(len(cases)):
        response = client.post("/cases/next", data={"csrf_token": token})
        if not response.location.startswith("/cases/") or response.location.endswith("today"):
            break
        page = client.get(response.location)
        assert page.status_code == 200
        assert 'data-testid="claim-mine"' in page.text  # claimed for this agent
        client.post(
            f"{response.location}/outcome",
            data={"csrf_token": token, "outcome": "already_paid"},
            content_type="multipart/form-data",
        )
