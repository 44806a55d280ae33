"""`l` on the review screen: the entity picker (a panel of the screen) on the sample corpus,
asserted in the database."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from store.config import MIN_SCORE
from store.db import session_scope
from store.gazetteer import entities as gazetteer
from store.gazetteer.search import EntitySearch, SearchCache, search_cache
from store.models import Entity
from store.review.mentions import MentionView, list_mentions
from tests.tui.panels import open_panel, picker, reviewing
from tests.tui.test_app import SIZE
from tui.app import TelaahApp, make_app
from tui.screens.review import ArticleScreen
from tui.screens.review.span_modes import ArticleBody
from tui.widgets.link_picker import LinkPicker


def mentions_of(engine: Engine, article_id: int = 1) -> list[MentionView]:
    """The article's mentions as stored now (a fresh session)."""
    with session_scope(engine) as session:
        return list_mentions(min_score=MIN_SCORE, session=session, article_id=article_id)


async def open_link(pilot: Pilot[None]) -> LinkPicker:
    """Open article 1, press `l` and wait until the entity index is ready."""
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ArticleScreen)
    await pilot.press("l")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    screen = picker(pilot.app)
    assert screen.index is not None
    return screen


async def type_text(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*["space" if ch == " " else ch for ch in text])
    await pilot.pause()


def shown(screen: LinkPicker) -> list[str]:
    """The results as the list shows them, plain text."""
    results = screen.query_one("#link-results", OptionList)
    lines = []
    for option in results.options:
        assert isinstance(option.prompt, Content)
        lines.append(option.prompt.plain)
    return lines


@pytest.mark.usefixtures("demo")
async def test_enter_links_the_highlighted_entity_and_u_undoes_it(
    db_url: str, engine: Engine
) -> None:
    before = mentions_of(engine)
    assert (before[0].text, before[0].entity_key, before[0].state) == ("Rusia", "RU", "pending")
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        screen = await open_link(pilot)
        # Before anything is typed: the mention's own entity first.
        assert shown(screen)[0].startswith("Russia  RU  GPE")
        await type_text(pilot, "kyrgystan")  # misspelt
        assert screen.hits[0].key == "KG"
        await pilot.press("enter")
        await pilot.pause()
        reviewing(pilot.app)
        now = mentions_of(engine)
        assert (now[0].entity_key, now[0].state, now[0].label) == ("KG", "accepted", "GPE")
        assert [m.state for m in now[1:]] == [m.state for m in before[1:]]
        screen = pilot.app.screen
        assert screen.mentions[0].entity_key == "KG"  # the screen shows it
        assert screen.current is not None and screen.current.id == now[1].id  # and moved on
        await pilot.press("u")
        await pilot.pause()
        assert mentions_of(engine) == before
        await pilot.press("U")
        await pilot.pause()
        assert mentions_of(engine)[0].entity_key == "KG"


@pytest.mark.usefixtures("demo")
async def test_down_moves_in_the_results_while_typing(db_url: str, engine: Engine) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        screen = await open_link(pilot)
        await type_text(pilot, "republik")
        assert len(screen.hits) > 2
        second = screen.hits[1].key
        await pilot.press("down", "down", "up")
        assert screen.query_one(OptionList).highlighted == 1
        await pilot.press("enter")
        await pilot.pause()
    assert mentions_of(engine)[0].entity_key == second


@pytest.mark.usefixtures("demo")
async def test_ctrl_n_creates_an_entity_with_the_chosen_label(
    db_url: str, engine: Engine, session: Session
) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        screen = await open_link(pilot)
        assert screen.label == "GPE"
        await pilot.press("tab")  # the next label of the schema
        labels = screen.labels
        assert screen.label == labels[(labels.index("GPE") + 1) % len(labels)]
        label = screen.label
        await pilot.press("ctrl+n")  # the form, prefilled: enter creates
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        reviewing(pilot.app)
        # The index sees the new entity the next time the modal opens (on that mention: the
        # link moved the focus on).
        await pilot.press("k", "l")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert picker(pilot.app).hits[0].kind == "current"
        assert picker(pilot.app).hits[0].type == label
        await pilot.press("escape")
    first = mentions_of(engine)[0]
    assert (first.entity_name, first.label, first.state) == ("Rusia", label, "accepted")
    entity = session.exec(select(Entity).where(Entity.key == first.entity_key)).one()
    assert (entity.name, entity.type) == ("Rusia", label)
    view = gazetteer.get_entity(session=session, key=entity.key)
    assert [a.text for a in view.aliases] == ["Rusia"]


