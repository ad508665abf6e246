"""The case page lists the case's calls (the contact's calls since the case was opened),
newest first, with duration, the outcome recorded for the call, and a recording player
for those the viewer may hear (managers, admins, the agent on the call)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.conftest import sign_in
from tests.factories import PASSWORD, CaseFactory, ContactFactory, UserFactory
from voiceapp.models import Call, CaseEvent, Recording

# Monday 23 November 2026, 10:05 Berlin.
NOW = datetime(2026, 11, 23, 9, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def add_call(dbs, contact, agent, sid, started, duration, *, recorded=True):
    dbs.add(
        Call(
            sid=sid,
            direction="outbound",
            from_number="+4930901820",
            to_number=contact.phones[0].number,
            agent_id=agent.id,
            contact_id=contact.id,
            status="completed",
            started_at=started,
            answered_at=started,
            ended_at=started + timedelta(seconds=duration),
            duration=duration,
        )
    )
    if recorded:
        dbs.add(
            Recording(
                sid="RE" + sid[2:],
                call_sid=sid,
                status="completed",
                duration=duration,
                media_path=f"{sid}.wav",
                fetched_at=started + timedelta(minutes=5),
            )
        )


@pytest.fixture
def case_with_calls(ctx, dbs):
    agent = UserFactory(role="agent", languages=["de"], case_types=["payment_reminder"])
    colleague = UserFactory(role="agent", languages=["de"], case_types=["payment_reminder"])
    contact = ContactFactory()
    case = CaseFactory(contact=contact, assignee_id=agent.id, created_at=NOW - timedelta(days=2))
    add_call(dbs, contact, agent, "CAbefore", NOW - timedelta(days=3), 30)  # before the case
    add_call(dbs, contact, agent, "CAmine", NOW - timedelta(days=1), 65)
    add_call(dbs, contact, colleague, "CAtheirs", NOW - timedelta(hours=2), 125)
    dbs.add(
        CaseEvent(
            case_id=case.id,
            kind="outcome",
            summary="Not reached: next try",
            at=NOW - timedelta(days=1) + timedelta(minutes=2),
            data={"outcome": "not_reached", "call_sid": "CAmine"},
        )
    )
    dbs.commit()
    return case, agent, colleague


def calls_section(html: str) -> str:
    start = html.index('data-testid="case-calls"')
    return html[start : html.index("</section>", start)]


def test_the_case_page_lists_the_cases_calls_newest_first(client, case_with_calls):
    case, agent, _colleague = case_with_calls
    sign_in(client, agent.email, PASSWORD)
    section = calls_section(client.get(f"/cases/{case.id}").text)
    assert "2:05" in section and "1:05" in section and "0:30" not in section
    assert section.index("2:05") < section.index("1:05")  # newest first
    assert "Not reached" in section
    # The agent hears their own call, not the colleague's.
    assert section.count("<audio") == 1
    assert "/calls/recordings/REmine" in section and "REtheirs" not in section


def test_a_manager_hears_every_call_of_the_case(client, case_with_calls, ctx):
    case, _agent, _colleague = case_with_calls
    manager = UserFactory(role="sales_manager")
    sign_in(client, manager.email, PASSWORD)
    section = calls_section(client.get(f"/cases/{case.id}").text)
    assert section.count("<audio") == 2


def test_a_case_without_calls_says_so(client, ctx):
    agent = UserFactory(role="agent")
    case = CaseFactory(assignee_id=agent.id)
    sign_in(client, agent.email, PASSWORD)
    assert "No calls yet" in calls_section(client.get(f"/cases/{case.id}").text)
