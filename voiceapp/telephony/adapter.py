"""The REST side of Twilio behind a small interface: numbers, calls and recordings.

`TwilioAdapter` wraps twilio's own Client; TWILIO_API_BASE points it somewhere else than
api.twilio.com (the project's simulator in development and tests). Tests of code that
needs Twilio's REST API use a fake with the same methods.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Protocol

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

# twilio's Client waits forever by default, and lets requests' network errors through
# (they are not TwilioExceptions): every call here is bounded, and both kinds of failure
# become TelephonyError.
DEFAULT_TIMEOUT_SECONDS = 30
_FAILURES = (TwilioException, requests.RequestException)


class TelephonyError(RuntimeError):
    """Twilio's REST API refused or could not be reached; the message says why, `status`
    Twilio's HTTP status when it answered and `code` its error code when it gave one
    (21649, 21631 ...)."""

    def __init__(self, message: str, status: int | None = None, code: int | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


# Recording media formats Twilio serves: the extension appended to the media URL.
MEDIA_FORMATS = ("mp3", "wav")


def _refusal(doing: str, exc: Exception) -> TelephonyError:
    if isinstance(exc, TwilioRestException):
        return TelephonyError(
            f"{doing}: {exc.msg} (Twilio error {exc.code})", status=exc.status, code=exc.code
        )
    return TelephonyError(f"{doing}: {exc}")


@dataclass(frozen=True)
class NumberInfo:
    sid: str | None
    number: str
    friendly_name: str
    # AvailablePhoneNumbers' address_requirements: none, any, local or foreign.
    address_requirements: str = "none"


@dataclass(frozen=True)
class RegulatoryChoice:
    """An approved Regulatory Bundle or an Address of the account, to buy a number with."""

    sid: str
    label: str


class TelephonyAdapter(Protocol):
    def list_numbers(self) -> list[NumberInfo]: ...

    def search_available(self, country: str, contains: str | None = None) -> list[NumberInfo]: ...

    def buy_number(
        self,
        number: str,
        *,
        voice_url: str,
        fallback_url: str,
        status_callback: str,
        bundle_sid: str | None = None,
        address_sid: str | None = None,
    ) -> NumberInfo: ...

    def approved_bundles(self, country: str) -> list[RegulatoryChoice]: ...

    def addresses(self) -> list[RegulatoryChoice]: ...

    def configure_number(
        self, sid: str, *, voice_url: str, fallback_url: str, status_callback: str
    ) -> None: ...

    def fetch_recording(self, recording_sid: str, fmt: str = "wav") -> bytes: ...

    def delete_recording(self, recording_sid: str) -> None: ...

    def fetch_call_price(self, call_sid: str) -> tuple[Decimal, str] | None: ...


def _webhooks(voice_url: str, fallback_url: str, status_callback: str) -> dict:
    return {
        "voice_url": voice_url,
        "voice_method": "POST",
        "voice_fallback_url": fallback_url,
        "voice_fallback_method": "POST",
        "status_callback": status_callback,
        "status_callback_method": "POST",
    }


def import_rest_client_modules() -> None:
    """Import now what twilio's REST client imports on first use for the calls our jobs
    make (a call's price, a recording's deletion): it loads its API's modules lazily, 130
    of them for a call's price. `voiceapp worker` calls this before RQ forks a work horse
    per job: a module the parent has not imported, every job imports anew (0.1-0.25 s a
    job on the development machine). Builds clients only; nothing goes over the network."""
    account = TwilioAdapter("AC" + "0" * 32, "unused", api_base="http://127.0.0.1")._account()
    account.calls("CA" + "0" * 32)
    account.recordings("RE" + "0" * 32)


class TwilioAdapter:
    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        api_base: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ):
        self.timeout = timeout
        self.client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
        self.account_sid = account_sid
        if api_base:
            self.client.api.base_url = api_base.rstrip("/")
            # Regulatory bundles live on numbers.twilio.com; the simulator serves both.
            self.client.numbers.base_url = api_base.rstrip("/")

    def _account(self):
        return self.client.api.v2010.accounts(self.account_sid)

    def list_numbers(self) -> list[NumberInfo]:
        try:
            numbers = self._account().incoming_phone_numbers.list(limit=500)
        except _FAILURES as exc:
            raise TelephonyError(f"could not list the account's numbers: {exc}") from exc
        return [
            NumberInfo(n.sid, n.phone_number, n.friendly_name or n.phone_number) for n in numbers
        ]

    def search_available(self, country: str, contains: str | None = None) -> list[NumberInfo]:
        try:
            found = (
                self._account()
                .available_phone_numbers(country)
                .local.list(contains=contains or None, voice_enabled=True, limit=20)
            )
        except _FAILURES as exc:
            raise TelephonyError(f"could not search numbers in {country}: {exc}") from exc
        return [
            NumberInfo(
                None,
                n.phone_number,
                n.friendly_name or n.phone_number,
                n.address_requirements or "none",
            )
            for n in found
        ]

    def buy_number(
        self,
        number: str,
        *,
        voice_url: str,
        fallback_url: str,
        status_callback: str,
        bundle_sid: str | None = None,
        address_sid: str | None = None,
    ) -> NumberInfo:
        """Buy a number pointed at this app. Regulated numbers (most of Europe) need an
        approved bundle and often an address: Twilio refuses with 21649 / 21631 otherwise
        (TelephonyError.code)."""
        regulatory = {}
        if bundle_sid:
            regulatory["bundle_sid"] = bundle_sid
        if address_sid:
            regulatory["address_sid"] = address_sid
        try:
            bought = self._account().incoming_phone_numbers.create(
                phone_number=number,
                **_webhooks(voice_url, fallback_url, status_callback),
                **regulatory,
            )
        except _FAILURES as exc:
            raise _refusal(f"could not buy {number}", exc) from exc
        return NumberInfo(bought.sid, bought.phone_number, bought.friendly_name or number)

    def approved_bundles(self, country: str) -> list[RegulatoryChoice]:
        """The account's twilio-approved bundles for local numbers of `country`
        (https://www.twilio.com/docs/phone-numbers/regulatory/api/bundles)."""
        try:
            bundles = self.client.numbers.v2.regulatory_compliance.bundles.list(
                status="twilio-approved", iso_country=country, number_type="local", limit=100
            )
        except _FAILURES as exc:
            raise _refusal(f"could not list the bundles for {country}", exc) from exc
        return [RegulatoryChoice(b.sid, b.friendly_name or b.sid) for b in bundles]

    def addresses(self) -> list[RegulatoryChoice]:
        """The account's addresses (https://www.twilio.com/docs/usage/api/address)."""
        try:
            found = self._account().addresses.list(limit=200)
        except _FAILURES as exc:
            raise _refusal("could not list the account's addresses", exc) from exc
        return [
            RegulatoryChoice(
                a.sid,
                ", ".join(p for p in (a.customer_name, a.street, a.city, a.iso_country) if p),
            )
            for a in found
        ]

    def configure_number(
        self, sid: str, *, voice_url: str, fallback_url: str, status_callback: str
    ) -> None:
        """Point a number of the account at this app (voice, fallback and status URLs)."""
        try:
            self._account().incoming_phone_numbers(sid).update(
                **_webhooks(voice_url, fallback_url, status_callback)
            )
        except _FAILURES as exc:
            raise TelephonyError(f"could not configure number {sid}: {exc}") from exc

    def fetch_recording(self, recording_sid: str, fmt: str = "wav") -> bytes:
        """The recording's media, as WAV (Twilio's 128 kbit/s a channel) or MP3 (32 kbit/s,
        mono), fetched with the account's credentials (new accounts require HTTP basic
        auth on media URLs)."""
        if fmt not in MEDIA_FORMATS:
            raise ValueError(f"recording media format must be one of {MEDIA_FORMATS}")
        url = (
            f"{self.client.api.base_url}/2010-04-01/Accounts/{self.account_sid}"
            f"/Recordings/{recording_sid}.{fmt}"
        )
        # Not through twilio's http client: it decodes bodies as text, and media is binary.
        try:
            response = requests.get(
                url, auth=(self.client.username, self.client.password), timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise TelephonyError(f"could not fetch recording {recording_sid}: {exc}") from exc
        if response.status_code != 200:
            raise TelephonyError(
                f"could not fetch recording {recording_sid} as {fmt}: HTTP {response.status_code}",
                status=response.status_code,
            )
        return response.content

    def delete_recording(self, recording_sid: str) -> None:
        try:
            self._account().recordings(recording_sid).delete()
        except TwilioRestException as exc:
            if exc.status != 404:  # already gone is what we wanted
                raise TelephonyError(f"could not delete recording {recording_sid}: {exc}") from exc
        except _FAILURES as exc:
            raise TelephonyError(f"could not delete recording {recording_sid}: {exc}") from exc

    def fetch_call_price(self, call_sid: str) -> tuple[Decimal, str] | None:
        """(price, currency) of a call leg, or None while Twilio has not priced it yet
        (https://www.twilio.com/docs/voice/api/call-resource: `price` may be null for a
        while after the call completed; `price_unit` is the account's currency)."""
        try:
            call = self._account().calls(call_sid).fetch()
        except _FAILURES as exc:
            raise _refusal(f"could not fetch call {call_sid}", exc) from exc
        if call.price in (None, ""):
            return None
        try:
            return Decimal(str(call.price)), (call.price_unit or "USD").upper()
        except InvalidOperation:
            return None
