"""The reference cycles Textual makes on every frame are broken (tui/cycles.py): what a frame
leaves behind is freed by reference counting, not by the garbage collector's passes."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from rich.segment import Segment
from textual.strip import Strip

from tui.app import make_app
from tui.cycles import break_cycles


@contextmanager
def garbage() -> Iterator[Counter[str]]:
    """While entered, the collector keeps what it finds unreachable; on exit, the types of
    what it found, by name (nothing else in the process is freed meanwhile)."""
    found: Counter[str] = Counter()
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield found
        gc.collect()
        found.update(type(o).__name__ for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


def test_a_strip_cut_at_its_own_length_is_freed_by_reference_counting() -> None:
    assert break_cycles()
    with garbage() as found:
        strip = Strip([Segment("Shanghai "), Segment("Cooperation")])
        whole = strip.divide([strip.cell_length])
        parts = strip.divide([8, strip.cell_length])
        assert whole == [strip]  # the same answer as Textual's
        assert [p.text for p in parts] == ["Shanghai", " Cooperation"]
        assert strip.divide([8, strip.cell_length]) is parts  # other cuts: cached as before
        del strip, whole, parts
    assert found["Strip"] == 0
    assert found["FIFOCache"] == 0


@pytest.mark.usefixtures("demo")
async def test_the_app_lays_out_and_draws_without_leaving_cycles(db_url: str) -> None:
    """The app breaks the cycles when it starts; then laying the review screen out again and
    drawing it (a resize, keys) leaves no compositor map or strip to the collector."""
    async with make_app(db_url, reviewer="tester").run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")  # the first article's review
        await pilot.pause()
        with garbage() as found:
            for size in ((100, 36), (132, 44), (120, 40)):
                await pilot.resize_terminal(*size)
                await pilot.pause()
            for key in ("j", "j", "k"):
                await pilot.press(key)
                await pilot.pause()
        assert found["MapGeometry"] == 0, found.most_common(8)
        assert found["Strip"] == 0, found.most_common(8)
