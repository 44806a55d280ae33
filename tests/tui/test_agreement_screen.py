"""The agreement screen (ctrl+g) and its drill-down, driven by keys, on real blind layers."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.agreement_layers import decide_blind
from tui.app import make_app
from tui.screens.review import ArticleScreen
from tui.screens.team.agreement import AgreementScreen
from tui.screens.team.disagreements import DisagreementsScreen
from tui.widgets.virtual_list import VirtualList

SIZE = (130, 40)


def line(screen: AgreementScreen | DisagreementsScreen, y: int) -> str:
    return "".join(s.text for s in screen.query_one(VirtualList).render_line(y))


async def test_agreement_table_gamma_and_disagreements(
    db_url: str, engine: Engine, reviewer_id: int
) -> None:
    decide_blind(engine, reviewer_id)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+g")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, AgreementScreen)
        assert screen.rows[0].first == "ana" and screen.rows[0].label == "*"
        assert "ana · budi" in line(screen, 0) and "all labels" in line(screen, 0)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert not screen.gamma_waiting
        assert screen.rows[0].gamma is not None
        assert f"{screen.rows[0].gamma:.2f}" in line(screen, 0)
        await pilot.press("enter")
        await pilot.pause()
        drill = pilot.app.screen
        assert isinstance(drill, DisagreementsScreen)
        assert sorted(item.kind for item in drill.items) == ["label", "span"]
        first = line(drill, 0)
        assert "ana: " in first and "budi: " in first
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ArticleScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is drill
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, AgreementScreen)


async def test_agreement_screen_with_no_layers(db_url: str, engine: Engine) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+g")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, AgreementScreen)
        assert screen.rows == []
        summary = str(screen.query_one("#agreement-summary").render())
        assert "nothing to compare" in summary
