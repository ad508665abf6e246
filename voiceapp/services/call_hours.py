"""The team's calls added up per UTC hour and agent, so that the dashboard's figures and
charts for a month read a few thousand totals instead of every call.

call_hour_totals holds, for every UTC hour before the mark (call_hour_marks), what each
agent's calls, and the calls nobody took (agent None), added up to: made (placed),
made_reached (placed and answered by the customer: the answered leg of an outbound call),
taken (inbound, answered), missed (inbound, nobody took it), talk_seconds (the answered
legs' durations). The definitions are the dashboard's (services.dashboard).

roll_up, run by the clock every ten minutes (workers.dashboard.roll_up_call_hours), rewrites
the hours of the last day up to two hours ago: a call's answer, status and duration arrive
while it lasts and shortly after, so an hour keeps being rewritten for a day; a change to
a call older than that (a callback a day late) does not reach these totals.

call_rows answers a period's calls as rows of such totals per agent and local hour: the
hours before the mark from the totals, the rest from the calls themselves, so the answer
is whole whenever the job last ran. The totals are kept by UTC hour, which are local hours
only where the team's offset is a whole number of hours (Europe, the Americas, most of the
world): in a zone with half-hour offsets every figure is read from the calls.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    BigInteger,
    Integer,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from voiceapp.domain.dashboard import Period, offset_changes
from voiceapp.models import Call, CallHourMark, CallHourTotal

# Hours younger than this are read from the calls (still being answered and timed).
SETTLE = timedelta(hours=2)
# Each run rewrites this much before the mark (late statuses and durations).
REWRITE_HOURS = 24
MARK_ID = 1
TOTALS = ("made", "made_reached", "taken", "missed", "talk_seconds")


def hour_number(at: datetime) -> int:
    """The UTC hour `at` falls in, counted from 1970-01-01 00:00 UTC."""
    return int(at.timestamp()) // 3600


def hour_start(number: int) -> datetime:
    return datetime.fromtimestamp(number * 3600, UTC)


def epoch_seconds(db: Session, column):
    """`column` (a UTC time) as whole seconds since 1970; SQLite and PostgreSQL spell it
    differently. date_part answers a float; EXTRACT a numeric since PostgreSQL 14, which
    costs a third more over a month of calls."""
    if db.get_bind().dialect.name == "sqlite":
        return cast(func.strftime("%s", column), Integer)
    return cast(func.floor(func.date_part("epoch", column)), BigInteger)


def _count_if(condition):
    return case((condition, 1), else_=0)


def _per_call(db: Session):
    """One call's part of each total, and the UTC second it started."""
    top = Call.parent_sid.is_(None)
    leg = Call.parent_sid.is_not(None)
    outbound, inbound = Call.direction == "outbound", Call.direction == "inbound"
    answered = Call.answered_at.is_not(None)
    return {
        "seconds": epoch_seconds(db, Call.started_at),
        "made": _count_if(and_(top, outbound)),
        "made_reached": _count_if(and_(leg, outbound, answered)),
        "taken": _count_if(and_(top, inbound, answered)),
        "missed": _count_if(and_(top, inbound, Call.missed.is_(True))),
        "talk_seconds": case((and_(leg, answered), func.coalesce(Call.duration, 0)), else_=0),
    }


def roll_up(db: Session, *, now: datetime) -> int:
    """Rewrite the totals of the hours from a day before the mark up to two hours before
    `now`, and move the mark there; the number of totals written. The first run adds up
    every call there is. Safe to run twice; two runs at once take turns on the mark (but for
    the very first, where one of them fails on the mark's key and changes nothing)."""
    until = hour_number(now - SETTLE)
    mark = db.get(CallHourMark, MARK_ID, with_for_update=True)
    if mark is None:
        first = db.scalar(select(func.min(Call.started_at)))
        since = hour_number(first) if first is not None else until
        mark = CallHourMark(id=MARK_ID, rolled_until=since, rolled_at=now)
        db.add(mark)
        db.flush()
    else:
        since = min(mark.rolled_until, until) - REWRITE_HOURS
    written = 0
    if since < until:
        db.execute(
            delete(CallHourTotal).where(CallHourTotal.hour >= since, CallHourTotal.hour < until)
        )
        part = _per_call(db)
        hour = (part["seconds"] // 3600).label("hour")
        totals = (
            select(hour, Call.agent_id, *(func.sum(part[name]) for name in TOTALS))
            .where(Call.started_at >= hour_start(since), Call.started_at < hour_start(until))
            .group_by(hour, Call.agent_id)
        )
        db.execute(insert(CallHourTotal).from_select(["hour", "agent_id", *TOTALS], totals))
        # (The driver's rowcount of an INSERT ... SELECT is not to be trusted everywhere.)
        written = db.scalar(
            select(func.count()).where(CallHourTotal.hour >= since, CallHourTotal.hour < until)
        )
    mark.rolled_until, mark.rolled_at = max(mark.rolled_until, until), now
    return written


def _local_hour(seconds, changes: list[tuple[datetime, int]]):
    """The local wall-clock hour (counted from 1970) of a UTC second: the zone's offset
    in force then (offset_changes) added, over 3600."""
    offset = changes[0][1]
    if len(changes) > 1:
        offset = case(
            *((seconds >= int(since.timestamp()), off) for since, off in reversed(changes[1:])),
            else_=changes[0][1],
        )
    return (seconds + offset) // 3600


def _whole_hours(period: Period, changes: list[tuple[datetime, int]]) -> bool:
    """Whether the period's local hours are UTC hours shifted (see the module)."""
    instants = [period.start, period.end, *(since for since, _ in changes[1:])]
    return all(off % 3600 == 0 for _, off in changes) and all(
        int(at.timestamp()) % 3600 == 0 for at in instants
    )


def call_rows(db: Session, period: Period):
    """The period's calls as rows (agent_id, slot, made, made_reached, taken, missed,
    talk_seconds), `slot` the local wall-clock hour counted from 1970
    (domain.dashboard.local_slot): several rows may share an agent and slot; sum them."""
    changes = offset_changes(period.start, period.end, period.zone)
    start_hour, end_hour = hour_number(period.start), hour_number(period.end)
    rolled_until = start_hour
    if _whole_hours(period, changes):
        mark = db.scalar(select(CallHourMark.rolled_until).where(CallHourMark.id == MARK_ID))
        rolled_until = min(max(mark or start_hour, start_hour), end_hour)

    part = _per_call(db)
    live = select(
        Call.agent_id.label("agent_id"),
        _local_hour(part["seconds"], changes).label("slot"),
        *(part[name].label(name) for name in TOTALS),
    ).where(
        Call.started_at >= max(period.start, hour_start(rolled_until)),
        Call.started_at < period.end,
    )
    if rolled_until == start_hour:
        return live.subquery("calls_by_hour")
    rolled = select(
        CallHourTotal.agent_id.label("agent_id"),
        _local_hour(CallHourTotal.hour * 3600, changes).label("slot"),
        *(getattr(CallHourTotal, name).label(name) for name in TOTALS),
    ).where(CallHourTotal.hour >= start_hour, CallHourTotal.hour < rolled_until)
    return union_all(rolled, live).subquery("calls_by_hour")
