"""Bank details as the pay page and the sales settings check them (python-stdnum), each
problem named by a code the customer's page says in its own language, and IBANs masked."""

from __future__ import annotations

import pytest

from voiceapp.domain.bank_details import (
    BankDetailError,
    checked_bic,
    checked_creditor_id,
    checked_holder,
    checked_iban,
    format_iban,
    mask_iban,
)


def test_an_iban_is_read_without_spaces_in_upper_case():
    assert checked_iban(" de89 3704 0044 0532 0130 00 ") == "DE89370400440532013000"
    assert checked_iban("NL91ABNA0417164300") == "NL91ABNA0417164300"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "missing"),
        ("   ", "missing"),
        ("hello world", "format"),
        ("89DE370400440532013000", "format"),
        ("DE89 3704", "length"),
        ("DE" + "1" * 40, "length"),
        ("DE89 3704 0044 0532 0130 01", "checksum"),  # one digit wrong
        ("DE89 3704 0044 0532 0103 00", "checksum"),  # two neighbours swapped
        ("DE89 3704 0044 0532 0130", "checksum"),  # two digits missing
    ],
)
def test_a_wrong_iban_is_refused_with_the_reason(typed, code):
    with pytest.raises(BankDetailError) as refused:
        checked_iban(typed)
    assert refused.value.code == code
    assert str(refused.value)  # and a sentence for the settings page


def test_an_iban_of_the_wrong_length_for_its_country_is_refused():
    # Valid check digits, but a German IBAN has 22 characters.
    from stdnum import iban

    body = "370400440532013000" + "12"
    digits = iban.calc_check_digits("DEXX" + body)
    with pytest.raises(BankDetailError) as refused:
        checked_iban(f"DE{digits}{body}")
    assert refused.value.code == "country_format"
    with pytest.raises(BankDetailError) as refused:
        checked_iban("QQ" + iban.calc_check_digits("QQXX" + body) + body)
    assert refused.value.code == "country"


def test_a_masked_iban_keeps_the_country_the_check_digits_and_the_last_four():
    assert mask_iban("DE89370400440532013000") == "DE89 **** **** **** **30 00"
    assert mask_iban("NL91 ABNA 0417 1643 00") == "NL91 **** **** **43 00"
    assert format_iban("DE89370400440532013000") == "DE89 3704 0044 0532 0130 00"


def test_bics_and_creditor_identifiers_are_checked():
    assert checked_bic("deutdeff") == "DEUTDEFF"
    assert checked_bic("DEUT DE FF 500") == "DEUTDEFF500"
    assert checked_creditor_id("de98 zzz 0999 9999 999") == "DE98ZZZ09999999999"
    for bad in ("DEUT", "12345678", "DEUTDEFF5"):
        with pytest.raises(BankDetailError):
            checked_bic(bad)
    for bad in ("DE97ZZZ09999999999", "x", ""):
        with pytest.raises(BankDetailError):
            checked_creditor_id(bad)


def test_the_holder_is_required_and_at_most_seventy_characters():
    assert checked_holder("  Anna   Muster ") == "Anna Muster"
    with pytest.raises(BankDetailError) as missing:
        checked_holder(" ")
    assert missing.value.code == "missing"
    with pytest.raises(BankDetailError) as long:
        checked_holder("x" * 71)
    assert long.value.code == "too_long"
