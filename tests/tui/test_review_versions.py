"""Decisions on stale views, refreshing on return, and writes while the database is locked:
the real app under Pilot on a real SQLite file, every outcome checked in the database."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from textual.app import App

from store.audit import list_audit
from store.config import MIN_SCORE
from store.db import session_scope
from store.facts.repository import decide_fact, get_fact
from store.review.mentions import MentionView, decide_mention, list_mentions
from store.reviewers import ensure_reviewer
from tests.conftest import hold_write_lock
from tui.app import TelaahApp, make_app
from tui.screens.base import SavingLine
from tui.screens.concordance import ConcordanceScreen
from tui.screens.review import ArticleScreen
from tui.widgets.mention_panel import MentionPanel

SIZE = (120, 40)


def mentions_of(engine: Engine, article_id: int = 1) -> list[MentionView]:
    with session_scope(engine) as session:
        return list_mentions(min_score=MIN_SCORE, session=session, article_id=article_id)


def review(app: App[None]) -> ArticleScreen:
    screen = app.screen
    assert isinstance(screen, ArticleScreen)
    return screen


def messages(app: App[None]) -> list[str]:
    return [str(n.message) for n in app._notifications]


def saving_line(app: App[None]) -> str | None:
    """The text of the screen's "saving…" line while it shows, else None."""
    lines = app.screen.query(SavingLine)
    if not lines or not lines.first().has_class("-busy"):
        return None
    return str(lines.first().visual)


async def until(condition: object, pilot: object, seconds: float = 20) -> None:
    """Let the app run until `condition()` holds (a worker's write lands on the UI thread)."""
    for _ in range(int(seconds / 0.05)):
        if condition():  # type: ignore[operator]
            return
        await pilot.pause(0.05)  # type: ignore[attr-defined]
    raise AssertionError("the condition never held")


@pytest.mark.usefixtures("demo")
async def test_two_apps_on_one_file_deciding_the_same_mention(db_url: str, engine: Engine) -> None:
    first = mentions_of(engine)[0]
    assert first.state == "pending"
    budi_app = make_app(db_url, reviewer="budi")
    async with budi_app.run_test(size=SIZE) as budi:
        await budi.press("enter")  # budi opens the article: the mention is pending
        assert review(budi.app).current == first
        async with make_app(db_url, reviewer="ana").run_test(size=SIZE) as ana:
            await ana.press("enter", "a")  # ana accepts it in her window
        assert mentions_of(engine)[0].state == "accepted"
        await budi.press("x")  # budi rejects what he still sees as pending
        await budi.pause()
        # Refused: the database holds ana's decision, with one audit entry whose `before` is
        # the pending state it replaced.
        now = mentions_of(engine)[0]
        assert now.state == "accepted"
        with session_scope(engine) as session:
            decisions = list_audit(session=session, action="mention.decide")
            ana_id = ensure_reviewer(session=session, name="ana")
        assert len(decisions) == 1
        assert decisions[0].reviewer == "ana" and decisions[0].before["state"] == "pending"
        # budi is told what changed and who changed it; his screen shows the new state.
        said = messages(budi.app)
        assert any(
            f"mention {first.text!r} was accepted by ana at " in m and "since you loaded it" in m
            for m in said
        ), said
        screen = review(budi.app)
        shown = next(m for m in screen.mentions if m.id == first.id)
        assert shown.state == "accepted" and shown.version == now.version
        assert "1 accepted" in screen.query_one(MentionPanel).visual.plain  # type: ignore[union-attr]
        # A decision on the fresh view goes through (the view has the new version).
        screen.cursor = screen.mentions.index(shown)
        await budi.press("x")
        await budi.pause()
        assert mentions_of(engine)[0].state == "rejected"
        assert ana_id != budi_app.reviewer_id


@pytest.mark.usefixtures("demo")
async def test_back_from_the_concordance_the_review_shows_the_new_states(
    db_url: str, engine: Engine
) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        # The concordance opened on top from elsewhere (the gazetteer's `enter`): nothing but
        # the screen's own refresh on its return reads the mentions again.
        await pilot.app.push_screen(ConcordanceScreen("KG"))
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConcordanceScreen)
        await pilot.press("down")
        concordance = pilot.app.screen
        form = concordance.rows[1].group
        in_article = {line.mention_id for line in form.pending if line.article_id == 1}
        await pilot.press("A")  # accept every pending line of the form ...
        await pilot.pause()
        await pilot.press("y")  # ... after the question
        await pilot.pause()
        stored = {m.id: m.state for m in mentions_of(engine)}
        accepted = {i for i in in_article if stored[i] == "accepted"}
        assert accepted and accepted == in_article
        await pilot.press("escape")
        await pilot.pause()
        back = review(pilot.app)
        assert all(m.state == "accepted" for m in back.mentions if m.id in accepted)
        pending = sum(m.state == "pending" for m in mentions_of(engine))
        panel = back.query_one(MentionPanel).visual.plain  # type: ignore[union-attr]
        assert f"{pending} pending" in panel
        # `x` on one of them now is a decision on the current version, not a stale one.
        back.cursor = next(i for i, m in enumerate(back.mentions) if m.id in accepted)
        target = back.mentions[back.cursor].id
        await pilot.press("x")
        await pilot.pause()
        assert next(m for m in mentions_of(engine) if m.id == target).state == "rejected"
        assert not any("since you loaded it" in m for m in messages(pilot.app))


