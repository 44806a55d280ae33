"""The gazetteer screen: find an entity as you type, see its record, curate it in place.

Every operation goes through the store (audited, committed); alias changes re-match the articles
they reach, and a merge or a retype says what it will change before it happens.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Header, Input, Static

from store.db import session_scope
from store.errors import TelaahError
from store.gazetteer.detail import (
    SORTS,
    EntityDetail,
    EntityListRow,
    entity_detail,
    entity_rows,
)
from store.gazetteer.search import search_cache
from store.schema import read_schema
from tui import history
from tui.modals.prompt import ChoiceScreen
from tui.screens.concordance import ConcordanceScreen
from tui.screens.entity_edits import EntityEdits
from tui.screens.lint import LintScreen
from tui.widgets.footer import QuietFooter
from tui.widgets.virtual_list import VirtualList

SEARCH_LIMIT = 200


def entity_line(row: EntityListRow, width: int) -> Text:
    """One entity in the list: name, type, key and mention count."""
    count = f"{row.mentions:>6}"
    return Text.assemble(
        (row.name, "bold"),
        "  ",
        (row.type, "magenta"),
        "  ",
        (row.key, "cyan"),
        "  ",
        (count, "dim"),
    )


def detail_content(detail: EntityDetail) -> Content:
    """The entity's record; every value is data."""
    entity = detail.entity
    rows = [
        ("key", entity.key),
        ("name", entity.name),
        ("type", entity.type),
        ("about", entity.description or "—"),
    ]
    rows += [(system, str(ident)) for system, ident in sorted(entity.external_ids.items())]
    states = ", ".join(f"{n} {s}" for s, n in sorted(detail.mentions.items())) or "none"
    rows += [("mentions", f"{states} in {detail.articles} articles")]
    if detail.redirects:
        rows.append(("merged", ", ".join(detail.redirects)))
    lines = [Content.assemble((f"{name:<9}", "dim"), Content(value)) for name, value in rows]
    lines += [
        Content(""),
        Content.styled(f"Aliases ({len(detail.aliases)})", "bold"),
        Content.styled("  ✓acc ✗rej ·pend  origin     added by  alias", "dim"),
    ]
    for record in detail.aliases:
        alias = record.alias
        lines.append(
            Content.assemble(
                f"  {record.accepted:>4} {record.rejected:>4} {record.pending:>5}  ",
                (f"{alias.origin:<10} ", "dim"),
                (f"{(alias.added_by or '—')[:9]:<9} ", "dim"),
                Content(alias.text),
            )
        )
    return Content("\n").join(lines)


