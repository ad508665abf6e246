"""A call leg as Twilio reports it to the app: the parameters of every request about it,
and its status callbacks (subscribed events only, numbered in the order they fired)."""

from __future__ import annotations

from dataclasses import dataclass, field

import phonenumbers
from phonenumbers import geocoder

from voiceapp.sim.clock import rfc2822
from voiceapp.sim.pricing import price_when_done
from voiceapp.sim.state import API_VERSION, CallRecord

EVENTS = ("initiated", "ringing", "answered", "completed")
SIP_CODES = {"completed": 200, "busy": 486, "no-answer": 487, "canceled": 487, "failed": 500}


def parse_events(raw: str | None, *, default: tuple[str, ...] = ("completed",)) -> set[str]:
    if not raw:
        return set(default)
    return {e for e in raw.replace(",", " ").split() if e}


def geography(prefix: str, address: str) -> dict[str, str]:
    """FromCity/FromState/FromZip/FromCountry and friends, for E.164 numbers only (browser
    clients have no geography)."""
    if not address.startswith("+"):
        return {}
    try:
        number = phonenumbers.parse(address)
    except phonenumbers.NumberParseException:
        return {}
    country = phonenumbers.region_code_for_number(number) or ""
    place = geocoder.description_for_number(number, "en")
    country_name = geocoder.country_name_for_number(number, "en")
    city = "" if place == country_name else place.upper()
    return {
        f"{prefix}City": city,
        f"{prefix}State": "",
        f"{prefix}Zip": "",
        f"{prefix}Country": country,
    }


@dataclass
class Leg:
    record: CallRecord
    callback_url: str | None = None
    callback_method: str = "POST"
    events: set[str] = field(default_factory=lambda: {"completed"})
    extra: dict[str, str] = field(default_factory=dict)  # ApplicationSid, custom parameters
    sequence: int = 0
    answered_at: float | None = None  # call time of the answer

    @property
    def sid(self) -> str:
        return self.record.sid

    def params(self, status: str | None = None) -> dict[str, str]:
        r = self.record
        params = {
            "AccountSid": r.account_sid,
            "ApiVersion": API_VERSION,
            "CallSid": r.sid,
            "CallStatus": status or r.status,
            "Direction": r.direction,
            "From": r.from_,
            "To": r.to,
            "Caller": r.from_,
            "Called": r.to,
        }
        if r.parent_sid:
            params["ParentCallSid"] = r.parent_sid
        for prefix, address in (
            ("From", r.from_),
            ("Caller", r.from_),
            ("To", r.to),
            ("Called", r.to),
        ):
            params.update(geography(prefix, address))
        params.update(self.extra)
        return params

    def emit(self, run, status: str, event: str) -> None:
        """The leg reached `status`; tell the app if it subscribed to `event`."""
        now = run.clock.now()
        r = self.record
        r.status = status
        if event == "answered":
            self.answered_at = run.clock.elapsed
            r.start_time = now
        if event == "completed":
            r.end_time = now
            r.duration = self.duration(run) if self.answered_at is not None else 0
            config = run.sim.config
            price_when_done(r, unit=config.price_unit, delay_seconds=config.price_delay_seconds)
        if not self.callback_url or event not in self.events:
            return
        params = self.params(status)
        params.update(
            {
                "CallbackSource": "call-progress-events",
                "SequenceNumber": str(self.sequence),
                "Timestamp": rfc2822(now),
            }
        )
        if event == "completed":
            params["CallDuration"] = str(r.duration)
            params["Duration"] = str((r.duration + 59) // 60)
            params["SipResponseCode"] = str(SIP_CODES.get(status, 200))
        self.sequence += 1
        run.callbacks.send("status", self.callback_url, self.callback_method, params)

    def duration(self, run) -> int:
        if self.answered_at is None:
            return 0
        return round(run.clock.elapsed - self.answered_at)
