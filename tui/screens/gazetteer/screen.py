"""The gazetteer screen: find an entity as you type, see its record, curate it in place.

Every operation goes through the store (audited, committed); alias changes re-match the articles
they reach (in a worker, the screen staying responsive), and a merge or a retype says what it
will change before it happens.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Header, Input, Static

from store.db import session_scope
from store.errors import TelaahError
from store.gazetteer.detail import SORTS, EntityListRow, entity_detail, entity_rows
from store.gazetteer.search import search_cache
from store.schema import read_schema
from store.textsafe import visible
from tui.modals.prompt import ChoiceScreen
from tui.screens.base import TelaahScreen
from tui.screens.concordance import ConcordanceScreen
from tui.screens.gazetteer.edits import EntityEdits
from tui.screens.gazetteer.entities import EntityList, EntityRecord, EntitySearch
from tui.screens.lint import LintScreen
from tui.widgets.footer import QuietFooter

SEARCH_LIMIT = 200


class GazetteerScreen(TelaahScreen[None]):
    """Entities found as you type, the highlighted one's record, and the curation keys."""

    CSS_PATH = "gazetteer.tcss"
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

    def __init__(self) -> None:
        super().__init__()
        self.labels: list[str] = []
        self.type: str | None = None
        self.sort = "name"
        self.query_text = ""
        self.merging: str | None = None  # the key of the entity a merge starts from
        self.sub_title = "gazetteer"

    @property
    def listing(self) -> EntityList:
        """The entity list."""
        return self.query_one("#entities", EntityList)

    @property
    def search_line(self) -> EntitySearch:
        """The search line."""
        return self.query_one("#gazetteer-search", EntitySearch)

    @property
    def searching(self) -> bool:
        """Whether the search line has the focus."""
        return isinstance(self.focused, EntitySearch)

    @property
    def edits(self) -> EntityEdits:
        """The edits of the entity under the cursor."""
        return self.query_one(EntityEdits)

    @property
    def rows(self) -> list[EntityListRow]:
        """The entities listed."""
        return self.listing.rows

    @property
    def current(self) -> EntityListRow | None:
        """The entity under the cursor."""
        return self.listing.current

    def compose(self) -> ComposeResult:
        """Search line, status, the list beside the record, footer."""
        yield Header()
        yield EntitySearch(id="gazetteer-search")
        yield Static(id="gazetteer-status")
        with Horizontal(id="gazetteer-body"):
            yield EntityList(id="entities")
            with VerticalScroll(id="entity-scroll"):
                yield EntityRecord(id="entity-detail")
        yield EntityEdits()
        yield QuietFooter()

    def on_mount(self) -> None:
        """Read the labels, list the entities, warm the search index in the background."""
        with session_scope(self.telaah.engine) as session:
            self.labels = [label.name for label in read_schema(session=session).labels]
        self.reload()
        self.listing.focus()
        self._warm_index()

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="index",
        description="indexing entity names and aliases",
    )
    def _warm_index(self) -> None:
        search_cache(self.telaah.engine).fresh()

    def refresh_view(self) -> None:
        """Back on the screen: mention counts by state may have changed."""
        self.reload()

    def reload(self, keep: str | None = None) -> None:
        """List the entities again (the search's hits, or all of the type filter)."""
        keep = keep or (self.current.key if self.current else None)
        with session_scope(self.telaah.engine) as session:
            if self.query_text.strip():
                cache = search_cache(self.telaah.engine)
                hits = (cache.current or cache.fresh()).search(
                    self.query_text, limit=SEARCH_LIMIT, type=self.type
                )
                rows = entity_rows(session=session, keys=[h.key for h in hits])
            else:
                rows = entity_rows(session=session, type=self.type, sort=self.sort)
        self.listing.show(rows, keep)
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
                    f"merging {visible(self.merging)}: choose the entity it goes "
                    "into and press m (escape cancels)",
                    "bold yellow",
                )
            )
        self.query_one("#gazetteer-status", Static).update(Content("   ").join(parts))

    def _show_detail(self) -> None:
        row = self.current
        record = self.query_one("#entity-detail", EntityRecord)
        if row is None:
            record.show(None)
            return
        try:
            with session_scope(self.telaah.engine) as session:
                detail = entity_detail(session=session, key=row.key)
        except TelaahError as exc:
            record.show_error(str(exc))
            return
        record.show(detail)

    @on(EntityList.Highlighted, "#entities")
    def _moved(self) -> None:
        self._show_detail()

    @on(EntityList.Selected, "#entities")
    def _chosen(self) -> None:
        self.action_concordance()

    @on(Input.Changed, "#gazetteer-search")
    def _typed(self, event: Input.Changed) -> None:
        self.query_text = event.value
        self.reload()

    @on(Input.Submitted, "#gazetteer-search")
    def _to_list(self) -> None:
        self.listing.focus()

    @on(EntityEdits.Creating)
    def _creating(self) -> None:
        self.clear_search()

    @on(EntityEdits.MergeAnswered)
    def _merge_answered(self) -> None:
        self.merging = None
        self._show_status()

    @on(EntityEdits.Changed)
    def _changed(self, event: EntityEdits.Changed) -> None:
        """The store has the edit: list it now; re-match and re-index in the background."""
        self.reload(keep=event.keep)
        if event.change is not None:
            self.rematch_in_background(event.change, event.done)
        else:
            self.notify(event.done, timeout=4, markup=False)

    def after_rematch(self) -> None:
        """The re-match is done: list again (the search sees the edit)."""
        self.reload()

    def key_down(self) -> None:
        """↓ in the search line goes to the list."""
        if self.searching:
            self.listing.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys that would type into the search line are not actions while it has focus."""
        if self.searching and action not in ("back", "undo", "redo", "lint"):
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
        if action not in entity_actions:
            return True
        # Asked also while the screen is pushed, before its widgets exist (footers recompose).
        return bool(self.query(EntityList)) and self.current is not None

    def action_back(self) -> None:
        """Leave the search line, cancel a merge, or go back."""
        if self.searching:
            self.listing.focus()
        elif self.merging:
            self.merging = None
            self._show_status()
        else:
            self.dismiss()

    def action_search(self) -> None:
        """Put the cursor in the search line."""
        self.search_line.focus()

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
        self.search_line.clear()

    def action_lint(self) -> None:
        """The lint view; choosing a finding comes back on its entity."""

        def chosen(key: str | None) -> None:
            if key is None:
                return
            self.query_text, self.type = "", None
            self.search_line.clear()
            self.reload(keep=key)
            self.listing.focus()

        self.app.push_screen(LintScreen(), chosen)

    def action_concordance(self) -> None:
        """Every mention of the entity, in context."""
        row = self.current
        if row is not None:
            self.app.push_screen(ConcordanceScreen(row.key), lambda _r: self.reload())

    def action_create(self) -> None:
        """A new entity: its name, then its type."""
        self.edits.create(self.labels, self.type)

    def action_rename(self) -> None:
        """A new name (the old one stays an alias)."""
        if (row := self.current) is not None:
            self.edits.rename(row)

    def action_retype(self) -> None:
        """A new type: pending mentions follow; accepted ones are offered to follow too."""
        if (row := self.current) is not None:
            self.edits.retype(row, self.labels)

    def action_add_alias(self) -> None:
        """A new alias; the articles where it occurs are re-matched."""
        if (row := self.current) is not None:
            self.edits.add_alias(row)

    def action_edit_alias(self) -> None:
        """Change an alias's text (the old text's pending candidates are withdrawn)."""
        if (row := self.current) is not None:
            self.edits.edit_alias(row)

    def action_remove_alias(self) -> None:
        """Remove an alias; the pending candidates it produced are withdrawn."""
        if (row := self.current) is not None:
            self.edits.remove_alias(row)

    def action_delete(self) -> None:
        """Delete the entity (refused while it has accepted mentions), after a yes."""
        if (row := self.current) is not None:
            self.edits.delete(row)

    def action_merge(self) -> None:
        """First `m`: the entity to merge; second `m`: the entity it goes into (after a yes)."""
        row = self.current
        if row is None:
            return
        if self.merging is None or self.merging == row.key:
            self.merging = row.key
            self._show_status()
            return
        self.edits.merge(self.merging, row.key)

    def action_undo(self) -> None:
        """Undo your latest change (a review decision or a gazetteer edit)."""
        if self.undo_step(backwards=True) is not None:
            self.reload()

    def action_redo(self) -> None:
        """Redo what you undid last."""
        if self.undo_step(backwards=False) is not None:
            self.reload()
