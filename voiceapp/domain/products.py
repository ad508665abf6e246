"""Products and the payment plans they allow, as plain rules: the choices, what an amount
may look like, and whether a product's plans fit its price.

A plan is a small dict, stored as it is (amounts as strings, so no float ever touches
them):

- {"kind": "single"}: one payment of the price;
- {"kind": "instalments", "count": N, "first_amount", "first_due_days", "later_amount",
  "later_start_days", "interval", "interval_unit"}: N payments in all, the first one
  `first_due_days` after the order, the N-1 later ones of `later_amount` each, every
  `interval` `interval_unit`s from `later_start_days` after the order (None: one interval
  after the first payment);
- {"kind": "subscription", "amount", "interval", "interval_unit", "start_days"}: `amount`
  every `interval` `interval_unit`s, the first `start_days` after the order.

The rule that ties plans to the price: instalments add up to the price exactly
(first + (N - 1) x later, to the cent, in the basis the price is stated in). A
subscription's amount is a price per period of its own and is not compared.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

PRICE_BASES = ("net", "gross")
VAT_CATEGORIES = ("standard", "reduced", "electronic_service")
SINGLE, INSTALMENTS, SUBSCRIPTION = "single", "instalments", "subscription"
PLAN_KINDS = (SINGLE, INSTALMENTS, SUBSCRIPTION)
INTERVAL_UNITS = ("day", "week", "month", "year")

# Amounts are stored as NUMERIC(12, 2): cents, below ten thousand million.
AMOUNT_DECIMALS = 2
MAX_AMOUNT = Decimal("9999999999.99")
MIN_INSTALMENTS, MAX_INSTALMENTS = 2, 120
MAX_INTERVAL = 365
# How far after the order a first payment may be due (days): about three years.
MAX_OFFSET_DAYS = 1100
MAX_PLANS = 10


class AmountError(ValueError):
    """Text that is not an amount this app can store; the message says why."""


def parse_amount(value: object) -> Decimal:
    """A positive amount with at most two decimals, from a string ("49.90") or an int.
    Floats are refused: 0.1 + 0.2 is not 0.3, and a price must be exact."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise AmountError('send the amount as a string, e.g. "49.90"')
    text = str(value).strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise AmountError(f"not a number: {text!r}") from None
    if not amount.is_finite():
        raise AmountError(f"not a number: {text!r}")
    if amount <= 0:
        raise AmountError("must be more than 0")
    if -amount.as_tuple().exponent > AMOUNT_DECIMALS:
        raise AmountError(f"at most {AMOUNT_DECIMALS} decimals")
    if amount > MAX_AMOUNT:
        raise AmountError(f"at most {MAX_AMOUNT}")
    return amount.quantize(Decimal(1).scaleb(-AMOUNT_DECIMALS))


def format_amount(amount: Decimal) -> str:
    return str(amount.quantize(Decimal(1).scaleb(-AMOUNT_DECIMALS)))


def instalments_total(plan: dict) -> Decimal:
    return Decimal(plan["first_amount"]) + (plan["count"] - 1) * Decimal(plan["later_amount"])


def plan_key(plan: dict) -> tuple:
    """What makes two plans the same offer (for refusing duplicates)."""
    return tuple(sorted((k, str(v)) for k, v in plan.items()))


def plans_problems(plans: list[dict], price: Decimal) -> dict[int | str, str]:
    """What is wrong with this list of (well-formed) plans for this price: {index or
    "_list": message}; empty when they fit."""
    problems: dict[int | str, str] = {}
    if not plans:
        problems["_list"] = "allow at least one payment plan"
    if len(plans) > MAX_PLANS:
        problems["_list"] = f"at most {MAX_PLANS} payment plans"
    seen: set[tuple] = set()
    for index, plan in enumerate(plans):
        key = plan_key(plan)
        if key in seen:
            problems[index] = "this plan is listed twice"
        seen.add(key)
        if plan["kind"] == INSTALMENTS:
            total = instalments_total(plan)
            if total != price:
                problems[index] = (
                    f"the instalments add up to {format_amount(total)}, not the price "
                    f"{format_amount(price)} (first + (count - 1) x later)"
                )
    return problems


def describe_plan(plan: dict, currency: str = "") -> str:
    """One line a person reads: "3 instalments: 40.00 now, then 2 x 30.00 every month"."""
    unit = f" {currency}" if currency else ""
    if plan["kind"] == SINGLE:
        return "one payment"
    if plan["kind"] == SUBSCRIPTION:
        start = f", first in {plan['start_days']} days" if plan["start_days"] else ""
        return f"subscription: {plan['amount']}{unit} {_every(plan)}{start}"
    first_due = f"in {plan['first_due_days']} days" if plan["first_due_days"] else "now"
    later_from = (
        f" from day {plan['later_start_days']}" if plan.get("later_start_days") is not None else ""
    )
    return (
        f"{plan['count']} instalments: {plan['first_amount']}{unit} {first_due}, then "
        f"{plan['count'] - 1} x {plan['later_amount']}{unit} {_every(plan)}{later_from}"
    )


def _every(plan: dict) -> str:
    n, unit = plan["interval"], plan["interval_unit"]
    return f"every {unit}" if n == 1 else f"every {n} {unit}s"
