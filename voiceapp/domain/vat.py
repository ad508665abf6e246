"""Which VAT an order carries, VAT ID checks, and the amounts of an order's lines.

The rule (`decide_vat`), from the seller's country and the buyer's, all EU law in the simple
form a phone-sales team needs:

- a consumer in the EU pays the VAT of their own country (the OSS rule for distance sales and
  electronic services, Art. 33 and 58 Directive 2006/112/EC). Kept simple on purpose: the
  10,000 EUR yearly threshold under which a small seller may charge its own rate is not
  applied, so a seller using it must not use voiceapp's rates for such sales;
- a business in the seller's own country pays the seller's rate;
- a business in another member state with a valid VAT ID of that state: reverse charge,
  0 %, and the legal note printed on the order (Art. 196); without a VAT ID it is taxed as
  a consumer;
- a buyer outside the EU: 0 % (export of goods, or a service supplied outside the EU).

Countries are ISO 3166-1 alpha-2 codes (Greece is GR; "EL" is only its VAT prefix).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal, NamedTuple

from stdnum import exceptions as stdnum_errors
from stdnum import util as stdnum_util
from stdnum.eu import vat as eu_vat

from voiceapp.domain.money import require_decimal, round_money
from voiceapp.domain.vat_rates import (
    CATEGORIES,
    eu_members,
    normalize_country,
    rate_for,
    vat_prefix,
)

REVERSE_CHARGE_NOTE = (
    "Reverse charge: VAT to be accounted for by the recipient (Art. 196 Directive 2006/112/EC)"
)
# The words § 14a UStG asks a German seller's invoice for.
REVERSE_CHARGE_NOTE_DE = "Steuerschuldnerschaft des Leistungsempfängers (Art. 196 MwStSystRL)"
EXPORT_NOTE = "No VAT: the buyer is outside the EU (export)"
EXPORT_NOTE_DE = "Keine Umsatzsteuer: Käufer außerhalb der EU (Ausfuhr)"

_NOTES_DE = {REVERSE_CHARGE_NOTE: REVERSE_CHARGE_NOTE_DE, EXPORT_NOTE: EXPORT_NOTE_DE}

_ZERO = Decimal(0)


class InvalidVatId(ValueError):
    """A VAT ID that fails its format check; the message says what is wrong with it."""


@dataclass(frozen=True)
class VatDecision:
    rate: Decimal  # percent: Decimal("19") is 19 %
    reverse_charge: bool
    note: str | None  # in English; note_in("de") gives the German words
    rate_country: str | None  # whose rate `rate` is; None when no VAT is charged
    # The rate a price stated "gross" is read to contain (see line_amounts): the rate itself
    # when VAT is charged, the seller's own rate for the category when it is not.
    gross_price_rate: Decimal
    vat_id: str | None = None  # the buyer's VAT ID, normalised, when one was given

    def note_in(self, language: str) -> str | None:
        if self.note is not None and language.lower().startswith("de"):
            return _NOTES_DE.get(self.note, self.note)
        return self.note


def check_vat_id(vat_id: str | None, country: str) -> str | None:
    """The VAT ID normalised ("de 136 695 976" -> "DE136695976"), None when none is given.

    Only the format and check digits are checked, with python-stdnum; whether the ID is
    registered and active would need a VIES request, which voiceapp does not make (no network
    in a form check, and VIES is often down). An ID written without its prefix gets the
    country's; Greece's is EL, and a Greek ID written with GR is given EL. For a country
    outside the EU the country's own VAT format is checked where stdnum knows it.
    Raises InvalidVatId naming what is wrong: the prefix, the length, the check digit ...
    """
    text = (vat_id or "").strip()
    if not text:
        return None
    country = normalize_country(country)
    if country not in eu_members():
        return _check_national_vat_id(text, country)
    expected = vat_prefix(country)
    # stdnum's own compact() insists on a prefix; clean() only drops the separators.
    number = stdnum_util.clean(text, " -./,").upper()
    prefix = number[:2]
    if not prefix.isalpha():
        number, prefix = expected + number, expected
    elif prefix == "GR" and expected == "EL":
        number, prefix = "EL" + number[2:], "EL"
    if prefix != expected:
        raise InvalidVatId(
            f"the VAT ID starts with {prefix}, but a VAT ID of {country} starts with {expected}"
        )
    try:
        return eu_vat.validate(number)
    except stdnum_errors.ValidationError as error:
        raise InvalidVatId(f"{number}: {_what_is_wrong(error)}") from error


def _check_national_vat_id(text: str, country: str) -> str:
    try:
        module = stdnum_util.get_cc_module(country.lower(), "vat")
    except (ImportError, AttributeError):
        module = None
    if module is None:
        return text  # no format known to stdnum: kept as written, for the invoice
    try:
        return module.validate(text)
    except stdnum_errors.ValidationError as error:
        raise InvalidVatId(f"{text}: {_what_is_wrong(error)}") from error


def _what_is_wrong(error: stdnum_errors.ValidationError) -> str:
    if isinstance(error, stdnum_errors.InvalidChecksum):
        return "the check digit is wrong (a mistyped digit?)"
    if isinstance(error, stdnum_errors.InvalidLength):
        return "it has the wrong number of characters"
    if isinstance(error, stdnum_errors.InvalidFormat):
        return "it is not in this country's VAT ID format"
    return "a part of it is not valid for this country"


def decide_vat(
    *,
    seller_country: str,
    buyer_country: str,
    buyer_is_business: bool,
    buyer_vat_id: str | None,
    category: str,
    on: date,
) -> VatDecision:
    """The VAT of an order on the date `on` (the rule is in the module's docstring).

    Raises UnknownCountry for a code that is not a country, InvalidVatId for a VAT ID that
    fails its check (also when it would not change the rate: bad input is not stored), and
    ValueError for a seller outside the EU, whose VAT these rules do not describe.
    """
    seller = normalize_country(seller_country)
    buyer = normalize_country(buyer_country)
    if category not in CATEGORIES:
        raise ValueError(f"VAT category must be one of {', '.join(CATEGORIES)}, not {category!r}")
    if seller not in eu_members():
        raise ValueError(f"the seller's country {seller} is not an EU member state")
    seller_rate = rate_for(seller, category, on)
    vat_id = check_vat_id(buyer_vat_id, buyer)
    if buyer not in eu_members():
        return VatDecision(_ZERO, False, EXPORT_NOTE, None, seller_rate, vat_id)
    if buyer == seller:
        return VatDecision(seller_rate, False, None, seller, seller_rate, vat_id)
    if buyer_is_business and vat_id is not None:
        return VatDecision(_ZERO, True, REVERSE_CHARGE_NOTE, None, seller_rate, vat_id)
    # A consumer, or a business without a VAT ID, which is taxed like one.
    rate = rate_for(buyer, category, on)
    return VatDecision(rate, False, None, buyer, rate, vat_id)


class LineAmounts(NamedTuple):
    net: Decimal
    vat: Decimal
    gross: Decimal


def line_amounts(
    unit_price: Decimal,
    price_is: Literal["net", "gross"],
    quantity: int,
    rate: Decimal,
    currency: str,
    *,
    gross_price_rate: Decimal | None = None,
) -> LineAmounts:
    """One order line's net, VAT and gross, each rounded to `currency`'s minor unit.

    Rounded per line, not per unit: 3 x 0.333 net is 1.00, not 3 x 0.33. Net + VAT == gross
    exactly, because the third amount is always the difference of the other two.

    A "net" price is the seller's price before VAT: VAT is added on top at `rate`.

    A "gross" price is the price a German team quotes on the phone, VAT included:
    - when VAT is charged (a German buyer, or an EU consumer at their own country's rate)
      the buyer pays the quoted price and the VAT inside it is worked out at `rate`; a French
      consumer pays the same 119.00 as a German one, the seller keeps a different net;
    - when none is (reverse charge, export: `rate` 0) the buyer owes no German VAT, so the
      quoted price loses the seller's VAT: net = gross / (1 + seller's rate) and that net is
      all the buyer pays. Pass the seller's rate as `gross_price_rate` (VatDecision has it);
      without it a 0 % line would charge the whole gross as net, which no German B2B
      customer accepts.
    """
    unit_price = require_decimal(unit_price, "unit_price")
    rate = require_decimal(rate, "rate")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise ValueError(f"quantity must be a whole number of at least 1, not {quantity!r}")
    if rate < 0:
        raise ValueError(f"a VAT rate cannot be negative ({rate})")
    if price_is == "net":
        net = round_money(unit_price * quantity, currency)
        vat = round_money(net * rate / 100, currency)
        return LineAmounts(net, vat, net + vat)
    if price_is != "gross":
        raise ValueError(f"price_is must be 'net' or 'gross', not {price_is!r}")
    contained = rate if gross_price_rate is None else require_decimal(gross_price_rate)
    if contained == rate:
        gross = round_money(unit_price * quantity, currency)
        net = round_money(gross / (1 + rate / 100), currency)
        return LineAmounts(net, gross - net, gross)
    net = round_money(unit_price * quantity / (1 + contained / 100), currency)
    vat = round_money(net * rate / 100, currency)
    return LineAmounts(net, vat, net + vat)


def order_totals(lines: Iterable[LineAmounts]) -> LineAmounts:
    """The order's net, VAT and gross: the sums of its rounded lines (all in one currency).

    Never computed again from an order-level rate, and never taken from a client: the sums
    of what each line shows are what the customer can add up on the order.
    """
    net = vat = gross = _ZERO
    for line in lines:
        net, vat, gross = net + line.net, vat + line.vat, gross + line.gross
    return LineAmounts(net, vat, gross)