@pytest.mark.usefixtures("demo")
async def test_escape_changes_nothing(db_url: str, engine: Engine) -> None:
    before = mentions_of(engine)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await open_link(pilot)
        await type_text(pilot, "belarus")
        await pilot.press("escape")
        await pilot.pause()
        review = reviewing(pilot.app)
        assert pilot.app.focused is review.body  # the focus back on the text
    assert mentions_of(engine) == before


@pytest.mark.usefixtures("demo")
async def test_names_are_data_and_ctrl_t_filters_by_label(
    db_url: str, session: Session, reviewer_id: int
) -> None:
    gazetteer.create_entity(
        session=session,
        key="[b]K[/b]",
        name="Rusia [red]Merah[/]",
        type="ORG",
        reviewer_id=reviewer_id,
    )
    app = make_app(db_url, reviewer="tester")
    assert isinstance(app, TelaahApp)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_link(pilot)
        await type_text(pilot, "rusia")
        assert {h.type for h in screen.hits} == {"GPE", "ORG"}
        assert "Rusia [red]Merah[/]  [b]K[/b]  ORG" in shown(screen)
        await pilot.press("ctrl+t")  # only GPE, the mention's label
        assert {h.type for h in screen.hits} == {"GPE"}
        assert screen.hits[0].key == "RU"
        await pilot.press("escape")


@pytest.mark.usefixtures("demo")
async def test_typing_while_the_index_is_built_shows_results_when_it_is_ready(
    db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from tui.widgets import link_picker as link

    ready = threading.Event()

    class SlowCache:
        current = None

        def __init__(self, real: SearchCache) -> None:
            self.real = real

        def fresh(self) -> EntitySearch:
            assert ready.wait(30)
            return self.real.fresh()

    monkeypatch.setattr(link, "search_cache", lambda e: SlowCache(search_cache(e)))
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        screen = picker(pilot.app)
        assert screen.index is None
        status = screen.query_one("#link-status", Static).visual
        assert isinstance(status, Content) and status.plain.startswith("indexing")
        await type_text(pilot, "kazakstan")
        assert screen.hits == []
        await pilot.press("enter")  # nothing to choose yet: the picker stays
        assert open_panel(pilot.app) is screen
        ready.set()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.index is not None and screen.hits[0].key == "KZ"
        await pilot.press("enter")
        await pilot.pause()
    assert mentions_of(engine)[0].entity_key == "KZ"


@pytest.mark.usefixtures("demo")
async def test_a_marked_span_is_labelled_then_linked_in_one_breath(
    db_url: str, engine: Engine
) -> None:
    before = {m.id for m in mentions_of(engine)}
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "m", "w", "v", "w", "l")  # select "akan", l
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        screen = picker(pilot.app)
        assert screen.mention.text == "akan"
        await pilot.press("ctrl+n", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        made = [m for m in mentions_of(engine) if m.id not in before]
        assert [(m.text, m.entity_name, m.state) for m in made if m.origin == "manual"] == [
            ("akan", "akan", "accepted")
        ]
        # The entity's other occurrences, written as its new alias, are candidates at 100.
        others = [m for m in made if m.origin == "gazetteer"]
        assert others and all(
            (m.text, m.entity_name, m.state, m.score) == ("akan", "akan", "pending", 100.0)
            for m in others
        )
        await pilot.press("u")  # takes the link back, the span stays
        await pilot.pause()
        made = [m for m in mentions_of(engine) if m.id not in before and m.origin == "manual"]
        assert [(m.text, m.entity_key, m.state) for m in made] == [("akan", None, "accepted")]
        assert isinstance(pilot.app.focused, ArticleBody)  # the text has the keys again


@pytest.mark.usefixtures("demo")
async def test_the_link_dialog_opened_again_is_the_same_one_for_the_new_mention(
    db_url: str, engine: Engine
) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        link = await open_link(pilot)
        suggested = shown(link)
        await type_text(pilot, "belarus")
        await pilot.press("tab", "ctrl+t")  # another label, only its entities
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        review = reviewing(pilot.app)
        first = review.current
        assert first is not None
        while review.current is not None and review.current.text == first.text:
            await pilot.press("j")
        second = review.current
        assert second is not None
        await pilot.press("l")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert picker(pilot.app) is link  # built once, shown again
        assert link.mention == second and link.label == second.label and not link.only_label
        assert link.query_one("#link-query").value == ""  # type: ignore[attr-defined]
        mention_line = link.query_one("#link-mention", Static).visual
        assert isinstance(mention_line, Content) and second.text in mention_line.plain
        assert shown(link) and shown(link) != suggested  # suggestions for the new surface


@pytest.mark.usefixtures("demo")
async def test_after_a_mark_a_new_entity_and_a_link_the_screen_shows_what_is_stored(
    db_url: str, engine: Engine
) -> None:
    """A mark, a link and a new entity put the one mention changed in place (no re-read of the
    article's mentions); the re-match after a new entity adds its candidates: each time, the
    screen's mentions are the stored ones, in their order, versions included."""
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "a", "m", "w", "v", "w", "l")  # select "akan", l
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("ctrl+n", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, ArticleScreen)
        assert screen.mentions == mentions_of(engine)
        assert screen.current is not None and screen.current.state == "pending"
        await pilot.press("l")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert pilot.app.screen is screen
        stored = mentions_of(engine)
        assert screen.mentions == stored
        assert sum(m.state == "accepted" for m in stored) == 3


