"""The dashboard's charts: calls per local day (made / taken / missed) with the reach rate
of each day, calls per local hour of day, and call outcomes by type, for a period.

Days and hours are the team's (domain.dashboard.offset_changes): the calls come added up
per local wall-clock hour (services.call_hours: the zone's offset in force at each call's
UTC time added), so a call at 23:30 on the night the clocks change lands on that local
day and in the 23 o'clock bucket. At most 24 rows a day come back; they are summed per
day and per hour of day here.

Whose: an agent's charts are their own calls and outcomes (no missed calls: a call nobody
took is nobody's). The team's charts (sales managers and admins) are those of the members
in the team table added up, plus the inbound calls nobody took (missed). The figures use
the same definitions as the table (services.dashboard): made = calls placed, reached = of
those, answered by the customer, taken = inbound calls answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from voiceapp.domain.dashboard import (
    Period,
    local_slot,
    period_dates,
    reach_rate,
)
from voiceapp.domain.scheduling import OUTCOME_LABELS, OUTCOMES
from voiceapp.models import CaseEvent
from voiceapp.services.call_hours import call_rows

PERSONAL, TEAM = "personal", "team"


@dataclass
class CallCounts:
    made: int = 0
    reached: int = 0
    taken: int = 0
    # None in an agent's own charts (see the module's docstring).
    missed: int | None = None

    def add(self, row) -> None:
        self.made += row.made or 0
        self.reached += row.reached or 0
        self.taken += row.taken or 0
        if self.missed is not None:
            self.missed += row.missed or 0

    @property
    def reach_rate(self) -> Decimal | None:
        return reach_rate(self.reached, self.made)


@dataclass
class Day(CallCounts):
    day: date | None = None


@dataclass
class Hour(CallCounts):
    hour: int = 0


@dataclass
class OutcomeCount:
    outcome: str
    label: str
    count: int


@dataclass
class Charts:
    scope: str  # personal or team
    days: list[Day] = field(default_factory=list)
    hours: list[Hour] = field(default_factory=list)
    outcomes: list[OutcomeCount] = field(default_factory=list)


def charts(db: Session, period: Period, member_ids: list[int], *, team: bool) -> Charts:
    """The charts of `member_ids` for `period` (one id: an agent's own; the team table's
    members with `team`, which adds the calls nobody took)."""
    missed = 0 if team else None
    days = {day: Day(day=day, missed=missed) for day in period_dates(period)}
    hours = [Hour(hour=hour, missed=missed) for hour in range(24)]
    for row in db.execute(_calls_per_local_hour(db, period, member_ids, team=team)):
        day, hour = local_slot(int(row.slot))
        if day in days:  # always, unless a row sits on the period's edge to the second
            days[day].add(row)
        hours[hour].add(row)
    return Charts(
        scope=TEAM if team else PERSONAL,
        days=list(days.values()),
        hours=hours,
        outcomes=_outcomes(db, period, member_ids),
    )


def _calls_per_local_hour(db: Session, period: Period, member_ids: list[int], *, team: bool):
    # Added up per hour already (services.call_hours): the members' calls, and for the
    # team the calls nobody took.
    calls = call_rows(db, period)
    whose = calls.c.agent_id.in_(member_ids)

    def total(column, name: str):
        # Whose calls: a row of the calls nobody took counts only as missed.
        return func.sum(case((whose, column), else_=0) if team else column).label(name)

    counts = [
        total(calls.c.made, "made"),
        total(calls.c.made_reached, "reached"),
        total(calls.c.taken, "taken"),
    ]
    if team:
        counts.append(func.sum(calls.c.missed).label("missed"))
    return (
        select(calls.c.slot, *counts)
        .where(or_(whose, calls.c.missed > 0) if team else whose)
        .group_by(calls.c.slot)
    )


def _outcomes(db: Session, period: Period, member_ids: list[int]) -> list[OutcomeCount]:
    """Call outcomes the members recorded on cases in the period, by type, in the order
    the outcome form lists them (types never recorded left out)."""
    outcome = CaseEvent.data["outcome"].as_string()
    stmt = (
        select(outcome.label("outcome"), func.count().label("n"))
        .where(
            CaseEvent.kind == "outcome",
            CaseEvent.actor_id.in_(member_ids),
            CaseEvent.at >= period.start,
            CaseEvent.at < period.end,
        )
        .group_by(outcome)
    )
    found = {row.outcome: row.n for row in db.execute(stmt)}
    known = [key for key in OUTCOMES if found.get(key)]
    others = sorted(key for key in found if key not in OUTCOMES and key is not None)
    return [
        OutcomeCount(outcome=key, label=OUTCOME_LABELS.get(key, key), count=found[key])
        for key in known + others
    ]
