"""The entity picker: find an entity for a mention as you type, or ask for a new one."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Self

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.geometry import Region, Size
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets._option_list import OptionListContent
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from store.db import Engine
from store.gazetteer.search import EntityHit, EntitySearch, search_cache
from store.review.mentions import MentionView
from store.textsafe import visible

RESULTS = 20  # about what the list shows at once; more only cost rendering time
KIND_NOTES = {
    "current": "linked now",
    "alternative": "alternative",
    "prefix": "",
    "exact": "",
    "word": "",
    "fuzzy": "fuzzy",
}


@dataclass(frozen=True, slots=True)
class LinkChoice:
    """What the reviewer chose: an entity's key, or None for a new entity (with the `name` and
    `key` given in the form, None: made from the surface); and the label."""

    entity_key: str | None
    label: str
    name: str | None = None
    key: str | None = None


def hit_line(hit: EntityHit, colour: str) -> Content:
    """One result: name, key, type, the alias that matched and how; every value is data."""
    parts: list[str | tuple[str, str] | Content] = [
        (visible(hit.name), "bold"),
        "  ",
        (visible(hit.key), "cyan"),
        "  ",
        (hit.type, f"bold {colour}"),
    ]
    if hit.matched != hit.name:
        parts += ["  ", ("alias ", "dim"), (visible(hit.matched), "italic")]
    note = KIND_NOTES.get(hit.kind, hit.kind)
    if hit.kind == "fuzzy":
        note = f"fuzzy {hit.score:g}"
    if note:
        parts += ["  ", (note, "dim")]
    return Content.assemble(*parts)


class ResultList(OptionList):
    """The results: Textual's option list, ready to draw in the frame that shows it.

    The picker is hidden between links (`display: none`), and a hidden list has no region:
    Textual's list then leaves the new options unmeasured until the layout that shows it,
    and clears what it drew at the resize event that follows; either way the whole list was
    drawn a frame later (measured: `l` in the mark mode drew two frames, 25-35 ms apart).
    Hidden, this list measures its options at the width it last had, and a resize to the
    size it has does not clear them (new options, a new width or style still do).
    """

    _last_region = Region()
    _cleared_for: Size | None = None

    @property
    def scrollable_content_region(self) -> Region:
        """Where the options are drawn; hidden, where they were last drawn."""
        region = super().scrollable_content_region
        if region:
            self._last_region = region
            return region
        return self._last_region

    def set_options(self, options: Iterable[OptionListContent]) -> Self:
        """Textual's, and the list measured at once even when it is left empty (Textual
        measures an emptied list at its next render, which then asks for a second layout)."""
        super().set_options(options)
        if self.is_mounted:
            self._update_lines()
        return self

    def _on_resize(self, event: events.Resize) -> None:  # type: ignore[override]
        # (Textual calls the list's own `_on_resize` after this one, unless prevented.)
        if event.size == self._cleared_for:
            event.prevent_default()
        self._cleared_for = event.size


class LinkPicker(Vertical):
    """Search entity names and aliases as you type; `enter` chooses, `ctrl+n` asks for a new
    entity, `escape` cancels (each a message to whoever shows it).

    The one picker: a dialog of its own (`tui.modals.link`) or a panel of the review screen
    (`tui.widgets.link_dock`). The index is shared (`store.gazetteer.search.search_cache`): an
    index already built answers at once while a worker checks that the gazetteer has not
    changed (and rebuilds it if it has).
    """

    DEFAULT_CSS = """
    LinkPicker {
        padding: 0 1;
        border: thick $accent;
        background: $surface;
    }
    LinkPicker #link-mention {
        height: 1;
        margin-bottom: 1;
    }
    LinkPicker #link-results {
        height: 1fr;
        border: none;
        padding: 0;
    }
    LinkPicker #link-status {
        height: 1;
        color: $text-muted;
    }
    LinkPicker #link-keys {
        height: 2;
        color: $text-muted;
    }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="link.cancel"),
        # Priority, so that the input line keeps the focus while the list moves.
        Binding("down", "cursor(1)", "Next result", show=False, priority=True, id="link.next"),
        Binding(
            "up", "cursor(-1)", "Previous result", show=False, priority=True, id="link.previous"
        ),
        Binding(
            "pagedown",
            "cursor(10)",
            "Results page down",
            show=False,
            priority=True,
            id="link.page_down",
        ),
        Binding(
            "pageup", "cursor(-10)", "Results page up", show=False, priority=True, id="link.page_up"
        ),
        Binding("tab", "label(1)", "Next label", show=False, priority=True, id="link.next_label"),
        Binding(
            "shift+tab",
            "label(-1)",
            "Previous label",
            show=False,
            priority=True,
            id="link.previous_label",
        ),
        Binding("ctrl+t", "filter", "Only this label", show=False, priority=True, id="link.filter"),
        Binding("ctrl+n", "create", "New entity", show=False, priority=True, id="link.create"),
    ]

    class IndexReady(Message):
        """The index is current (posted from the worker's thread)."""

        def __init__(self, index: EntitySearch) -> None:
            super().__init__()
            self.index = index

    class Chosen(Message):
        """The picker closes: `choice` the entity and label, None (escape) for nothing."""

        def __init__(self, picker: LinkPicker, choice: LinkChoice | None) -> None:
            super().__init__()
            self.picker = picker
            self.choice = choice

    class CreateAsked(Message):
        """`ctrl+n`: the new-entity form for the mention's surface and the label chosen."""

        def __init__(self, picker: LinkPicker) -> None:
            super().__init__()
            self.picker = picker

    def __init__(
        self,
        engine: Engine,
        mention: MentionView,
        labels: Sequence[str],
        colours: dict[str, str],
        *,
        id: str | None = None,  # noqa: A002 (Textual's name)
    ) -> None:
        """A picker for `mention`; `labels` in schema order, `colours` by label."""
        super().__init__(id=id)
        self.engine = engine
        self._use(mention, labels, colours)

    def _use(self, mention: MentionView, labels: Sequence[str], colours: dict[str, str]) -> None:
        self.mention = mention
        self.labels = list(labels) if mention.label in labels else [*labels, mention.label]
        self.colours = colours
        self.label = mention.label
        self.only_label = False
        self.index: EntitySearch | None = search_cache(self.engine).current
        self.hits: list[EntityHit] = []
        self.failed: str | None = None

    def prepare(
        self,
        engine: Engine,
        mention: MentionView,
        labels: Sequence[str],
        colours: dict[str, str],
    ) -> None:
        """The picker again, for another mention (built once, its widgets kept): an empty
        search line, the suggestions for `mention`, its label chosen (its host focuses it)."""
        self.engine = engine
        self._use(mention, labels, colours)
        query = self.query_one(Input)
        with query.prevent(Input.Changed):
            query.value = ""
        self._show_mention()
        self._show_keys()
        self._search()
        self.call_after_refresh(self._load_index)  # (its thread would slow this frame)

    def compose(self) -> ComposeResult:
        """The mention, the search line, the results, a status line and the keys."""
        yield Static(id="link-mention")
        yield Input(placeholder="type a name or alias", id="link-query")
        yield ResultList(id="link-results")
        yield Static(id="link-status")
        yield Static(id="link-keys")

    def on_mount(self) -> None:
        """Show what the index has now; make sure it is current in the background."""
        self.border_title = "Link to an entity"
        self.query_one(OptionList).can_focus = False  # typing goes on in the input line
        self._show_mention()
        self._show_keys()
        self._search()
        self._load_index()

    def focus_query(self) -> None:
        """The search line takes the focus (typing searches), at once."""
        self.screen.set_focus(self.query_one(Input), scroll_visible=False)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="link-index",
        description="indexing entity names and aliases",
    )
    def _load_index(self) -> None:
        self.post_message(self.IndexReady(search_cache(self.engine).fresh()))

    @on(IndexReady)
    def _index_ready(self, event: IndexReady) -> None:
        if event.index is not self.index:
            self.index = event.index
            self._search()

    @on(Worker.StateChanged)
    def _index_failed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "link-index":
            return
        if event.state == WorkerState.ERROR:
            self.failed = str(event.worker.error)
            self.notify(self.failed, title="Entity index not built", severity="error", markup=False)
            self._show_status()

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self._search()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        highlighted = self.query_one(OptionList).highlighted
        if highlighted is None or not 0 <= highlighted < len(self.hits):
            self.notify(
                "No entity chosen: type to search, or ctrl+n for a new one", timeout=3, markup=False
            )
            return
        self.post_message(self.Chosen(self, LinkChoice(self.hits[highlighted].key, self.label)))

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.hits):
            choice = LinkChoice(self.hits[event.option_index].key, self.label)
            self.post_message(self.Chosen(self, choice))

    def action_cursor(self, step: int) -> None:
        """Move the highlight in the results by `step` (down is positive)."""
        results = self.query_one(OptionList)
        if not self.hits:
            return
        current = results.highlighted if results.highlighted is not None else -1
        results.highlighted = max(0, min(len(self.hits) - 1, current + step))

    def action_label(self, step: int) -> None:
        """Choose the next (`step` 1) or previous (-1) label, for the link or a new entity."""
        at = self.labels.index(self.label) if self.label in self.labels else 0
        self.label = self.labels[(at + step) % len(self.labels)]
        self._show_mention()
        self._show_keys()
        if self.only_label:
            self._search()

    def action_filter(self) -> None:
        """Show only entities of the chosen label, or all again."""
        self.only_label = not self.only_label
        self._show_keys()
        self._search()

    def action_create(self) -> None:
        """Ask for the new-entity form, prefilled from the mention's text and the chosen
        label (`escape` there comes back to the search)."""
        self.post_message(self.CreateAsked(self))

    def action_cancel(self) -> None:
        """Close without linking."""
        self.post_message(self.Chosen(self, None))

    def _search(self) -> None:
        query = self.query_one(Input).value
        type_ = self.label if self.only_label else None
        if self.index is None:
            self.hits = []
        elif query.strip():
            self.hits = self.index.search(query, limit=RESULTS, type=type_)
        else:
            self.hits = self.index.suggest(
                self.mention.text,
                current=self.mention.entity_key,
                alternatives=self.mention.alternatives,
                limit=RESULTS,
                type=type_,
            )
        results = self.query_one(OptionList)
        results.set_options(
            Option(hit_line(hit, self.colours.get(hit.type, "white"))) for hit in self.hits
        )
        results.highlighted = 0 if self.hits else None
        self._show_status()

    def _show_mention(self) -> None:
        mention = self.mention
        colour = self.colours.get(self.label, "white")
        now = (
            Content.assemble(
                ("linked to ", "dim"),
                (visible(mention.entity_name or ""), "bold"),
                (visible(f" ({mention.entity_key})"), "cyan"),
            )
            if mention.entity_key
            else Content.styled("not linked", "dim")
        )
        self._update(
            "#link-mention",
            Content.assemble(
                ("“", "dim"),
                (visible(mention.text), "bold reverse"),
                ("”", "dim"),
                "  ",
                ("label ", "dim"),
                (self.label, f"bold {colour}"),
                "  ",
                now,
            ),
        )

    def _show_status(self) -> None:
        if self.failed is not None:
            status = Content.styled(f"index failed: {self.failed}", "red")
        elif self.index is None:
            status = Content("indexing names and aliases…")
        else:
            where = f"only {self.label}" if self.only_label else "all types"
            kind = "found" if self.query_one(Input).value.strip() else "suggested"
            status = Content(
                f"{len(self.hits)} {kind} · {where} · "
                f"{self.index.entity_count:,} entities, "
                f"{self.index.alias_count:,} names and aliases"
            )
        self._update("#link-status", status)

    def _update(self, selector: str, content: Content) -> None:
        """Update a line only when it changes, without a layout: the lines have fixed
        heights (in the review screen's panel a layout is one of the whole screen)."""
        line = self.query_one(selector, Static)
        shown = line.visual
        # Content compares its text only: compare the styles too.
        if not isinstance(shown, Content) or (shown.plain, shown.spans) != (
            content.plain,
            content.spans,
        ):
            line.update(content, layout=False)

    def _show_keys(self) -> None:
        colour = self.colours.get(self.label, "white")
        only = "on" if self.only_label else "off"
        self._update(
            "#link-keys",
            Content.assemble(
                ("↑/↓", "bold"),
                " choose  ",
                ("enter", "bold"),
                " link  ",
                ("ctrl+n", "bold"),
                " new ",
                (self.label, f"bold {colour}"),
                " entity “",
                (visible(self.mention.text), "italic"),
                "”\n",
                ("tab/shift+tab", "bold"),
                " label  ",
                ("ctrl+t", "bold"),
                f" only this label ({only})  ",
                ("escape", "bold"),
                " cancel",
            ),
        )
