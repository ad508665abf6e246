"""An agent's presence as routing and the panel see it, from what is stored: the status
the agent (or a call) set, when their browser last said it is still there (a heartbeat),
and until when a call's wrap-up keeps them from ringing. Pure: `now` is passed in."""

from __future__ import annotations

from datetime import datetime, timedelta

ONLINE = "online"
OFFLINE = "offline"
BUSY = "busy"

# Without a heartbeat for this long a browser is taken as gone (tab closed, network lost):
# the agent is offline and no longer rings. The PRESENCE_TIMEOUT_SECONDS setting.
DEFAULT_TIMEOUT_SECONDS = 60


def heartbeat_interval(timeout_seconds: int) -> int:
    """How often a browser says it is there: three times per timeout, so one lost
    heartbeat (a slow request, a busy tab) does not take the agent offline."""
    return max(1, timeout_seconds // 3)


def is_expired(seen_at: datetime | None, now: datetime, timeout_seconds: int) -> bool:
    """No heartbeat for longer than the timeout. A presence never heartbeated (None: rows
    written by the server itself, or from before heartbeats) does not expire."""
    return seen_at is not None and now - seen_at > timedelta(seconds=timeout_seconds)


def effective_status(
    status: str,
    *,
    seen_at: datetime | None,
    available_at: datetime | None,
    now: datetime,
    timeout_seconds: int,
) -> str:
    """offline when the browser stopped heartbeating; busy while a call's wrap-up runs
    (online again at `available_at`); else the stored status."""
    if status == OFFLINE or is_expired(seen_at, now, timeout_seconds):
        return OFFLINE
    if status == ONLINE and available_at is not None and available_at > now:
        return BUSY
    return status


def wrap_up_until(now: datetime, wrap_up_seconds: int) -> datetime | None:
    """When an agent whose call just ended rings again (None: at once)."""
    return now + timedelta(seconds=wrap_up_seconds) if wrap_up_seconds > 0 else None
