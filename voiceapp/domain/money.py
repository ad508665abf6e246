"""Money: ISO 4217 currencies, their minor units, rounding and display.

Amounts are `Decimal` everywhere. A float is refused with a TypeError: 0.1 + 0.2 is not 0.3 in
binary, and a cent lost on an invoice is a cent someone has to explain.

Currency facts (which codes are in use, how many decimals each has) come from babel's copy of
the Unicode CLDR, not from a table of ours: EUR 2, JPY 0, BHD 3 ...
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from babel.core import get_global
from babel.numbers import format_currency, get_currency_precision


class UnknownCurrency(ValueError):
    """The code is not an ISO 4217 currency in use today; the message names it."""


@cache
def _active_currencies() -> frozenset[str]:
    # CLDR's territory_currencies lists, per territory, each currency with the dates it was
    # legal tender; one without an end date is still in use somewhere. That leaves out the
    # withdrawn codes babel still knows by name (DEM, FRF, HRK ...), which no order may use.
    by_territory = get_global("territory_currencies")
    return frozenset(
        code
        for currencies in by_territory.values()
        for code, _start, end, _tender in currencies
        if end is None
    )


def is_known_currency(code: str) -> bool:
    """True for an ISO 4217 code in current use, written in capitals ("EUR", not "eur")."""
    return isinstance(code, str) and code in _active_currencies()


def minor_units(currency: str) -> int:
    """The number of decimals of `currency`'s minor unit: EUR 2, JPY 0, BHD 3.

    Raises UnknownCurrency for a code not in use (babel alone would answer 2 for any text).
    """
    if not is_known_currency(currency):
        raise UnknownCurrency(f"{currency!r} is not an ISO 4217 currency in use")
    return get_currency_precision(currency)


def require_decimal(amount: object, what: str = "amount") -> Decimal:
    """`amount` itself when it is a finite Decimal; TypeError for a float or anything else."""
    if not isinstance(amount, Decimal):
        why = " (binary fractions lose cents)" if isinstance(amount, float) else ""
        raise TypeError(f"{what} must be a Decimal, not {type(amount).__name__}{why}")
    if not amount.is_finite():
        raise ValueError(f"{what} must be a finite number, not {amount}")
    return amount


def round_money(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded half up (0.005 -> 0.01, -0.005 -> -0.01) to `currency`'s minor unit.

    Half up, the commercial rounding German invoices use, not the banker's half-even that
    Decimal and babel default to. The result always carries the minor unit's exponent, so
    Decimal("5") in EUR is Decimal("5.00").
    """
    amount = require_decimal(amount)
    quantum = Decimal(1).scaleb(-minor_units(currency))
    return amount.quantize(quantum, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str, locale: str = "de_DE") -> str:
    """`amount` as a person reads it in `locale`: "1.234,50 €" (de_DE), "€1,234.50" (en_US).

    Rounded with round_money first, so the text shows the same cent as the stored amount.
    """
    rounded = round_money(amount, currency)
    return format_currency(rounded, currency, locale=locale)
