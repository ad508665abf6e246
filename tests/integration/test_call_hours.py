"""The calls added up per hour (services.call_hours): the dashboard answers the same with
the totals as from the calls alone, whenever the roll-up last ran, on the hand-counted team
of tests/integration/test_dashboard.py (Europe/Berlin, the night the clocks went forward)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import ContactFactory
from tests.integration.test_dashboard import NOW, ZONE, add_call, utc, world  # noqa: F401
from voiceapp.domain.dashboard import period_for
from voiceapp.models import Call, CallHourMark, CallHourTotal
from voiceapp.services.call_hours import REWRITE_HOURS, hour_number, roll_up
from voiceapp.services.dashboard import dashboard

PERIODS = [
    {"kind": "today"},
    {"kind": "week"},
    {"kind": "month"},
    {"kind": None, "first": date(2025, 3, 29), "last": date(2025, 3, 31)},
    {"kind": None, "first": date(2025, 3, 31), "last": date(2025, 3, 31)},
]


def answers(dbs, team, zone=ZONE) -> list[dict]:
    """Every period's dashboard, for an agent (personal) and a manager (the team)."""
    found = []
    for days in PERIODS:
        chosen = {k: v for k, v in days.items() if k != "kind"}
        period = period_for(days["kind"], now=NOW, zone=zone, **chosen)
        for user, with_team in ((team["anna"], False), (team["mia"], True)):
            board = dashboard(dbs, user, period, now=NOW, with_team=with_team)
            found.append(asdict(board))
    return found


def stored_totals(dbs) -> list[tuple]:
    rows = dbs.execute(
        select(CallHourTotal.hour, CallHourTotal.agent_id, CallHourTotal.talk_seconds)
    )
    return sorted((tuple(row) for row in rows), key=lambda row: (row[0], row[1] or 0))


@pytest.mark.parametrize(
    "rolled_at",
    [
        NOW,  # up to 19:00 UTC: today's evening calls read from the calls
        NOW - timedelta(hours=10),  # the DST night itself from the totals, the day from calls
        NOW + timedelta(days=3),  # everything from the totals
        NOW - timedelta(days=40),  # before any call: nothing rolled up
    ],
)
def test_the_dashboard_answers_the_same_with_the_totals(world, dbs, rolled_at):  # noqa: F811
    from_calls = answers(dbs, world)
    roll_up(dbs, now=rolled_at)
    dbs.commit()
    assert answers(dbs, world) == from_calls


def test_a_half_hour_zone_reads_every_figure_from_the_calls(world, dbs):  # noqa: F811
    from_calls = answers(dbs, world, zone="Asia/Kolkata")
    roll_up(dbs, now=NOW + timedelta(days=3))
    dbs.commit()
    assert dbs.scalar(select(func.count()).select_from(CallHourTotal)) > 0
    assert answers(dbs, world, zone="Asia/Kolkata") == from_calls


def test_rolling_up_twice_changes_nothing_and_a_late_change_is_rewritten(world, dbs):  # noqa: F811
    later = NOW + timedelta(hours=5)
    roll_up(dbs, now=later)
    dbs.commit()
    totals = stored_totals(dbs)
    assert roll_up(dbs, now=later) <= len(totals)  # only the last day rewritten
    dbs.commit()
    assert stored_totals(dbs) == totals
    assert dbs.get(CallHourMark, 1).rolled_until == hour_number(later - timedelta(hours=2))

    # A leg's duration arrives late (its hour already added up): the next run, within a
    # day, rewrites that hour.
    leg = dbs.scalar(
        select(Call)
        .where(Call.parent_sid.is_not(None), Call.answered_at.is_not(None))
        .where(
            Call.started_at >= NOW - timedelta(hours=12), Call.started_at < NOW - timedelta(hours=3)
        )
        .order_by(Call.started_at)
        .limit(1)
    )
    before = answers(dbs, world)
    leg.duration += 100
    dbs.commit()
    roll_up(dbs, now=later + timedelta(minutes=10))
    dbs.commit()
    after = answers(dbs, world)
    assert after != before
    # ... to what the calls alone say.
    dbs.execute(CallHourTotal.__table__.delete())
    dbs.execute(CallHourMark.__table__.delete())
    dbs.commit()
    assert answers(dbs, world) == after


def test_the_first_run_adds_up_every_call_and_later_runs_only_the_last_day(world, dbs):  # noqa: F811
    first = roll_up(dbs, now=NOW + timedelta(days=3))
    dbs.commit()
    hours = dbs.scalars(select(CallHourTotal.hour).distinct()).all()
    earliest = dbs.scalar(select(func.min(Call.started_at)))
    assert min(hours) == hour_number(earliest) and first == len(
        dbs.scalars(select(CallHourTotal.id)).all()
    )
    # A call long past the rewritten day is not seen again by the totals (documented).
    old = ContactFactory()
    add_call(dbs, world["anna"], "outbound", utc(1, 10), old, talk=60)
    dbs.commit()
    roll_up(dbs, now=NOW + timedelta(days=3, minutes=10))
    dbs.commit()
    assert hour_number(utc(1, 10)) < hour_number(NOW + timedelta(days=3)) - REWRITE_HOURS
    assert (
        dbs.scalar(select(func.count()).where(CallHourTotal.hour == hour_number(utc(1, 10)))) == 0
    )
