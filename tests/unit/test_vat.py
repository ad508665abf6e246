from __future__ import annotations

import json
import tomllib
from datetime import date
from decimal import Decimal
from fnmatch import fnmatch
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voiceapp.domain.vat import (
    EXPORT_NOTE,
    REVERSE_CHARGE_NOTE,
    REVERSE_CHARGE_NOTE_DE,
    InvalidVatId,
    LineAmounts,
    check_vat_id,
    decide_vat,
    line_amounts,
    order_totals,
)
from voiceapp.domain.vat_rates import NoVatRate, UnknownCountry, eu_members, rate_for

DAY = date(2025, 9, 1)
FR_VAT_ID = "FR40303265045"
FR_VAT_ID_BAD_CHECK = "FR40303265046"


def decide(buyer, category="standard", *, business=False, vat_id=None, seller="DE", on=DAY):
    return decide_vat(
        seller_country=seller,
        buyer_country=buyer,
        buyer_is_business=business,
        buyer_vat_id=vat_id,
        category=category,
        on=on,
    )


# --- the rule's matrix: a German seller ------------------------------------------------


@pytest.mark.parametrize(
    ("buyer", "category", "rate"),
    [
        ("DE", "standard", "19"),
        ("DE", "reduced", "7"),
        ("DE", "electronic_service", "19"),
        ("FR", "standard", "20"),
        ("FR", "reduced", "5.5"),
        ("FR", "electronic_service", "20"),
        ("AT", "standard", "20"),
        ("AT", "reduced", "10"),
        ("AT", "electronic_service", "20"),
    ],
)
def test_a_consumer_pays_the_vat_of_their_own_country(buyer, category, rate):
    decision = decide(buyer, category)
    assert decision.rate == Decimal(rate)
    assert decision.rate_country == buyer
    assert decision.reverse_charge is False
    assert decision.note is None


@pytest.mark.parametrize("category", ["standard", "reduced", "electronic_service"])
def test_an_eu_business_with_a_valid_vat_id_of_another_state_is_reverse_charged(category):
    decision = decide("FR", category, business=True, vat_id="fr 40 303 265 045")
    assert decision.rate == Decimal(0)
    assert decision.reverse_charge is True
    assert decision.note == REVERSE_CHARGE_NOTE
    assert "Art. 196 Directive 2006/112/EC" in decision.note
    assert decision.note_in("de") == REVERSE_CHARGE_NOTE_DE
    assert decision.note_in("en") == REVERSE_CHARGE_NOTE
    assert decision.rate_country is None
    assert decision.vat_id == FR_VAT_ID


def test_a_business_whose_vat_id_fails_its_check_is_refused_not_taxed():
    with pytest.raises(InvalidVatId, match="check digit"):
        decide("FR", business=True, vat_id=FR_VAT_ID_BAD_CHECK)


def test_a_business_with_a_vat_id_of_another_country_than_its_own_is_refused():
    with pytest.raises(InvalidVatId, match="starts with DE"):
        decide("FR", business=True, vat_id="DE136695976")


def test_a_foreign_eu_business_without_a_vat_id_is_taxed_like_a_consumer():
    decision = decide("FR", business=True, vat_id=None)
    assert (decision.rate, decision.reverse_charge, decision.rate_country) == (
        Decimal(20),
        False,
        "FR",
    )


def test_a_consumer_who_gives_a_vat_id_is_still_a_consumer():
    decision = decide("FR", business=False, vat_id=FR_VAT_ID)
    assert decision.reverse_charge is False
    assert decision.rate == Decimal(20)


@pytest.mark.parametrize(
    ("category", "rate"), [("standard", "19"), ("reduced", "7"), ("electronic_service", "19")]
)
@pytest.mark.parametrize("vat_id", [None, "DE136695976"])
def test_a_business_in_the_sellers_own_country_pays_the_sellers_rate(category, rate, vat_id):
    decision = decide("DE", category, business=True, vat_id=vat_id)
    assert decision.rate == Decimal(rate)
    assert decision.reverse_charge is False
    assert decision.rate_country == "DE"


