"""What Twilio charges for a call leg, the way its Call resource shows it: `price` a
negative decimal string with five places ("-0.03000"), `price_unit` the account's
currency, filled in a little after the leg completed and null until then
(https://www.twilio.com/docs/voice/api/call-resource, `price`; per-minute billing rounded
up to the next minute: https://www.twilio.com/en-us/voice/pricing). Only a completed leg
is billed.

The rates are the simulator's own round figures in the shape of Twilio's German price
list (receiving on a local number, a browser client, landlines and mobiles at home and
abroad), not Twilio's current prices."""

from __future__ import annotations

import math
import time
from decimal import Decimal

import phonenumbers
from phonenumbers import PhoneNumberType

from voiceapp.sim.state import CallRecord

HOME = "DE"
RECEIVE_PER_MINUTE = Decimal("0.0100")  # a call to one of the account's numbers
CLIENT_PER_MINUTE = Decimal("0.0040")  # a leg to or from a browser client
CALL_PER_MINUTE = {  # (at home?, mobile?) -> rate of a call the account places
    (True, False): Decimal("0.0300"),
    (True, True): Decimal("0.1350"),
    (False, False): Decimal("0.0500"),
    (False, True): Decimal("0.2000"),
}
MOBILE = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


def per_minute(record: CallRecord) -> Decimal:
    if record.to.startswith("client:") or record.from_.startswith("client:"):
        return CLIENT_PER_MINUTE
    if record.direction == "inbound":
        return RECEIVE_PER_MINUTE
    try:
        number = phonenumbers.parse(record.to)
    except phonenumbers.NumberParseException:
        return CALL_PER_MINUTE[(False, True)]
    home = phonenumbers.region_code_for_number(number) == HOME
    return CALL_PER_MINUTE[(home, phonenumbers.number_type(number) in MOBILE)]


def leg_price(record: CallRecord) -> Decimal:
    """What the leg cost, as Twilio writes it (money spent is negative)."""
    if record.status != "completed":
        return Decimal("0.00000")
    minutes = max(1, math.ceil((record.duration or 0) / 60))
    return -(per_minute(record) * minutes).quantize(Decimal("0.00001"))


def price_when_done(record: CallRecord, *, unit: str, delay_seconds: float) -> None:
    """Called as the leg completes: the price shows in the REST API `delay_seconds` later."""
    record.price = leg_price(record)
    record.price_unit = unit
    record.priced_from = time.monotonic() + delay_seconds
