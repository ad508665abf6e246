"""An order's payments over time, and where the customer stands: plain rules on the
order's plan (a copy of the product plan's terms), its gross total and its payments.

A plan's amounts are stated for one unit of the main product, in the basis its price is
stated in (net or gross). The order's gross total also carries the quantity, the VAT and
any cross-sold lines, so the schedule is the plan's shape scaled to the order's gross
total: each amount is scaled by the same ratio and rounded to the cent, and the last one
takes the rounding, so the payments always add up to the gross total exactly.

- single: one payment of the gross total, due on the order day;
- instalments: `count` payments, the first `first_due_days` after the order, the later
  ones every `interval` `interval_unit`s from `later_start_days` after the order (or one
  interval after the first);
- subscription: the first period is the order's gross total (cross-sold lines are paid
  with it), due `start_days` after the order; each later period is the plan's amount
  times the main line's ratio of gross to unit price (quantity and VAT), for as long as
  the subscription runs (the schedule lists the next ones up to a horizon).

"Paid" on the phone means the payment asked for now has arrived: the whole total for a
single payment, the first instalment or the first period otherwise. The later ones are
followed on the order page and by payment reminders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta

from voiceapp.domain.products import INSTALMENTS, SINGLE, SUBSCRIPTION, instalments_total

CENT = Decimal("0.01")
# How many subscription periods the order page lists ahead.
SUBSCRIPTION_HORIZON = 12


@dataclass(frozen=True)
class Due:
    number: int  # 1 for the first payment
    due_on: date
    amount: Decimal


@dataclass(frozen=True)
class Standing:
    """Where the customer stands on `today`: what was paid (net of refunds), each due
    payment marked paid or not, in order (payments fill the earliest dues first)."""

    paid: Decimal
    dues: list[tuple[Due, bool]]
    today: date

    @property
    def overdue(self) -> list[Due]:
        """Dues whose day has passed and that the money received does not cover."""
        return [due for due, paid in self.dues if not paid and due.due_on < self.today]

    @property
    def next_due(self) -> Due | None:
        return next((due for due, paid in self.dues if not paid), None)


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _step(plan: dict, n: int) -> relativedelta | timedelta:
    unit, every = plan["interval_unit"], plan["interval"] * n
    if unit == "day":
        return timedelta(days=every)
    if unit == "week":
        return timedelta(weeks=every)
    if unit == "month":
        return relativedelta(months=every)
    return relativedelta(years=every)


def schedule(
    plan: dict,
    gross: Decimal,
    ordered_on: date,
    *,
    period_ratio: Decimal = Decimal(1),
    horizon: int = 0,
) -> list[Due]:
    """The payments of an order. `period_ratio` (subscriptions only) is the main line's
    gross over its unit price; `horizon` is how many subscription periods to list
    (default SUBSCRIPTION_HORIZON)."""
    kind = plan["kind"]
    if kind == SINGLE:
        return [Due(1, ordered_on, _cents(gross))]
    if kind == INSTALMENTS:
        ratio = gross / instalments_total(plan)
        first_on = ordered_on + timedelta(days=plan["first_due_days"])
        later_from = (
            ordered_on + timedelta(days=plan["later_start_days"])
            if plan.get("later_start_days") is not None
            else None
        )
        dues = [Due(1, first_on, _cents(Decimal(plan["first_amount"]) * ratio))]
        later = _cents(Decimal(plan["later_amount"]) * ratio)
        for n in range(1, plan["count"]):
            on = later_from + _step(plan, n - 1) if later_from else first_on + _step(plan, n)
            dues.append(Due(n + 1, on, later))
        # The last payment takes what rounding left over, so the dues add up to gross.
        rest = _cents(gross) - sum((d.amount for d in dues[:-1]), Decimal(0))
        dues[-1] = Due(dues[-1].number, dues[-1].due_on, rest)
        return dues
    if kind == SUBSCRIPTION:
        start = ordered_on + timedelta(days=plan["start_days"])
        period = _cents(Decimal(plan["amount"]) * period_ratio)
        count = horizon or SUBSCRIPTION_HORIZON
        return [Due(1, start, _cents(gross))] + [
            Due(n + 1, start + _step(plan, n), period) for n in range(1, count)
        ]
    raise ValueError(f"unknown plan kind {kind!r}")


def due_now(plan: dict, gross: Decimal, ordered_on: date) -> Decimal:
    """What the pay page asks for: the first payment of the schedule."""
    return schedule(plan, gross, ordered_on, horizon=1)[0].amount


def standing(dues: list[Due], paid: Decimal, today: date) -> Standing:
    """Each due marked paid while the money received covers it, earliest first."""
    left = paid
    marked = []
    for due in dues:
        covered = left >= due.amount
        if covered:
            left -= due.amount
        marked.append((due, covered))
    return Standing(paid=paid, dues=marked, today=today)
