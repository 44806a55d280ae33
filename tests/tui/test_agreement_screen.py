"""The agreement screen (ctrl+g) and its drill-down, driven by keys, on real blind layers."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import col, select

from store.db import session_scope
from store.models import Mention
from store.teams import set_role
from tests.agreement_layers import decide_blind
from tui.app import make_app
from tui.screens.review import ArticleScreen
from tui.screens.team.adjudication import AdjudicationScreen
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
        await pilot.press("o")
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


def gold(engine: Engine) -> dict[tuple[int, int], tuple[str, str]]:
    with session_scope(engine) as session:
        return {
            (m.start, m.end): (m.state, m.label)
            for m in session.exec(
                select(Mention).where(Mention.article_id == 1, col(Mention.layer).is_(None))
            ).all()
        }


async def test_adjudicate_by_keys(db_url: str, engine: Engine, reviewer_id: int) -> None:
    decide_blind(engine, reviewer_id)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.app.push_screen(AdjudicationScreen(1))
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, AdjudicationScreen)
        unit = screen.current
        assert unit is not None and not unit.settled  # starts on the first unit to settle
        before = gold(engine)
        await pilot.press("1")  # tester is a reviewer: refused, nothing written
        await pilot.pause()
        assert gold(engine) == before
        with session_scope(engine) as session:
            set_role(session=session, name="tester", role="adjudicator")
        versions = str(screen.query_one("#adjudication-versions").render())
        assert "ana" in versions and "budi" in versions and "gold" in versions
        budi = next(i for i, v in enumerate(unit.versions, 1) if v.reviewer == "budi")
        await pilot.press(str(budi))
        await pilot.pause()
        chosen = unit.versions[budi - 1].spans
        after = gold(engine)
        for span in chosen:
            assert after[(span.start, span.end)] == ("accepted", span.label)
        assert screen.current is not None and screen.current.start != unit.start  # moved on
        await pilot.press("A")  # every agreed unit
        await pilot.pause()
        assert sum(1 for u in screen.units if u.settled) == len(screen.units) - 1
        await pilot.press("u")  # the agreed units, as one step
        await pilot.pause()
        assert sum(1 for u in screen.units if u.settled) == 1
        await pilot.press("u")
        await pilot.pause()
        assert gold(engine) == before
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, AdjudicationScreen)
