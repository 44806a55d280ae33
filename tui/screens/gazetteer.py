"""The gazetteer screen: find an entity as you type, see its record, curate it in place.

Every operation goes through the store (audited, committed); alias changes re-match the articles
they reach, and a merge or a retype says what it will change before it happens.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Header, Input, Static

from store import gazetteer
from store.concordance import decide_lines
from store.db import session_scope
from store.entity_detail import (
    SORTS,
    EntityDetail,
    EntityListRow,
    accepted_other_label,
    entity_detail,
    entity_rows,
)
from store.entity_search import search_cache
from store.errors import TelaahError
from store.impact import (
    add_alias_impact,
    delete_impact,
    remove_alias_impact,
    rename_impact,
    retype_impact,
)
from store.linking import fresh_key
from store.merge import merge_entities, plan_merge
from store.rematch import rematch_after_change
from store.schema import read_schema
from tui import history
from tui.screens.concordance import ConcordanceScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.lint import LintScreen
from tui.screens.prompt import ChoiceScreen, PromptScreen
from tui.widgets.footer import QuietFooter
from tui.widgets.virtual_list import VirtualList

if TYPE_CHECKING:
    from tui.app import TelaahApp

SEARCH_LIMIT = 200


def entity_line(row: EntityListRow, width: int) -> Text:
    """One entity in the list: name, type, key and mention count."""
    count = f"{row.mentions:>6}"
    return Text.assemble((row.name, "bold"), "  ", (row.type, "magenta"), "  ",
                         (row.key, "cyan"), "  ", (count, "dim"))


def detail_content(detail: EntityDetail) -> Content:
    """The entity's record; every value is data."""
    entity = detail.entity
    rows = [("key", entity.key), ("name", entity.name), ("type", entity.type),
            ("about", entity.description or "—")]
    rows += [(system, str(ident)) for system, ident in sorted(entity.external_ids.items())]
    states = ", ".join(f"{n} {s}" for s, n in sorted(detail.mentions.items())) or "none"
    rows += [("mentions", f"{states} in {detail.articles} articles")]
    if detail.redirects:
        rows.append(("merged", ", ".join(detail.redirects)))
    lines = [Content.assemble((f"{name:<9}", "dim"), Content(value)) for name, value in rows]
    lines += [Content(""), Content.styled(f"Aliases ({len(detail.aliases)})", "bold"),
              Content.styled("  ✓acc ✗rej ·pend  origin     added by  alias", "dim")]
    for record in detail.aliases:
        alias = record.alias
        lines.append(Content.assemble(
            f"  {record.accepted:>4} {record.rejected:>4} {record.pending:>5}  ",
            (f"{alias.origin:<10} ", "dim"), (f"{(alias.added_by or '—')[:9]:<9} ", "dim"),
            Content(alias.text)))
    return Content("\n").join(lines)


