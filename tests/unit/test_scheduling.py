"""The rule that decides the next call after an outcome (SPEC, seeds 000 and 002)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voiceapp.domain.scheduling import (
    CallingWindow,
    OutcomeError,
    decide_after_outcome,
    next_calling_time,
)

BERLIN = ZoneInfo("Europe/Berlin")
WINDOW = CallingWindow()


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def decide(outcome, called_at, *, before=0, callback_at=None, now=None, **kw):
    return decide_after_outcome(
        outcome=outcome,
        called_at=called_at,
        now=now or called_at,
        not_reached_before=before,
        callback_at=callback_at,
        customer_zone="Europe/Berlin",
        window=WINDOW,
        **kw,
    )


def test_the_seed_example_holds():
    # First call 10:05, not reached: due 11:05 the same day.
    first = decide("not_reached", berlin(2026, 11, 24, 10, 5))
    assert first.due_at == berlin(2026, 11, 24, 11, 5)
    # Called at 11:45, not reached: due 11:45 the next day.
    second = decide("not_reached", berlin(2026, 11, 24, 11, 45), before=1)
    assert second.due_at == berlin(2026, 11, 25, 11, 45)
    # Then each time 24 hours after the real call.
    third = decide("not_reached", berlin(2026, 11, 25, 12, 10), before=2)
    assert third.due_at == berlin(2026, 11, 26, 12, 10)
    assert not (first.close or second.close or third.close)


def test_a_retry_outside_the_calling_window_moves_to_the_next_opening():
    # 19:30 + 1 h = 20:30, after closing: next morning 09:00.
    late = decide("not_reached", berlin(2026, 11, 24, 19, 30))
    assert late.due_at == berlin(2026, 11, 25, 9, 0)
    # Saturday 15:00 + 24 h = Sunday: Monday 09:00.
    weekend = decide("not_reached", berlin(2026, 11, 28, 15, 0), before=1)
    assert weekend.due_at == berlin(2026, 11, 30, 9, 0)


def test_the_window_is_the_customers_local_time():
    # 10:00 in Berlin is 04:00 in New York: the call waits for 09:00 there.
    due = decide_after_outcome(
        outcome="not_reached",
        called_at=berlin(2026, 11, 24, 9, 0),
        now=berlin(2026, 11, 24, 9, 0),
        not_reached_before=0,
        callback_at=None,
        customer_zone="America/New_York",
        window=WINDOW,
    ).due_at
    assert due == datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo("America/New_York"))


def test_too_many_unanswered_attempts_close_the_case():
    last = decide("not_reached", berlin(2026, 11, 24, 10, 0), before=9, max_not_reached=10)
    assert last.close and last.due_at is None
    assert "unreachable" in last.reason
    assert not decide("not_reached", berlin(2026, 11, 24, 10, 0), before=8).close


def test_a_chosen_callback_time_is_kept_even_outside_the_window():
    called = berlin(2026, 11, 24, 10, 0)
    chosen = berlin(2026, 11, 24, 21, 30)  # the customer asked for 21:30
    assert decide("callback", called, callback_at=chosen).due_at == chosen
    completed = decide("completed", called, callback_at=chosen)
    assert (completed.close, completed.due_at) == (False, chosen)


@pytest.mark.parametrize("outcome", ["completed", "already_paid", "cancelled"])
def test_closing_outcomes_close(outcome):
    decision = decide(outcome, berlin(2026, 11, 24, 10, 0))
    assert decision.close and decision.due_at is None
    assert not decision.mark_number_invalid


def test_an_invalid_contact_closes_and_marks_the_number():
    decision = decide("invalid_contact", berlin(2026, 11, 24, 10, 0))
    assert decision.close and decision.mark_number_invalid


def test_bad_input_names_the_field():
    called = berlin(2026, 11, 24, 10, 0)
    with pytest.raises(OutcomeError) as unknown:
        decide("hung_up", called)
    assert unknown.value.field == "outcome"
    with pytest.raises(OutcomeError) as missing:
        decide("callback", called)
    assert missing.value.field == "callback_at"
    with pytest.raises(OutcomeError) as past:
        decide("callback", called, callback_at=called - timedelta(minutes=1))
    assert past.value.field == "callback_at"


def test_next_calling_time_across_a_daylight_saving_change():
    # Saturday 28 March 2026, 21:00 -> Monday 30 March 09:00 CEST (clocks went forward).
    due = next_calling_time(berlin(2026, 3, 28, 21, 0), "Europe/Berlin", WINDOW)
    assert due == berlin(2026, 3, 30, 9, 0)
    assert due.utcoffset() == timedelta(0)
    assert due.astimezone(BERLIN).utcoffset() == timedelta(hours=2)


@given(
    moment=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    zone=st.sampled_from(["Europe/Berlin", "America/New_York", "Asia/Tokyo", "Europe/Madrid"]),
)
def test_next_calling_time_is_in_the_window_and_never_early(moment, zone):
    due = next_calling_time(moment, zone, WINDOW)
    assert due >= moment
    assert WINDOW.contains(due.astimezone(ZoneInfo(zone)))
    # Not later than needed: at most one weekend plus a night away.
    assert due - moment <= timedelta(days=2, hours=13)


def test_a_window_without_days_is_refused():
    with pytest.raises(ValueError):
        next_calling_time(
            berlin(2026, 11, 24, 21, 0),
            "Europe/Berlin",
            CallingWindow(opens=time(9), closes=time(20), days=frozenset()),
        )
