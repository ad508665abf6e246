"""domain.products and domain.plan_lines: amounts, the instalment sum, and the panel's
one-line plans read back as the same plans."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from voiceapp.domain.plan_lines import PlanLineError, format_plan_line, parse_plan_line
from voiceapp.domain.products import AmountError, parse_amount, plans_problems


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("49.90", Decimal("49.90")),
        ("49.9", Decimal("49.90")),
        (10, Decimal("10.00")),
        (" 0.01 ", Decimal("0.01")),
    ],
)
def test_amounts_are_exact(text, amount):
    assert parse_amount(text) == amount


@pytest.mark.parametrize("text", ["0", "-0.01", "1.001", "1e3x", "Infinity", 1.5, True, None])
def test_bad_amounts_are_refused(text):
    with pytest.raises(AmountError):
        parse_amount(text)


def _instalments(first: str, later: str, count: int = 3) -> dict:
    return {"kind": "instalments", "count": count, "first_amount": first, "later_amount": later}


def test_instalments_must_add_up_to_the_price_to_the_cent():
    assert plans_problems([_instalments("33.34", "33.33")], Decimal("100.00")) == {}
    assert 0 in plans_problems([_instalments("33.33", "33.33")], Decimal("100.00"))
    assert 0 in plans_problems([_instalments("33.34", "33.33", 4)], Decimal("100.00"))


@pytest.mark.parametrize(
    "line",
    [
        "single",
        "instalments 3 x 33.30 every month",
        "instalments 40.00 + 2 x 30.00 every 2 weeks, first in 7 days, later from day 30",
        "subscription 9.90 every year, first in 14 days",
        "subscription 9.90 every 3 months",
    ],
)
def test_a_plan_line_reads_back_as_itself(line):
    assert format_plan_line(parse_plan_line(line)) == line


def test_equal_instalments_count_every_payment_and_a_first_amount_adds_one():
    assert parse_plan_line("instalments 3 x 33.30 every month")["count"] == 3
    plan = parse_plan_line("Instalments 40 + 2 x 30 every month")
    assert (plan["count"], plan["first_amount"], plan["later_amount"]) == (3, "40", "30")
    assert plan["later_start_days"] is None and plan["first_due_days"] == 0


@pytest.mark.parametrize("line", ["twice", "instalments 3 every month", "subscription 9.90"])
def test_unreadable_lines_say_how_to_write_them(line):
    with pytest.raises(PlanLineError, match=re.escape("instalments 3 x 33.30 every month")):
        parse_plan_line(line)
