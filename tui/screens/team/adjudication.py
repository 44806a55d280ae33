"""The adjudication screen: an article's disagreements one at a time, each reviewer's version
side by side; a key chooses the gold.

`1`-`9` choose a version, `x` says nothing belongs here, `m` merges the versions, `A` settles
every unit all reviewers agree on, `e` opens the article to edit the gold by hand, `j`/`k` move
(to the next and previous unit still to settle), `u`/`U` undo and redo. The gold is the
shared layer, what `telaah export --layer gold` writes. Text and names are data (`Text`).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Header, Static

from store.agreement.adjudicate import Unit, Version, merged, settle, settle_agreed, units
from store.agreement.load import article_texts
from store.agreement.model import Span
from store.corpus.articles import get_article
from store.db import session_scope
from store.errors import TelaahError
from store.textsafe import visible
from tui.screens.base import TelaahScreen
from tui.widgets.footer import QuietFooter

CONTEXT = 240  # characters of text shown on each side of a unit


def spans_line(spans: Sequence[Span], text: str) -> str:
    """A version's spans: `words` LABEL entity, or a dash for nothing."""
    if not spans:
        return "–  (nothing here)"
    return "   ".join(
        f"«{text[s.start : s.end]}» {s.label}" + ("" if s.entity is None else f" {s.entity}")
        for s in spans
    )


