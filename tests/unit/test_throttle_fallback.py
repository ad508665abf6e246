"""The per-process sign-in counters used while Redis is unreachable: fixed windows that
start afresh once over, give-backs that never go below zero, bounded memory."""

from __future__ import annotations

from voiceapp.throttle import LocalCounters


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_window_counts_until_it_is_over():
    clock = Clock()
    counters = LocalCounters(clock)
    assert [counters.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    clock.now += 59
    assert counters.incr("k", 60) == 4
    clock.now += 2  # the window began at the first failure and is not extended
    assert counters.incr("k", 60) == 1


def test_give_back_and_delete():
    counters = LocalCounters(Clock())
    counters.incr("a", 60)
    counters.give_back("a")
    counters.give_back("a")
    counters.give_back("missing")
    assert counters.incr("a", 60) == 1
    counters.delete("a")
    assert counters.incr("a", 60) == 1


def test_expired_windows_are_swept_when_the_table_grows():
    clock = Clock()
    counters = LocalCounters(clock)
    for n in range(LocalCounters.SWEEP_ABOVE + 1):
        counters.incr(f"spray{n}", 60)
    clock.now += 61
    counters.incr("fresh", 60)
    assert len(counters._counts) == 1
