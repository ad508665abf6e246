"""The EU member states' VAT rates by date, read from data/eu_vat_rates.json.

The table is shipped as package data (its source and date are named in the file itself), so a
rate change is a data change with a valid_from, and an order dated before it keeps the old rate.
Rates are Decimal percentages: Decimal("19") is 19 %.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources

from babel import Locale

CATEGORIES = ("standard", "reduced", "electronic_service")

# CLDR (babel) names some regions that are not ISO 3166-1 countries: groupings (EU, EZ, UN,
# QO, ZZ), pseudo-locales (XA, XB) and the codes ISO only reserves (AC, CP, CQ, DG, EA, IC,
# TA). What remains are ISO's 249 countries plus Kosovo (XK), which ISO leaves to users and
# everybody uses.
_NOT_ISO_COUNTRIES = frozenset(
    {"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"}
)


class UnknownCountry(ValueError):
    """Not an ISO 3166-1 alpha-2 country code; the message names the code."""


class NoVatRate(LookupError):
    """The table has no rate for this country, category or date; the message says which."""


@dataclass(frozen=True)
class _Period:
    valid_from: date
    standard: Decimal
    reduced: Decimal


@dataclass(frozen=True)
class _MemberState:
    name: str
    vat_prefix: str
    periods: tuple[_Period, ...]  # oldest first


@cache
def _iso_countries() -> frozenset[str]:
    territories = Locale("en").territories
    return frozenset(
        code
        for code in territories
        if len(code) == 2 and code.isalpha() and code not in _NOT_ISO_COUNTRIES
    )


@cache
def _table() -> dict[str, _MemberState]:
    text = resources.files("voiceapp.domain").joinpath("data/eu_vat_rates.json").read_text("utf-8")
    table = {}
    for code, entry in json.loads(text)["countries"].items():
        periods = sorted(
            (
                _Period(
                    date.fromisoformat(period["valid_from"]),
                    Decimal(period["standard"]),
                    Decimal(period["reduced"]),
                )
                for period in entry["periods"]
            ),
            key=lambda period: period.valid_from,
        )
        table[code] = _MemberState(entry["name"], entry["vat_prefix"], tuple(periods))
    return table


def normalize_country(country: str) -> str:
    """`country` as an upper-case ISO 3166-1 alpha-2 code, or UnknownCountry.

    "EL" is refused with a hint: it is Greece's VAT prefix, not its country code (GR).
    """
    code = country.strip().upper() if isinstance(country, str) else ""
    if code == "EL":
        raise UnknownCountry("'EL' is Greece's VAT prefix; its ISO 3166-1 country code is 'GR'")
    if code not in _iso_countries():
        raise UnknownCountry(f"{country!r} is not an ISO 3166-1 alpha-2 country code")
    return code


def is_eu_member(country: str) -> bool:
    """True for a member state of the EU (the countries the rates table lists)."""
    return normalize_country(country) in _table()


def eu_members() -> frozenset[str]:
    return frozenset(_table())


def vat_prefix(country: str) -> str:
    """The prefix of a member state's VAT IDs: the country code, but EL for Greece (GR)."""
    code = normalize_country(country)
    if code not in _table():
        raise NoVatRate(f"{code} is not an EU member state: it has no EU VAT prefix")
    return _table()[code].vat_prefix


def rate_for(country: str, category: str, on: date) -> Decimal:
    """The VAT rate in percent of `country` for `category` on the date `on`.

    Electronic services (Annex II, Directive 2006/112/EC: software, downloads, online courses
    delivered automatically) are taxed where the consumer lives (Art. 58) and Annex III's
    reduced rates do not cover them, so they carry the standard rate of the country asked
    for; the caller asks for the buyer's country. (E-books and online newspapers may be
    reduced since Directive 2018/1713; a product like that is "reduced", not an electronic
    service.)
    """
    if category not in CATEGORIES:
        raise ValueError(f"VAT category must be one of {', '.join(CATEGORIES)}, not {category!r}")
    code = normalize_country(country)
    member = _table().get(code)
    if member is None:
        raise NoVatRate(f"{code} is not an EU member state: voiceapp has no VAT rates for it")
    in_force = [period for period in member.periods if period.valid_from <= on]
    if not in_force:
        first = member.periods[0].valid_from.isoformat()
        raise NoVatRate(f"no VAT rate for {code} before {first} (asked for {on.isoformat()})")
    period = in_force[-1]
    return period.reduced if category == "reduced" else period.standard
