"""When must a case be called again? One pure function decides, from the call's outcome.

SPEC "Cases and the callback scheduler" (seeds 000 and 002): not reached the first time ->
due 1 hour after the call; every later time -> 24 hours after that (real) call. Beyond the
seeds: after `max_not_reached` unanswered attempts the case closes as unreachable, and a
computed due time outside the customer's calling window (their local time) moves to the
next opening. A time the customer chose is kept as chosen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

COMPLETED = "completed"
NOT_REACHED = "not_reached"
CALLBACK = "callback"
ALREADY_PAID = "already_paid"
CANCELLED = "cancelled"
INVALID_CONTACT = "invalid_contact"
OUTCOMES = (COMPLETED, NOT_REACHED, CALLBACK, ALREADY_PAID, CANCELLED, INVALID_CONTACT)
OUTCOME_LABELS = {
    COMPLETED: "Conversation completed",
    NOT_REACHED: "Not reached",
    CALLBACK: "Call back",
    ALREADY_PAID: "Already paid",
    CANCELLED: "Cancellation / refusal",
    INVALID_CONTACT: "Invalid contact",
}

FIRST_RETRY = timedelta(hours=1)
LATER_RETRY = timedelta(hours=24)


@dataclass(frozen=True)
class CallingWindow:
    """Local hours in which a customer may be called; days are 0=Monday .. 6=Sunday."""

    opens: time = time(9, 0)
    closes: time = time(20, 0)
    days: frozenset[int] = field(default_factory=lambda: frozenset(range(6)))

    def contains(self, local: datetime) -> bool:
        return local.weekday() in self.days and self.opens <= local.time() < self.closes


def next_calling_time(moment: datetime, zone: str, window: CallingWindow) -> datetime:
    """`moment` if it falls in the window (customer's local time), else the next opening.
    Returns an aware datetime in UTC."""
    tz = ZoneInfo(zone)
    local = moment.astimezone(tz)
    if window.contains(local):
        return moment.astimezone(ZoneInfo("UTC"))
    if not window.days:
        raise ValueError("a calling window needs at least one day")
    day = local.date()
    if local.time() >= window.opens or local.weekday() not in window.days:
        day += timedelta(days=1)
    while day.weekday() not in window.days:
        day += timedelta(days=1)
    opening = datetime.combine(day, window.opens, tzinfo=tz)
    return opening.astimezone(ZoneInfo("UTC"))


@dataclass(frozen=True)
class Decision:
    close: bool
    due_at: datetime | None  # when open: the next call is due then (UTC)
    reason: str  # why, in a few words for the case history
    mark_number_invalid: bool = False


class OutcomeError(ValueError):
    """The outcome cannot be recorded as given; the message names the field."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


def decide_after_outcome(
    *,
    outcome: str,
    called_at: datetime,
    now: datetime,
    not_reached_before: int,
    callback_at: datetime | None,
    customer_zone: str,
    window: CallingWindow,
    max_not_reached: int = 10,
) -> Decision:
    """What happens to the case after a call with `outcome` at `called_at`.

    `not_reached_before` counts this case's earlier not-reached outcomes.
    """
    if outcome not in OUTCOMES:
        raise OutcomeError("outcome", f"unknown outcome {outcome!r}")
    if callback_at is not None and callback_at <= now:
        raise OutcomeError("callback_at", "the callback time must be in the future")

    if outcome == COMPLETED:
        if callback_at is not None:
            return Decision(False, callback_at, "customer asked to be called back")
        return Decision(True, None, "conversation completed")
    if outcome == CALLBACK:
        if callback_at is None:
            raise OutcomeError("callback_at", "a callback needs the time the customer chose")
        return Decision(False, callback_at, "customer asked to be called back")
    if outcome == ALREADY_PAID:
        return Decision(True, None, "already paid")
    if outcome == CANCELLED:
        return Decision(True, None, "cancelled by the customer")
    if outcome == INVALID_CONTACT:
        return Decision(True, None, "the number is invalid", mark_number_invalid=True)

    attempts = not_reached_before + 1
    if attempts >= max_not_reached:
        return Decision(True, None, f"not reached {attempts} times: unreachable")
    delay = FIRST_RETRY if not_reached_before == 0 else LATER_RETRY
    due = next_calling_time(called_at + delay, customer_zone, window)
    return Decision(False, due, f"not reached (attempt {attempts})")
