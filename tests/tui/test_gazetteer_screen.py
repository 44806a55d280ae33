"""The gazetteer screen on the sample corpus: search, and each operation checked in the store."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select
from textual.pilot import Pilot
from textual.widgets import Static

from store.db import session_scope
from store.gazetteer import entities as gazetteer
from store.matching.names import NEW_NAME
from store.models import Alias, Entity, Mention
from tui.app import make_app
from tui.screens.gazetteer import GazetteerScreen
from tui.widgets.virtual_list import VirtualList

SIZE = (140, 40)


def entity(engine: Engine, key: str) -> Entity | None:
    with session_scope(engine) as session:
        return session.exec(select(Entity).where(Entity.key == key)).first()


def aliases(engine: Engine, key: str) -> set[str]:
    with session_scope(engine) as session:
        return set(session.exec(select(Alias.text).join(Entity).where(Entity.key == key)).all())


async def open_screen(pilot: Pilot[None]) -> GazetteerScreen:
    screen = GazetteerScreen()
    await pilot.app.push_screen(screen)
    await pilot.pause()
    return screen


def question(pilot: Pilot[None]) -> str:
    """What the confirmation on screen asks."""
    return str(pilot.app.screen.query_one("#confirm-question", Static).visual)


async def search(pilot: Pilot[None], screen: GazetteerScreen, text: str) -> None:
    await pilot.press("slash", "ctrl+a", "ctrl+k", *text, "enter")
    await pilot.pause()


@pytest.mark.usefixtures("demo")
async def test_search_as_you_type_and_the_record(db_url: str) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot)
        assert len(screen.rows) == 77 - 0 and screen.current is not None
        await search(pilot, screen, "kirgizstn")  # a misspelt alias
        assert screen.current is not None and screen.current.key == "KG"
        detail = str(screen.query_one("#entity-detail", Static).visual)
        assert "Kyrgyzstan" in detail and "Kirgizstan" in detail and "pending" in detail
        await search(pilot, screen, "")
        assert len(screen.rows) == 77


@pytest.mark.usefixtures("demo")
async def test_alias_rename_retype_delete(db_url: str, engine: Engine) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot)
        await search(pilot, screen, "Kyrgyzstan")
        await pilot.press("a", *"Kirgiziya", "enter")
        await pilot.pause()
        assert question(pilot).startswith("Add 'Kirgiziya' to KG: ")
        assert "Kirgiziya" not in aliases(engine, "KG")  # not before the yes
        await pilot.press("y")
        await pilot.app.workers.wait_for_complete()  # the re-match worker
        await pilot.pause()
        assert "Kirgiziya" in aliases(engine, "KG")
        await pilot.press("r", "ctrl+a", "ctrl+k", *"Kyrgyz Republic", "enter")
        await pilot.pause()
        assert question(pilot).startswith(
            "Rename KG from 'Kyrgyzstan' to 'Kyrgyz Republic': 9 pending in 2 articles"
        )
        await pilot.press("y")
        await pilot.app.workers.wait_for_complete()  # the re-match worker
        await pilot.pause()
        found = entity(engine, "KG")
        assert found is not None and found.name == "Kyrgyz Republic"
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("enter")  # the first alias that is not the name
        await pilot.pause()
        with session_scope(engine) as session:
            rows = session.exec(
                select(Mention.article_id)
                .join(Entity)
                .where(
                    Entity.key == "KG",
                    Mention.matched_alias == "Kyrgyzstan",
                    Mention.state == "pending",
                )
            ).all()
        assert question(pilot).startswith(
            f"Remove 'Kyrgyzstan' from KG: {len(rows)} pending "
            f"candidates in {len(set(rows))} articles"
        )
        await pilot.press("y")
        await pilot.app.workers.wait_for_complete()  # the re-match worker
        await pilot.pause()
        assert "Kyrgyzstan" not in aliases(engine, "KG")
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("home", "enter")  # PERSON, the schema's first label
        await pilot.pause()
        assert question(pilot).startswith("Retype KG as PERSON: ")
        await pilot.press("y")
        await pilot.app.workers.wait_for_complete()  # the re-match worker
        await pilot.pause()
        found = entity(engine, "KG")
        assert found is not None and found.type == "PERSON"
        with session_scope(engine) as session:
            labels = set(
                session.exec(
                    select(Mention.label)
                    .join(Entity)
                    .where(Entity.key == "KG", Mention.state == "pending")
                ).all()
            )
        assert labels <= {"PERSON"}
        await pilot.press("D")
        await pilot.pause()
        assert question(pilot).startswith("Delete KG (Kyrgyz Republic) and its ")
        await pilot.press("y")
        await pilot.app.workers.wait_for_complete()  # the re-match worker
        await pilot.pause()
        assert entity(engine, "KG") is None


@pytest.mark.usefixtures("demo")
async def test_merge_two_entities_after_seeing_the_plan(db_url: str, engine: Engine) -> None:
    with session_scope(engine) as session:
        gazetteer.create_entity(
            session=session, key="X-KG", name="Kyrgystan", type="GPE", reviewer_id=None
        )
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot)
        await search(pilot, screen, "Kyrgystan")
        assert screen.current is not None and screen.current.key == "X-KG"
        await pilot.press("m")
        assert screen.merging == "X-KG"
        await search(pilot, screen, "Kyrgyzstan")
        assert screen.current is not None and screen.current.key == "KG"
        await pilot.press("m")
        await pilot.pause()
        assert question(pilot).startswith(
            "Merge X-KG into KG: 0 aliases move (0 already there), its name 'Kyrgystan' is copied"
        )
        await pilot.press("y")
        await pilot.app.workers.wait_for_complete()  # the re-match worker
        await pilot.pause()
        found, target = entity(engine, "X-KG"), entity(engine, "KG")
        assert found is not None and target is not None and found.merged_into == target.id
        assert "Kyrgystan" in aliases(engine, "KG")
        await pilot.press("u")  # the merge is undone, as a review decision would be
        await pilot.pause()
        found = entity(engine, "X-KG")
        assert found is not None and found.merged_into is None
        assert "Kyrgystan" not in aliases(engine, "KG")
        await pilot.press("U")
        await pilot.pause()
        found = entity(engine, "X-KG")
        assert found is not None and target is not None and found.merged_into == target.id


@pytest.mark.usefixtures("demo")
async def test_g_opens_the_gazetteer_from_the_queue(db_url: str) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(pilot.app.screen, GazetteerScreen)
        await pilot.press("g")  # already there: nothing stacks
        await pilot.pause()
        assert len(pilot.app.screen_stack) == 2
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, GazetteerScreen)


@pytest.mark.usefixtures("demo")
async def test_lint_view_goes_to_the_entity(db_url: str, engine: Engine) -> None:
    from tui.screens.lint import LintScreen

    with session_scope(engine) as session:
        gazetteer.create_entity(
            session=session, key="X-KG", name="Kyrgystan", type="GPE", reviewer_id=None
        )
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot)
        await pilot.press("L")
        await pilot.pause()
        lint = pilot.app.screen
        assert isinstance(lint, LintScreen)
        index = next(i for i, f in enumerate(lint.findings) if f.keys == ("KG", "X-KG"))
        assert lint.findings[index].kind == "near-duplicate"
        lint.query_one(VirtualList).move_to(index)
        await pilot.press("enter")
        await pilot.pause()
        assert pilot.app.screen is screen
        assert screen.current is not None and screen.current.key == "KG"


@pytest.mark.usefixtures("demo")
async def test_create_and_edit_alias(db_url: str, engine: Engine) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot)
        await pilot.press("n", *"Kirgizia Raya", "enter")
        await pilot.pause()
        await pilot.press("home", "down", "down", "enter")  # GPE, the third label
        await pilot.app.workers.wait_for_complete()  # the re-match worker
        await pilot.pause()
        with session_scope(engine) as session:
            made = session.exec(select(Entity).where(Entity.name == "Kirgizia Raya")).one()
        assert made.type == "GPE" and screen.current is not None
        assert screen.current.key == made.key
        await pilot.press("a", *"Kirgizia", "enter")
        await pilot.pause()
        await pilot.press("y")
        await pilot.app.workers.wait_for_complete()  # the re-match worker
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("enter")  # the only alias that is not the name
        await pilot.pause()
        await pilot.press("ctrl+a", "ctrl+k", *"Kirgiziya", "enter")
        await pilot.pause()
        await pilot.press("y")
        await pilot.app.workers.wait_for_complete()  # the re-match worker
        await pilot.pause()
        assert aliases(engine, made.key) == {"Kirgizia Raya", "Kirgiziya"}


@pytest.mark.usefixtures("demo")
async def test_an_alias_is_re_matched_in_a_worker_with_progress(
    db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        said: list[str] = []
        monkeypatch.setattr(pilot.app, "notify", lambda message, **_kw: said.append(message))
        screen = await open_screen(pilot)
        await search(pilot, screen, "Kyrgyzstan")
        await pilot.press("a", *"Kirgiziya", "enter")
        await pilot.pause()
        await pilot.press("y")
        assert "Kirgiziya" in aliases(engine, "KG")  # committed at once
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        # A quick re-match is one notice, at its end.
        assert len(said) == 1 and said[0].startswith("KG has the alias Kirgiziya; re-matched ")
        assert screen.current is not None and screen.current.key == "KG"
        # One slower than `SAY_REMATCHING_AFTER` says first that it runs (this one waits for
        # that notice, up to 5 s: on a loaded machine a re-match could end before the timer's
        # first turn).
        from tui.screens import base

        running = threading.Event()
        real_rematch = base.rematch

        def slow_rematch(*args: Any, **kwargs: Any) -> Any:
            running.wait(5)
            return real_rematch(*args, **kwargs)

        def notice(message: str, **_kw: Any) -> None:
            said.append(message)
            running.set()

        monkeypatch.setattr(base, "rematch", slow_rematch)
        monkeypatch.setattr(pilot.app, "notify", notice)
        monkeypatch.setattr(base, "SAY_REMATCHING_AFTER", 0.001)
        said.clear()
        await pilot.press("a", *"Kirgistan Raya", "enter")
        await pilot.pause()
        await pilot.press("y")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert said[0] == "KG has the alias Kirgistan Raya; re-matching the articles it reaches…"
        assert said[-1].startswith("KG has the alias Kirgistan Raya; re-matched ")


@pytest.mark.usefixtures("demo")
async def test_delete_withdraws_pending_candidates_before_any_rematch(
    db_url: str, engine: Engine
) -> None:
    from tui.screens.base import _REMATCHING

    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot)
        await search(pilot, screen, "Armenia")
        await pilot.press("D")
        await pilot.pause()
        assert question(pilot).startswith("Delete AM (Armenia) and its ")
        with _REMATCHING:  # the re-match worker waits: what the deletion itself did
            await pilot.press("y")
            await pilot.pause()
            assert entity(engine, "AM") is None
            with session_scope(engine) as session:
                unlinked = session.exec(
                    select(Mention).where(
                        col(Mention.entity_id).is_(None),
                        Mention.state == "pending",
                        col(Mention.reason).is_distinct_from(NEW_NAME),  # (never linked)
                    )
                ).all()
            assert unlinked == []
        await pilot.app.workers.wait_for_complete()


@pytest.mark.usefixtures("demo")
async def test_the_record_shows_each_alias_precision(db_url: str, engine: Engine) -> None:
    from store.review.mentions import decide_mention

    with session_scope(engine) as session:
        rusia = session.exec(
            select(Mention).where(Mention.matched_alias == "Rusia").order_by(col(Mention.id))
        ).all()[:4]
        chosen = [(m.id or 0, m.version) for m in rusia]
    for n, (mention_id, version) in enumerate(chosen):
        with session_scope(engine) as session:
            decide_mention(
                session=session,
                mention_id=mention_id,
                state="accepted" if n < 3 else "rejected",
                reviewer_id=None,
                expected_version=version,
            )
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot)
        await search(pilot, screen, "Russia")
        assert screen.current is not None and screen.current.key == "RU"
        detail = str(screen.query_one("#entity-detail", Static).visual)
        assert "prec" in detail
        line = next(line for line in detail.splitlines() if line.endswith(" Rusia"))
        assert line.split()[:4] == ["3", "1", "55", "0.75"]