@pytest.mark.parametrize("buyer", ["CH", "US", "ch", "GB", "NO"])
@pytest.mark.parametrize("business", [False, True])
@pytest.mark.parametrize("category", ["standard", "reduced", "electronic_service"])
def test_a_buyer_outside_the_eu_pays_no_vat(buyer, business, category):
    decision = decide(buyer, category, business=business)
    assert decision.rate == Decimal(0)
    assert decision.reverse_charge is False
    assert decision.note == EXPORT_NOTE
    assert decision.rate_country is None
    # A gross price still contains the seller's own VAT, which the export buyer does not pay.
    assert decision.gross_price_rate == Decimal(19 if category != "reduced" else 7)


def test_a_swiss_business_vat_id_is_checked_in_the_swiss_format():
    decision = decide("CH", business=True, vat_id="CHE-116.281.710 MWST")
    assert decision.vat_id == "CHE116281710MWST"
    with pytest.raises(InvalidVatId):
        decide("CH", business=True, vat_id="CHE-116.281.711 MWST")


def test_greece_is_gr_and_its_vat_ids_start_with_el():
    decision = decide("GR", business=True, vat_id="094014201")
    assert decision.reverse_charge is True
    assert decision.vat_id == "EL094014201"
    assert decide("GR").rate == Decimal(24)


@pytest.mark.parametrize("country", ["XX", "EL", "", "DEU", "EU", "ZZ", "1"])
@pytest.mark.parametrize("side", ["seller", "buyer"])
def test_an_unknown_country_is_a_clear_error(country, side):
    kwargs = {"seller": "DE", "buyer": "FR"} | {side: country}
    with pytest.raises(UnknownCountry, match="country code"):
        decide(kwargs["buyer"], seller=kwargs["seller"])


def test_el_as_a_country_is_refused_with_a_hint_to_gr():
    with pytest.raises(
        UnknownCountry, match="Greece's VAT prefix; its ISO 3166-1 country code is 'GR'"
    ):
        decide("EL")


def test_a_seller_outside_the_eu_is_not_described_by_these_rules():
    with pytest.raises(ValueError, match="seller"):
        decide("DE", seller="CH")


def test_an_unknown_category_is_refused():
    with pytest.raises(ValueError, match="category"):
        decide("DE", "luxury")


def test_a_french_seller_charges_its_own_rate_at_home_and_the_german_rate_to_germans():
    assert decide("FR", "reduced", seller="FR").rate == Decimal("5.5")
    assert decide("DE", "reduced", seller="FR").rate == Decimal(7)
    assert decide("DE", seller="FR", business=True, vat_id="DE136695976").reverse_charge


# --- dated rates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("buyer", "category", "on", "rate"),
    [
        ("DE", "standard", date(2020, 6, 30), "19"),
        ("DE", "standard", date(2020, 7, 1), "16"),  # the 2020 cut, first day
        ("DE", "reduced", date(2020, 12, 31), "5"),  # ... and last day
        ("DE", "reduced", date(2021, 1, 1), "7"),
        ("FI", "standard", date(2024, 8, 31), "24"),
        ("FI", "electronic_service", date(2024, 9, 1), "25.5"),
        ("SK", "standard", date(2024, 12, 31), "20"),
        ("SK", "standard", date(2025, 1, 1), "23"),
        ("SK", "reduced", date(2025, 1, 1), "5"),
        ("EE", "standard", date(2025, 6, 30), "22"),
        ("EE", "standard", date(2025, 7, 1), "24"),
        ("RO", "reduced", date(2025, 7, 31), "5"),
        ("RO", "reduced", date(2025, 8, 1), "11"),
        ("LU", "standard", date(2023, 6, 1), "16"),
        ("LU", "standard", date(2024, 1, 1), "17"),
    ],
)
def test_a_rate_change_date_picks_the_rate_in_force_that_day(buyer, category, on, rate):
    decision = decide(buyer, category, on=on)
    assert decision.rate == Decimal(rate)


def test_a_date_before_the_table_is_an_error_not_a_guess():
    with pytest.raises(NoVatRate, match="before 2020-01-01"):
        decide("DE", on=date(2019, 12, 31))


def test_denmark_has_no_reduced_rate_so_reduced_goods_pay_the_standard_rate():
    assert decide("DK", "reduced").rate == Decimal(25)


