"""The moments `pytest --clock` offers are what their names say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.clock_plugin import ZONE, resolve

NOW = datetime(2026, 11, 29, 22, 45, tzinfo=UTC)  # a Sunday night


def test_saturday_evening_is_the_next_saturday_at_half_past_seven_in_berlin():
    moment = resolve("saturday-evening", NOW).astimezone(ZONE)
    assert (moment.weekday(), moment.hour, moment.minute) == (5, 19, 30)
    assert NOW < moment <= NOW + timedelta(days=7)


def test_late_night_is_a_quarter_to_midnight_on_a_weekday():
    moment = resolve("late-night", NOW).astimezone(ZONE)
    assert (moment.weekday(), moment.hour, moment.minute) == (2, 23, 45)
    assert NOW < moment <= NOW + timedelta(days=7)


@pytest.mark.parametrize("now", [NOW, datetime(2027, 4, 1, tzinfo=UTC)])
def test_dst_night_is_half_an_hour_before_the_offset_changes(now):
    moment = resolve("dst-night", now)
    before = moment.astimezone(ZONE).utcoffset()
    assert (moment + timedelta(hours=1)).astimezone(ZONE).utcoffset() != before
    assert now < moment < now + timedelta(days=366)


def test_an_iso_instant_is_taken_as_given_and_needs_an_offset():
    assert resolve("2026-12-05T19:30:00+01:00", NOW) == datetime(2026, 12, 5, 18, 30, tzinfo=UTC)
    with pytest.raises(pytest.UsageError):
        resolve("2026-12-05T19:30:00", NOW)
