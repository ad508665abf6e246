"""The demo's cases fall due inside the calling window, in the customer's local time: an
agent trying the demo at any hour sees overdue cases that were due during the day, and
cases coming up at the next opening, never at three in the night."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from voiceapp.demo import seed
from voiceapp.domain.cases import calling_window, end_of_today
from voiceapp.models import Case, Task, User
from voiceapp.models.cases import CLOSED
from voiceapp.services import tasks
from voiceapp.services.team_settings import get_team_settings


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 11, 24, 8, 30, tzinfo=UTC),  # Tuesday 09:30 in Berlin
        datetime(2026, 11, 24, 21, 30, tzinfo=UTC),  # Tuesday 22:30
        datetime(2026, 11, 25, 2, 0, tzinfo=UTC),  # Wednesday 03:00
        datetime(2026, 11, 28, 17, 0, tzinfo=UTC),  # Saturday 18:00, Sunday closed
    ],
    ids=["morning", "late-evening", "night", "saturday-evening"],
)
def test_demo_cases_are_due_inside_the_calling_window(ctx, dbs, now, time_machine):
    time_machine.move_to(now, tick=False)
    seed(dbs)
    dbs.commit()
    settings = get_team_settings(dbs)
    window = calling_window(
        settings.calling_window_opens, settings.calling_window_closes, settings.calling_days
    )
    open_cases = dbs.scalars(select(Case).where(Case.status != CLOSED)).all()
    assert open_cases
    outside = [
        (case.id, local)
        for case in open_cases
        if not window.contains(
            local := case.due_at.astimezone(ZoneInfo(case.contact.timezone or "Europe/Berlin"))
        )
    ]
    assert outside == []
    # Still a demo worth opening: overdue cases in Call today, and some due later.
    due = [case.due_at.astimezone(UTC) for case in open_cases]
    assert any(d < now for d in due)
    assert any(d > end_of_today(now, "Europe/Berlin") for d in due)


def test_the_demo_gives_every_agent_tasks_overdue_coming_and_done_today(ctx, dbs, time_machine):
    now = datetime(2026, 11, 24, 8, 30, tzinfo=UTC)
    time_machine.move_to(now, tick=False)
    seed(dbs)
    dbs.commit()
    agents = dbs.scalars(select(User).where(User.role == "agent")).all()
    assert agents
    for agent in agents:
        mine = tasks.my_tasks(dbs, agent, now=now, zone="Europe/Berlin")
        assert any(t.due_at < now for t in mine.open), agent.name  # overdue on top
        assert any(t.due_at > now for t in mine.open)
        assert len(mine.done_today) == 1
    assert any(t.case_id for t in dbs.scalars(select(Task)))
    assert seed(dbs)["tasks"] == 0  # added once