@pytest.mark.usefixtures("demo")
async def test_the_picker_shown_again_after_a_mark_has_the_keys(db_url: str) -> None:
    """The span mode ends as the picker opens (`l` in mark mode): the text must not take the
    focus back from the picker built at an earlier `l`, nor keep the screen's keys on."""
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await open_link(pilot)
        await pilot.press("escape")
        await pilot.pause()
        reviewing(pilot.app)
        await pilot.press("m", "w", "v", "w", "l")  # "akan", then the picker again
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        shown = picker(pilot.app)
        query = shown.query_one("#link-query", Input)
        assert pilot.app.focused is query and shown.mention.text == "akan"
        await pilot.press("x", "j")  # typed, not the screen's reject and move
        await pilot.pause()
        assert query.value == "xj"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.focused, ArticleBody)


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("keys", [["l"], ["N"], ["m"], ["d"]], ids=["picker", "form", "mark", "d"])
async def test_what_opens_at_the_bottom_leaves_the_other_widgets_paint_order(
    db_url: str, keys: list[str]
) -> None:
    """The picker, the form, a span mode's status line and `d`'s question come and go without
    changing the paint order of any other widget: Textual draws every widget whose order
    changed again, the whole screen (it did, while they came after the others)."""
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = reviewing(pilot.app)

        def orders() -> dict[object, object]:
            return {w: g.order for w, g in screen._compositor._full_map.items()}

        before = orders()
        await pilot.press(*keys)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        opened = pilot.app.focused
        assert opened is not None and opened is not screen.body  # something took the keys
        after = orders()
        moved = [w for w in before if w in after and before[w] != after[w]]
        assert moved == []


@pytest.mark.usefixtures("demo")
async def test_the_mention_being_linked_stands_above_the_panel(db_url: str) -> None:
    """A mention low on the screen: `l` scrolls the text so that its line is not under the
    panel (the reviewer sees what is being linked)."""
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, ArticleScreen)
        body = screen.query_one(ArticleBody)
        text = body.text
        dock_top = SIZE[1] - 19

        def screen_row(offset: int) -> int:
            return (
                body.region.y + text.virtual_region.y + text.line_of(offset) - round(body.scroll_y)
            )

        # The first mention whose line is under where the panel will stand.
        for _ in range(len(screen.mentions)):
            current = screen.current
            assert current is not None
            if screen_row(current.start) >= dock_top:
                break
            await pilot.press("j")
            await pilot.pause()
        else:
            pytest.fail("no mention shown under the panel's rows")
        await pilot.press("l")
        await pilot.pause()
        picker(pilot.app)
        assert screen.current is not None and screen.current.id == current.id
        assert body.region.y <= screen_row(current.start) <= screen_row(current.end - 1)
        assert screen_row(current.end - 1) < dock_top - 1  # its last line too, a row to spare
