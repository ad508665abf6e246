"""Amounts as Stripe writes them: whole numbers of the minor unit, and back, to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from voiceapp.domain.money import UnknownCurrency
from voiceapp.domain.stripe_amounts import from_stripe_amount, to_stripe_amount


@pytest.mark.parametrize(
    ("amount", "currency", "stripe"),
    [
        (Decimal("119.00"), "EUR", 11900),
        (Decimal("19.99"), "eur", 1999),
        (Decimal("0.01"), "EUR", 1),
        (Decimal("1999"), "JPY", 1999),  # no minor unit
        (Decimal("1.235"), "BHD", 1235),  # three decimals
        (Decimal("123"), "ISK", 12300),  # Stripe's special case: two decimals, always 00
        (Decimal("39.9"), "EUR", 3990),  # 39.9 is 39.90
    ],
)
def test_amounts_go_to_stripe_and_back_unchanged(amount, currency, stripe):
    assert to_stripe_amount(amount, currency) == stripe
    assert from_stripe_amount(stripe, currency) == amount


def test_what_comes_back_carries_the_currencys_minor_unit():
    assert str(from_stripe_amount(11900, "EUR")) == "119.00"
    assert str(from_stripe_amount(1999, "JPY")) == "1999"
    assert str(from_stripe_amount(12300, "ISK")) == "123"


def test_a_fraction_of_a_cent_is_refused_not_rounded_away():
    with pytest.raises(ValueError, match="minor unit"):
        to_stripe_amount(Decimal("19.999"), "EUR")
    with pytest.raises(ValueError, match="minor unit"):
        to_stripe_amount(Decimal("10.5"), "JPY")


def test_floats_and_non_integers_are_refused():
    with pytest.raises(TypeError):
        to_stripe_amount(19.99, "EUR")
    with pytest.raises(TypeError):
        from_stripe_amount("1999", "EUR")
    with pytest.raises(TypeError):
        from_stripe_amount(True, "EUR")


def test_an_unknown_currency_is_refused():
    with pytest.raises(UnknownCurrency):
        to_stripe_amount(Decimal("1.00"), "XYZ")