class GazetteerScreen(EntityEdits):
    """Entities found as you type, the highlighted one's record, and the curation keys."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="gazetteer.back"),
        Binding("slash", "search", "Search", id="gazetteer.search"),
        Binding("f", "filter_type", "Type", id="gazetteer.filter"),
        Binding("s", "sort", "Sort", id="gazetteer.sort"),
        Binding("c", "concordance", "Concordance", id="gazetteer.concordance"),
        Binding("n", "create", "New", id="gazetteer.create"),
        Binding("r", "rename", "Rename", id="gazetteer.rename"),
        Binding("t", "retype", "Retype", id="gazetteer.retype"),
        Binding("a", "add_alias", "Add alias", id="gazetteer.add_alias"),
        Binding("e", "edit_alias", "Edit alias", show=False, id="gazetteer.edit_alias"),
        Binding("x", "remove_alias", "Remove alias", show=False, id="gazetteer.remove_alias"),
        Binding("m", "merge", "Merge", id="gazetteer.merge"),
        Binding("D", "delete", "Delete", show=False, id="gazetteer.delete"),
        Binding("L", "lint", "Lint", id="gazetteer.lint"),
        Binding("u,ctrl+z", "undo", "Undo", key_display="u", show=False, id="gazetteer.undo"),
        Binding("U,ctrl+y", "redo", "Redo", key_display="U", show=False, id="gazetteer.redo"),
    ]

    DEFAULT_CSS = """
    GazetteerScreen #gazetteer-status { height: 1; padding: 0 1; background: $boost; }
    GazetteerScreen #gazetteer-body { height: 1fr; }
    GazetteerScreen #entities { width: 1fr; }
    GazetteerScreen #entity-scroll { width: 64; border-left: vkey $foreground 20%; }
    GazetteerScreen #entity-detail { padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[EntityListRow] = []
        self.labels: list[str] = []
        self.type: str | None = None
        self.sort = "name"
        self.query_text = ""
        self.merging: str | None = None  # the key of the entity a merge starts from
        self.sub_title = "gazetteer"

    @property
    def listing(self) -> VirtualList:
        """The entity list."""
        return self.query_one("#entities", VirtualList)

    @property
    def current(self) -> EntityListRow | None:
        """The entity under the cursor."""
        index = self.listing.cursor
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def compose(self) -> ComposeResult:
        """Search line, status, the list beside the record, footer."""
        yield Header()
        yield Input(
            placeholder="search names and aliases as you type (enter or ↓: to the list)",
            id="gazetteer-search",
        )
        yield Static(id="gazetteer-status")
        with Horizontal(id="gazetteer-body"):
            yield VirtualList(self._line, id="entities")
            with VerticalScroll(id="entity-scroll"):
                yield Static(id="entity-detail")
        yield QuietFooter()

    def on_mount(self) -> None:
        """Read the labels, list the entities, warm the search index in the background."""
        with session_scope(self.telaah.engine) as session:
            self.labels = [label.name for label in read_schema(session=session).labels]
        self.reload()
        self.listing.focus()
        self._warm_index()

    @work(thread=True, exclusive=True, group="index")
    def _warm_index(self) -> None:
        search_cache(self.telaah.engine).fresh()

    def _line(self, index: int, width: int) -> Text:
        return entity_line(self.rows[index], width)

    def reload(self, keep: str | None = None) -> None:
        """List the entities again (the search's hits, or all of the type filter)."""
        keep = keep or (self.current.key if self.current else None)
        with session_scope(self.telaah.engine) as session:
            if self.query_text.strip():
                cache = search_cache(self.telaah.engine)
                hits = (cache.current or cache.fresh()).search(
                    self.query_text, limit=SEARCH_LIMIT, type=self.type
                )
                self.rows = entity_rows(session=session, keys=[h.key for h in hits])
            else:
                self.rows = entity_rows(session=session, type=self.type, sort=self.sort)
        keys = [row.key for row in self.rows]
        self.listing.reset(len(self.rows), keys.index(keep) if keep in keys else 0)
        self._show_detail()
        self._show_status()

    def _show_status(self) -> None:
        parts = [
            Content.styled(f"{len(self.rows):,} entities", "bold"),
            Content(f"type: {self.type or 'all'}"),
            Content(f"sort: {'relevance' if self.query_text.strip() else self.sort}"),
        ]
        if self.merging:
            parts.append(
                Content.styled(
                    f"merging {self.merging}: choose the entity it goes "
                    "into and press m (escape cancels)",
                    "bold yellow",
                )
            )
        self.query_one("#gazetteer-status", Static).update(Content("   ").join(parts))

    def _show_detail(self) -> None:
        row = self.current
        panel = self.query_one("#entity-detail", Static)
        if row is None:
            panel.update(Content("No entity.").stylize("dim"))
            return
        try:
            with session_scope(self.telaah.engine) as session:
                detail = entity_detail(session=session, key=row.key)
        except TelaahError as exc:
            panel.update(Content(str(exc)))
            return
        panel.update(detail_content(detail))

    @on(VirtualList.Highlighted, "#entities")
    def _moved(self) -> None:
        self._show_detail()

    @on(VirtualList.Selected, "#entities")
    def _chosen(self) -> None:
        self.action_concordance()

    @on(Input.Changed, "#gazetteer-search")
    def _typed(self, event: Input.Changed) -> None:
        self.query_text = event.value
        self.reload()

    @on(Input.Submitted, "#gazetteer-search")
    def _to_list(self) -> None:
        self.listing.focus()

    def key_down(self) -> None:
        """↓ in the search line goes to the list."""
        if self.query_one("#gazetteer-search", Input).has_focus:
            self.listing.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys that would type into the search line are not actions while it has focus."""
        if self.query_one("#gazetteer-search", Input).has_focus and action not in (
            "back",
            "undo",
            "redo",
            "lint",
        ):
            return False
        entity_actions = (
            "concordance",
            "rename",
            "retype",
            "add_alias",
            "edit_alias",
            "remove_alias",
            "merge",
            "delete",
        )
        return not (action in entity_actions and self.current is None)

    def action_back(self) -> None:
        """Leave the search line, cancel a merge, or go back."""
        search = self.query_one("#gazetteer-search", Input)
        if search.has_focus:
            self.listing.focus()
        elif self.merging:
            self.merging = None
            self._show_status()
        else:
            self.dismiss()

    def action_search(self) -> None:
        """Put the cursor in the search line."""
        self.query_one("#gazetteer-search", Input).focus()

    def action_filter_type(self) -> None:
        """Show only one type (from the schema), or all: a choice."""
        choices = [("", "all types"), *((label, label) for label in self.labels)]

        def chosen(value: str | None) -> None:
            if value is not None:
                self.type = value or None
                self.reload()

        self.app.push_screen(
            ChoiceScreen("Show entities of type", choices, self.type or ""), chosen
        )

    def action_sort(self) -> None:
        """Sort by the next of name, mention count, key."""
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.reload()

    def clear_search(self) -> None:
        """Empty the search line and the search."""
        self.query_text = ""
        self.query_one("#gazetteer-search", Input).value = ""

    def action_lint(self) -> None:
        """The lint view; choosing a finding comes back on its entity."""

        def chosen(key: str | None) -> None:
            if key is None:
                return
            self.query_text, self.type = "", None
            self.query_one("#gazetteer-search", Input).value = ""
            self.reload(keep=key)
            self.listing.focus()

        self.app.push_screen(LintScreen(), chosen)

    def action_concordance(self) -> None:
        """Every mention of the entity, in context."""
        row = self.current
        if row is not None:
            self.app.push_screen(ConcordanceScreen(row.key), lambda _r: self.reload())

    def action_undo(self) -> None:
        """Undo your latest change (a review decision or a gazetteer edit)."""
        if history.step(self, backwards=True) is not None:
            self.reload()

    def action_redo(self) -> None:
        """Redo what you undid last."""
        if history.step(self, backwards=False) is not None:
            self.reload()