class GazetteerScreen(Screen[None]):
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
    def telaah(self) -> TelaahApp:
        """The app, with its engine and reviewer."""
        return cast("TelaahApp", self.app)

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
        yield Input(placeholder="search names and aliases as you type (enter or ↓: to the list)",
                    id="gazetteer-search")
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
                    self.query_text, limit=SEARCH_LIMIT, type=self.type)
                self.rows = entity_rows(session=session, keys=[h.key for h in hits])
            else:
                self.rows = entity_rows(session=session, type=self.type, sort=self.sort)
        keys = [row.key for row in self.rows]
        self.listing.reset(len(self.rows), keys.index(keep) if keep in keys else 0)
        self._show_detail()
        self._show_status()

    def _show_status(self) -> None:
        parts = [Content.styled(f"{len(self.rows):,} entities", "bold"),
                 Content(f"type: {self.type or 'all'}"),
                 Content(f"sort: {'relevance' if self.query_text.strip() else self.sort}")]
        if self.merging:
            parts.append(Content.styled(f"merging {self.merging}: choose the entity it goes "
                                        "into and press m (escape cancels)", "bold yellow"))
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
                "back", "undo", "redo", "lint"):
            return False
        entity_actions = ("concordance", "rename", "retype", "add_alias", "edit_alias",
                          "remove_alias", "merge", "delete")
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

        self.app.push_screen(ChoiceScreen("Show entities of type", choices, self.type or ""),
                             chosen)

    def action_sort(self) -> None:
        """Sort by the next of name, mention count, key."""
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.reload()

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

    def _run(self, change: Callable[[Any], object], done: str,
             rematch: dict[str, Any] | None = None, keep: str | None = None) -> bool:
        """Make one change in a session; say so, re-match if asked; errors become notices."""
        try:
            with session_scope(self.telaah.engine) as session:
                change(session)
        except TelaahError as exc:
            self.notify(str(exc), title="Not changed", severity="error", markup=False)
            return False
        message = done
        if rematch:
            report = rematch_after_change(self.telaah.engine, reviewer_id=self.telaah.reviewer_id,
                                          **rematch)
            message += f"; {report.summary.replace('matched', 're-matched', 1)}"
        self.notify(message, timeout=4, markup=False)
        search_cache(self.telaah.engine).fresh()  # the edit changed what search must find
        self.reload(keep=keep)
        return True

    def _after_yes(self, question: str, then: Callable[[], object]) -> None:
        """Show what an edit will change; make it on `y`."""
        def answered(yes: bool | None) -> None:
            if yes:
                then()

        self.app.push_screen(ConfirmScreen(question), answered)

    def _impact(self, measure: Callable[[Any], str]) -> str | None:
        try:
            with session_scope(self.telaah.engine) as session:
                return measure(session)
        except TelaahError as exc:
            self.notify(str(exc), title="Not changed", severity="error", markup=False)
            return None

    def action_create(self) -> None:
        """A new entity: its name, then its type."""
        reviewer = self.telaah.reviewer_id

        def named(name: str | None) -> None:
            if not name or not name.strip():
                return

            def typed(label: str | None) -> None:
                if not label:
                    return
                made: list[str] = []

                def create(session: Any) -> None:
                    key = fresh_key(session, label, name)
                    gazetteer.create_entity(session=session, key=key, name=name, type=label,
                                            reviewer_id=reviewer, origin="reviewer")
                    made.append(key)

                self.query_text = ""
                self.query_one("#gazetteer-search", Input).value = ""
                if self._run(create, f"created {name.strip()}", {"added": [name.strip()]}):
                    self.reload(keep=made[0])

            self.app.push_screen(ChoiceScreen(f"Type of {name.strip()}",
                                              [(x, x) for x in self.labels], self.type), typed)

        self.app.push_screen(PromptScreen("Name of the new entity"), named)

    def action_rename(self) -> None:
        """A new name (the old one stays an alias)."""
        row = self.current
        if row is None:
            return

        def answered(name: str | None) -> None:
            if not name or not name.strip() or name.strip() == row.name:
                return
            question = self._impact(lambda s: rename_impact(session=s, key=row.key, name=name))
            if question:
                self._after_yes(question, lambda: self._run(lambda s: gazetteer.rename_entity(
                    session=s, key=row.key, name=name, reviewer_id=self.telaah.reviewer_id),
                    f"{row.key} is now {name.strip()}",
                    {"added": [name.strip()], "entities": [row.key]}, keep=row.key))

        self.app.push_screen(PromptScreen(f"New name of {row.key}", row.name), answered)

    def action_retype(self) -> None:
        """A new type: pending mentions follow; accepted ones are offered to follow too."""
        row = self.current
        if row is None:
            return

        def chosen(label: str | None) -> None:
            if not label or label == row.type:
                return
            question = self._impact(lambda s: retype_impact(session=s, key=row.key, type=label))
            if question:
                self._after_yes(question, lambda: self._retype(row, label))

        self.app.push_screen(ChoiceScreen(f"New type of {row.key}",
                                          [(x, x) for x in self.labels], row.type), chosen)

    def _retype(self, row: EntityListRow, label: str) -> None:
        """Retype, then offer to relabel the accepted mentions with another label."""
        with session_scope(self.telaah.engine) as session:
            accepted = accepted_other_label(session=session, key=row.key, label=label)
        if not self._run(lambda s: gazetteer.retype_entity(
                session=s, key=row.key, type=label, reviewer_id=self.telaah.reviewer_id),
                f"{row.key} is now a {label}; its pending mentions too",
                {"entities": [row.key]}, keep=row.key) or not accepted:
            return

        def relabel(yes: bool | None) -> None:
            if yes:
                self._run(lambda s: decide_lines(
                    session=s, mention_ids=accepted, state="accepted", label=label,
                    reviewer_id=self.telaah.reviewer_id),
                    f"relabelled {len(accepted)} accepted mentions", keep=row.key)

        self.app.push_screen(ConfirmScreen(
            f"{len(accepted)} accepted mentions of {row.key} have another label. "
            f"Relabel them all as {label}?"), relabel)

    def action_add_alias(self) -> None:
        """A new alias; the articles where it occurs are re-matched."""
        row = self.current
        if row is None:
            return

        def answered(text: str | None) -> None:
            if not text or not text.strip():
                return
            question = self._impact(lambda _s: add_alias_impact(self.telaah.engine, key=row.key,
                                                                text=text))
            if question:
                self._after_yes(question, lambda: self._run(lambda s: gazetteer.add_alias(
                    session=s, key=row.key, text=text, reviewer_id=self.telaah.reviewer_id),
                    f"{row.key} has the alias {text.strip()}", {"added": [text.strip()]},
                    keep=row.key))

        self.app.push_screen(PromptScreen(f"New alias of {row.key}"), answered)

    def _choose_alias(self, question: str, then: Callable[[str], object]) -> None:
        row = self.current
        if row is None:
            return
        with session_scope(self.telaah.engine) as session:
            aliases = [a.text for a in gazetteer.get_entity(session=session, key=row.key).aliases
                       if a.text != row.name]
        if not aliases:
            self.notify(f"{row.key} has no alias but its name", timeout=3, markup=False)
            return

        def chosen(text: str | None) -> None:
            if text:
                then(text)

        self.app.push_screen(ChoiceScreen(question, [(a, a) for a in aliases]), chosen)

    def action_remove_alias(self) -> None:
        """Remove an alias; the pending candidates it produced are withdrawn."""
        row = self.current
        if row is None:
            return
        def picked(text: str) -> None:
            question = self._impact(lambda s: remove_alias_impact(session=s, key=row.key,
                                                                  text=text))
            if question:
                self._after_yes(question, lambda: self._run(
                    lambda s: gazetteer.remove_alias(session=s, key=row.key, text=text,
                                                     reviewer_id=self.telaah.reviewer_id),
                    f"{row.key} lost the alias {text}", {"removed": [(row.key, text)]},
                    keep=row.key))

        self._choose_alias(f"Remove which alias of {row.key}?", picked)

    def action_edit_alias(self) -> None:
        """Change an alias's text (the old text's pending candidates are withdrawn)."""
        row = self.current
        if row is None:
            return

        def picked(old: str) -> None:
            def answered(new: str | None) -> None:
                if not new or not new.strip() or new.strip() == old:
                    return

                def change(session: Any) -> None:
                    reviewer = self.telaah.reviewer_id
                    gazetteer.add_alias(session=session, key=row.key, text=new,
                                        reviewer_id=reviewer, commit=False)
                    gazetteer.remove_alias(session=session, key=row.key, text=old,
                                           reviewer_id=reviewer)

                question = self._impact(lambda s: remove_alias_impact(
                    session=s, key=row.key, text=old) + " " + add_alias_impact(
                    self.telaah.engine, key=row.key, text=new))
                if question:
                    self._after_yes(question, lambda: self._run(
                        change, f"{row.key}: {old} → {new.strip()}",
                        {"added": [new.strip()], "removed": [(row.key, old)]}, keep=row.key))

            self.app.push_screen(PromptScreen(f"Alias of {row.key}", old), answered)

        self._choose_alias(f"Edit which alias of {row.key}?", picked)

    def action_delete(self) -> None:
        """Delete the entity (refused while it has accepted mentions), after a yes."""
        row = self.current
        if row is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._run(lambda s: gazetteer.delete_entity(
                    session=s, key=row.key, reviewer_id=self.telaah.reviewer_id),
                    f"deleted {row.key}", {"entities": []})

        question = self._impact(lambda s: delete_impact(session=s, key=row.key))
        if question:
            self.app.push_screen(ConfirmScreen(question), answered)

    def action_merge(self) -> None:
        """First `m`: the entity to merge; second `m`: the entity it goes into (after a yes)."""
        row = self.current
        if row is None:
            return
        if self.merging is None or self.merging == row.key:
            self.merging = row.key
            self._show_status()
            return
        source, target = self.merging, row.key
        try:
            with session_scope(self.telaah.engine) as session:
                plan = plan_merge(session=session, source=source, target=target)
        except TelaahError as exc:
            self.notify(str(exc), title="Cannot merge", severity="error", markup=False)
            return

        def answered(yes: bool | None) -> None:
            self.merging = None
            if yes:
                self._run(lambda s: merge_entities(session=s, source=source, target=target,
                                                   reviewer_id=self.telaah.reviewer_id),
                          f"merged {source} into {target}",
                          {"entities": [source, target]}, keep=target)
            self._show_status()

        self.app.push_screen(ConfirmScreen(plan.summary()[0].upper() + plan.summary()[1:]
                                           + "."), answered)

    def action_undo(self) -> None:
        """Undo your latest change (a review decision or a gazetteer edit)."""
        if history.step(self, backwards=True) is not None:
            self.reload()

    def action_redo(self) -> None:
        """Redo what you undid last."""
        if history.step(self, backwards=False) is not None:
            self.reload()
