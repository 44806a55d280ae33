"""The queue with a search of many matches: the count shown as an estimate ("300+"), pages
read by keyset past it, `end` showing the last page at once and counting exactly in a worker,
a position past the count shown as one."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import Engine

from store.corpus import articles as listing
from store.corpus.search import index_new_articles
from tests.tui.test_app import SIZE, plain, shown_ids, table_of
from tests.tui.test_queue import many_articles
from tui.app import make_app
from tui.screens import articles as queue_screen

TOTAL = 1_000
CAP = 300


@pytest.fixture
def corpus(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """TOTAL indexed articles, every text saying "Text N.", and a search's cap of CAP."""
    many_articles(engine, TOTAL)
    index_new_articles(engine)
    monkeypatch.setattr(listing, "ESTIMATE_AT", CAP)


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, list[threading.Thread]]:
    """The queue's exact count, held until the test sets the event; the threads it ran in."""
    release, threads = threading.Event(), []
    real_count = queue_screen.count_articles

    def held_count(**kwargs: Any) -> int:
        threads.append(threading.current_thread())
        assert release.wait(10)
        return real_count(**kwargs)

    monkeypatch.setattr(queue_screen, "count_articles", held_count)
    return release, threads


@pytest.mark.usefixtures("corpus")
async def test_a_search_past_the_cap_is_counted_as_an_estimate(
    db_url: str, held: tuple[threading.Event, list[threading.Thread]]
) -> None:
    release, threads = held
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        table = table_of(pilot.app)
        counts = pilot.app.screen.query_one("#counts")
        assert "rows 1-200 of 1,000" in plain(counts)  # no search: exact
        await pilot.press("slash", *"text", "enter")
        await pilot.pause()
        assert "rows 1-200 of 300+" in plain(counts)
        assert not table.exact and table.has_more
        # Down past the estimate: the pages keep coming, by keyset, none lost or repeated.
        while table.last <= CAP + 200:
            before = table.article_id
            await pilot.press("pagedown")
            await pilot.pause()
            assert table.article_id is not None and before is not None
            assert table.article_id > before
        ids = shown_ids(table)
        assert ids == list(range(table.first + 1, table.first + table.row_count + 1))
        assert table.total >= table.last > CAP
        # The end: its last page at once, numbered as an estimate while a worker counts.
        await pilot.press("end")
        await pilot.pause()
        assert table.article_id == TOTAL and not table.has_more and not table.placed
        assert shown_ids(table) == list(range(TOTAL - 199, TOTAL + 1))
        assert "the last 200 rows of 300+ (counting)" in plain(counts)
        assert threads and threading.main_thread() not in threads
        # The count comes: the rows are numbered exactly.
        release.set()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert table.article_id == TOTAL and table.exact and table.placed
        assert (table.first, table.total) == (TOTAL - 200, TOTAL)
        assert f"rows 801-1,000 of {TOTAL:,}" in plain(counts) and "+" not in plain(counts)
        # A search again from there: the cursor stays on its article, whose place among the
        # matches is past the count, so shown as an estimate; the rows before it still come.
        await pilot.press("slash", "ctrl+u", *"text", "enter")
        await pilot.pause()
        assert table.article_id == TOTAL and not table.placed
        assert "rows past 300 of 300+" in plain(counts)
        assert table.has_before
        await pilot.press("home")
        await pilot.pause()
        assert table.article_id == 1 and table.first == 0 and table.placed


@pytest.mark.usefixtures("corpus")
async def test_an_end_count_that_comes_after_the_reviewer_moved_on_changes_nothing(
    db_url: str, held: tuple[threading.Event, list[threading.Thread]]
) -> None:
    release, _threads = held
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        table = table_of(pilot.app)
        counts = pilot.app.screen.query_one("#counts")
        await pilot.press("slash", *"text", "enter", "end")
        await pilot.pause()
        assert "(counting)" in plain(counts)
        await pilot.press("home")  # back to the first page before the count comes
        await pilot.pause()
        release.set()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert table.article_id == 1 and table.first == 0 and not table.exact
        assert "rows 1-200 of 300+" in plain(counts) and "counting" not in plain(counts)
