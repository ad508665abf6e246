"""The call-status rule on its own: a status only moves forward, every final status shares
the top rank and is never left, an unknown status changes nothing, the sequence never drops."""

from __future__ import annotations

from itertools import permutations

import pytest

from voiceapp.domain.call_status import (
    FINAL_STATUSES,
    KNOWN_STATUSES,
    UNANSWERED_DIAL_STATUSES,
    StatusUpdate,
    advance,
    is_final,
    rank,
)

PROGRESS = ["queued", "initiated", "ringing", "in-progress"]
FINALS = ["completed", "busy", "failed", "no-answer", "canceled"]


def test_the_known_statuses_are_twilios():
    assert set(FINAL_STATUSES) == set(FINALS)
    assert set(KNOWN_STATUSES) == set(PROGRESS) | set(FINALS)
    assert set(UNANSWERED_DIAL_STATUSES) == {"no-answer", "busy", "failed", "canceled"}
    assert "completed" not in UNANSWERED_DIAL_STATUSES


def test_progress_ranks_strictly_increase_and_finals_share_the_top_rank():
    ranks = [rank(s) for s in PROGRESS]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)
    assert {rank(s) for s in FINALS} == {rank("completed")}
    assert rank("completed") > rank("in-progress")
    assert rank("unknown-thing") < rank("queued")


@pytest.mark.parametrize("status", FINALS)
def test_is_final(status):
    assert is_final(status)


@pytest.mark.parametrize("status", [*PROGRESS, "answered", "", "COMPLETED"])
def test_is_not_final(status):
    assert not is_final(status)


@pytest.mark.parametrize(
    ("earlier", "later"),
    [(a, b) for i, a in enumerate(PROGRESS) for b in PROGRESS[i + 1 :] + FINALS],
)
def test_a_status_moves_forward(earlier, later):
    assert advance(earlier, 0, StatusUpdate(later, 1)) == (later, 1)


@pytest.mark.parametrize(
    ("current", "late"),
    [(a, b) for i, a in enumerate(PROGRESS) for b in PROGRESS[: i + 1]],
)
def test_a_late_or_repeated_progress_status_changes_nothing_but_the_sequence(current, late):
    assert advance(current, 3, StatusUpdate(late, 5)) == (current, 5)


@pytest.mark.parametrize("final", FINALS)
@pytest.mark.parametrize("update", [*PROGRESS, *FINALS])
def test_a_final_status_is_never_left_not_even_for_another_final(final, update):
    # Equal rank does not replace: the first final status to arrive stays.
    assert advance(final, 2, StatusUpdate(update, 7)) == (final, 7)


@pytest.mark.parametrize("unknown", ["answered", "", "Completed", "in_progress", "voicemail"])
@pytest.mark.parametrize("current", [*PROGRESS, "completed"])
def test_an_unknown_status_changes_nothing_not_even_the_sequence(current, unknown):
    assert advance(current, 4, StatusUpdate(unknown, 9)) == (current, 4)


def test_the_sequence_is_the_highest_seen_and_never_drops():
    assert advance("ringing", 8, StatusUpdate("in-progress", 3)) == ("in-progress", 8)
    assert advance("ringing", 8, StatusUpdate("in-progress", None)) == ("in-progress", 8)
    assert advance("ringing", 2, StatusUpdate("in-progress", 3)) == ("in-progress", 3)
    assert advance("completed", 8, StatusUpdate("ringing", 3)) == ("completed", 8)


@pytest.mark.parametrize(
    "order", list(permutations([("ringing", 1), ("in-progress", 2), ("completed", 3)]))
)
def test_any_arrival_order_ends_in_the_same_state(order):
    status, sequence = "queued", 0
    for name, seq in order:
        status, sequence = advance(status, sequence, StatusUpdate(name, seq))
    assert (status, sequence) == ("completed", 3)


def test_two_finals_in_either_order_keep_the_first_to_arrive():
    status, seq = advance("ringing", 1, StatusUpdate("no-answer", 3))
    assert advance(status, seq, StatusUpdate("completed", 2)) == ("no-answer", 3)
    status, seq = advance("ringing", 1, StatusUpdate("completed", 2))
    assert advance(status, seq, StatusUpdate("no-answer", 3)) == ("completed", 3)
