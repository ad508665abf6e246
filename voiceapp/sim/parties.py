"""The people on the calls: scripted customers and agents, and softphones.

A `Party` is a scripted person: how they take a call made to them (answer after a few
seconds, busy, no answer, failure, reject), what they press in menus, how long they talk or
speak on a voicemail, and when they hang up. A `BrowserPhone` is a softphone a person drives
from the panel (server-sent events out, small POSTs in).
"""

from __future__ import annotations

import queue
import secrets
import threading
from dataclasses import asdict, dataclass, field

ANSWERS = ("answer", "busy", "no-answer", "fail", "reject")


@dataclass
class Party:
    answers: str = "answer"
    answer_after: float = 4.0
    talk_seconds: float = 45.0
    # As a caller: hangs up this many seconds after the call started, whatever is going on.
    hangup_after: float | None = None
    # One entry per <Gather>: the keys pressed ("1", "12#"), "" for nothing, "hangup".
    digits: list[str] = field(default_factory=list)
    message_seconds: int = 12  # spoken at a <Record>; 0 says nothing
    # A person types the keys at each <Gather> (POST /sim/calls/<sid>/keys, `sim call
    # --interactive`) instead of `digits`.
    interactive: bool = False

    def __post_init__(self):
        if self.answers not in ANSWERS:
            raise ValueError(f"answers must be one of {', '.join(ANSWERS)}")

    @classmethod
    def from_json(cls, data: dict | None) -> Party:
        data = dict(data or {})
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        if isinstance(known.get("digits"), str):
            known["digits"] = [d.strip() for d in known["digits"].split(",")]
        return cls(**known)

    def to_json(self) -> dict:
        return asdict(self)

    def next_input(self) -> str:
        return self.digits.pop(0) if self.digits else ""


class BrowserPhone:
    """A softphone registered by a browser (or any HTTP client) under an identity."""

    def __init__(self, identity: str):
        self.identity = identity
        self.key = secrets.token_urlsafe(24)
        self.listeners: list[queue.Queue] = []
        self.calls: dict[str, queue.Queue] = {}  # call sid -> the events queue of its run
        self.lock = threading.Lock()
        self.token_updates = 0  # fresh tokens given with device.updateToken
        self._warning: threading.Timer | None = None

    def warn_at(self, delay: float, event: dict) -> None:
        """Push `event` in `delay` seconds, replacing a warning not given yet (the token's
        expiry moved: a new token came)."""
        timer = threading.Timer(delay, self.push, args=(event,))
        timer.daemon = True
        with self.lock:
            if self._warning is not None:
                self._warning.cancel()
            self._warning = timer
        timer.start()

    def listen(self) -> queue.Queue:
        listener: queue.Queue = queue.Queue()
        with self.lock:
            self.listeners.append(listener)
        return listener

    def unlisten(self, listener: queue.Queue) -> None:
        with self.lock:
            if listener in self.listeners:
                self.listeners.remove(listener)

    @property
    def online(self) -> bool:
        return bool(self.listeners)

    def push(self, event: dict) -> None:
        with self.lock:
            for listener in self.listeners:
                listener.put(event)

    def act(self, call_sid: str, action: str) -> bool:
        """The person answered, rejected or hung up call `call_sid`."""
        with self.lock:
            events = self.calls.get(call_sid)
        if events is None:
            return False
        events.put(("device", call_sid, action))
        return True


@dataclass
class Phones:
    """Who answers <Dial><Client>: scripted agents first, then browser softphones."""

    scripted: dict[str, Party] = field(default_factory=dict)
    browsers: dict[str, BrowserPhone] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def register_browser(self, identity: str) -> BrowserPhone:
        with self.lock:
            phone = self.browsers.get(identity)
            if phone is None:
                phone = self.browsers[identity] = BrowserPhone(identity)
            return phone

    def close_all(self) -> None:
        """End every event stream (the simulator stops)."""
        with self.lock:
            phones = list(self.browsers.values())
        for phone in phones:
            phone.push({"type": "closed"})

    def by_key(self, key: str) -> BrowserPhone | None:
        with self.lock:
            return next(
                (p for p in self.browsers.values() if secrets.compare_digest(p.key, key)), None
            )

    def who(self, identity: str, overrides: dict[str, Party]) -> Party | BrowserPhone | None:
        if identity in overrides:
            return overrides[identity]
        with self.lock:
            if identity in self.scripted:
                return self.scripted[identity]
            phone = self.browsers.get(identity)
        return phone if phone is not None and phone.online else None
