"""A member's payout factor: stored as a factor 0..1 (four places), shown and typed as a
percent."""

from __future__ import annotations

from decimal import Decimal


def factor_from_percent(percent: Decimal) -> Decimal:
    """A payout factor as stored (0..1, four places) from the percent people type."""
    return (Decimal(percent) / 100).quantize(Decimal("0.0001"))


def percent_from_factor(factor: Decimal) -> Decimal:
    """The percent shown for a stored factor: 0.8 -> 80, 0.125 -> 12.5."""
    value = (Decimal(factor) * 100).quantize(Decimal("0.01"))
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()