# --- VAT IDs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "country", "normalised"),
    [
        ("DE 136 695 976", "DE", "DE136695976"),
        ("136695976", "DE", "DE136695976"),  # the prefix added
        ("fr 40 303 265 045", "FR", FR_VAT_ID),
        ("ATU13585627", "AT", "ATU13585627"),
        ("U13585627", "AT", "ATU13585627"),
        ("NL004495445B01", "NL", "NL004495445B01"),
        ("IT00743110157", "IT", "IT00743110157"),
        ("PL 856-734-62-15", "PL", "PL8567346215"),
        ("BE0403019261", "BE", "BE0403019261"),
        ("EL094014201", "GR", "EL094014201"),
        ("GR094014201", "GR", "EL094014201"),  # ISO code used as prefix: given EL
        ("ESA78304516", "ES", "ESA78304516"),
    ],
)
def test_valid_vat_ids_are_normalised(written, country, normalised):
    assert check_vat_id(written, country) == normalised


@pytest.mark.parametrize(
    ("written", "country", "what"),
    [
        ("DE136695977", "DE", "check digit"),
        (FR_VAT_ID_BAD_CHECK, "FR", "check digit"),
        ("IT00743110158", "IT", "check digit"),
        ("DE13669597", "DE", "number of characters"),
        ("ATU1358562X", "AT", "format"),
        ("DE136695976", "AT", "starts with DE, but a VAT ID of AT starts with AT"),
        ("GR094014201", "CY", "starts with GR, but a VAT ID of CY starts with CY"),
        ("EL094014201", "CY", "starts with EL"),
        ("094014202", "GR", "check digit"),
    ],
)
def test_invalid_vat_ids_say_what_is_wrong(written, country, what):
    with pytest.raises(InvalidVatId, match=what):
        check_vat_id(written, country)


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_no_vat_id_is_none(blank):
    assert check_vat_id(blank, "DE") is None


def test_a_vat_id_of_a_country_stdnum_has_no_format_for_is_kept_as_written():
    assert check_vat_id(" 12-3456789 ", "US") == "12-3456789"


# --- line amounts and totals ------------------------------------------------------------


def test_a_net_price_gets_vat_on_top_rounded_per_line():
    assert line_amounts(Decimal("10.00"), "net", 3, Decimal(19), "EUR") == (
        Decimal("30.00"),
        Decimal("5.70"),
        Decimal("35.70"),
    )
    # Per line, not per unit: 3 x 0.333 is 1.00 (per unit it would be 0.99).
    assert line_amounts(Decimal("0.333"), "net", 3, Decimal(0), "EUR").net == Decimal("1.00")


def test_a_gross_price_is_what_a_taxed_buyer_pays():
    assert line_amounts(Decimal("119.00"), "gross", 1, Decimal(19), "EUR") == (
        Decimal("100.00"),
        Decimal("19.00"),
        Decimal("119.00"),
    )
    # A French consumer pays the same quoted price; the VAT inside it is France's.
    assert line_amounts(Decimal("119.00"), "gross", 1, Decimal(20), "EUR") == (
        Decimal("99.17"),
        Decimal("19.83"),
        Decimal("119.00"),
    )


@pytest.mark.parametrize("buyer", [{"business": True, "vat_id": FR_VAT_ID}, {}])
def test_a_gross_price_loses_the_sellers_vat_under_reverse_charge_and_export(buyer):
    decision = decide("FR" if buyer else "US", **buyer)
    amounts = line_amounts(
        Decimal("119.00"),
        "gross",
        2,
        decision.rate,
        "EUR",
        gross_price_rate=decision.gross_price_rate,
    )
    assert amounts == (Decimal("200.00"), Decimal("0.00"), Decimal("200.00"))


