"""Time in the simulator.

A call's timeline is virtual: scripted parties (a customer who presses 1 after 2 s, an
agent who answers after 3 s) take no real time, so tests are deterministic and a 30 s ring
costs nothing. Only when a person is in the call (a browser softphone) does the clock wait
for real, for what that person does.
"""

from __future__ import annotations

import queue
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime


def rfc2822(moment: datetime) -> str:
    """Twilio's timestamp format: 'Mon, 23 Nov 2026 10:00:05 +0000'."""
    return format_datetime(moment.astimezone(UTC)).replace("-0000", "+0000")


class CallClock:
    """Virtual time of one call. `wait` returns the first event put on `events` within
    `seconds` of call time, or None when the time ran out."""

    def __init__(self, start: datetime | None = None, *, real_speed: float = 1.0):
        self._start = start or datetime.now(UTC)
        self._offset = 0.0
        self._lock = threading.Lock()
        self.real_speed = real_speed  # call seconds per real second when waiting for a person

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._offset)

    @property
    def elapsed(self) -> float:
        return self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += max(0.0, seconds)

    def wait(self, events: queue.Queue, seconds: float, *, person: bool = False):
        """Scripted waits take no real time (an event already queued still wins); with a
        person involved, wait for real (scaled by real_speed)."""
        seconds = max(0.0, seconds)
        if not person:
            try:
                event = events.get_nowait()
            except queue.Empty:
                self.advance(seconds)
                return None
            return event
        started = time.monotonic()
        try:
            event = events.get(timeout=seconds / self.real_speed)
        except queue.Empty:
            self.advance(seconds)
            return None
        self.advance((time.monotonic() - started) * self.real_speed)
        return event
