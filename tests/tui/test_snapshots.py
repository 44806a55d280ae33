"""What the screens look like, compared with reviewed SVG snapshots (pytest-textual-snapshot).

After a deliberate change of the look: `pytest tests/tui/test_snapshots.py --snapshot-update`,
then review the SVGs in `__snapshots__/` before committing them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from tui.app import make_app

SIZE = (120, 30)


@pytest.mark.usefixtures("demo")
def test_article_list_of_the_sample_corpus(db_url: str, snap_compare: Any) -> None:
    assert snap_compare(make_app(db_url, reviewer="tester"), terminal_size=SIZE)


@pytest.mark.usefixtures("demo")
def test_article_view(db_url: str, snap_compare: Any) -> None:
    assert snap_compare(
        make_app(db_url, reviewer="tester"), press=["down", "enter"], terminal_size=SIZE
    )


@pytest.mark.usefixtures("demo")
def test_keys_panel(db_url: str, snap_compare: Any) -> None:
    assert snap_compare(
        make_app(db_url, reviewer="tester"), press=["question_mark"], terminal_size=SIZE
    )


def keys(*pressed: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    """Press these keys one by one from the app's start, letting each one's work finish.

    Screens and modals are reached by keys only, as a user reaches them (never by pushing a
    screen class), and every worker (search, lint, the link index) ends before the snapshot.
    """

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.pause()
        for key in pressed:
            await pilot.press(key)
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()

    return run_before


def typed(text: str) -> list[str]:
    """The keys that type `text` into an input."""
    return ["space" if ch == " " else ch for ch in text]


def search_gazetteer(text: str) -> list[str]:
    """From the queue: open the gazetteer and search it for `text`."""
    return ["g", "slash", "ctrl+a", "ctrl+k", *typed(text), "enter"]


# Article 1 of the sample corpus, four mentions down, `f`: tag a fact in that sentence.
TAG_FACT = ["enter", "j", "j", "j", "j", "f"]


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize(
    "pressed",
    [
        pytest.param(search_gazetteer("kirgizstn"), id="gazetteer"),
        pytest.param(["ctrl+f"], id="facts"),
        pytest.param([*search_gazetteer("Kyrgyzstan"), "c"], id="concordance"),
        pytest.param(["g", "L"], id="lint"),
        pytest.param(["enter", "l"], id="link-modal"),
        pytest.param(["enter", "l", "ctrl+n"], id="new-entity-form"),
        pytest.param([*TAG_FACT, "down", "down", "enter"], id="role-step"),
        pytest.param(
            [*search_gazetteer("Kyrgyzstan"), "a", *typed("Kirgiziya"), "enter"], id="confirm-modal"
        ),
        pytest.param(
            [*search_gazetteer("Kyrgyzstan"), "a", *typed("Kirgiziya")], id="prompt-modal"
        ),
        pytest.param(TAG_FACT, id="choice-modal"),
    ],
)
def test_screen_reached_by_keys(db_url: str, snap_compare: Any, pressed: list[str]) -> None:
    assert snap_compare(
        make_app(db_url, reviewer="tester"), run_before=keys(*pressed), terminal_size=SIZE
    )
