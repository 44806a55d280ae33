"""The concordance: every mention of an entity across the corpus, in context, decided in place.

Lines are grouped by surface form, pending first. `a`/`x` decide one line, `A`/`X` every pending
line of the surface form (after saying how many), digits relabel, `enter` opens the article at
the mention. Only the lines on screen are drawn, so 10,000 mentions open at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Header, Static

from store.corpus.articles import get_article
from store.db import session_scope
from store.review.concordance import KwicLine, SurfaceGroup, concordance, decide_lines
from store.review.mentions import decide_mention, get_mention
from store.schema import read_schema
from store.textsafe import visible
from tui.link_flow import link_with_modal
from tui.modals.confirm import ConfirmScreen
from tui.screens.base import TelaahScreen
from tui.widgets.footer import QuietFooter
from tui.widgets.virtual_list import VirtualList

STATE_STYLES = {"pending": "underline yellow", "accepted": "bold green", "rejected": "strike dim"}
STATE_MARKS = {"pending": "·", "accepted": "✓", "rejected": "✗"}
_BREAKS = re.compile(r"\s*\n\s*")


@dataclass(frozen=True, slots=True)
class Row:
    """A line of the list: a group's heading (line None) or one mention in context."""

    group: SurfaceGroup
    line: KwicLine | None


def one_line(context: str) -> str:
    """Context on one line: line breaks as ⏎, runs of other white space as one space, controls
    shown one character each (`store.textsafe`)."""
    return visible(" ".join(_BREAKS.sub(" ⏎ ", context).split()), cells=True)