@pytest.mark.parametrize(
    ("price", "price_is", "quantity", "rate", "currency", "expected"),
    [
        ("1000", "net", 3, "10", "JPY", ("3000", "300", "3300")),
        ("999", "net", 1, "10", "JPY", ("999", "100", "1099")),  # 99.9 rounds to 100
        ("1099", "gross", 1, "10", "JPY", ("999", "100", "1099")),
        ("1.2345", "net", 2, "10", "BHD", ("2.469", "0.247", "2.716")),
        ("10.005", "gross", 1, "5", "BHD", ("9.529", "0.476", "10.005")),
        ("0.05", "net", 1, "19", "EUR", ("0.05", "0.01", "0.06")),  # 0.0095 rounds up
    ],
)
def test_lines_are_rounded_to_the_currencys_minor_unit(
    price, price_is, quantity, rate, currency, expected
):
    amounts = line_amounts(Decimal(price), price_is, quantity, Decimal(rate), currency)
    assert amounts == tuple(Decimal(value) for value in expected)
    assert [str(value) for value in amounts] == list(expected)


@given(
    price=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("99999"), places=3),
    price_is=st.sampled_from(["net", "gross"]),
    quantity=st.integers(min_value=1, max_value=500),
    rate=st.sampled_from([Decimal(r) for r in ("0", "5", "5.5", "7", "19", "25.5", "27")]),
    currency=st.sampled_from(["EUR", "JPY", "BHD"]),
)
def test_net_plus_vat_is_gross_exactly(price, price_is, quantity, rate, currency):
    net, vat, gross = line_amounts(price, price_is, quantity, rate, currency)
    assert net + vat == gross
    digits = {"EUR": 2, "JPY": 0, "BHD": 3}[currency]
    assert all(value.as_tuple().exponent == -digits for value in (net, vat, gross))


def test_order_totals_are_the_sums_of_the_rounded_lines():
    lines = [line_amounts(Decimal("0.03"), "net", 1, Decimal(19), "EUR") for _ in range(3)]
    # Each line's VAT is 0.0057 -> 0.01; an order-level 0.09 x 19 % would give 0.02.
    assert order_totals(lines) == (Decimal("0.09"), Decimal("0.03"), Decimal("0.12"))
    assert isinstance(order_totals(lines), LineAmounts)
    assert order_totals([]) == (0, 0, 0)


@pytest.mark.parametrize(
    "bad",
    [
        {"unit_price": 10.0},
        {"rate": 19.0},
        {"quantity": 0},
        {"quantity": -1},
        {"quantity": True},
        {"quantity": 1.0},
        {"price_is": "brutto"},
        {"rate": Decimal(-1)},
    ],
)
def test_line_amounts_refuses_floats_and_nonsense(bad):
    arguments = {
        "unit_price": Decimal("10.00"),
        "price_is": "net",
        "quantity": 1,
        "rate": Decimal(19),
        "currency": "EUR",
    } | bad
    with pytest.raises((TypeError, ValueError)):
        line_amounts(**arguments)


def test_floats_are_refused_with_a_type_error():
    with pytest.raises(TypeError, match="float"):
        line_amounts(10.0, "net", 1, Decimal(19), "EUR")


# --- the rates table ------------------------------------------------------------------------

RATES_FILE = Path(__file__).resolve().parents[2] / "voiceapp/domain/data/eu_vat_rates.json"


def test_the_rates_table_names_its_source_and_date():
    table = json.loads(RATES_FILE.read_text("utf-8"))
    assert "European Commission" in table["source"]
    assert date.fromisoformat(table["source_date"]) >= date(2025, 1, 1)


def test_the_rates_table_has_the_27_member_states_and_sane_current_rates():
    members = eu_members()
    assert len(members) == 27
    assert {"DE", "FR", "AT", "GR", "HR"} <= members
    assert not {"GB", "CH", "EL"} & members
    for country in members:
        standard = rate_for(country, "standard", DAY)
        reduced = rate_for(country, "reduced", DAY)
        assert Decimal(15) <= standard <= Decimal(27), country
        assert Decimal(0) < reduced <= standard, country
        assert rate_for(country, "electronic_service", DAY) == standard


def test_the_rates_file_is_shipped_in_the_wheel():
    pyproject = tomllib.loads((RATES_FILE.parents[3] / "pyproject.toml").read_text("utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["voiceapp"]
    inside_package = RATES_FILE.relative_to(RATES_FILE.parents[3] / "voiceapp").as_posix()
    assert any(fnmatch(inside_package, pattern) for pattern in patterns)
