from __future__ import annotations

from decimal import Decimal

import pytest

from voiceapp.domain.money import (
    UnknownCurrency,
    format_money,
    is_known_currency,
    minor_units,
    round_money,
)


@pytest.mark.parametrize(
    ("currency", "digits"),
    [("EUR", 2), ("USD", 2), ("CHF", 2), ("JPY", 0), ("KRW", 0), ("BHD", 3), ("KWD", 3)],
)
def test_minor_units_come_from_the_currency_data(currency, digits):
    assert minor_units(currency) == digits


@pytest.mark.parametrize("code", ["EUR", "USD", "GBP", "JPY", "BHD", "PLN", "SEK"])
def test_currencies_in_use_are_known(code):
    assert is_known_currency(code)


@pytest.mark.parametrize(
    "code",
    ["DEM", "FRF", "HRK", "XYZ", "EURO", "eur", "", "E"],
    ids=["mark", "franc", "kuna", "made-up", "long", "lower", "empty", "short"],
)
def test_withdrawn_made_up_and_miswritten_codes_are_not_known(code):
    assert not is_known_currency(code)


def test_minor_units_of_an_unknown_currency_is_an_error_naming_it():
    # babel alone answers 2 for any text; an order in "XYZ" must not get two decimals.
    with pytest.raises(UnknownCurrency, match="XYZ"):
        minor_units("XYZ")
    with pytest.raises(UnknownCurrency, match="DEM"):
        round_money(Decimal("1.005"), "DEM")


@pytest.mark.parametrize(
    ("amount", "currency", "rounded"),
    [
        ("0.125", "EUR", "0.13"),  # half up, where half-even would give 0.12
        ("0.135", "EUR", "0.14"),
        ("0.124", "EUR", "0.12"),
        ("-0.125", "EUR", "-0.13"),  # a refund rounds like the sale it undoes
        ("5", "EUR", "5.00"),
        ("2.5", "JPY", "3"),
        ("3.5", "JPY", "4"),
        ("1.0005", "BHD", "1.001"),
        ("1.0004", "BHD", "1.000"),
    ],
)
def test_round_money_rounds_half_up_to_the_minor_unit(amount, currency, rounded):
    result = round_money(Decimal(amount), currency)
    assert result == Decimal(rounded)
    # The exponent too: 5 EUR is stored and shown as 5.00.
    assert str(result) == rounded


@pytest.mark.parametrize("call", [round_money, format_money])
def test_floats_are_refused(call):
    with pytest.raises(TypeError, match=r"not float \(binary fractions lose cents\)"):
        call(0.1, "EUR")


def test_ints_and_strings_are_refused_too():
    with pytest.raises(TypeError):
        round_money(5, "EUR")
    with pytest.raises(TypeError):
        round_money("5.00", "EUR")


def test_not_a_number_is_refused():
    with pytest.raises(ValueError):
        round_money(Decimal("NaN"), "EUR")


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "text"),
    [
        ("1234.5", "EUR", "de_DE", "1.234,50\xa0€"),
        ("1234.5", "EUR", "en_US", "€1,234.50"),
        ("1234", "JPY", "de_DE", "1.234\xa0¥"),
        ("0.125", "EUR", "de_DE", "0,13\xa0€"),  # rounded as stored, not banker's rounding
        ("1.2345", "BHD", "en_US", "BHD1.235"),
    ],
)
def test_format_money_in_a_locale(amount, currency, locale, text):
    assert format_money(Decimal(amount), currency, locale=locale) == text


def test_format_money_defaults_to_german():
    assert format_money(Decimal("19.99"), "EUR") == "19,99\xa0€"
