"""The simulator: one Twilio account with its numbers, TwiML App, softphones and the calls
it places against the app."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from voiceapp.sim.engine import CallRun
from voiceapp.sim.parties import BrowserPhone, Party, Phones
from voiceapp.sim.regulatory import seed_demo
from voiceapp.sim.state import Account, CallRecord, TwimlApp, new_sid
from voiceapp.sim.transport import Chaos, Transport
from voiceapp.sim.verb_table import VERBS

# The demo's account: not secrets, only names the app and the simulator agree on.
DEMO_ACCOUNT_SID = "AC" + "de" * 16
DEMO_AUTH_TOKEN = "demo-auth-token-for-the-simulator"
DEMO_API_KEY_SID = "SK" + "de" * 16
DEMO_API_KEY_SECRET = "demo-api-key-secret-for-the-simulator"
DEMO_TWIML_APP_SID = "AP" + "de" * 16
DEMO_DEFAULTS = {
    "account_sid": DEMO_ACCOUNT_SID,
    "auth_token": DEMO_AUTH_TOKEN,
    "api_key_sid": DEMO_API_KEY_SID,
    "api_key_secret": DEMO_API_KEY_SECRET,
    "twiml_app_sid": DEMO_TWIML_APP_SID,
}


HISTORY = 500


class SimError(ValueError):
    """A call the simulator cannot place; the message says why."""


@dataclass
class SimConfig:
    app_url: str  # the app's public base URL (PUBLIC_BASE_URL): webhooks go there
    sim_url: str = "http://127.0.0.1:8001"  # where the simulator answers (recording URLs)
    account_sid: str = DEMO_ACCOUNT_SID
    auth_token: str = DEMO_AUTH_TOKEN
    api_key_sid: str | None = DEMO_API_KEY_SID
    api_key_secret: str | None = DEMO_API_KEY_SECRET
    twiml_app_sid: str = DEMO_TWIML_APP_SID
    numbers: list[tuple[str, str]] = field(default_factory=list)  # (E.164, friendly name)
    real_speed: float = 1.0  # call seconds per real second while a person is on the call
    chaos: Chaos | None = None  # default for every call
    # Twilio prices a leg a little after it completed; until then the REST API's price
    # is null (sim.pricing). The account's currency is the price_unit.
    price_delay_seconds: float = 5.0
    price_unit: str = "USD"
    # How long before a softphone's token expires its tokenWillExpire event fires (the
    # Voice SDK's tokenRefreshMs, 10 s by default).
    token_refresh_seconds: float = 10.0


class Simulator:
    def __init__(self, config: SimConfig, transport: Transport | None = None):
        self.config = config
        self.account = Account(config.account_sid, config.auth_token)
        self.transport = transport or Transport(config.auth_token)
        self.phones = Phones()
        self.customers: dict[str, Party] = {}  # how a number behaves when called
        self.runs: dict[str, CallRun] = {}  # calls in progress
        self.history: dict[str, CallRun] = {}  # the latest finished calls
        self.cors_origins: set[str] = set()
        self.observers: list = []  # called with (log entry, call sid) for every call
        app = config.app_url.rstrip("/")
        for number, friendly in config.numbers:
            self.account.add_number(
                number,
                friendly_name=friendly,
                voice_url=f"{app}/twilio/voice/inbound",
                voice_fallback_url=f"{app}/twilio/voice/fallback",
                status_callback=f"{app}/twilio/voice/status",
            )
        seed_demo(self.account)  # the bundles and addresses regulated numbers need
        self.account.apps[config.twiml_app_sid] = TwimlApp(
            sid=config.twiml_app_sid,
            voice_url=f"{app}/twilio/voice/outbound",
            status_callback=f"{app}/twilio/voice/status",
            voice_fallback_url=f"{app}/twilio/voice/fallback",
        )

    # --- who is on the other end --------------------------------------------------------

    def callee(self, number: str, overrides: dict[str, Party]) -> Party:
        """A number the app dials: as the scenario says, as set for it, or a customer who
        answers after a few seconds."""
        return overrides.get(number) or self.customers.get(number) or Party()

    def _new_record(self, from_: str, to: str, direction: str) -> CallRecord:
        record = CallRecord(
            sid=new_sid("CA"),
            account_sid=self.account.sid,
            from_=from_,
            to=to,
            direction=direction,
            status="ringing",
        )
        with self.account.lock:
            self.account.calls[record.sid] = record
        return record

    def _start(self, run: CallRun, first, fallback, wait: bool) -> CallRun:
        self.runs[run.parent.sid] = run

        def go():
            try:
                run.run(first, fallback)
            finally:
                self._remember(run)

        if wait:
            go()
        else:
            threading.Thread(target=go, name=f"call-{run.parent.sid}", daemon=True).start()
        return run

    def _remember(self, run: CallRun) -> None:
        self.runs.pop(run.parent.sid, None)
        self.history[run.parent.sid] = run
        while len(self.history) > HISTORY:
            self.history.pop(next(iter(self.history)))

    # --- calls -------------------------------------------------------------------------

    def inbound_call(
        self,
        from_: str,
        to: str,
        *,
        caller: Party | None = None,
        agents: dict[str, Party] | None = None,
        callees: dict[str, Party] | None = None,
        chaos: Chaos | None = None,
        observer=None,
        wait: bool = True,
        realtime: bool = False,
    ) -> CallRun:
        """A customer calls one of the account's numbers."""
        number = self.account.number(to)
        if number is None:
            raise SimError(f"{to} is not a number of account {self.account.sid}")
        if not number.voice_url:
            raise SimError(f"{to} has no voice URL: link it to the app first")
        record = self._new_record(from_, to, "inbound")
        run = CallRun(
            self,
            record,
            caller=caller or Party(),
            verbs=VERBS,
            agents=agents,
            callees=callees,
            chaos=chaos or self.config.chaos,
            observer=observer,
            realtime=realtime,
        )
        run.parent.callback_url = number.status_callback
        run.parent.callback_method = number.status_callback_method
        run.note("call", f"{from_} calls {to}")
        first = (number.voice_url, number.voice_method, run.parent.params("ringing"))
        fallback = (
            (number.voice_fallback_url, number.voice_fallback_method)
            if number.voice_fallback_url
            else None
        )
        return self._start(run, first, fallback, wait)

    def softphone_call(
        self,
        identity: str,
        params: dict[str, str],
        *,
        caller: Party | BrowserPhone | None = None,
        callees: dict[str, Party] | None = None,
        chaos: Chaos | None = None,
        observer=None,
        wait: bool = True,
    ) -> CallRun:
        """An agent's softphone calls out, as the Voice JavaScript SDK does: the TwiML
        App's voice URL gets From=client:<identity> and the custom parameters."""
        app = self.account.apps[self.config.twiml_app_sid]
        record = self._new_record(f"client:{identity}", params.get("To", ""), "inbound")
        run = CallRun(
            self,
            record,
            caller=caller or Party(),
            verbs=VERBS,
            callees=callees,
            chaos=chaos or self.config.chaos,
            observer=observer,
        )
        run.parent.callback_url = app.status_callback
        run.parent.extra = {"ApplicationSid": app.sid}
        if isinstance(caller, BrowserPhone):
            with caller.lock:
                caller.calls[record.sid] = run.events
        run.note("call", f"softphone {identity} calls {params.get('To', '')}")
        # The custom parameters of device.connect() come with the first request only.
        custom = {k: str(v) for k, v in params.items()}
        first = (app.voice_url, app.voice_method, {**run.parent.params("ringing"), **custom})
        # A TwiML App has its own fallback URL, requested like a number's (VoiceFallbackUrl,
        # https://www.twilio.com/docs/usage/api/applications).
        fallback = (
            (app.voice_fallback_url, app.voice_fallback_method) if app.voice_fallback_url else None
        )
        return self._start(run, first, fallback, wait)

    def api_call(self, form: dict, *, wait: bool = False) -> CallRecord:
        """POST .../Calls.json: Twilio calls `To` and, once answered, follows `Url`."""
        from voiceapp.sim.outbound_api import place_api_call

        return place_api_call(self, form, wait=wait)

    def control(self, sid: str, action: str, *args) -> bool:
        """The REST API ended (`hangup`) or redirected a running call or one of its legs."""
        for run in list(self.runs.values()):
            if sid == run.parent.sid or any(leg.sid == sid for leg in run.children):
                run.events.put(("rest", sid, action, *args))
                return True
        return False
