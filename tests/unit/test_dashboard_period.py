"""domain.dashboard: the days a period covers in the team's zone, the reach rate, the
zone's offsets and local hours the charts count in, and the mean review score."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from voiceapp.domain.dashboard import (
    PeriodError,
    average_score,
    local_slot,
    offset_changes,
    period_for,
    reach_rate,
)

BERLIN = "Europe/Berlin"
NOW = datetime(2025, 3, 30, 21, 45, tzinfo=UTC)


def test_today_after_the_clocks_went_forward_is_23_hours_long():
    # 00:30 local on Sunday 30 March 2025 is 23:30 UTC on the 29th.
    today = period_for("today", now=datetime(2025, 3, 29, 23, 30, tzinfo=UTC), zone=BERLIN)
    assert today.first_day == today.last_day == date(2025, 3, 30)
    assert (today.start, today.end) == (
        datetime(2025, 3, 29, 23, tzinfo=UTC),
        datetime(2025, 3, 30, 22, tzinfo=UTC),
    )


def test_the_week_starts_on_monday_and_the_month_on_the_first():
    now = datetime(2025, 2, 28, 12, tzinfo=UTC)  # a Friday
    week = period_for("week", now=now, zone=BERLIN)
    assert (week.first_day, week.last_day) == (date(2025, 2, 24), date(2025, 3, 2))
    month = period_for("month", now=now, zone=BERLIN)
    assert (month.first_day, month.last_day, month.days) == (
        date(2025, 2, 1),
        date(2025, 2, 28),
        28,
    )


def test_a_chosen_span_includes_its_last_day():
    span = period_for(
        None,
        now=datetime(2025, 1, 1, tzinfo=UTC),
        zone="UTC",
        first=date(2024, 12, 30),
        last=date(2024, 12, 31),
    )
    assert (span.kind, span.days, span.end) == ("custom", 2, datetime(2025, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("kind", "first", "last", "field"),
    [
        ("year", None, None, "period"),
        (None, date(2025, 3, 2), date(2025, 3, 1), "to"),
        (None, date(2025, 3, 2), None, "to"),
        (None, None, date(2025, 3, 2), "from"),
        ("today", date(2025, 3, 1), date(2025, 3, 2), "period"),
        (None, date(2024, 1, 1), date(2025, 1, 1), "to"),
        (None, date(1, 1, 1), date(1, 1, 2), "from"),
    ],
)
def test_periods_that_cannot_be_shown_name_the_field(kind, first, last, field):
    with pytest.raises(PeriodError) as caught:
        period_for(kind, now=datetime(2025, 3, 1, tzinfo=UTC), zone=BERLIN, first=first, last=last)
    assert caught.value.field == field


def test_reach_rate_is_a_percent_with_one_decimal_and_none_without_calls():
    assert reach_rate(2, 3) == Decimal("66.7")
    assert reach_rate(0, 4) == Decimal("0.0")
    assert reach_rate(0, 0) is None


# --- local hours for the charts ----------------------------------------------------------


def test_offset_changes_finds_the_clocks_going_forward_and_back_to_the_second():
    year = period_for(
        None, now=NOW, zone="Europe/Berlin", first=date(2024, 1, 1), last=date(2024, 12, 31)
    )
    assert offset_changes(year.start, year.end, year.zone) == [
        (datetime(2023, 12, 31, 23, tzinfo=UTC), 3600),
        (datetime(2024, 3, 31, 1, tzinfo=UTC), 7200),
        (datetime(2024, 10, 27, 1, tzinfo=UTC), 3600),
    ]


def test_a_zone_without_daylight_saving_has_one_offset_even_a_half_hour_one():
    day = period_for("today", now=NOW, zone="Asia/Kolkata")
    assert offset_changes(day.start, day.end, day.zone) == [(day.start, 19800)]


def test_local_slot_gives_the_local_day_and_hour_of_a_wall_clock_hour():
    # 21:30 UTC on 30 March 2025 is 23:30 in Berlin (summer time since 01:00 UTC).
    at = datetime(2025, 3, 30, 21, 30, tzinfo=UTC)
    assert local_slot(int(at.timestamp() + 7200) // 3600) == (date(2025, 3, 30), 23)
    # 05:15 UTC is 10:45 in Kolkata: the half hour offset still lands in hour 10.
    at = datetime(2025, 3, 30, 5, 15, tzinfo=UTC)
    assert local_slot(int(at.timestamp() + 19800) // 3600) == (date(2025, 3, 30), 10)


def test_average_score_has_one_decimal_and_none_without_reviews():
    assert average_score(11, 3) == Decimal("3.7")
    assert average_score(9, 2) == Decimal("4.5")
    assert average_score(0, 0) is None
