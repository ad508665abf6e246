from __future__ import annotations

import pytest

from voiceapp.domain.phones import (
    InvalidPhoneNumber,
    guess_phone_kind,
    is_withheld,
    normalize_phone,
    timezone_for_contact,
    timezone_for_country,
)


@pytest.mark.parametrize(
    "written",
    [
        "+49 151 1234 5678",
        "+4915112345678",
        "0151 12345678",
        "0151/123 456 78",
        "(0151) 1234-5678",
        "0049 151 12345678",
        "tel:+49-151-12345678",
        "TEL:+49 151 12345678;ext=12",
    ],
)
def test_every_written_form_of_one_number_gives_the_same_e164(written):
    assert normalize_phone(written, "DE") == "+4915112345678"


def test_national_format_is_read_with_the_default_region():
    assert normalize_phone("612 345 678", "ES") == "+34612345678"
    assert normalize_phone("06 12 34 56 78", "FR") == "+33612345678"


@pytest.mark.parametrize("bad", ["", "   ", "12", "hello", "+49 151", "0151 1234567890123"])
def test_invalid_numbers_are_refused_with_a_reason(bad):
    with pytest.raises(InvalidPhoneNumber) as info:
        normalize_phone(bad, "DE")
    assert str(info.value)


def test_a_national_number_without_a_region_is_refused():
    with pytest.raises(InvalidPhoneNumber):
        normalize_phone("0151 12345678", None)


@pytest.mark.parametrize("caller", ["anonymous", "Anonymous", "+266696687", "restricted", "", None])
def test_withheld_caller_ids_are_recognised(caller):
    assert is_withheld(caller)


def test_a_real_number_is_not_withheld():
    assert not is_withheld("+4915112345678")


def test_mobile_and_fixed_line_kinds_are_guessed():
    assert guess_phone_kind("+4915112345678") == "mobile"
    assert guess_phone_kind("+4930901820") == "work"


def test_timezone_comes_from_a_number_with_a_single_zone():
    assert timezone_for_contact(["+34612345678"], None) == "Europe/Madrid"


def test_timezone_falls_back_to_the_address_country_when_the_number_spans_zones():
    # An Australian mobile number does not say its zone; the address country decides.
    assert timezone_for_contact(["+61412345678"], "DE") == "Europe/Berlin"


def test_timezone_of_a_country_and_of_nothing():
    assert timezone_for_country("FR") == "Europe/Paris"
    assert timezone_for_country(None) is None
    assert timezone_for_contact([], None) is None