def kwic(line: KwicLine, width: int) -> Text:
    """One mention in context: the left context right-aligned, the mention, the right context."""
    tail = f"  #{line.article_id}"
    room = max(10, width - len(tail) - len(line.label) - 5)
    side = max(4, (room - len(line.text)) // 2)
    left = one_line(line.left)[-side:].rjust(side)
    right = one_line(line.right)[:side].ljust(side)
    return Text.assemble(
        (STATE_MARKS.get(line.state, "?") + " ", STATE_STYLES.get(line.state, "")),
        (left, "dim"),
        " ",
        (visible(line.text, cells=True), f"bold {STATE_STYLES.get(line.state, '')}"),
        " ",
        (right, "dim"),
        (tail, "cyan"),
        (f" {line.label}", "magenta"),
    )


def heading(group: SurfaceGroup) -> Text:
    """A surface form's heading: its spelling and its lines by state."""
    counts = group.counts
    parts = ", ".join(
        f"{counts[s]} {s}" for s in ("pending", "accepted", "rejected") if counts.get(s)
    )
    surface = visible(group.surface)
    return Text.assemble(("━ ", "bold"), (surface, "bold"), (f"  {parts}", "dim"))


class ConcordanceScreen(TelaahScreen[None]):
    """Every mention of entity `key` (of one alias, if given) in context."""

    BINDINGS = [
        Binding("escape,q", "back", "Back", id="concordance.back"),
        Binding("a", "decide('accepted')", "Accept", id="concordance.accept"),
        Binding("x", "decide('rejected')", "Reject", id="concordance.reject"),
        Binding("A", "decide_group('accepted')", "Accept form", id="concordance.accept_form"),
        Binding("X", "decide_group('rejected')", "Reject form", id="concordance.reject_form"),
        *[
            Binding(
                str(n),
                f"label({n})",
                "Label+accept" if n == 1 else f"Label {n}",
                show=n == 1,
                key_display="1-9" if n == 1 else None,
                id=f"concordance.label_{n}",
            )
            for n in range(1, 10)
        ],
        Binding("l", "link", "Relink", id="concordance.link"),
        Binding("enter", "open", "Open article", id="concordance.open"),
        Binding("u,ctrl+z", "undo", "Undo", key_display="u", id="concordance.undo"),
        Binding("U,ctrl+y", "redo", "Redo", key_display="U", show=False, id="concordance.redo"),
    ]

    def __init__(self, key: str, alias: str | None = None) -> None:
        super().__init__()
        self.key = key
        self.alias = alias
        self.rows: list[Row] = []
        self.labels: list[str] = []
        self.sub_title = visible(f"concordance of {key}" + (f" ({alias})" if alias else ""))

    @property
    def listing(self) -> VirtualList:
        """The list of lines."""
        return self.query_one(VirtualList)

    def compose(self) -> ComposeResult:
        """Header, a summary line, the lines, footer."""
        yield Header()
        yield Static(id="concordance-summary")
        yield VirtualList(self._line, id="concordance")
        yield QuietFooter()

    def on_mount(self) -> None:
        """Read the schema's labels and the lines."""
        with session_scope(self.telaah.engine) as session:
            self.labels = [label.name for label in read_schema(session=session).labels]
        self.reload()
        self.listing.focus()

    def reload(self, keep: int | None = None) -> None:
        """Read the lines again; the cursor goes to mention `keep` (or stays where it was)."""
        found = self.store(
            lambda session: concordance(
                session=session,
                key=self.key,
                alias=self.alias,
                reviewer_id=self.telaah.reviewer_id,
            ),
            title="No concordance",
        )
        groups = found.value or []
        cursor = self.listing.cursor
        self.rows = [row for g in groups for row in [Row(g, None), *(Row(g, x) for x in g.lines)]]
        if keep is not None:
            cursor = next(
                (
                    i
                    for i, r in enumerate(self.rows)
                    if r.line is not None and r.line.mention_id == keep
                ),
                cursor,
            )
        self.listing.reset(len(self.rows), cursor)
        lines = sum(len(g.lines) for g in groups)
        pending = sum(len(g.pending) for g in groups)
        self.query_one("#concordance-summary", Static).update(
            Content.assemble(
                (visible(self.key), "bold"),
                f"  {lines:,} mentions, {pending:,} pending, {len(groups):,} surface forms",
            )
        )

    def _line(self, index: int, width: int) -> Text:
        row = self.rows[index]
        return heading(row.group) if row.line is None else kwic(row.line, width)

    @property
    def current(self) -> Row | None:
        """The row under the cursor."""
        index = self.listing.cursor
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Line actions need a line; a digit needs a label of that rank."""
        if action in ("decide", "label", "open", "link"):
            row = self.current
            if row is None or row.line is None:
                return False
        if action == "label" and parameters:
            rank = parameters[0]
            return isinstance(rank, int) and rank <= len(self.labels)
        return True

    @on(VirtualList.Highlighted)
    def _moved(self) -> None:
        self.refresh_bindings()

    @on(VirtualList.Selected)
    def _chosen(self) -> None:
        self.action_open()

    def action_decide(self, state: str) -> None:
        """Accept or reject the mention under the cursor, then go to the next line."""
        self._decide_line(state, None)

    def action_label(self, rank: int) -> None:
        """Give the line's mention the `rank`-th label of the schema and accept it."""
        if 1 <= rank <= len(self.labels):
            self._decide_line("accepted", self.labels[rank - 1])

    def _decide_line(self, state: str, label: str | None) -> None:
        row = self.current
        if row is None or row.line is None:
            return
        line = row.line
        reviewer = self.telaah.reviewer_id
        following = self.rows[self.listing.cursor + 1 :]
        nxt = next((r.line.mention_id for r in following if r.line is not None), None)
        self.write(
            lambda session: decide_mention(
                session=session,
                mention_id=line.mention_id,
                state=state,
                reviewer_id=reviewer,
                label=label,
                expected_version=line.version,
            ),
            title="Decision not saved",
            done=lambda _view: self.reload(keep=nxt if nxt is not None else line.mention_id),
        )

    def action_link(self) -> None:
        """Link the line's mention to another entity (or a new one): the link modal."""
        row = self.current
        if row is None or row.line is None:
            return
        with session_scope(self.telaah.engine) as session:
            mention = get_mention(session=session, mention_id=row.line.mention_id)
            colours = {label.name: label.colour for label in read_schema(session=session).labels}
        link_with_modal(
            self, mention, self.labels, colours, lambda linked: self.reload(keep=linked.id)
        )

    def action_decide_group(self, state: str) -> None:
        """Decide every pending line of the surface form under the cursor, after a yes."""
        row = self.current
        if row is None:
            return
        pending = {line.mention_id: line.version for line in row.group.pending}
        if not pending:
            self.notify("No pending line of that form", timeout=2, markup=False)
            return
        verb = "Accept" if state == "accepted" else "Reject"
        articles = len({line.article_id for line in row.group.pending})
        question = (
            Content(f"{verb} {len(pending)} pending mentions of ")
            .append(Content(visible(row.group.surface)).stylize("bold"))
            .append(Content(visible(f" in {articles} articles as {self.key}?")))
        )

        def answer(yes: bool | None) -> None:
            if yes:
                self._decide_many(pending, state)

        self.app.push_screen(ConfirmScreen(question), answer)

    def _decide_many(self, versions: dict[int, int], state: str) -> None:
        """Decide the lines on the versions shown; those changed since are left (and counted)."""
        reviewer = self.telaah.reviewer_id

        def saved(decided: int) -> None:
            self.reload()
            skipped = len(versions) - decided
            left = f"; {skipped} changed since you loaded them, left as they are" if skipped else ""
            self.notify(f"{state} {decided} mentions{left}", timeout=4, markup=False)

        self.write(
            lambda session: decide_lines(
                session=session,
                mention_ids=list(versions),
                state=state,
                reviewer_id=reviewer,
                versions=versions,
            ),
            title="Decisions not saved",
            done=saved,
        )

    def action_open(self) -> None:
        """Open the article with the line's mention focused."""
        row = self.current
        if row is None or row.line is None:
            return
        with session_scope(self.telaah.engine) as session:
            article = get_article(session=session, article_id=row.line.article_id)
        mention_id = row.line.mention_id
        self.telaah.open_article(article, focus=mention_id)  # back: `refresh_view`

    def action_undo(self) -> None:
        """Undo your latest change (here or anywhere else)."""
        self._history(True)

    def action_redo(self) -> None:
        """Redo the change you undid last."""
        self._history(False)

    def _history(self, backwards: bool) -> None:
        self.undo_step(backwards, then=lambda done: self.reload(keep=done.mention_id or None))

    def after_rematch(self) -> None:
        """A gazetteer change was re-matched: the lines may have changed."""
        self.reload()

    def refresh_view(self) -> None:
        """Back on the screen (or a change refused): read the lines again, cursor kept."""
        self.reload()

    def action_back(self) -> None:
        """Back to where the concordance was opened from."""
        self.dismiss()
