"""Case rules without a database: the end of today, overdue, claims, the calling window
as configured, and template rendering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from voiceapp.domain.cases import (
    calling_window,
    claim_held_by_other,
    describe_window,
    end_of_today,
    is_overdue,
    reached_by_default,
)
from voiceapp.domain.email_templates import render, unknown_variables

NOW = datetime(2026, 11, 23, 9, 5, tzinfo=UTC)


def test_today_ends_at_the_next_local_midnight():
    assert end_of_today(NOW, "Europe/Berlin") == datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
    assert end_of_today(NOW, "America/New_York") == datetime(2026, 11, 24, 5, 0, tzinfo=UTC)
    # 23:30 Berlin is already the next day in UTC+2 zones, and still "today" in Berlin.
    late = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)
    assert end_of_today(late, "Europe/Berlin") == datetime(2026, 11, 23, 23, 0, tzinfo=UTC)


def test_the_day_the_clocks_go_back_has_25_hours():
    morning = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)  # 03:00 CEST -> 02:00 CET that day
    assert end_of_today(morning, "Europe/Berlin") == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)


def test_overdue_means_due_before_now():
    assert is_overdue(NOW - timedelta(seconds=1), NOW)
    assert not is_overdue(NOW, NOW)


def test_a_claim_blocks_others_only_while_it_lasts():
    until = NOW + timedelta(minutes=15)
    assert claim_held_by_other(1, until, 2, NOW)
    assert not claim_held_by_other(1, until, 1, NOW)  # my own claim
    assert not claim_held_by_other(1, until, 2, until)  # ran out
    assert not claim_held_by_other(None, None, 2, NOW)


def test_the_configured_calling_window():
    window = calling_window("08:30", "19:00", [0, 1, 2, 3, 4])
    assert describe_window(window) == "08:30-19:00 (Mon, Tue, Wed, Thu, Fri)"
    assert window.contains(datetime(2026, 11, 23, 8, 30))
    assert not window.contains(datetime(2026, 11, 28, 10, 0))  # Saturday


def test_customer_reached_unless_not_reached():
    assert not reached_by_default("not_reached")
    assert reached_by_default("callback")


def test_templates_fill_variables_and_escape_them_in_html():
    text = "Hello {$name}, {$agent_name} here. {$order_number}"
    values = {"name": "<b>Anna</b>", "agent_name": "Jonas"}
    assert render(text, values) == "Hello <b>Anna</b>, Jonas here. "
    assert render(text, values, html=True) == "Hello &lt;b&gt;Anna&lt;/b&gt;, Jonas here. "
    assert unknown_variables("{$name} {$nmae} {$first_name} {$x}") == ["nmae", "x"]