@pytest.mark.usefixtures("demo")
async def test_a_decision_waits_for_a_locked_database_without_freezing(
    db_url: str, engine: Engine
) -> None:
    before = mentions_of(engine)
    app = make_app(db_url, reviewer="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        screen = review(pilot.app)
        holder = hold_write_lock(db_url)
        try:
            await pilot.press("a")  # the lock is held: the write waits in the worker
            assert screen.mentions[0].state == "accepted"  # the row shows it at once
            assert screen.cursor == 1  # and the cursor went on
            await until(lambda: saving_line(pilot.app) is not None, pilot)
            assert saving_line(pilot.app) == "saving… (database busy)"
            # The screen answers other keys meanwhile, and a second decision queues behind.
            await pilot.press("j")
            assert screen.cursor == 2
            await pilot.press("x")
            assert screen.mentions[2].state == "rejected"
            assert [m.state for m in mentions_of(engine)[:3]] == ["pending"] * 3
        finally:
            holder.rollback()  # the other program is done
            holder.close()
        await until(lambda: mentions_of(engine)[2].state == "rejected", pilot)
        now = mentions_of(engine)
        assert [m.state for m in now[:3]] == ["accepted", "pending", "rejected"]
        assert [m.state for m in now[3:]] == [m.state for m in before[3:]]
        await until(lambda: saving_line(pilot.app) is None, pilot)
        assert not any("not saved" in m.lower() for m in messages(pilot.app))


@pytest.mark.usefixtures("demo")
async def test_a_lock_held_past_the_limit_is_not_saved_and_said(
    db_url: str, engine: Engine
) -> None:
    app = make_app(db_url, reviewer="tester")
    assert isinstance(app, TelaahApp)
    app.save_wait = 0.5  # the setting, shortened for the test
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        screen = review(pilot.app)
        holder = hold_write_lock(db_url)
        try:
            await pilot.press("a")
            await until(lambda: any("not saved" in m for m in messages(pilot.app)), pilot)
            # The view was read again: it shows what is stored (still pending).
            await until(lambda: screen.mentions[0].state == "pending", pilot)
        finally:
            holder.rollback()
            holder.close()
        assert mentions_of(engine)[0].state == "pending"
        said = [m for m in messages(pilot.app) if "not saved" in m]
        assert said and "locked" in said[0] and "\n" not in said[0]
        assert pilot.app.is_running and isinstance(pilot.app.screen, ArticleScreen)
        await pilot.press("k", "a")  # the database is free again: the decision commits
        await until(lambda: mentions_of(engine)[0].state == "accepted", pilot)


@pytest.mark.usefixtures("demo")
async def test_undo_of_a_row_changed_since_is_refused(db_url: str, engine: Engine) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "a")
        first = mentions_of(engine)[0]
        assert first.state == "accepted"
        with session_scope(engine) as session:  # another reviewer changes it meanwhile
            budi = ensure_reviewer(session=session, name="budi")
            decide_mention(session=session, mention_id=first.id, state="rejected", reviewer_id=budi)
        await pilot.press("u")
        await pilot.pause()
        assert mentions_of(engine)[0].state == "rejected"  # budi's decision stays
        said = messages(pilot.app)
        assert any("was rejected by budi" in m and "cannot undo" in m for m in said), said
        shown = next(m for m in review(pilot.app).mentions if m.id == first.id)
        assert shown.state == "rejected"  # the screen read it again


@pytest.mark.usefixtures("demo")
async def test_a_fact_decided_elsewhere_is_not_overridden_from_the_facts_panel(
    db_url: str, engine: Engine
) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "F")
        screen = review(pilot.app)
        shown = screen.facts_panel.current
        assert shown is not None and shown.state == "pending"
        with session_scope(engine) as session:  # budi rejects it in his window meanwhile
            budi = ensure_reviewer(session=session, name="budi")
            decide_fact(session=session, fact_id=shown.id, state="rejected", reviewer_id=budi)
        await pilot.press("a")
        await pilot.pause()
        with session_scope(engine) as session:
            stored = get_fact(session=session, fact_id=shown.id)
        assert (stored.state, stored.reviewer) == ("rejected", "budi")
        said = messages(pilot.app)
        assert any(f"{shown.type} fact {shown.id} was rejected by budi" in m for m in said), said
        now = screen.facts_panel.current
        assert now is not None and (now.id, now.state) == (shown.id, "rejected")
        await pilot.press("a")  # on the fresh view the decision goes through
        await pilot.pause()
        with session_scope(engine) as session:
            assert get_fact(session=session, fact_id=shown.id).state == "accepted"


@pytest.mark.usefixtures("demo")
async def test_back_from_a_dialog_the_review_reads_again_only_when_something_changed(
    db_url: str, engine: Engine
) -> None:
    async with make_app(db_url, reviewer="budi").run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        screen = review(pilot.app)
        shown = screen.mentions
        await pilot.press("l")  # the link picker, left with escape: nothing changed
        await pilot.pause()
        assert pilot.app.focused is not screen.body  # the picker has the keys
        await pilot.press("escape")
        await pilot.pause()
        assert review(pilot.app) is screen and screen.mentions is shown  # not read again
        # While the picker is open, another program decides a mention of the article: back
        # on the screen, it is read again and shows the decision.
        first = shown[0]
        await pilot.press("l")
        await pilot.pause()
        with session_scope(engine) as session:
            decide_mention(session=session, mention_id=first.id, state="rejected", reviewer_id=None)
        await pilot.press("escape")
        await pilot.pause()
        assert screen.mentions is not shown
        assert next(m for m in screen.mentions if m.id == first.id).state == "rejected"
