"""The outcome rule wired to real settings and contacts, through the API: the admin's
calling window (not the default one) and each customer's own time zone decide when a
not-reached case is due again, across the daylight-saving changes of Europe and America.

The rule itself has unit tests (tests/unit/test_scheduling.py); these catch the service
passing it the wrong zone or the wrong window."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from tests.factories import CaseFactory, ContactFactory, UserFactory
from voiceapp.services.team_settings import update_team_settings


@pytest.fixture
def agent(ctx, dbs):
    # Weekdays 10:00-18:00: neither the default hours (09:00-20:00) nor its days (Mon-Sat).
    update_team_settings(
        dbs,
        calling_window_opens="10:00",
        calling_window_closes="18:00",
        calling_days=[0, 1, 2, 3, 4],
    )
    dbs.commit()
    return UserFactory(role="agent", languages=["de"], case_types=["payment_reminder"])


def _not_reached(as_user, agent, zone: str, called_at: datetime) -> datetime:
    case = CaseFactory(assignee_id=agent.id, contact=ContactFactory(timezone=zone))
    with time_machine.travel(called_at, tick=False):
        response = as_user(agent)(
            "POST", f"/api/cases/{case.id}/outcome", json={"outcome": "not_reached"}
        )
    assert response.status_code == 200, response.json
    return datetime.fromisoformat(response.json["due_at"])


@pytest.mark.parametrize(
    ("zone", "called_at", "due_at"),
    [
        # Friday 23 Oct 2026, 17:30 in Berlin (CEST): +1 h is past 18:00; Saturday is not a
        # calling day; Monday 26 Oct 10:00 is CET, after Europe's change on the 25th.
        (
            "Europe/Berlin",
            datetime(2026, 10, 23, 15, 30, tzinfo=UTC),
            datetime(2026, 10, 26, 9, 0, tzinfo=UTC),
        ),
        # Friday 30 Oct 2026, 17:30 in New York (EDT): Monday 2 Nov 10:00 is EST, after
        # America's change on 1 Nov. In Berlin's zone this call would be due at 09:00 UTC.
        (
            "America/New_York",
            datetime(2026, 10, 30, 21, 30, tzinfo=UTC),
            datetime(2026, 11, 2, 15, 0, tzinfo=UTC),
        ),
        # Monday 23 Nov 2026, 17:45 in Tokyo (no DST): Tuesday 10:00 JST. In Berlin's zone
        # (10:45) the call would be due an hour later, that same morning.
        (
            "Asia/Tokyo",
            datetime(2026, 11, 23, 8, 45, tzinfo=UTC),
            datetime(2026, 11, 24, 1, 0, tzinfo=UTC),
        ),
    ],
)
def test_not_reached_is_due_at_the_next_opening_of_the_admins_window_in_the_customers_zone(
    as_user, agent, zone, called_at, due_at
):
    assert _not_reached(as_user, agent, zone, called_at) == due_at


def test_inside_the_window_the_retry_is_simply_an_hour_later(as_user, agent):
    # Tuesday 24 Nov 2026, 14:00 in New York: 15:00 is inside 10:00-18:00.
    called_at = datetime(2026, 11, 24, 19, 0, tzinfo=UTC)
    due = _not_reached(as_user, agent, "America/New_York", called_at)
    assert due == datetime(2026, 11, 24, 20, 0, tzinfo=UTC)


def test_a_contact_without_a_zone_is_called_in_the_teams_zone(as_user, agent):
    # Friday 27 Nov 2026, 17:30 in Berlin (the team's zone): Monday 10:00 CET.
    due = _not_reached(as_user, agent, None, datetime(2026, 11, 27, 16, 30, tzinfo=UTC))
    assert due == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
