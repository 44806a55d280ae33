"""Attributes, notes, equivalences and facts filling roles, imported from brat, shown in the
review screen's mention panel and on the facts screen (as data, never markup)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from textual.content import Content

from store.db import session_scope
from store.facts.repository import list_facts
from store.ingest.annotated import LoadOptions, import_annotated
from tests.store.test_brat_extras import ANN, write_doc
from tests.store.test_import_brat import tutorial_schema
from tests.tui.test_review import panel_text, review
from tui.app import make_app
from tui.screens.facts import FactsScreen
from tui.widgets.facts_panel import FactsPanel

SIZE = (160, 44)


def imported(engine: Engine, reviewer_id: int, tmp_path: Path) -> None:
    tutorial_schema(engine, reviewer_id)
    lines = [
        line.replace("a span note", "[b]not markup[/b]") if line.startswith("#1") else line
        for line in ANN
    ]
    write_doc(tmp_path / "in", lines)
    report = import_annotated(
        engine, "brat", [tmp_path / "in"], LoadOptions(reviewer_id=reviewer_id)
    )
    assert report.failed == 0, report.problems


async def test_the_mention_panel_shows_attributes_notes_and_equivalents(
    db_url: str, engine: Engine, reviewer_id: int, tmp_path: Path
) -> None:
    imported(engine, reviewer_id, tmp_path)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("0", "enter")
        await pilot.pause()
        screen = review(pilot.app)
        assert [m.text for m in screen.mentions] == ["Ali", "Budi", "Budi", "Ali"]
        text = panel_text(pilot.app)
        assert "same   Equiv: Ali" in text and "Speculation" not in text
        await pilot.press("j")
        await pilot.pause()
        text = panel_text(pilot.app)
        assert "attr   Speculation" in text
        assert "note   AnnotatorNotes: [b]not markup[/b]" in text  # data, not markup
        assert "same   Equiv: Budi" in text
        # the review's facts panel names a fact filling a role by its id and type
        with session_scope(engine) as session:
            merge = next(f for f in list_facts(session=session) if f.type == "Merge_org")
        await pilot.press("F")
        await pilot.pause()
        shown = screen.query_one(FactsPanel).visual
        assert isinstance(shown, Content)
        assert f"E{merge.id} Merge_org" in shown.plain


async def test_the_facts_screen_shows_a_fact_filling_a_role_and_its_extras(
    db_url: str, engine: Engine, reviewer_id: int, tmp_path: Path
) -> None:
    imported(engine, reviewer_id, tmp_path)
    with session_scope(engine) as session:
        facts = {f.type: f for f in list_facts(session=session)}
    merge = facts["Merge_org"]
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+f")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, FactsScreen)
        lines = {
            screen.facts[i].type: "".join(s.text for s in screen.listing.render_line(i))
            for i in range(len(screen.facts))
        }
        assert f"Event_Arg=E{merge.id} Merge_org" in lines["Report"]
        assert "Reporter_Arg=Ali" in lines["Report"]
        assert (
            "Confidence=L1" in lines["Report"] and "ReviewerNotes: another kind" in lines["Report"]
        )
        assert "Negated" in lines["Merge_org"]
        assert "note: the fact's note" in lines["Merge_org"]
        assert "AnnotatorNotes: a second note" in lines["Merge_org"]
