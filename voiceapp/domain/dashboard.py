"""The dashboard's periods and derived figures: which UTC instants "today", "this week",
"this month" or a chosen span of days cover in the team's time zone, and the reach rate.

Days are the team's days: a call at 23:30 local time on the night the clocks change belongs
to that local day, whatever its UTC date. The charts count calls per local hour: the
database adds the zone's offset (offset_changes says which offset holds when) to each
call's UTC time and groups by the hour that gives; local_slot turns such an hour back into
the local day and hour of day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

TODAY, WEEK, MONTH, CUSTOM = "today", "week", "month", "custom"
PERIODS = (TODAY, WEEK, MONTH)
PERIOD_LABELS = {TODAY: "Today", WEEK: "This week", MONTH: "This month", CUSTOM: "Chosen period"}
# A chosen period is at most this long: the figures of more than a year are a report.
MAX_DAYS = 366
# Days people mean (as schemas.fields: outside them a date is a typing mistake).
FIRST_YEAR, LAST_YEAR = 2000, 2999


class PeriodError(ValueError):
    """A period the dashboard cannot show; `field` names the input at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Period:
    kind: str
    first_day: date
    last_day: date  # inclusive
    zone: str
    start: datetime  # UTC, inclusive: the first day's midnight in the zone
    end: datetime  # UTC, exclusive: the midnight after the last day

    @property
    def label(self) -> str:
        return PERIOD_LABELS[self.kind]

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


def local_midnight(day: date, zone: str) -> datetime:
    """The UTC instant at which `day` begins in `zone`."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def period_for(
    kind: str | None,
    *,
    now: datetime,
    zone: str,
    first: date | None = None,
    last: date | None = None,
) -> Period:
    """The period asked for: `kind` today / week (from Monday) / month, or the days
    `first` to `last` (both included). Raises PeriodError for anything else."""
    check_request(kind, first, last)
    if first is not None and last is not None:
        return _build(CUSTOM, first, last, zone)
    today = now.astimezone(ZoneInfo(zone)).date()
    kind = kind or TODAY
    if kind == TODAY:
        first, last = today, today
    elif kind == WEEK:
        first = today - timedelta(days=today.weekday())
        last = first + timedelta(days=6)
    elif kind == MONTH:
        first = today.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return _build(kind, first, last, zone)


def check_request(kind: str | None, first: date | None, last: date | None) -> None:
    """Raises PeriodError unless the request names one period: a known `kind`, or both
    days of a chosen span in order, at most MAX_DAYS long."""
    if first is None and last is None:
        if kind is not None and kind not in PERIODS:
            raise PeriodError("period", f"one of {', '.join(PERIODS)}, or from and to dates")
        return
    if kind is not None:
        raise PeriodError("period", "choose a period or dates (from, to), not both")
    if first is None:
        raise PeriodError("from", "a period needs its first day too")
    if last is None:
        raise PeriodError("to", "a period needs its last day too")
    if first > last:
        raise PeriodError("to", "the last day is before the first")
    if (last - first).days + 1 > MAX_DAYS:
        raise PeriodError("to", f"a period is at most {MAX_DAYS} days")
    for name, day in (("from", first), ("to", last)):
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise PeriodError(name, f"choose a date between {FIRST_YEAR} and {LAST_YEAR}")


def _build(kind: str, first: date, last: date, zone: str) -> Period:
    return Period(
        kind=kind,
        first_day=first,
        last_day=last,
        zone=zone,
        start=local_midnight(first, zone),
        end=local_midnight(last + timedelta(days=1), zone),
    )


def reach_rate(reached: int, made: int) -> Decimal | None:
    """The share of calls made that reached the customer, in percent with one decimal;
    None when no call was made (no rate, rather than a misleading 0 %)."""
    if made <= 0:
        return None
    return (Decimal(reached) * 100 / Decimal(made)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def average_score(total: int, count: int) -> Decimal | None:
    """The mean of `count` review scores adding up to `total`, with one decimal; None
    when nothing was reviewed."""
    if count <= 0:
        return None
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# Transitions of a zone are months apart; probing every few hours cannot step over one.
_PROBE = timedelta(hours=6)
_EPOCH = datetime(1970, 1, 1)  # naive: local wall-clock hours count from here


def utc_offset(at: datetime, zone: str) -> int:
    """The zone's offset from UTC at the instant `at`, in seconds."""
    offset = at.astimezone(ZoneInfo(zone)).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def offset_changes(start: datetime, end: datetime, zone: str) -> list[tuple[datetime, int]]:
    """The zone's UTC offset at `start`, then each instant before `end` at which it changes
    (the clocks going forward or back), with the new offset: [(since, seconds), ...]."""
    changes = [(start, utc_offset(start, zone))]
    probe = start
    while probe < end:
        later = min(probe + _PROBE, end)
        if utc_offset(later, zone) != changes[-1][1]:
            changed = _first_instant_with_offset_of(later, after=probe, zone=zone)
            if changed < end:
                changes.append((changed, utc_offset(changed, zone)))
        probe = later
    return changes


def _first_instant_with_offset_of(later: datetime, *, after: datetime, zone: str) -> datetime:
    """The first second in (after, later] whose offset is the one at `later`."""
    wanted = utc_offset(later, zone)
    low, high = 0, int((later - after).total_seconds())  # seconds after `after`
    while high - low > 1:
        middle = (low + high) // 2
        if utc_offset(after + timedelta(seconds=middle), zone) == wanted:
            high = middle
        else:
            low = middle
    return after + timedelta(seconds=high)


def local_slot(hour_index: int) -> tuple[date, int]:
    """The local day and hour of day of a local wall-clock hour counted from 1970-01-01
    00:00 (what the database groups calls by: UTC seconds plus the offset, over 3600)."""
    wall = _EPOCH + timedelta(hours=hour_index)
    return wall.date(), wall.hour


def period_dates(period: Period) -> list[date]:
    """Every local day of the period, in order."""
    return [period.first_day + timedelta(days=n) for n in range(period.days)]
