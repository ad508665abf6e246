"""Regulated numbers, as Twilio sells them: most countries outside North America need an
approved Regulatory Bundle (BundleSid) to buy a number and many an Address of its user
(AddressSid). Without them the purchase is refused with Twilio's errors 21649 (bundle)
and 21631 (address); the account's bundles and addresses are listed through the REST API.

Pages: https://www.twilio.com/en-us/changelog/regulated-number-bundle-provisioning-requirement
(21649 without a compliant BundleSid), https://www.twilio.com/docs/api/errors/21631
(address required), https://www.twilio.com/docs/phone-numbers/regulatory/api/bundles
(Bundles: numbers.twilio.com/v2/RegulatoryCompliance/Bundles, status twilio-approved),
https://www.twilio.com/docs/usage/api/address (Addresses) and the AvailablePhoneNumbers
resource's `address_requirements` (none, any, local, foreign)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from voiceapp.sim.state import API_VERSION, new_sid

# Country -> (address requirement of its local numbers, whether a bundle is needed).
REGULATIONS = {
    "DE": ("local", True),
    "AT": ("local", True),
    "ES": ("local", True),
    "FR": ("local", True),
    "GB": ("any", True),
    "US": ("none", False),
}
APPROVED = "twilio-approved"


@dataclass
class Bundle:
    sid: str
    friendly_name: str
    iso_country: str
    number_type: str = "local"
    status: str = APPROVED
    date_created: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_json(self, account_sid: str) -> dict:
        stamp = self.date_created.isoformat().replace("+00:00", "Z")
        return {
            "sid": self.sid,
            "account_sid": account_sid,
            "regulation_sid": "RN" + self.sid[2:],
            "friendly_name": self.friendly_name,
            "status": self.status,
            "valid_until": None,
            "email": "compliance@example.com",
            "status_callback": None,
            "date_created": stamp,
            "date_updated": stamp,
            "url": f"https://numbers.twilio.com/v2/RegulatoryCompliance/Bundles/{self.sid}",
            "links": {},
        }


@dataclass
class Address:
    sid: str
    customer_name: str
    street: str
    city: str
    postal_code: str
    iso_country: str
    region: str = ""

    def to_json(self, account_sid: str) -> dict:
        return {
            "sid": self.sid,
            "account_sid": account_sid,
            "customer_name": self.customer_name,
            "friendly_name": f"{self.customer_name}, {self.city}",
            "street": self.street,
            "street_secondary": None,
            "city": self.city,
            "region": self.region,
            "postal_code": self.postal_code,
            "iso_country": self.iso_country,
            "emergency_enabled": False,
            "validated": True,
            "verified": True,
            "uri": f"/{API_VERSION}/Accounts/{account_sid}/Addresses/{self.sid}.json",
        }


def seed_demo(account) -> None:
    """What a German team's account holds: an approved bundle for German local numbers
    (and one still in review), one for the UK, and the office's address in Berlin."""
    for name, country, status in (
        ("voiceapp demo GmbH (DE local)", "DE", APPROVED),
        ("voiceapp demo GmbH (DE local, resubmitted)", "DE", "pending-review"),
        ("voiceapp demo Ltd (GB local)", "GB", APPROVED),
    ):
        bundle = Bundle(new_sid("BU"), name, country, status=status)
        account.bundles[bundle.sid] = bundle
    for address in (
        Address(new_sid("AD"), "voiceapp demo GmbH", "Friedrichstraße 1", "Berlin", "10117", "DE"),
        Address(new_sid("AD"), "voiceapp demo Ltd", "1 Fleet Street", "London", "EC4Y 1AA", "GB"),
    ):
        account.addresses[address.sid] = address


def purchase_refusal(account, country: str | None, form: dict) -> tuple[int, str] | None:
    """Why Twilio would refuse to sell a number of `country` with this form, or None."""
    requirement, needs_bundle = REGULATIONS.get(country or "", ("none", False))
    bundle = account.bundles.get(form.get("BundleSid") or "")
    if needs_bundle and (
        bundle is None
        or bundle.status != APPROVED
        or bundle.iso_country != country
        or bundle.number_type != "local"
    ):
        given = form.get("BundleSid")
        why = f"Bundle {given} is not a twilio-approved bundle for" if given else "A BundleSid of"
        return 21649, (
            f"Phone Number Requires a Bundle: {why} a twilio-approved Regulatory Bundle for "
            f"{country} local numbers is required"
        )
    if requirement == "none":
        return None
    sid = form.get("AddressSid")
    address = account.addresses.get(sid or "")
    if address is None or (requirement == "local" and address.iso_country != country):
        if not sid:
            return 21631, "Phone Number Requires an Address: an AddressSid is required"
        return 21631, (
            f"Could not find Address with sid {sid} for account {account.sid} to satisfy "
            f"{requirement.capitalize()} Address requirement"
        )
    return None


def address_requirement(country: str) -> str:
    return REGULATIONS.get(country, ("none", False))[0]
