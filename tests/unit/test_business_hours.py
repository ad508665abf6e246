"""The business-hours rule on its own: local time in the team's zone, per weekday, the end
of a span exclusive, several spans a day, days without spans closed, across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from voiceapp.domain.business_hours import WEEKDAYS, is_open, validate_business_hours

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")

# Monday with a lunch break, Friday short, Saturday late into the evening, Sunday closed.
HOURS = {
    "mon": [["09:00", "12:30"], ["14:00", "18:00"]],
    "tue": [["09:00", "18:00"]],
    "wed": [["09:00", "18:00"]],
    "thu": [["09:00", "18:00"]],
    "fri": [["09:00", "16:00"]],
    "sat": [["10:00", "23:59"]],
    "sun": [],
}


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_weekdays_are_monday_first_as_python_counts_them():
    assert WEEKDAYS == ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    assert berlin(2025, 3, 3, 12).weekday() == 0  # 3 March 2025 is a Monday


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (berlin(2025, 3, 3, 8, 59, 59), False),  # a second before opening
        (berlin(2025, 3, 3, 9, 0), True),  # the opening minute is open
        (berlin(2025, 3, 3, 12, 29, 59), True),
        (berlin(2025, 3, 3, 12, 30), False),  # end exclusive: lunch starts
        (berlin(2025, 3, 3, 13, 0), False),  # between the two spans
        (berlin(2025, 3, 3, 13, 59, 59), False),
        (berlin(2025, 3, 3, 14, 0), True),  # second span opens
        (berlin(2025, 3, 3, 17, 59, 59), True),
        (berlin(2025, 3, 3, 18, 0), False),  # second span closes
        (berlin(2025, 3, 3, 23, 0), False),
    ],
)
def test_a_day_with_two_spans(moment, expected):
    assert is_open(HOURS, "Europe/Berlin", moment) is expected


def test_each_weekday_uses_its_own_spans():
    # The same local time, 17:00, on each day of one week (Mon 3 March .. Sun 9 March 2025).
    at_five = [is_open(HOURS, "Europe/Berlin", berlin(2025, 3, 3 + d, 17)) for d in range(7)]
    assert at_five == [True, True, True, True, False, True, False]
    # Friday closes at 16:00, Saturday is open until 23:59, Sunday has no span at all.
    assert is_open(HOURS, "Europe/Berlin", berlin(2025, 3, 7, 15, 59))
    assert not is_open(HOURS, "Europe/Berlin", berlin(2025, 3, 7, 16, 0))
    assert is_open(HOURS, "Europe/Berlin", berlin(2025, 3, 8, 23, 58))
    assert not is_open(HOURS, "Europe/Berlin", berlin(2025, 3, 9, 12))


def test_a_weekday_missing_from_the_setting_is_closed():
    assert not is_open({"mon": [["00:00", "23:59"]]}, "Europe/Berlin", berlin(2025, 3, 4, 12))
    assert not is_open({}, "Europe/Berlin", berlin(2025, 3, 3, 12))


def test_midnight_belongs_to_the_day_that_starts():
    hours = {"mon": [["00:00", "01:00"]], "sun": [["23:00", "23:59"]]}
    # Sunday 23:59 is past Sunday's span (end exclusive); Monday 00:00 is in Monday's span.
    assert is_open(hours, "Europe/Berlin", berlin(2025, 3, 9, 23, 58, 59))
    assert not is_open(hours, "Europe/Berlin", berlin(2025, 3, 9, 23, 59))
    assert is_open(hours, "Europe/Berlin", berlin(2025, 3, 10, 0, 0))
    assert is_open(hours, "Europe/Berlin", berlin(2025, 3, 10, 0, 59, 59))
    assert not is_open(hours, "Europe/Berlin", berlin(2025, 3, 10, 1, 0))


def test_a_span_to_24_00_runs_to_the_end_of_the_day():
    around_the_clock = {day: [["00:00", "24:00"]] for day in WEEKDAYS}
    assert validate_business_hours(around_the_clock) == []
    for moment in (
        berlin(2025, 3, 9, 23, 59, 59, 999999),  # Sunday's last instant
        berlin(2025, 3, 10, 0, 0),
        berlin(2025, 3, 10, 23, 59, 30),
    ):
        assert is_open(around_the_clock, "Europe/Berlin", moment), moment
    evening = {"fri": [["18:00", "24:00"]]}
    assert is_open(evening, "Europe/Berlin", berlin(2025, 3, 7, 23, 59, 59))
    assert not is_open(evening, "Europe/Berlin", berlin(2025, 3, 8, 0, 0))  # Saturday
    assert not is_open(evening, "Europe/Berlin", berlin(2025, 3, 7, 17, 59))


@pytest.mark.parametrize(
    "span",
    [["24:00", "24:00"], ["24:00", "01:00"], ["09:00", "24:01"], ["09:00"], "09:00", [9, 18]],
)
def test_24_00_only_closes_and_malformed_spans_are_refused(span):
    assert validate_business_hours({"mon": [span]}), span


def test_the_weekday_is_the_teams_not_utcs():
    # Monday 00:30 in Berlin is still Sunday 23:30 in UTC (winter, UTC+1).
    hours = {"mon": [["00:00", "02:00"]], "sun": []}
    moment = datetime(2025, 3, 9, 23, 30, tzinfo=UTC)
    assert is_open(hours, "Europe/Berlin", moment)
    assert not is_open(hours, "UTC", moment)


def test_the_time_is_local_in_the_teams_zone_whatever_zone_now_carries():
    # 08:30 UTC on a Monday in winter is 09:30 in Berlin (open) and 03:30 in New York.
    moment = datetime(2025, 1, 6, 8, 30, tzinfo=UTC)
    assert is_open(HOURS, "Europe/Berlin", moment)
    assert not is_open(HOURS, "America/New_York", moment)
    assert is_open(HOURS, "Europe/Berlin", moment.astimezone(NEW_YORK))
    # 14:30 UTC is 15:30 in Berlin (second span) and 09:30 in New York (first span).
    afternoon = datetime(2025, 1, 6, 14, 30, tzinfo=UTC)
    assert is_open(HOURS, "America/New_York", afternoon)


def test_a_spring_forward_day_opens_at_local_nine():
    # Sunday 30 March 2025 Berlin moves from UTC+1 to UTC+2; Monday 31 March opens at 09:00
    # local, which is 07:00 UTC (it was 08:00 UTC the Monday before).
    hours = {"mon": [["09:00", "18:00"]], "sun": [["01:00", "05:00"]]}
    assert not is_open(hours, "Europe/Berlin", datetime(2025, 3, 31, 6, 59, tzinfo=UTC))
    assert is_open(hours, "Europe/Berlin", datetime(2025, 3, 31, 7, 0, tzinfo=UTC))
    assert not is_open(hours, "Europe/Berlin", datetime(2025, 3, 24, 7, 30, tzinfo=UTC))
    assert is_open(hours, "Europe/Berlin", datetime(2025, 3, 24, 8, 0, tzinfo=UTC))
    # On the night itself the clock jumps from 02:00 to 03:00: 00:59 UTC is 01:59 (open),
    # 01:00 UTC is 03:00 local, still in the span, and 03:00 UTC is 05:00 local, closed.
    assert is_open(hours, "Europe/Berlin", datetime(2025, 3, 30, 0, 59, tzinfo=UTC))
    assert is_open(hours, "Europe/Berlin", datetime(2025, 3, 30, 1, 0, tzinfo=UTC))
    assert is_open(hours, "Europe/Berlin", datetime(2025, 3, 30, 2, 59, tzinfo=UTC))
    assert not is_open(hours, "Europe/Berlin", datetime(2025, 3, 30, 3, 0, tzinfo=UTC))


def test_a_fall_back_night_counts_both_passes_of_the_repeated_hour():
    # Sunday 26 October 2025 Berlin goes from 03:00 CEST back to 02:00 CET: 02:00-03:00 local
    # happens twice (00:00-01:00 UTC and 01:00-02:00 UTC). A span 02:00-03:00 is open both times.
    hours = {"sun": [["02:00", "03:00"]]}
    utc = [datetime(2025, 10, 25, 23, 59, tzinfo=UTC)] + [
        datetime(2025, 10, 26, 0, 0, tzinfo=UTC) + timedelta(minutes=30 * i) for i in range(5)
    ]
    assert [is_open(hours, "Europe/Berlin", m) for m in utc] == [
        False,  # 01:59 CEST
        True,  # 02:00 CEST
        True,  # 02:30 CEST
        True,  # 02:00 CET
        True,  # 02:30 CET
        False,  # 03:00 CET
    ]


def test_a_valid_setting_has_no_problems():
    assert validate_business_hours(HOURS) == []
    assert validate_business_hours({}) == []


@pytest.mark.parametrize(
    ("hours", "problem"),
    [
        ({"monday": [["18:00", "09:00"]]}, "unknown weekday 'monday'"),  # spans unread
        ({"mon": [["18:00", "09:00"]]}, "mon: 18:00 must be before 09:00"),
        ({"mon": [["09:00", "09:00"]]}, "mon: 09:00 must be before 09:00"),
        ({"tue": [["9", "18:00"]]}, "tue: ['9', '18:00'] is not a pair of HH:MM times"),
        ({"wed": [["09:00", "25:00"]]}, "wed: ['09:00', '25:00'] is not a pair of HH:MM times"),
        ({"thu": [["09:00"]]}, "thu: ['09:00'] is not a pair of HH:MM times"),
        ({"fri": [["a", "b"]]}, "fri: ['a', 'b'] is not a pair of HH:MM times"),
    ],
)
def test_each_problem_is_named(hours, problem):
    assert validate_business_hours(hours) == [problem]


def test_every_bad_span_is_reported_and_good_ones_are_not():
    hours = {
        "mon": [["09:00", "12:00"], ["13:00", "12:00"]],
        "xyz": [["09:00", "10:00"]],
        "tue": [["09:00", "17:59"]],
    }
    assert validate_business_hours(hours) == [
        "mon: 13:00 must be before 12:00",
        "unknown weekday 'xyz'",
    ]
