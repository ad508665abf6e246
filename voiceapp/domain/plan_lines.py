"""The panel writes a product's payment plans as text, one plan per line, because a line
is quicker to type and to read than a grid of fields:

    single
    instalments 3 x 33.30 every month
    instalments 40.00 + 2 x 30.00 every 1 month, first in 7 days, later from day 30
    subscription 9.90 every month, first in 14 days

"instalments N x A" is N equal payments; "instalments F + M x A" is a first payment F,
then M payments of A (N = M + 1). The first payment is due at once unless "first in D
days" says otherwise; the later ones start one interval after the first unless "later
from day S" (days after the order) says otherwise. Lines are parsed here into the plan
dicts of domain.products; whether the amounts are valid and add up is checked there
(and by the API's schema), so the panel and the API say the same things.
"""

from __future__ import annotations

import re

from voiceapp.domain.products import INSTALMENTS, SINGLE, SUBSCRIPTION

_AMOUNT = r"(\d+(?:\.\d+)?)"
_EVERY = r"every\s+(?:(\d+)\s+)?(day|week|month|year)s?"
_FIRST_IN = r"(?:\s*,?\s*first\s+in\s+(\d+)\s+days?)?"
_LATER_FROM = r"(?:\s*,?\s*later\s+from\s+day\s+(\d+))?"
_INSTALMENTS = re.compile(
    rf"^instal+ments?\s+(?:{_AMOUNT}\s*\+\s*)?(\d+)\s*x\s*{_AMOUNT}\s+{_EVERY}"
    rf"{_FIRST_IN}{_LATER_FROM}$",
    re.IGNORECASE,
)
_SUBSCRIPTION = re.compile(rf"^subscription\s+{_AMOUNT}\s+{_EVERY}{_FIRST_IN}$", re.IGNORECASE)
_SINGLE = re.compile(r"^(single|one payment)$", re.IGNORECASE)

HOW_TO_WRITE = (
    'write "single", "instalments 3 x 33.30 every month", '
    '"instalments 40.00 + 2 x 30.00 every month, first in 7 days, later from day 30" '
    'or "subscription 9.90 every month, first in 14 days"'
)


class PlanLineError(ValueError):
    pass


def parse_plan_line(line: str) -> dict:
    text = " ".join(line.split())
    if _SINGLE.match(text):
        return {"kind": SINGLE}
    match = _INSTALMENTS.match(text)
    if match:
        first, more, amount, interval, unit, first_in, later_from = match.groups()
        equal = first is None
        return {
            "kind": INSTALMENTS,
            "count": int(more) if equal else int(more) + 1,
            "first_amount": amount if equal else first,
            "first_due_days": int(first_in or 0),
            "later_amount": amount,
            "later_start_days": int(later_from) if later_from is not None else None,
            "interval": int(interval or 1),
            "interval_unit": unit.lower(),
        }
    match = _SUBSCRIPTION.match(text)
    if match:
        amount, interval, unit, first_in = match.groups()
        return {
            "kind": SUBSCRIPTION,
            "amount": amount,
            "interval": int(interval or 1),
            "interval_unit": unit.lower(),
            "start_days": int(first_in or 0),
        }
    raise PlanLineError(HOW_TO_WRITE)


def parse_plan_lines(text: str) -> tuple[list[dict], dict[int, str]]:
    """The plans of the non-empty lines, and {line number: problem} for the others."""
    plans, problems = [], {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            plans.append(parse_plan_line(line))
        except PlanLineError as exc:
            problems[number] = str(exc)
    return plans, problems


def _every(plan: dict) -> str:
    n = plan["interval"]
    return f"every {plan['interval_unit']}" if n == 1 else f"every {n} {plan['interval_unit']}s"


def format_plan_line(plan: dict) -> str:
    """The line parse_plan_line reads back as the same plan."""
    if plan["kind"] == SINGLE:
        return "single"
    if plan["kind"] == SUBSCRIPTION:
        first_in = f", first in {plan['start_days']} days" if plan["start_days"] else ""
        return f"subscription {plan['amount']} {_every(plan)}{first_in}"
    if plan["first_amount"] == plan["later_amount"]:
        head = f"instalments {plan['count']} x {plan['later_amount']}"
    else:
        head = f"instalments {plan['first_amount']} + {plan['count'] - 1} x {plan['later_amount']}"
    first_in = f", first in {plan['first_due_days']} days" if plan["first_due_days"] else ""
    later = plan.get("later_start_days")
    later_from = f", later from day {later}" if later is not None else ""
    return f"{head} {_every(plan)}{first_in}{later_from}"
