"""The schedule is the plan's shape scaled to the order's gross total and always adds up
to it to the cent; payments fill the earliest dues first."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from voiceapp.domain.payment_schedule import due_now, schedule, standing

DAY = date(2026, 1, 31)
INSTALMENTS = {
    "kind": "instalments",
    "count": 3,
    "first_amount": "40.00",
    "first_due_days": 0,
    "later_amount": "30.00",
    "later_start_days": None,
    "interval": 1,
    "interval_unit": "month",
}


def test_a_single_payment_is_the_whole_total_on_the_order_day():
    dues = schedule({"kind": "single"}, Decimal("119.00"), DAY)
    assert [(d.number, d.due_on, d.amount) for d in dues] == [(1, DAY, Decimal("119.00"))]


def test_instalments_keep_the_plans_shape_and_add_up_to_the_gross_total():
    # A net plan of 100.00 sold with 19 % VAT: 119.00 gross, scaled 1.19.
    dues = schedule(INSTALMENTS, Decimal("119.00"), DAY)
    assert [d.amount for d in dues] == [Decimal("47.60"), Decimal("35.70"), Decimal("35.70")]
    # Month ends are kept sensible: 31 January, 28 February, 31 March.
    assert [d.due_on for d in dues] == [DAY, date(2026, 2, 28), date(2026, 3, 31)]
    assert sum(d.amount for d in dues) == Decimal("119.00")


@pytest.mark.parametrize("gross", ["100.01", "33.33", "119.99", "0.03", "9999.97"])
def test_rounding_goes_to_the_last_instalment_so_the_sum_is_exact(gross):
    dues = schedule(INSTALMENTS, Decimal(gross), DAY)
    assert sum(d.amount for d in dues) == Decimal(gross)


def test_later_instalments_start_on_their_own_day_when_the_plan_says_so():
    plan = dict(
        INSTALMENTS, first_due_days=7, later_start_days=30, interval=2, interval_unit="week"
    )
    dues = schedule(plan, Decimal("100.00"), DAY)
    assert [d.due_on for d in dues] == [date(2026, 2, 7), date(2026, 3, 2), date(2026, 3, 16)]


def test_a_subscription_bills_the_first_period_at_the_total_then_the_plan_amount():
    plan = {
        "kind": "subscription",
        "amount": "9.90",
        "interval": 1,
        "interval_unit": "month",
        "start_days": 14,
    }
    # Two units at 9.90 net with 19 % VAT: the main line is 23.56 gross for 9.90 unit price.
    dues = schedule(
        plan, Decimal("23.56"), DAY, period_ratio=Decimal("23.56") / Decimal("9.90"), horizon=3
    )
    assert [(d.due_on, d.amount) for d in dues] == [
        (date(2026, 2, 14), Decimal("23.56")),
        (date(2026, 3, 14), Decimal("23.56")),
        (date(2026, 4, 14), Decimal("23.56")),
    ]


def test_what_is_due_now_is_the_first_payment():
    assert due_now(INSTALMENTS, Decimal("100.00"), DAY) == Decimal("40.00")
    assert due_now({"kind": "single"}, Decimal("100.00"), DAY) == Decimal("100.00")


def test_payments_cover_the_earliest_dues_and_the_rest_is_overdue_after_its_day():
    dues = schedule(INSTALMENTS, Decimal("100.00"), DAY)
    state = standing(dues, Decimal("40.00"), date(2026, 3, 1))
    assert [paid for _due, paid in state.dues] == [True, False, False]
    assert [d.number for d in state.overdue] == [2]
    assert state.next_due.number == 2
    paid_ahead = standing(dues, Decimal("100.00"), date(2026, 3, 1))
    assert paid_ahead.overdue == [] and paid_ahead.next_due is None
