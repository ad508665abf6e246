"""Amounts as Stripe's API writes them: whole numbers of the currency's minor unit (1999 for
19.99 EUR, 1999 for 1,999 JPY), and back.

The number of decimals is the ISO 4217 minor unit (domain.money, from CLDR), except where
Stripe keeps another for backwards compatibility (https://docs.stripe.com/currencies,
"Special cases"): the Icelandic króna has no minor unit, but Stripe still writes it with
two decimals that are always 00.
"""

from __future__ import annotations

from decimal import Decimal

from voiceapp.domain.money import minor_units, require_decimal, round_money

# Stripe's decimals where they differ from ISO 4217's.
_STRIPE_DECIMALS = {"ISK": 2}


def stripe_decimals(currency: str) -> int:
    """How many decimals Stripe's integer amounts of `currency` carry (EUR 2, JPY 0)."""
    code = currency.upper()
    return _STRIPE_DECIMALS.get(code, minor_units(code))


def to_stripe_amount(amount: Decimal, currency: str) -> int:
    """`amount` (a Decimal in `currency`) as Stripe's integer: 19.99 EUR -> 1999.

    The amount must already be a whole number of the currency's minor unit (what every
    stored amount is): a ValueError rather than a cent silently rounded away."""
    amount = require_decimal(amount)
    code = currency.upper()
    if round_money(amount, code) != amount:
        raise ValueError(f"{amount} is not a whole number of {code}'s minor unit")
    return int(amount.scaleb(stripe_decimals(code)))


def from_stripe_amount(value: int, currency: str) -> Decimal:
    """Stripe's integer `value` of `currency` as a Decimal: 1999 EUR -> Decimal("19.99")."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"a Stripe amount is a whole number, not {type(value).__name__}")
    code = currency.upper()
    return round_money(Decimal(value).scaleb(-stripe_decimals(code)), code)
