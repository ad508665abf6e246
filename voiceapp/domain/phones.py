"""Phone numbers: parsing any written form to E.164, and a number's local time zone.

Everything goes through `phonenumbers` (Google's libphonenumber); national formats are read
with a default region (the DEFAULT_REGION setting).
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType, number_type
from phonenumbers import timezone as number_timezones

# What Twilio sends for a withheld caller ID (TWILIO.md).
WITHHELD_CALLER_IDS = frozenset({"", "anonymous", "restricted", "+266696687", "unknown"})

_TEL_URI = re.compile(r"^tel:", re.IGNORECASE)
# The shape of a number as Twilio writes it (E.164): a plus, then 7 to 15 digits.
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class InvalidPhoneNumber(ValueError):
    """The text is not a valid phone number; the message says why, in words for a person."""


def normalize_phone(text: str, default_region: str | None = "DE") -> str:
    """Return the E.164 form of `text`, or raise InvalidPhoneNumber.

    Accepts international ("+49 151 1234 5678", "0049 ..."), national ("0151 12345678" with
    region DE) and RFC 3966 forms ("tel:+49-151-12345678;ext=1").
    """
    raw = (text or "").strip()
    if not raw:
        raise InvalidPhoneNumber("a phone number is required")
    if _TEL_URI.match(raw):
        # RFC 3966: drop the scheme and any ;parameters (extension, phone-context).
        raw = raw[4:].split(";", 1)[0]
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        parsed = phonenumbers.parse(raw, None if raw.startswith("+") else default_region)
    except NumberParseException as exc:
        raise InvalidPhoneNumber(f"not a phone number: {text!r}") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumber(f"not a valid phone number: {text!r}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def try_normalize_phone(text: str, default_region: str | None = "DE") -> str | None:
    try:
        return normalize_phone(text, default_region)
    except InvalidPhoneNumber:
        return None


def is_withheld(caller_id: str | None) -> bool:
    return (caller_id or "").strip().lower() in WITHHELD_CALLER_IDS


def guess_phone_kind(e164: str) -> str:
    """mobile for mobile numbers, work for everything else (a sensible default for imports)."""
    kind = number_type(phonenumbers.parse(e164, None))
    return "mobile" if kind in (PhoneNumberType.MOBILE,) else "work"


def region_of(e164: str) -> str | None:
    return phonenumbers.region_code_for_number(phonenumbers.parse(e164, None))


def format_international(e164: str) -> str:
    """+4915112345678 -> "+49 1511 2345678"; anything that is not a number (a withheld
    caller ID, client:agent_1) is shown as it is."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _single_zone(zones: tuple[str, ...] | list[str]) -> str | None:
    zones = [z for z in zones if z != "Etc/Unknown"]
    return zones[0] if zones else None


def timezone_for_country(country: str | None) -> str | None:
    """The main time zone of a country (ISO 3166 alpha-2), from its example fixed-line number."""
    if not country:
        return None
    example = phonenumbers.example_number_for_type(country.upper(), PhoneNumberType.FIXED_LINE)
    if example is None:
        return None
    return _single_zone(number_timezones.time_zones_for_number(example))


def timezone_for_contact(numbers: list[str], country: str | None) -> str | None:
    """A contact's local zone: from the first number that names exactly one zone, else from
    the address country, else from the first number's country."""
    for e164 in numbers:
        zones = number_timezones.time_zones_for_number(phonenumbers.parse(e164, None))
        if len(zones) == 1 and zones[0] != "Etc/Unknown":
            return zones[0]
    zone = timezone_for_country(country)
    if zone:
        return zone
    for e164 in numbers:
        zone = timezone_for_country(region_of(e164))
        if zone:
            return zone
    return None
