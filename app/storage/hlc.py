"""Hybrid logical clock: version stamps that order writes across nodes.

A stamp is ``(milliseconds << 16) | counter``: it follows wall time, never goes back
when the wall clock does, and stays unique when many writes share a millisecond.
"""

from __future__ import annotations

import threading

from app.clock import Clock

COUNTER_BITS = 16
_COUNTER_MASK = (1 << COUNTER_BITS) - 1


def physical_ms(stamp: int) -> int:
    return stamp >> COUNTER_BITS


class HybridLogicalClock:
    def __init__(self, clock: Clock, last: int = 0) -> None:
        self._clock = clock
        self._last = last
        self._lock = threading.Lock()

    @property
    def last(self) -> int:
        return self._last

    def _wall(self) -> int:
        return int(self._clock.now().timestamp() * 1000) << COUNTER_BITS

    def now(self) -> int:
        with self._lock:
            self._last = max(self._wall(), self._last + 1)
            return self._last

    def observe(self, remote: int) -> int:
        """Merge a stamp received from another node; returns a stamp after both."""
        with self._lock:
            self._last = max(self._wall(), self._last + 1, remote + 1)
            return self._last
