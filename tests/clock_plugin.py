"""`pytest --clock=WHEN`: run tests as if it were another moment, so a test that only
passes at office hours on a weekday is found before a Saturday evening finds it.

WHEN is an ISO 8601 instant with an offset, or one of the named moments below, each the
next such moment after the real now (in the future, so cookies and tokens the browser
checks against its own clock stay valid). The clock ticks from there. A test that
travels itself (time_machine.travel) still goes where it says.

scripts/test runs the time-sensitive tests again at each named moment.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

ZONE = ZoneInfo("Europe/Berlin")  # the test team's zone


def _next_local(now: datetime, when: time, weekday: int | None = None) -> datetime:
    day = now.astimezone(ZONE).date()
    for offset in range(1, 9):
        candidate = datetime.combine(day + timedelta(days=offset), when, tzinfo=ZONE)
        if weekday is None or candidate.weekday() == weekday:
            return candidate
    raise AssertionError("unreachable: a week has every weekday")


def _saturday_evening(now: datetime) -> datetime:
    """Saturday 19:30: calling hours end at 20:00, business hours are closed."""
    return _next_local(now, time(19, 30), weekday=5)


def _late_night(now: datetime) -> datetime:
    """23:45 on a Wednesday: "now + 30 minutes" is tomorrow."""
    return _next_local(now, time(23, 45), weekday=2)


def _dst_night(now: datetime) -> datetime:
    """Half an hour before the zone's next change of UTC offset (a Sunday, about 02:00)."""
    moment = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    offset = moment.astimezone(ZONE).utcoffset()
    for _ in range(24 * 370):
        moment += timedelta(hours=1)
        if moment.astimezone(ZONE).utcoffset() != offset:
            return moment - timedelta(minutes=30)
    raise AssertionError(f"{ZONE} changes its offset every year")


NAMED: dict[str, Callable[[datetime], datetime]] = {
    "saturday-evening": _saturday_evening,
    "late-night": _late_night,
    "dst-night": _dst_night,
}


def resolve(when: str, now: datetime) -> datetime:
    if when in NAMED:
        return NAMED[when](now)
    moment = datetime.fromisoformat(when)
    if moment.tzinfo is None:
        raise pytest.UsageError(f"--clock needs an offset or a name ({', '.join(NAMED)})")
    return moment


def pytest_addoption(parser):
    parser.addoption(
        "--clock",
        metavar="WHEN",
        help=f"run the tests from this moment: an ISO instant or one of {', '.join(NAMED)}",
    )


def pytest_report_header(config):
    when = config.getoption("--clock")
    if when:
        return f"clock: {when} = {resolve(when, datetime.now(UTC)).isoformat()}"
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Around the whole test, fixtures included, so nothing is made at the real time."""
    when = item.config.getoption("--clock")
    if not when:
        yield
        return
    with time_machine.travel(resolve(when, datetime.now(UTC)), tick=True):
        yield