class AdjudicationScreen(TelaahScreen[None]):
    """Settle an article's disagreements: the gold of each unit, chosen by key."""

    DEFAULT_CSS = """
    AdjudicationScreen #adjudication-context { height: 1fr; padding: 0 1; }
    AdjudicationScreen #adjudication-versions {
        height: auto; max-height: 12; padding: 0 1; border-top: solid $primary;
    }
    AdjudicationScreen #adjudication-summary { padding: 0 1; }
    """

    BINDINGS = [
        Binding("escape,q", "back", "Back", id="adjudication.back"),
        Binding("j,down", "move(1)", "Next", id="adjudication.next"),
        Binding("k,up", "move(-1)", "Previous", id="adjudication.previous"),
        *(
            Binding(str(n), f"choose({n})", f"Version {n}", show=n <= 2, id=f"adjudication.v{n}")
            for n in range(1, 10)
        ),
        Binding("x", "nothing", "Nothing here", id="adjudication.nothing"),
        Binding("m", "merge", "Merge", id="adjudication.merge"),
        Binding("A", "agreed", "Settle agreed", id="adjudication.agreed"),
        Binding("e", "edit", "Edit", id="adjudication.edit"),
        Binding("u", "undo", "Undo", id="adjudication.undo"),
        Binding("U,ctrl+y", "redo", "Redo", key_display="U", show=False, id="adjudication.redo"),
    ]

    def __init__(self, article_id: int, *, at: int | None = None) -> None:
        super().__init__()
        self.article_id = article_id
        self.units: list[Unit] = []
        self.index = 0
        self.text = ""
        self.external_id = str(article_id)
        self._at = at
        self.sub_title = "adjudication"

    def compose(self) -> ComposeResult:
        """Header, where we are, the text around the unit, the versions, footer."""
        yield Header()
        yield Static(id="adjudication-summary")
        with VerticalScroll(id="adjudication-context"):
            yield Static(id="adjudication-text")
        yield Static(id="adjudication-versions")
        yield QuietFooter()

    def on_mount(self) -> None:
        """Read the article's units; start on `at`, else the first one to settle."""
        with session_scope(self.telaah.engine) as session:
            self.external_id, self.text = article_texts(session, [self.article_id])[self.article_id]
        self.reload(at=self._at)

    def refresh_view(self) -> None:
        """Back from editing, or after a refused write: read the units again."""
        self.reload(at=self.current.start if self.current else None)

    @property
    def current(self) -> Unit | None:
        return self.units[self.index] if 0 <= self.index < len(self.units) else None

    def reload(self, *, at: int | None = None, onward: bool = False) -> None:
        """Read the units again; stay on `at` (the next one to settle with `onward`)."""
        with session_scope(self.telaah.engine) as session:
            self.units = units(session, self.article_id)
        where = [i for i, u in enumerate(self.units) if at is not None and u.start <= at < u.end]
        if where:
            self.index = where[0]
            if onward:
                self._next_open(1)
        else:
            open_ = [i for i, u in enumerate(self.units) if not u.settled]
            self.index = open_[0] if open_ else 0
        self.show()

    def _next_open(self, step: int) -> None:
        """Move to the next unit (in `step`'s direction) still to settle, else one step."""
        i = self.index + step
        while 0 <= i < len(self.units):
            if not self.units[i].settled:
                self.index = i
                return
            i += step
        self.index = max(0, min(len(self.units) - 1, self.index + step))

    def show(self) -> None:
        """Draw the summary, the text around the unit and every version."""
        summary = self.query_one("#adjudication-summary", Static)
        settled = sum(1 for u in self.units if u.settled)
        agreed = sum(1 for u in self.units if u.agreed)
        head = Text.assemble(
            (visible(self.external_id), "bold"),
            f" · {len(self.units)} units · {settled} settled · {agreed} agreed",
        )
        unit = self.current
        if unit is None:
            head.append(" · no reviewer layers to adjudicate here")
            summary.update(head)
            self.query_one("#adjudication-text", Static).update("")
            self.query_one("#adjudication-versions", Static).update("")
            return
        state = "settled" if unit.settled else ("agreed" if unit.agreed else "to settle")
        head.append(f" · unit {self.index + 1}: {state}", "green" if unit.settled else "yellow")
        summary.update(head)
        begin, finish = max(0, unit.start - CONTEXT), min(len(self.text), unit.end + CONTEXT)
        context = Text(visible(self.text[begin:finish], cells=True))
        context.stylize("reverse bold", unit.start - begin, unit.end - begin)
        self.query_one("#adjudication-text", Static).update(context)
        lines = Text()
        for n, version in enumerate(unit.versions, start=1):
            lines.append(f"{n}  ", "bold")
            lines.append(visible(version.reviewer)[:16].ljust(17), "cyan")
            lines.append(visible(spans_line(version.spans, self.text)) + "\n")
        lines.append("gold ", "bold")
        lines.append(" " * 15)
        lines.append(visible(spans_line(unit.gold, self.text)), "green" if unit.settled else "")
        self.query_one("#adjudication-versions", Static).update(lines)

    def action_move(self, step: int) -> None:
        """The next (or previous) unit still to settle."""
        self._next_open(step)
        self.show()

    def _settle(self, spans: Sequence[Span], what: str) -> None:
        unit = self.current
        if unit is None:
            return
        reviewer_id, article_id = self.telaah.reviewer_id, self.article_id

        def done(_ids: list[int]) -> None:
            self.notify(f"gold: {what}", timeout=2, markup=False)
            self.reload(at=unit.start, onward=True)

        self.write(
            lambda session: settle(
                session,
                article_id=article_id,
                start=unit.start,
                end=unit.end,
                spans=spans,
                reviewer_id=reviewer_id,
            ),
            title="Not adjudicated",
            done=done,
        )

    def action_choose(self, number: int) -> None:
        """Version `number` becomes the gold here."""
        unit = self.current
        if unit is None or not 1 <= number <= len(unit.versions):
            return
        version: Version = unit.versions[number - 1]
        self._settle(version.spans, f"{version.reviewer}'s version")

    def action_nothing(self) -> None:
        """Nothing belongs here: every shared mention over the unit is rejected."""
        self._settle((), "nothing here")

    def action_merge(self) -> None:
        """Every version's spans together (refused when two label one span differently)."""
        unit = self.current
        if unit is None:
            return
        try:
            spans = merged(unit)
        except TelaahError as error:
            self.notify(str(error), title="Cannot merge", severity="warning", markup=False)
            return
        self._settle(spans, "merged")

    def action_agreed(self) -> None:
        """Settle every unit of the article all reviewers agree on."""
        reviewer_id, article_id = self.telaah.reviewer_id, self.article_id

        def done(count: int) -> None:
            self.notify(f"settled {count} agreed units", timeout=3, markup=False)
            self.reload()

        self.write(
            lambda session: settle_agreed(
                session, article_ids=[article_id], reviewer_id=reviewer_id
            ),
            title="Not adjudicated",
            done=done,
        )

    def action_edit(self) -> None:
        """Open the article in the review screen, on the gold, to edit by hand."""
        with session_scope(self.telaah.engine) as session:
            article = get_article(session=session, article_id=self.article_id)
        unit = self.current
        focus = unit.gold[0].mention_id if unit is not None and unit.gold else None
        self.telaah.open_article(article, focus=focus)

    def action_undo(self) -> None:
        """Undo your latest change (an adjudication or anything else)."""
        self.undo_step(True, then=lambda _done: self.refresh_view())

    def action_redo(self) -> None:
        """Redo the change you undid last."""
        self.undo_step(False, then=lambda _done: self.refresh_view())

    def action_back(self) -> None:
        """Back to where the screen was opened."""
        self.dismiss(None)
