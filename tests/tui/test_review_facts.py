"""Facts in the review screen, driven by Pilot on the sample corpus; every change is checked in
the database."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from textual.app import App
from textual.content import Content

from store.config import MIN_SCORE
from store.corpus.articles import get_article
from store.db import session_scope
from store.facts.repository import FactView, list_facts
from store.review.citation import fact_citation
from store.review.mentions import MentionView, list_mentions
from tui.app import make_app
from tui.modals.prompt import ChoiceScreen
from tui.modals.role_step import RoleScreen
from tui.screens.review import ArticleScreen
from tui.widgets.article_text import EVIDENCE_STYLE, FILLER_STYLE, FOCUS_STYLE, ArticleText
from tui.widgets.facts_panel import FactsPanel

SIZE = (120, 40)
pytestmark = pytest.mark.usefixtures("demo")


def facts_of(engine: Engine, article_id: int) -> list[FactView]:
    """The article's facts as stored now."""
    with session_scope(engine) as session:
        return list_facts(session=session, article_id=article_id)


def mentions_of(engine: Engine, article_id: int) -> list[MentionView]:
    """The article's mentions as stored now."""
    with session_scope(engine) as session:
        return list_mentions(min_score=MIN_SCORE, session=session, article_id=article_id)


def review(app: App[None]) -> ArticleScreen:
    """The review screen, which must be the one showing."""
    screen = app.screen
    assert isinstance(screen, ArticleScreen)
    return screen


def panel_text(app: App[None]) -> str:
    """What the facts panel shows, without styles."""
    visual = review(app).query_one(FactsPanel).visual
    assert isinstance(visual, Content)
    return visual.plain


def styled(app: App[None], style: str) -> list[tuple[int, int]]:
    """The (start, end) of the article text's spans drawn in `style`."""
    visual = review(app).query_one(ArticleText).visual
    assert isinstance(visual, Content)
    return [(span.start, span.end) for span in visual.spans if span.style == style]


async def test_F_then_accept_reject_note_delete_undo_redo(db_url: str, engine: Engine) -> None:
    mentions = mentions_of(engine, 1)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "F")
        screen = review(pilot.app)
        assert isinstance(screen.focused, FactsPanel)
        first, second = facts_of(engine, 1)[:2]
        assert (first.type, first.evidence_start, first.state) == ("ARMS_TRANSFER", 0, "pending")
        assert "▸· ARMS_TRANSFER" in panel_text(pilot.app)
        assert "supplier     Rusia → Russia (RU)" in panel_text(pilot.app)

        await pilot.press("a")
        now = facts_of(engine, 1)
        assert (now[0].id, now[0].state, now[0].reviewer) == (first.id, "accepted", "tester")
        # The fact's three pending fillers were accepted with it; the mention keys did not fire.
        fillers = {f.mention_id for f in first.fillers}
        assert len(fillers) == 3
        assert [m.state for m in mentions_of(engine, 1) if m.id in fillers] == ["accepted"] * 3
        mentions = [m for m in mentions_of(engine, 1) if m.id not in fillers]
        assert all(m.state == "pending" for m in mentions)

        await pilot.press("j", "x")
        now = facts_of(engine, 1)
        assert (now[1].id, now[1].state) == (second.id, "rejected")
        unchanged = [m for m in mentions_of(engine, 1) if m.id not in fillers]
        assert screen.cursor == 0 and unchanged == mentions

        await pilot.press("u")
        assert facts_of(engine, 1)[1].state == "pending"
        await pilot.press("U")
        assert facts_of(engine, 1)[1].state == "rejected"

        await pilot.press("N")
        await pilot.press(*"check the date", "enter")
        assert facts_of(engine, 1)[1].note == "check the date"
        assert "note: check the date" in panel_text(pilot.app)

        await pilot.press("D", "y")
        assert second.id not in {f.id for f in facts_of(engine, 1)}
        await pilot.press("u")  # the deletion is undone: the fact is back, note and all
        back = next(f for f in facts_of(engine, 1) if f.id == second.id)
        assert (back.state, back.note) == ("rejected", "check the date")

        await pilot.press("F")  # back to the mentions: their keys work again
        assert not isinstance(screen.focused, FactsPanel)
        await pilot.press("J", "a")  # the first pending mention: KONTAN.CO.ID
        assert mentions_of(engine, 1)[3].state == "accepted"


