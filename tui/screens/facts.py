"""Every fact across the corpus, filtered by type, state, entity and reviewer; `a`/`x` accept
(with the pending mentions filling its roles) or reject the fact under the cursor; `enter` opens
the evidence in its article."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Header, Static

from store.corpus.articles import get_article
from store.db import session_scope
from store.facts.accept import accept_fact
from store.facts.repository import FactView, decide_fact, list_facts
from store.review.extras import Extras, fact_extras
from store.schema import read_schema
from store.textsafe import visible
from tui.modals.prompt import ChoiceScreen, PromptScreen
from tui.screens.base import TelaahScreen
from tui.widgets.footer import QuietFooter
from tui.widgets.virtual_list import VirtualList

STATES = ("", "pending", "accepted", "rejected", "needs review")
STATE_MARKS = {"pending": ("·", "yellow"), "accepted": ("✓", "green"), "rejected": ("✗", "dim")}


def fact_line(fact: FactView, extras: Extras | None = None) -> Text:
    """A fact on one line: state, type, each role with its entities (a fact filling a role as
    `E12 Merge_org`), article, then its attributes and notes (`extras`, and its own note)."""
    mark, style = STATE_MARKS.get(fact.state, ("?", ""))
    line = Text.assemble((f"{mark} ", style), (f"{fact.type:<14}", "bold"))
    roles: dict[str, list[str]] = {}
    for filler in fact.fillers:
        roles.setdefault(filler.role, []).append(filler.entity_name or filler.text)
    for nested in fact.fact_fillers:
        roles.setdefault(nested.role, []).append(f"E{nested.fact_id} {nested.type}")
    for role, names in roles.items():
        line.append(f" {role}=", "dim")
        line.append(visible(" + ".join(" ".join(n.split()) for n in names)))
    line.append(f"  #{fact.article_id}", "cyan")
    if fact.needs_review:
        line.append(visible(f"  needs review: {fact.review_reason or ''}"), "bold red")
    for name, value in extras.attributes if extras else ():
        line.append(visible(f"  {name}" if value is None else f"  {name}={value}"), "magenta")
    notes = [("note", fact.note)] if fact.note else []
    for kind, text in [*notes, *(extras.notes if extras else ())]:
        line.append(f"  {kind}: ", "cyan")
        line.append(visible(" ".join(text.split())))
    return line


class FactsScreen(TelaahScreen[None]):
    """The corpus's facts, newest filters applied; only the lines on screen are drawn."""

    BINDINGS = [
        Binding("escape,q", "back", "Back", id="facts.back"),
        Binding("t", "filter_type", "Type", id="facts.filter_type"),
        Binding("s", "filter_state", "State", id="facts.filter_state"),
        Binding("e", "filter_entity", "Entity", id="facts.filter_entity"),
        Binding("r", "filter_reviewer", "Reviewer", id="facts.filter_reviewer"),
        Binding("0", "clear", "All", id="facts.clear"),
        Binding("a", "accept", "Accept", id="facts.accept"),
        Binding("x", "reject", "Reject", id="facts.reject"),
        Binding("enter", "open", "Open evidence", id="facts.open"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.facts: list[FactView] = []
        self.extras: dict[int, Extras] = {}  # fact id -> its attributes and notes
        self.type: str | None = None
        self.state = ""
        self.entity: str | None = None
        self.reviewer: str | None = None
        self.sub_title = "facts"

    @property
    def listing(self) -> VirtualList:
        """The list of facts."""
        return self.query_one(VirtualList)

    def compose(self) -> ComposeResult:
        """Header, the filters line, the facts, footer."""
        yield Header()
        yield Static(id="facts-filters")
        yield VirtualList(
            lambda i, _w: fact_line(self.facts[i], self.extras.get(self.facts[i].id)), id="facts"
        )
        yield QuietFooter()

    def on_mount(self) -> None:
        """List every fact."""
        self.reload()
        self.listing.focus()

    def reload(self, cursor: int = 0) -> None:
        """Read the facts again under the current filters, the cursor on line `cursor`."""
        state = None if self.state in ("", "needs review") else self.state
        with session_scope(self.telaah.engine) as session:
            self.facts = list_facts(
                session=session,
                type=self.type,
                state=state,
                entity=self.entity,
                reviewer=self.reviewer,
                needs_review=True if self.state == "needs review" else None,
                reviewer_id=self.telaah.reviewer_id,
            )
            self.extras = fact_extras(session=session, fact_ids=[f.id for f in self.facts])
        self.listing.reset(len(self.facts), cursor)
        parts = [
            Content.styled(f"{len(self.facts):,} facts", "bold"),
            Content(f"type: {self.type or 'all'}"),
            Content(f"state: {self.state or 'all'}"),
            Content("entity: ").append(Content(visible(self.entity or "all"))),
            Content("reviewer: ").append(Content(visible(self.reviewer or "all"))),
        ]
        self.query_one("#facts-filters", Static).update(Content("   ").join(parts))

    def action_filter_type(self) -> None:
        """Only facts of one type (a choice from the schema)."""
        with session_scope(self.telaah.engine) as session:
            types = [t.name for t in read_schema(session=session).fact_types]

        def chosen(value: str | None) -> None:
            if value is not None:
                self.type = value or None
                self.reload()

        self.app.push_screen(
            ChoiceScreen(
                "Facts of type", [("", "all types"), *((t, t) for t in types)], self.type or ""
            ),
            chosen,
        )

    def action_filter_state(self) -> None:
        """Cycle: all, pending, accepted, rejected, needs review."""
        self.state = STATES[(STATES.index(self.state) + 1) % len(STATES)]
        self.reload()

    def action_filter_entity(self) -> None:
        """Only facts with a role filled by the entity of this key."""
        self.app.push_screen(
            PromptScreen("Entity key (empty: all)", self.entity or ""),
            lambda key: self._set("entity", key),
        )

    def action_filter_reviewer(self) -> None:
        """Only facts decided by this reviewer."""
        self.app.push_screen(
            PromptScreen("Reviewer (empty: all)", self.reviewer or ""),
            lambda name: self._set("reviewer", name),
        )

    def _set(self, name: str, value: str | None) -> None:
        if value is not None:
            setattr(self, name, value.strip() or None)
            self.reload()

    def action_clear(self) -> None:
        """Drop every filter."""
        self.type, self.state, self.entity, self.reviewer = None, "", None, None
        self.reload()

    def action_accept(self) -> None:
        """Accept the fact and the pending mentions filling its roles (one undo), or say why
        not (a rejected filler)."""
        fact, reviewer = self._focused(), self.telaah.reviewer_id
        if fact is None:
            return
        done = self.store(
            lambda s: accept_fact(
                session=s, fact_id=fact.id, reviewer_id=reviewer, expected_version=fact.version
            ),
            title="Fact not accepted",
        ).value
        if done is not None:
            self.notify(done.summary, timeout=3, markup=False)
        self.reload(self.listing.cursor)  # saved, or refused as stale: show what is stored

    def action_reject(self) -> None:
        """Reject the fact."""
        fact, reviewer = self._focused(), self.telaah.reviewer_id
        if fact is None:
            return
        done = self.store(
            lambda s: decide_fact(
                session=s,
                fact_id=fact.id,
                state="rejected",
                reviewer_id=reviewer,
                expected_version=fact.version,
            ),
            title="Fact not rejected",
        ).value
        if done is not None:
            self.notify(f"{done.type} rejected", timeout=3, markup=False)
        self.reload(self.listing.cursor)  # saved, or refused as stale: show what is stored

    def _focused(self) -> FactView | None:
        index = self.listing.cursor
        return self.facts[index] if 0 <= index < len(self.facts) else None

    @on(VirtualList.Selected)
    def _chosen(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        """Open the fact's article at its first role's mention."""
        index = self.listing.cursor
        if not 0 <= index < len(self.facts):
            return
        fact = self.facts[index]
        opened = self.store(
            lambda session: get_article(session=session, article_id=fact.article_id),
            title="Cannot open",
        )
        if opened.value is None:
            return
        focus = fact.fillers[0].mention_id if fact.fillers else None
        self.telaah.open_article(opened.value, focus=focus)  # back: `refresh_view`

    def refresh_view(self) -> None:
        """Back on the list: states may have changed in the article."""
        self.reload()

    def action_back(self) -> None:
        """Back to where the list was opened from."""
        self.dismiss()
