"""A call's status only moves forward, and a final status is final.

Twilio's status callbacks are separate HTTP requests: they arrive late, out of order,
concurrently and more than once (TWILIO.md, "Status callbacks"). Applying them through
`advance` makes the outcome independent of that order.
"""

from __future__ import annotations

from dataclasses import dataclass

FINAL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
# Progress rank of each status; every final status shares the highest rank.
_RANK = {"queued": 0, "initiated": 1, "ringing": 2, "in-progress": 3}
_FINAL_RANK = 4
KNOWN_STATUSES = frozenset(_RANK) | FINAL_STATUSES
# Dial action outcomes after which the caller was not connected to anyone.
UNANSWERED_DIAL_STATUSES = frozenset({"no-answer", "busy", "failed", "canceled"})


def rank(status: str) -> int:
    return _FINAL_RANK if status in FINAL_STATUSES else _RANK.get(status, -1)


def is_final(status: str) -> bool:
    return status in FINAL_STATUSES


@dataclass(frozen=True)
class StatusUpdate:
    status: str
    sequence: int | None


def advance(current: str, last_sequence: int, update: StatusUpdate) -> tuple[str, int]:
    """The call's (status, last applied sequence) after `update`.

    - a final status is never left, and the first final status to arrive stays;
    - otherwise a status only replaces one of lower rank;
    - an unknown status (Twilio adds values over time) changes nothing.
    """
    if update.status not in KNOWN_STATUSES:  # nothing applied: the sequence stays too
        return current, last_sequence
    sequence = last_sequence if update.sequence is None else max(last_sequence, update.sequence)
    if is_final(current):
        return current, sequence
    if rank(update.status) > rank(current):
        return update.status, sequence
    return current, sequence