async def test_delete_asks_first(db_url: str, engine: Engine) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "F")
        before = [f.id for f in facts_of(engine, 1)]
        await pilot.press("D", "n")
        assert [f.id for f in facts_of(engine, 1)] == before
        await pilot.press("escape")  # leaves the panel, not the screen
        assert isinstance(pilot.app.screen, ArticleScreen)
        assert not isinstance(review(pilot.app).focused, FactsPanel)


async def test_edit_roles_with_the_fillers_chosen_then_undo(db_url: str, engine: Engine) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "F")
        fact = facts_of(engine, 1)[0]
        rusia, item, kyrgyzstan = (m.id for m in mentions_of(engine, 1)[:3])
        assert fact.roles == {"supplier": [rusia], "recipient": [kyrgyzstan], "item": [item]}
        await pilot.press("e")
        role = pilot.app.screen
        assert isinstance(role, RoleScreen) and role.chosen == [rusia]
        assert [m.text for m in role.options] == ["Rusia", "Kyrgyzstan"]
        await pilot.press("2", "enter")  # supplier: Kyrgyzstan (one mention: replaces Rusia)
        await pilot.press("2", "1", "enter")  # recipient: drop Kyrgyzstan, take Rusia
        await pilot.press("enter", "enter")  # item kept, no date
        assert isinstance(pilot.app.screen, ArticleScreen)
        now = facts_of(engine, 1)[0]
        assert now.id == fact.id
        assert now.roles == {"supplier": [kyrgyzstan], "recipient": [rusia], "item": [item]}
        await pilot.press("u")
        assert facts_of(engine, 1)[0].roles == fact.roles


async def test_f_tags_a_meeting_on_the_focused_mentions_sentence(
    db_url: str, engine: Engine
) -> None:
    mentions = {m.start: m.id for m in mentions_of(engine, 2)}
    before = {f.id for f in facts_of(engine, 2)}
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "n")
        assert review(pilot.app).article.id == 2
        await pilot.press("j", "j", "j", "j")  # Sergey Shoigu, in the sentence 156-307
        assert review(pilot.app).current is not None
        assert review(pilot.app).current.text == "Sergey Shoigu"  # type: ignore[union-attr]
        await pilot.press("f")
        assert isinstance(pilot.app.screen, ChoiceScreen)
        await pilot.press("down", "down", "enter")  # MEETING
        role = pilot.app.screen
        assert isinstance(role, RoleScreen) and role.role.name == "participants"
        assert [m.text for m in role.options] == [
            "Rusia",
            "Sergey Shoigu",
            "Kazakhstan",
            "Imangali Tasmagambetov",
            "Astana",
        ]
        await pilot.press("enter")  # required: nothing chosen yet, the step stays
        assert pilot.app.screen is role
        await pilot.press("2", "4", "enter")
        assert isinstance(pilot.app.screen, RoleScreen)
        assert [m.text for m in pilot.app.screen.options] == ["Rusia", "Kazakhstan", "Astana"]
        await pilot.press("down", "down", "space", "enter", "enter")  # place Astana, no date
        assert isinstance(pilot.app.screen, ArticleScreen)
    new = [f for f in facts_of(engine, 2) if f.id not in before]
    assert len(new) == 1
    fact = new[0]
    assert (fact.type, fact.state, fact.origin, fact.reviewer) == (
        "MEETING",
        "accepted",
        "manual",
        "tester",
    )
    assert (fact.evidence_start, fact.evidence_end) == (156, 307)
    # Sergey Shoigu at 181, Imangali Tasmagambetov at 256, Astana at 282.
    assert fact.roles == {"participants": [mentions[181], mentions[256]], "place": [mentions[282]]}


async def test_f_in_the_facts_panel_tags_on_the_focused_facts_sentence(
    db_url: str, engine: Engine
) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "F", "j", "j")  # a fact of the sentence 322-489
        fact = facts_of(engine, 1)[2]
        assert (fact.evidence_start, fact.evidence_end) == (322, 489)
        await pilot.press("f", "down", "down", "enter")  # MEETING
        role = pilot.app.screen
        assert isinstance(role, RoleScreen)
        assert [m.text for m in role.options] == ["Kyrgyzstan", "Sadyr Zhaparov", "Rusia"]
        await pilot.press("2", "enter", "2", "enter", "enter")  # place: Kyrgyzstan, Rusia
        assert isinstance(pilot.app.screen, ArticleScreen)
    made = next(f for f in facts_of(engine, 1) if f.origin == "manual")
    assert (made.type, made.evidence_start, made.evidence_end) == ("MEETING", 322, 489)
    assert [(f.role, f.text) for f in made.fillers] == [
        ("participants", "Sadyr Zhaparov"),
        ("place", "Rusia"),
    ]


