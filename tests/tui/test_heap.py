"""The app's garbage-collector policy (tui/heap.py): fewer collections inside keys, a full one
when the reviewer reads."""

from __future__ import annotations

import gc

import pytest

from tui.app import make_app
from tui.heap import (
    BACKSTOP,
    IDLE_AFTER,
    MIDDLE,
    OLDER,
    TICK,
    YOUNG,
    IdleCollector,
    collect_all,
    collect_due,
)


class Clock:
    """A clock and a CPU timer the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0
        self.cpu = 0.0

    def work(self, seconds: float) -> None:
        self.now += seconds
        self.cpu += seconds

    def rest(self, seconds: float) -> None:
        self.now += seconds


def test_a_full_collection_runs_once_per_idle_spell_after_work() -> None:
    clock = Clock()
    runs: list[float] = []

    def collect() -> None:
        runs.append(clock.now)
        clock.work(0.15)  # a full collection takes CPU too: not the reviewer's work

    idle = IdleCollector(clock=lambda: clock.now, cpu=lambda: clock.cpu, collect=collect)
    for _ in range(5):  # the reviewer presses keys: the process works every tick
        clock.work(0.2)
        clock.rest(TICK - 0.2)
        idle.tick()
    assert runs == []
    ticks = 0
    while not runs:  # then reads
        clock.rest(TICK)
        idle.tick()
        ticks += 1
    assert ticks * TICK >= IDLE_AFTER
    for _ in range(10):  # still reading: no second collection for the same spell
        clock.rest(TICK)
        idle.tick()
    assert len(runs) == 1
    clock.work(0.3)  # a key again, then reading: one more
    for _ in range(5):
        clock.rest(TICK)
        idle.tick()
    assert len(runs) == 2


def test_idle_without_work_collects_nothing_more() -> None:
    clock = Clock()
    runs: list[float] = []
    idle = IdleCollector(
        clock=lambda: clock.now, cpu=lambda: clock.cpu, collect=lambda: runs.append(clock.now)
    )
    for _ in range(20):
        clock.rest(TICK)
        idle.tick()
    assert len(runs) == 1  # the startup's objects, once


@pytest.mark.usefixtures("demo")
async def test_the_app_tunes_the_collector_while_it_runs(db_url: str) -> None:
    before = gc.get_threshold()
    assert before != (BACKSTOP, MIDDLE, OLDER)
    async with make_app(db_url, reviewer="tester").run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert gc.get_threshold() == (BACKSTOP, MIDDLE, OLDER)
        assert any(timer.name == "idle-collector" for timer in pilot.app._timers)
    assert gc.get_threshold() == before  # another app in this process starts as usual
    assert gc.get_freeze_count() == 0  # and nothing it froze stays frozen


def test_the_due_collection_is_the_one_python_would_have_made() -> None:
    previous = gc.get_threshold()
    gc.set_threshold(BACKSTOP, MIDDLE, OLDER)
    try:
        gc.collect()
        assert collect_due() is None  # nothing made since
        kept = [[] for _ in range(YOUNG + 100)]  # tracked objects: the young count passes YOUNG
        assert gc.get_count()[0] >= YOUNG
        assert collect_due() == 0
        assert gc.get_count()[0] < YOUNG and len(kept) == YOUNG + 100
    finally:
        gc.set_threshold(*previous)


def test_a_full_collection_freezes_what_it_kept_and_the_idle_one_thaws_it_first() -> None:
    import weakref

    from tui.heap import restore, tune

    class Node:
        pass

    previous = tune()
    try:
        node = Node()
        node.me = node  # type: ignore[attr-defined]  # a cycle: only the collector frees it
        alive = weakref.ref(node)
        gc.collect()  # a full pass: its survivors are frozen (out of the next passes)
        assert gc.get_freeze_count() > 0
        del node
        gc.collect()
        assert alive() is not None  # frozen: a full pass does not walk it
        collect_all()  # the idle collection thaws everything first
        assert alive() is None and gc.get_freeze_count() > 0  # the survivors frozen again
    finally:
        restore(previous)
    assert gc.get_freeze_count() == 0


@pytest.mark.usefixtures("demo")
async def test_a_key_is_followed_by_the_collection_that_is_due(db_url: str) -> None:
    """Past `YOUNG` allocations the collection waits for the next key's frame (Python's own
    threshold is `BACKSTOP`), then runs."""
    async with make_app(db_url, reviewer="tester").run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        kept = [[] for _ in range(YOUNG + 100)]
        assert YOUNG <= gc.get_count()[0] < BACKSTOP
        await pilot.pause()
        assert gc.get_count()[0] >= YOUNG  # no key: not collected
        await pilot.press("j")
        await pilot.pause()
        assert gc.get_count()[0] < YOUNG and kept
