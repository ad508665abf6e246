"""One call following the app's TwiML, as Twilio would: the request to the voice URL (the
fallback URL if that fails), then verb after verb, the action URLs they name, the status
callbacks of every leg and the recordings' callbacks. Time is the call's virtual clock.

What each verb does is not here: a CallRun is given a table of handlers by verb name
(`verb_table.VERBS`, from whoever builds the run) and looks each verb up in it. The
handlers (`verbs`, `dial`) use the run and this module's exceptions and constants, so
the imports go one way: verbs and dial -> engine, never back."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from urllib.parse import urljoin

from voiceapp.sim.clock import CallClock, rfc2822
from voiceapp.sim.legs import Leg
from voiceapp.sim.parties import BrowserPhone, Party
from voiceapp.sim.state import CallRecord, RecordingRecord, new_sid
from voiceapp.sim.transport import Callbacks, Chaos, Exchange
from voiceapp.sim.twiml import TwimlError, Verb, parse

WORDS_PER_SECOND = 2.5
KEY_INTERVAL = 1.0  # a caller presses a key a second
TYPING_SECONDS = 120  # how long a person at a terminal has to type the keys


class CallerHungUp(Exception):
    pass


class CallEnded(Exception):
    def __init__(self, status: str = "completed", reason: str = ""):
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Redirected(Exception):
    """The REST API moved the call: to a URL, or to inline TwiML (Calls.update(twiml=...))."""

    def __init__(self, url: str, method: str = "POST", twiml: str | None = None):
        super().__init__(url)
        self.url, self.method, self.twiml = url, method, twiml


class AppError(Exception):
    """Twilio could not get or read TwiML: 11200 (HTTP) or a TwiML error code."""

    def __init__(self, code: int, message: str):
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


class Document:
    def __init__(self, url: str, verbs: list[Verb]):
        self.url, self.verbs = url, verbs


# Where a verb sends the call next: (kind, url, method, parameters) of the next request.
Goto = tuple[str, str, str, dict]
# What the run calls for a verb: (run, verb, the document's URL) -> None (go on with the
# next verb) or where to go next. It may raise CallerHungUp, CallEnded or TwimlError.
VerbHandler = Callable[["CallRun", Verb, str], Goto | None]


class CallRun:
    """Everything about one call: its parent leg, the people on it, its log."""

    def __init__(
        self,
        sim,
        record: CallRecord,
        *,
        caller: Party | BrowserPhone | None,
        verbs: Mapping[str, VerbHandler],
        agents: dict[str, Party] | None = None,
        callees: dict[str, Party] | None = None,
        chaos: Chaos | None = None,
        observer=None,
        realtime: bool = False,
    ):
        self.sim = sim
        # Real time (scaled by real_speed) even when only scripted parties are on the call,
        # e.g. to hang up or redirect it through the REST API while it runs.
        self.realtime = realtime
        self.caller = caller
        self.verbs = verbs  # what to do for each verb, by its TwiML name
        self.agents = agents or {}
        self.callees = callees or {}
        self.events: queue.Queue = queue.Queue()
        self.clock = CallClock(real_speed=sim.config.real_speed)
        self.callbacks = Callbacks(sim.transport, chaos, self._callback_sent)
        self.parent = Leg(record)
        self.children: list[Leg] = []
        self.recording_callbacks: list[tuple[str, str, dict]] = []
        self.recordings: list[RecordingRecord] = []
        self.log: list[dict] = []
        self.observer = observer
        self.persons = 1 if isinstance(caller, BrowserPhone) else 0
        self.flags: set[str] = set()  # bridged, voicemail, dialled, app-error, caller-hung-up
        self.done = threading.Event()
        self.final_status = "completed"
        self.dial_status: str | None = None
        # The voice fallback URL (number's or TwiML App's): Twilio requests it whenever a
        # TwiML fetch of the call fails, not only the first one.
        self.fallback: tuple[str, str] | None = None

    # --- the log ------------------------------------------------------------------------

    def note(self, kind: str, text: str, **data) -> None:
        entry = {"t": round(self.clock.elapsed, 1), "kind": kind, "text": text, **data}
        self.log.append(entry)
        if self.observer is not None:
            self.observer(entry)
        for observer in self.sim.observers:
            observer(entry, self.parent.sid)

    def _callback_sent(self, exchange: Exchange) -> None:
        p = exchange.params
        if exchange.kind == "status":
            leg = "parent" if p.get("CallSid") == self.parent.sid else f"leg to {p.get('To')}"
            what = f"status {p.get('CallStatus')} ({leg}, sequence {p.get('SequenceNumber')})"
        else:
            what = f"recording {p.get('RecordingStatus')} ({p.get('RecordingDuration')} s)"
        answer = exchange.error or f"HTTP {exchange.status}"
        self.note(
            "callback", f"{what} -> {exchange.url}: {answer}", params=p, status=exchange.status
        )

    # --- time and what happens in it ----------------------------------------------------

    @property
    def elapsed(self) -> float:
        return self.clock.elapsed

    def _caller_leaves_at(self) -> float | None:
        if isinstance(self.caller, Party) and self.caller.hangup_after is not None:
            return float(self.caller.hangup_after)
        return None

    def wait_event(self, seconds: float):
        """Wait up to `seconds` of call time. Returns a softphone event for a leg, or None
        when the time is up. Raises when the caller hangs up or the REST API ends or
        redirects the call."""
        leaves = self._caller_leaves_at()
        limit = seconds
        if leaves is not None and leaves - self.elapsed <= seconds:
            limit = max(0.0, leaves - self.elapsed)
        event = self.clock.wait(self.events, limit, person=self.realtime or self.persons > 0)
        if event is None:
            if limit < seconds or (leaves is not None and self.elapsed >= leaves):
                raise CallerHungUp()
            return None
        source, sid, action, *rest = event
        if source == "caller":
            return event
        if sid == self.parent.sid:
            if source == "device" and action == "hangup":
                raise CallerHungUp()
            if source == "rest" and action == "hangup":
                raise CallEnded("completed", "hung up through the REST API")
            if source == "rest" and action == "redirect":
                raise Redirected(*rest)
            if source == "rest" and action == "twiml":
                raise Redirected("", "POST", rest[0])
            return None
        return ("device", sid, action)

    def keys_from_person(self) -> str:
        """An interactive caller types the keys for this <Gather> (real time)."""
        self.note("gather", "waiting for the caller's keys", call_sid=self.parent.sid)
        self.persons += 1
        try:
            deadline = self.elapsed + TYPING_SECONDS * self.clock.real_speed
            while self.elapsed < deadline:
                event = self.wait_event(deadline - self.elapsed)
                if event is None:
                    break
                if event[0] == "caller":
                    return event[3]
            return ""
        finally:
            self.persons -= 1

    def spend(self, seconds: float) -> None:
        deadline = self.elapsed + seconds
        while self.elapsed < deadline - 1e-9:
            if self.wait_event(deadline - self.elapsed) is None:
                return
            # a softphone event outside a <Dial> (a late click): nothing to do

    # --- requests to the app ------------------------------------------------------------

    def fetch(self, kind: str, url: str, method: str, params: dict) -> Document:
        exchange = self.sim.transport.send(kind, method, url, params)
        self.note("request", exchange.summary(), params=exchange.params, status=exchange.status)
        if exchange.error_code:  # 11215 too many redirects, 11216 an invalid one
            raise AppError(exchange.error_code, exchange.error or "HTTP redirect failure")
        if exchange.error:
            raise AppError(11205, f"HTTP connection failure: {exchange.error}")
        if not exchange.ok:
            raise AppError(11200, f"HTTP retrieval failure: {url} answered {exchange.status}")
        try:
            return Document(exchange.final_url or url, parse(exchange.body))
        except TwimlError as exc:
            raise AppError(exc.code, exc.message) from exc

    def fetch_or_fallback(self, kind: str, url: str, method: str, params: dict) -> Document:
        """Any TwiML fetch of the call (the first request, a Gather or Dial action, a
        Redirect): when it fails, Twilio requests the fallback URL with ErrorCode and
        ErrorUrl (https://www.twilio.com/docs/usage/webhooks/voice-webhooks, "fallback URL";
        https://www.twilio.com/docs/api/errors/11200)."""
        try:
            return self.fetch(kind, url, method, params)
        except AppError as exc:
            if self.fallback is None:
                raise
            self.note("error", f"Twilio error {exc}: trying the fallback URL")
            return self.fetch(
                "fallback",
                self.fallback[0],
                self.fallback[1],
                {**params, "ErrorCode": str(exc.code), "ErrorUrl": url},
            )

    def request(self, kind: str, url: str, method: str, params: dict) -> None:
        """A request whose TwiML is ignored (the caller is gone)."""
        exchange = self.sim.transport.send(kind, method, url, params)
        self.note(
            "request",
            exchange.summary() + " (TwiML ignored: the call is over)",
            params=exchange.params,
            status=exchange.status,
        )

    # --- the call -------------------------------------------------------------------------

    def answer(self) -> None:
        if self.parent.answered_at is None:
            self.parent.emit(self, "in-progress", "answered")
            self.note("state", "answered")

    def run(
        self,
        first: tuple[str, str, dict] | None,
        fallback: tuple[str, str] | None = None,
        *,
        document: Document | None = None,
    ) -> None:
        """Follow the call from its first request (url, method, params), or from a
        document already in hand, to its end."""
        self.fallback = fallback
        try:
            self.follow(document or self._first_document(first, fallback))
        except AppError as exc:
            self.flags.add("app-error")
            self.parent.record.error = str(exc)
            self.note(
                "error",
                f"Twilio error {exc}: the caller hears 'an application error "
                "has occurred' and the call ends",
            )
            self.answer()
        except CallerHungUp:
            self.flags.add("caller-hung-up")
            self.note("state", "the caller hung up")
        except CallEnded as exc:
            self.final_status = exc.status
            self.note("state", f"call ends: {exc.reason}")
        finally:
            self.finish()

    def run_document(self, document: Document) -> None:
        self.run(None, document=document)

    def _first_document(self, first, fallback) -> Document:
        url, method, params = first
        return self.fetch_or_fallback("voice", url, method, params)

    def follow(self, document: Document) -> None:
        while True:
            # Only a <Reject> first keeps the call unanswered; any other answer, an empty
            # <Response/> included, picks it up (https://www.twilio.com/docs/voice/twiml/reject).
            if not document.verbs or document.verbs[0].name != "Reject":
                self.answer()
            goto = None
            try:
                for verb in document.verbs:
                    self.note("verb", verb.describe())
                    goto = self.execute(verb, document.url)
                    if goto is not None:
                        break
            except Redirected as exc:
                if exc.twiml is not None:  # Calls.update(twiml=...): the new document
                    document = self._inline_document(exc.twiml, document.url)
                    continue
                goto = ("redirect", exc.url, exc.method, self.parent.params("in-progress"))
            if goto is None:
                raise CallEnded("completed", "end of the TwiML document")
            document = self.fetch_or_fallback(*goto)

    def _inline_document(self, body: str, base_url: str) -> Document:
        self.note("request", "TwiML given through the REST API (Calls.update(twiml=...))")
        try:
            return Document(base_url, parse(body))
        except TwimlError as exc:
            raise AppError(exc.code, exc.message) from exc

    def execute(self, verb: Verb, base_url: str) -> Goto | None:
        try:
            return self.verbs[verb.name](self, verb, base_url)
        except TwimlError as exc:  # an attribute or noun Twilio would refuse
            raise AppError(exc.code, exc.message) from exc

    def action_url(self, verb: Verb, base_url: str) -> tuple[str, str]:
        return urljoin(base_url, verb.attrs.get("action") or base_url), (
            verb.attrs.get("method") or "POST"
        ).upper()

    def new_recording(
        self, duration: int, channels: int, source: str, *, started: datetime
    ) -> RecordingRecord:
        """`started`: when the recording began (RecordingStartTime), not when it ended."""
        account = self.sim.account
        recording = RecordingRecord(
            sid=new_sid("RE"),
            account_sid=account.sid,
            call_sid=self.parent.sid,
            duration=duration,
            channels=channels,
            source=source,
            start_time=started,
        )
        with account.lock:
            account.recordings[recording.sid] = recording
        self.recordings.append(recording)
        return recording

    def recording_url(self, sid: str) -> str:
        base = self.sim.config.sim_url.rstrip("/")
        return f"{base}/2010-04-01/Accounts/{self.sim.account.sid}/Recordings/{sid}"

    def recording_callback(
        self,
        recording: RecordingRecord | None,
        verb: Verb,
        base_url: str,
        *,
        status: str,
        channels: int,
        source: str,
    ) -> None:
        url = verb.attrs.get("recordingStatusCallback")
        events = (
            (verb.attrs.get("recordingStatusCallbackEvent") or "completed")
            .replace(",", " ")
            .split()
        )
        if not url or status not in events:
            return
        sid = recording.sid if recording else new_sid("RE")
        params = {
            "AccountSid": self.sim.account.sid,
            "CallSid": self.parent.sid,
            "RecordingSid": sid,
            "RecordingUrl": self.recording_url(sid),
            "RecordingStatus": status,
            "RecordingDuration": str(recording.duration if recording else 0),
            "RecordingChannels": str(channels),
            "RecordingSource": source,
            "RecordingStartTime": rfc2822(recording.start_time if recording else self.clock.now()),
            "RecordingTrack": "both",
        }
        if status != "completed":
            params["ErrorCode"] = "0"
        method = (verb.attrs.get("recordingStatusCallbackMethod") or "POST").upper()
        self.recording_callbacks.append((urljoin(base_url, url), method, params))

    def finish(self) -> None:
        record = self.parent.record
        status = self.final_status
        if status == "completed" and self.parent.answered_at is None and "rejected" in self.flags:
            status = "busy"
        self.parent.emit(self, status, "completed")
        for url, method, params in self.recording_callbacks:
            self.callbacks.send("recording", url, method, params)
        self.callbacks.flush()
        if isinstance(self.caller, BrowserPhone):
            self.caller.push({"type": "disconnect", "call_sid": record.sid})
            with self.caller.lock:
                self.caller.calls.pop(record.sid, None)
        record.outcome = self.outcome()
        self.note("final", f"{record.status}: {record.outcome}", state=self.final_state())
        self.done.set()

    def outcome(self) -> str:
        f = self.flags
        if "app-error" in f:
            return "application error"
        if "bridged" in f:
            return "answered"
        if "voicemail" in f:
            return "voicemail"
        if "rejected" in f:
            return "rejected"
        if "hung-up-ringing" in f:
            return "hung up while ringing"
        if "dial-unanswered" in f:
            if self.parent.record.from_.startswith("client:"):  # an agent's call out
                return self.dial_status or "no-answer"
            return "missed, no message"
        if "caller-hung-up" in f:
            return "hung up in the IVR"
        return "ended by the app"

    def final_state(self) -> dict:
        return {
            "call": self.parent.record.to_json(),
            "outcome": self.parent.record.outcome,
            "legs": [leg.record.to_json() for leg in self.children],
            "recordings": [r.to_json() for r in self.recordings],
            "error": self.parent.record.error,
        }
