"""What the screens look like, compared with reviewed SVG snapshots (pytest-textual-snapshot).

After a deliberate change of the look: `pytest tests/tui/test_snapshots.py --snapshot-update`,
then review the SVGs in `__snapshots__/` before committing them.
"""

from __future__ import annotations

from typing import Any

import pytest

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