async def test_escape_cancels_the_whole_tagging(db_url: str, engine: Engine) -> None:
    before = facts_of(engine, 1)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "f")
        await pilot.press("end", "enter")  # AGREEMENT
        await pilot.press("1", "enter")  # parties: Rusia
        assert isinstance(pilot.app.screen, RoleScreen)
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, ArticleScreen)
    assert facts_of(engine, 1) == before


async def test_m_in_a_role_step_marks_a_new_span_and_comes_back(
    db_url: str, engine: Engine
) -> None:
    mentions = mentions_of(engine, 1)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "f", "enter")  # ARMS_TRANSFER on the title sentence
        await pilot.press("1", "enter", "2", "enter", "1", "enter")
        role = pilot.app.screen
        assert isinstance(role, RoleScreen) and role.role.name == "date" and not role.options
        await pilot.press("m")  # mark "akan" (a stand-in for a date), label it DATE (6th)
        assert review(pilot.app).mode == "mark"
        await pilot.press("w", "v", "w", "6")
        role = pilot.app.screen
        assert isinstance(role, RoleScreen) and role.role.name == "date"
        new = [m for m in mentions_of(engine, 1) if m.id not in {x.id for x in mentions}]
        assert [(m.text, m.label) for m in new] == [("akan", "DATE")]
        assert role.chosen == [new[0].id]
        await pilot.press("enter")
        assert isinstance(pilot.app.screen, ArticleScreen)
    fact = next(f for f in facts_of(engine, 1) if f.origin == "manual")
    assert fact.roles == {
        "supplier": [mentions[0].id],
        "recipient": [mentions[2].id],
        "item": [mentions[1].id],
        "date": [new[0].id],
    }


async def test_c_copies_the_fact_as_a_citation(
    db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "F", "c")
        fact = facts_of(engine, 1)[0]
        with session_scope(engine) as session:
            article = get_article(session=session, article_id=1)
        assert pilot.app.clipboard == fact_citation(fact, article)
        assert pilot.app.clipboard.startswith(
            "ARMS_TRANSFER: supplier=Rusia (Russia, RU); recipient=Kyrgyzstan (Kyrgyzstan, KG);"
            " item=S-300 (S-300, W-S300) — “Rusia akan memasok"
        )
        assert pilot.app.clipboard.endswith("(article 1:0-79)")
        await pilot.press("F", "c")  # on a mention, `c` copies the mention as before
        assert pilot.app.clipboard.startswith("Rusia\tGPE\tRU\t1:0-5")


async def test_the_focused_facts_fillers_are_highlighted(db_url: str, engine: Engine) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        assert styled(pilot.app, FOCUS_STYLE) == [(0, 5)]
        assert styled(pilot.app, FILLER_STYLE) == []
        await pilot.press("F")
        assert styled(pilot.app, FILLER_STYLE) == [(0, 5), (69, 79), (60, 65)]
        assert styled(pilot.app, EVIDENCE_STYLE) == [(0, 79)]
        assert styled(pilot.app, FOCUS_STYLE) == []
        await pilot.press("j")  # AGREEMENT Rusia, Kyrgyzstan about S-300 in 83-234
        assert styled(pilot.app, FILLER_STYLE) == [(106, 111), (116, 126), (228, 233)]
        assert styled(pilot.app, EVIDENCE_STYLE) == [(83, 234)]
        assert "parties      Rusia → Russia (RU)" in panel_text(pilot.app)
        await pilot.press("escape")
        assert styled(pilot.app, FILLER_STYLE) == []
        assert styled(pilot.app, FOCUS_STYLE) == [(0, 5)]


async def test_F_brings_the_candidates_up_to_date_after_a_change(
    db_url: str, engine: Engine
) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "F", "D", "y")  # delete the title's ARMS_TRANSFER candidate
        assert [f.type for f in facts_of(engine, 1) if f.evidence_start == 0] == []
        await pilot.press("F")  # nothing changed since the last refresh: it stays deleted
        await pilot.press("F", "F")
        assert [f.type for f in facts_of(engine, 1) if f.evidence_start == 0] == []
        await pilot.press(*"j" * 9)
        assert review(pilot.app).current.text == "Asia Tengah"  # type: ignore[union-attr]
        await pilot.press("x")  # a rejection: candidates are recomputed on the next `F`
        assert "candidates: F brings them up to date" in panel_text(pilot.app)
        await pilot.press("F")
        assert [f.type for f in facts_of(engine, 1) if f.evidence_start == 0] == ["ARMS_TRANSFER"]
        assert "up to date" not in panel_text(pilot.app)


