"""Bank details: the team's account (bank transfers, SEPA creditor) and the account a
customer gives for a SEPA direct debit. Checked with python-stdnum (IBAN: ISO 13616 with
its mod 97 check digits and each country's length; BIC: ISO 9362; the SEPA creditor
identifier: EPC's AT-02, mod 97 over the national part), and shown masked where a full
number is not needed.
"""

from __future__ import annotations

from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.eu import at_02
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, ValidationError

# SEPA's limit for names in payment messages (pain.001 / pain.008: Max70Text).
MAX_HOLDER_LENGTH = 70
# ISO 13616: the shortest IBAN in use (Norway) has 15 characters, the standard allows 34.
MIN_IBAN_LENGTH, MAX_IBAN_LENGTH = 15, 34


class BankDetailError(ValueError):
    """A number that is not what it claims to be; the message says why, for a person, and
    `code` names the problem for pages in other languages (the customer's pay page)."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


def checked_iban(text: str) -> str:
    """The IBAN without spaces, upper case; BankDetailError when it is not one."""
    compact = stdnum_iban.compact(text or "")
    if not compact:
        raise BankDetailError("enter the IBAN", "missing")
    if not (compact[:2].isalpha() and compact[2:4].isdigit()):
        raise BankDetailError(
            "not an IBAN: it starts with a country code and two check digits (DE89 ...)",
            "format",
        )
    if not MIN_IBAN_LENGTH <= len(compact) <= MAX_IBAN_LENGTH:
        raise BankDetailError(
            f"an IBAN has {MIN_IBAN_LENGTH} to {MAX_IBAN_LENGTH} characters; "
            f"this one has {len(compact)}",
            "length",
        )
    try:
        return stdnum_iban.validate(compact)
    except InvalidChecksum as exc:
        raise BankDetailError(
            "the IBAN's check digits do not match: a character is mistyped or missing",
            "checksum",
        ) from exc
    except InvalidComponent as exc:
        raise BankDetailError(f"{compact[:2]} is not a country with IBANs", "country") from exc
    except InvalidFormat as exc:
        raise BankDetailError(
            f"not an IBAN of {compact[:2]}: it has {len(compact)} characters, or a letter "
            "where a digit belongs; check it against a statement",
            "country_format",
        ) from exc
    except ValidationError as exc:  # a country's own rule (stdnum's national checks)
        raise BankDetailError(
            f"not a valid IBAN of {compact[:2]}: check the letters and digits", "invalid"
        ) from exc


def checked_bic(text: str) -> str:
    """A BIC (8 or 11 characters), upper case; BankDetailError when it is not one."""
    compact = stdnum_bic.compact(text or "")
    try:
        return stdnum_bic.validate(compact)
    except ValidationError as exc:
        raise BankDetailError(
            "not a BIC: 8 or 11 letters and digits, such as DEUTDEFF or DEUTDEFF500", "invalid"
        ) from exc


def checked_creditor_id(text: str) -> str:
    """A SEPA creditor identifier (DE98ZZZ09999999999), upper case, without spaces."""
    compact = at_02.compact(text or "")
    try:
        return at_02.validate(compact)
    except ValidationError as exc:
        raise BankDetailError(
            "not a SEPA creditor identifier: a country code, two check digits, a business "
            "code (often ZZZ) and the national part, such as DE98ZZZ09999999999",
            "invalid",
        ) from exc


def checked_holder(text: str) -> str:
    holder = " ".join((text or "").split())
    if not holder:
        raise BankDetailError("enter the account holder's name", "missing")
    if len(holder) > MAX_HOLDER_LENGTH:
        raise BankDetailError(f"at most {MAX_HOLDER_LENGTH} characters", "too_long")
    return holder


def format_iban(iban: str) -> str:
    """In groups of four, as printed on bank cards and statements."""
    return stdnum_iban.format(iban)


def mask_iban(iban: str) -> str:
    """`DE89 **** **** **** **30 00`: the country and check digits and the last four
    characters, enough for the customer and a manager to recognise the account, not to
    debit it."""
    compact = stdnum_iban.compact(iban)
    hidden = compact[:4] + "*" * (len(compact) - 8) + compact[-4:]
    return " ".join(hidden[i : i + 4] for i in range(0, len(hidden), 4))
