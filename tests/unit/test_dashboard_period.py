"""domain.dashboard: the days a period covers in the team's zone, and the reach rate."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from voiceapp.domain.dashboard import PeriodError, period_for, reach_rate

BERLIN = "Europe/Berlin"


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