async def test_a_rejected_filler_marks_its_fact_for_review(db_url: str, engine: Engine) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "j", "x")  # reject S-300, the item of the title's fact
        assert "! needs review" in panel_text(pilot.app)  # shown at once, before `F`
        await pilot.press("F")
        fact = facts_of(engine, 1)[0]
        assert (fact.type, fact.evidence_start, fact.needs_review) == ("ARMS_TRANSFER", 0, True)
        assert "! needs review" in panel_text(pilot.app)
        assert "needs review: " in panel_text(pilot.app)
        await pilot.press("a")  # refused while its item is rejected: the mark stays
        assert (facts_of(engine, 1)[0].state, facts_of(engine, 1)[0].needs_review) == (
            "pending",
            True,
        )


async def test_accepting_a_fact_accepts_its_pending_fillers_in_one_undo(
    db_url: str, engine: Engine
) -> None:
    first = facts_of(engine, 1)[0]
    fillers = {f.mention_id for f in first.fillers}
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "F", "a")
        assert "ARMS_TRANSFER accepted, and 3 pending mentions it names" in [
            n.message for n in pilot.app._notifications
        ]
        assert facts_of(engine, 1)[0].state == "accepted"
        states = {m.id: m.state for m in mentions_of(engine, 1)}
        assert {states[i] for i in fillers} == {"accepted"}
        # The screen shows them accepted too.
        shown = {m.id: m.state for m in review(pilot.app).mentions}
        assert {shown[i] for i in fillers} == {"accepted"}
        await pilot.press("u")  # one undo takes back the fact and the three mentions
        assert facts_of(engine, 1)[0].state == "pending"
        states = {m.id: m.state for m in mentions_of(engine, 1)}
        assert {states[i] for i in fillers} == {"pending"}
        assert {m.id: m.state for m in review(pilot.app).mentions}[min(fillers)] == "pending"
        await pilot.press("U")
        assert facts_of(engine, 1)[0].state == "accepted"
        assert {m.state for m in mentions_of(engine, 1) if m.id in fillers} == {"accepted"}


async def test_a_fact_with_a_rejected_filler_is_refused_with_the_reason(
    db_url: str, engine: Engine
) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "j", "x")  # reject S-300, the item of the first fact
        assert mentions_of(engine, 1)[1].state == "rejected"
        await pilot.press("F")
        fact = next(f for f in facts_of(engine, 1) if f.evidence_start == 0)
        focused = review(pilot.app).facts_panel.current
        assert focused is not None and focused.id == fact.id
        await pilot.press("a")
        assert next(f for f in facts_of(engine, 1) if f.id == fact.id).state == "pending"
        messages = [str(n.message) for n in pilot.app._notifications]
        assert any("'S-300' (item) was rejected" in m for m in messages), messages
        assert {m.state for m in mentions_of(engine, 1) if m.text == "Rusia"} == {"pending"}


async def test_the_candidates_of_an_article_left_are_proposed_again(
    db_url: str, engine: Engine, reviewer_id: int
) -> None:
    """A rejection, then `n`: the article left has its fact candidates proposed again (once
    the next article is drawn): one deleted meanwhile is back."""
    from store.facts.repository import delete_fact

    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        screen = review(pilot.app)
        gone = next(f for f in facts_of(engine, 1) if f.origin == "schema" and f.state == "pending")
        with session_scope(engine) as session:
            delete_fact(session=session, fact_id=gone.id, reviewer_id=reviewer_id)

        def proposed() -> bool:
            return any(
                (f.type, f.evidence_start, f.evidence_end, f.state)
                == (gone.type, gone.evidence_start, gone.evidence_end, "pending")
                for f in facts_of(engine, 1)
            )

        assert not proposed()
        filling = set(sum(gone.roles.values(), []))
        while screen.current is not None and screen.current.id in filling:
            await pilot.press("j")
        await pilot.press("x")  # a rejection: the candidates depend on it
        await pilot.press("n")
        assert screen.article.id == 2
        await pilot.pause()
        assert proposed()
