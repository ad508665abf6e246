"""What the simulated Twilio account holds: numbers, the TwiML App, calls and recordings.
Shapes follow Twilio's REST resources (snake_case JSON, RFC 2822 dates)."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from voiceapp.sim.clock import rfc2822

API_VERSION = "2010-04-01"


def new_sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


def _date(moment: datetime | None) -> str | None:
    return rfc2822(moment) if moment else None


@dataclass
class IncomingNumber:
    sid: str
    phone_number: str
    friendly_name: str = ""
    voice_url: str | None = None
    voice_method: str = "POST"
    voice_fallback_url: str | None = None
    voice_fallback_method: str = "POST"
    status_callback: str | None = None
    status_callback_method: str = "POST"
    bundle_sid: str | None = None
    address_sid: str | None = None
    date_created: datetime = field(default_factory=lambda: datetime.now(UTC))

    # REST parameter name -> attribute
    WRITABLE = {
        "BundleSid": "bundle_sid",
        "AddressSid": "address_sid",
        "FriendlyName": "friendly_name",
        "VoiceUrl": "voice_url",
        "VoiceMethod": "voice_method",
        "VoiceFallbackUrl": "voice_fallback_url",
        "VoiceFallbackMethod": "voice_fallback_method",
        "StatusCallback": "status_callback",
        "StatusCallbackMethod": "status_callback_method",
    }

    def update(self, form: dict) -> None:
        for param, attr in self.WRITABLE.items():
            if param in form:
                setattr(self, attr, form[param])

    def to_json(self, account_sid: str) -> dict:
        return {
            "sid": self.sid,
            "account_sid": account_sid,
            "phone_number": self.phone_number,
            "friendly_name": self.friendly_name or self.phone_number,
            "voice_url": self.voice_url,
            "voice_method": self.voice_method,
            "voice_fallback_url": self.voice_fallback_url,
            "voice_fallback_method": self.voice_fallback_method,
            "status_callback": self.status_callback,
            "status_callback_method": self.status_callback_method,
            "bundle_sid": self.bundle_sid,
            "address_sid": self.address_sid,
            "capabilities": {"voice": True, "sms": False, "mms": False, "fax": False},
            "api_version": API_VERSION,
            "date_created": _date(self.date_created),
            "date_updated": _date(self.date_created),
            "uri": f"/{API_VERSION}/Accounts/{account_sid}/IncomingPhoneNumbers/{self.sid}.json",
        }


@dataclass
class TwimlApp:
    sid: str
    voice_url: str | None
    status_callback: str | None = None
    voice_method: str = "POST"
    status_callback_method: str = "POST"
    voice_fallback_url: str | None = None
    voice_fallback_method: str = "POST"


@dataclass
class CallRecord:
    """A call leg as the REST API shows it, plus what the simulator saw happen."""

    sid: str
    account_sid: str
    from_: str
    to: str
    direction: str
    parent_sid: str | None = None
    status: str = "queued"
    start_time: datetime | None = None
    end_time: datetime | None = None
    duration: int | None = None
    date_created: datetime = field(default_factory=lambda: datetime.now(UTC))
    error: str | None = None
    outcome: str | None = None  # the simulator's word for how it went (answered, voicemail ...)
    price: Decimal | None = None  # sim.pricing, once the leg completed
    price_unit: str = "USD"
    priced_from: float | None = None  # time.monotonic() from which the REST API shows it

    def visible_price(self) -> str | None:
        if self.price is None or self.priced_from is None or time.monotonic() < self.priced_from:
            return None
        return f"{self.price:.5f}"

    def to_json(self) -> dict:
        base = f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{self.sid}"
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "parent_call_sid": self.parent_sid,
            "from": self.from_,
            "from_formatted": self.from_,
            "to": self.to,
            "to_formatted": self.to,
            "direction": self.direction,
            "status": self.status,
            "start_time": _date(self.start_time),
            "end_time": _date(self.end_time),
            "duration": None if self.duration is None else str(self.duration),
            "date_created": _date(self.date_created),
            "date_updated": _date(self.end_time or self.date_created),
            "api_version": API_VERSION,
            "price": self.visible_price(),
            "price_unit": self.price_unit,
            "answered_by": None,
            "caller_name": None,
            "forwarded_from": None,
            "group_sid": None,
            "phone_number_sid": None,
            "queue_time": "0",
            "trunk_sid": None,
            "uri": f"{base}.json",
            "subresource_uris": {"recordings": f"{base}/Recordings.json"},
        }


@dataclass
class RecordingRecord:
    sid: str
    account_sid: str
    call_sid: str
    duration: int
    channels: int
    source: str
    status: str = "completed"
    date_created: datetime = field(default_factory=lambda: datetime.now(UTC))
    start_time: datetime | None = None
    deleted: bool = False
    # Made with Twilio's recording encryption on: its media is served as WAV only (error
    # 16109 for ".mp3").
    encrypted: bool = False

    def to_json(self) -> dict:
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "call_sid": self.call_sid,
            "conference_sid": None,
            "status": self.status,
            "duration": str(self.duration),
            "channels": self.channels,
            "source": self.source,
            "start_time": _date(self.start_time or self.date_created),
            "date_created": _date(self.date_created),
            "date_updated": _date(self.date_created),
            "api_version": API_VERSION,
            "price": None,
            "price_unit": "USD",
            "error_code": None,
            "track": "both",
            "uri": f"/{API_VERSION}/Accounts/{self.account_sid}/Recordings/{self.sid}.json",
            "media_url": f"/{API_VERSION}/Accounts/{self.account_sid}/Recordings/{self.sid}",
        }


@dataclass
class Account:
    sid: str
    auth_token: str
    numbers: dict[str, IncomingNumber] = field(default_factory=dict)
    apps: dict[str, TwimlApp] = field(default_factory=dict)
    calls: dict[str, CallRecord] = field(default_factory=dict)
    recordings: dict[str, RecordingRecord] = field(default_factory=dict)
    bundles: dict = field(default_factory=dict)  # sid -> regulatory.Bundle
    addresses: dict = field(default_factory=dict)  # sid -> regulatory.Address
    lock: threading.RLock = field(default_factory=threading.RLock)

    def number(self, phone_number: str) -> IncomingNumber | None:
        with self.lock:
            return next((n for n in self.numbers.values() if n.phone_number == phone_number), None)

    def add_number(self, phone_number: str, **fields) -> IncomingNumber:
        with self.lock:
            found = self.number(phone_number)
            if found is not None:
                return found
            number = IncomingNumber(sid=new_sid("PN"), phone_number=phone_number, **fields)
            self.numbers[number.sid] = number
            return number
