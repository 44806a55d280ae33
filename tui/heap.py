"""Python's garbage collector, tuned for an app that answers keys: its pauses out of the keys.

CPython collects its youngest objects every 700 net allocations, and all of them after ten
young and ten middle collections. Drawing a screen allocates tens of thousands of short-lived
objects (strips, segments, their caches), most freed at once by reference counting, so the
defaults collect several times within one key, and every few dozen keys walk every object
the app holds (a full collection: 20-200 ms inside a key). Measured with the review keys
benchmark's replay (bench/review_keys_bench.py, 3 eval articles, 327 keys): the collector's time
in the keys 972 ms with the defaults (13 keys spending >= 20 ms in it, up to 65 ms), 437 ms
with a young collection every 10,000 allocations (1 key, 22 ms); on all 59 articles, with the
passes after the frame and frozen survivors below, its largest pass 41-69 ms (was 104 ms).

So the app collects its young objects every `YOUNG` net allocations, the middle and full
collections `MIDDLE` and `OLDER` times more rarely, once a key's frames are drawn
(`collect_due`: the pause falls between two keys, not inside one; Python itself collects only
past `BACKSTOP`), and runs a full collection when it has been idle (no CPU used for
`IDLE_AFTER` seconds: the reviewer reads), where a pause costs nothing.

A full pass walks every object the collector tracks, and most of them live as long as the
app (modules, the entity index, the matcher, the screens): each full pass freezes what
survived it (`gc.freeze`: out of later passes), so the next one walks only what
was made since. A frozen object whose last reference goes is still freed; only a cycle that
became garbage after its freeze waits for the idle collection, which thaws everything,
collects it all and freezes the survivors again.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

YOUNG = 10_000  # net allocations between young collections (CPython: 700), after a frame
BACKSTOP = 100_000  # net allocations before Python collects by itself, frame or not
MIDDLE = 10  # young collections before a middle one (CPython: 10)
OLDER = 10  # middle collections before a full one (CPython: 10; a full one walks only what
# was made since the last, the rest frozen)
IDLE_AFTER = 2.0  # seconds without work before a full collection
TICK = 1.0  # how often the idleness is checked
BUSY_CPU = 0.01  # CPU seconds in a tick that count as work (the tick's own: far less)


def tune() -> tuple[int, ...]:
    """Set the app's thresholds and freeze after each full pass; the previous thresholds
    (for `restore`)."""
    previous = gc.get_threshold()
    gc.set_threshold(BACKSTOP, MIDDLE, OLDER)
    if _freeze_survivors not in gc.callbacks:
        gc.callbacks.append(_freeze_survivors)
    return previous


def restore(previous: tuple[int, ...]) -> None:
    """Put back the thresholds `tune` replaced and thaw what the app froze (another app in
    the process starts as usual)."""
    gc.set_threshold(*previous)
    while _freeze_survivors in gc.callbacks:
        gc.callbacks.remove(_freeze_survivors)
    gc.unfreeze()


def collect_due() -> int | None:
    """The collection Python would have made by now with `YOUNG` as its first threshold, if
    any (the generation collected): called once a key's frames are drawn (`after_frames`),
    so that the pause falls between keys rather than inside one."""
    young, middle, older = gc.get_count()
    if young < YOUNG:
        return None
    generation = (2 if older >= OLDER else 1) if middle >= MIDDLE else 0
    gc.collect(generation)
    return generation


def _freeze_survivors(phase: str, info: dict[str, int]) -> None:
    """After a full pass: what survived it is out of the next ones (`gc.callbacks`)."""
    if phase == "stop" and info.get("generation") == 2:
        gc.freeze()


def collect_all() -> None:
    """A full collection of everything, frozen or not; the survivors frozen again."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class IdleCollector:
    """Runs a full collection once the process has done no work for `IDLE_AFTER` seconds
    since the last work it did (one collection per idle spell); `tick` is called every
    `TICK` seconds (an app timer)."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        cpu: Callable[[], float] = time.process_time,
        collect: Callable[[], object] = collect_all,
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
