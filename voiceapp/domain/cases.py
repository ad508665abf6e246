"""Rules about cases that need no database: the end of an agent's day, overdue, who holds a
claim, and the calling window as the team configured it."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from voiceapp.domain.scheduling import (
    CALLBACK,
    NOT_REACHED,
    CallingWindow,
)

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def end_of_today(now: datetime, zone: str) -> datetime:
    """The next local midnight in `zone`, as an aware datetime: "Call today" shows what
    falls due before it. Correct across daylight-saving changes."""
    tz = ZoneInfo(zone)
    tomorrow = now.astimezone(tz).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0, 0), tzinfo=tz)


def is_overdue(due_at: datetime, now: datetime) -> bool:
    return due_at < now


def claim_held_by_other(
    claimed_by_id: int | None, claimed_until: datetime | None, user_id: int, now: datetime
) -> bool:
    """Someone else opened this case to call and their claim has not run out."""
    return (
        claimed_by_id is not None
        and claimed_by_id != user_id
        and claimed_until is not None
        and claimed_until > now
    )


def parse_hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def calling_window(opens: str, closes: str, days: list[int]) -> CallingWindow:
    return CallingWindow(parse_hhmm(opens), parse_hhmm(closes), frozenset(days))


def describe_window(window: CallingWindow) -> str:
    days = ", ".join(DAY_NAMES[d] for d in sorted(window.days))
    return f"{window.opens:%H:%M}-{window.closes:%H:%M} ({days})"


def reached_by_default(outcome: str) -> bool:
    """ "Customer reached" when the agent does not say: every outcome but not reached."""
    return outcome != NOT_REACHED


def needs_callback_time(outcome: str) -> bool:
    return outcome == CALLBACK


def outcome_history_line(label: str, reason: str) -> str:
    """The case history's line for an outcome: its label, and the reason when it says
    more ("Cancellation / refusal: cancelled by the customer"). A reason that only
    repeats the label is said once ("Already paid", "Not reached (attempt 2)")."""
    if reason.lower().startswith(label.lower()):
        return label + reason[len(label) :]
    return f"{label}: {reason}"
