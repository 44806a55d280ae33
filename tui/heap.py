"""Python's garbage collector, tuned for an app that answers keys: its pauses out of the keys.

CPython collects its youngest objects every 700 net allocations, and all of them after ten
young and ten middle collections. Drawing a screen allocates tens of thousands of short-lived
objects (strips, segments, their caches), most freed at once by reference counting, so the
defaults collect several times within one key, and every few dozen keys walk every object
the app holds (a full collection: 20-200 ms inside a key). Measured with the review keys
benchmark's replay (bench/review_keys_bench.py, 3 eval articles, 327 keys): the collector's time
in the keys 972 ms with the defaults (13 keys spending >= 20 ms in it, up to 65 ms), 437 ms
with these thresholds (1 key, 22 ms).

So the app collects its young objects every `YOUNG` net allocations, the middle and full
collections `OLDER` times more rarely, and runs a full collection when it has been idle
(no CPU used for `IDLE_AFTER` seconds: the reviewer reads), where a pause costs nothing.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

YOUNG = 10_000  # net allocations between young collections (CPython: 700)
OLDER = 50  # collections of a generation before one of the next (CPython: 10)
IDLE_AFTER = 2.0  # seconds without work before a full collection
TICK = 1.0  # how often the idleness is checked
BUSY_CPU = 0.01  # CPU seconds in a tick that count as work (the tick's own: far less)


def tune() -> tuple[int, ...]:
    """Set the app's thresholds; the previous ones (for `restore`)."""
    previous = gc.get_threshold()
    gc.set_threshold(YOUNG, OLDER, OLDER)
    return previous


def restore(previous: tuple[int, ...]) -> None:
    """Put back the thresholds `tune` replaced (another app in the process starts as usual)."""
    gc.set_threshold(*previous)


class IdleCollector:
    """Runs a full collection once the process has done no work for `IDLE_AFTER` seconds
    since the last work it did (one collection per idle spell); `tick` is called every
    `TICK` seconds (an app timer)."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        cpu: Callable[[], float] = time.process_time,
        collect: Callable[[], object] = gc.collect,
    ) -> None:
        self._clock, self._cpu, self._collect = clock, cpu, collect
        self._last_cpu = cpu()
        self._busy_at = clock()  # when work was last seen
        self._pending = True  # work since the last collection (startup counts)
        self.collections = 0

    def tick(self) -> None:
        """Note whether the process worked since the last tick; collect when idle long enough."""
        now, cpu = self._clock(), self._cpu()
        if cpu - self._last_cpu > BUSY_CPU:
            self._busy_at, self._pending = now, True
        self._last_cpu = cpu
        if self._pending and now - self._busy_at >= IDLE_AFTER:
            self._collect()
            self.collections += 1
            self._pending = False
            self._last_cpu = self._cpu()  # its own work is not the reviewer's
