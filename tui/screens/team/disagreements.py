"""Where two reviewers differ, one line each: article, the words, what each of them has.

`enter` adjudicates the article there; `o` opens it in the review screen (your own view).
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Header, Static

from store.agreement.load import article_texts
from store.agreement.model import Annotation, Disagreement, Span
from store.agreement.report import disagreements_of
from store.corpus.articles import get_article
from store.db import session_scope
from store.textsafe import visible
from tui.screens.base import TelaahScreen
from tui.screens.team.adjudication import AdjudicationScreen
from tui.widgets.footer import QuietFooter
from tui.widgets.virtual_list import VirtualList

KIND_STYLES = {"span": "yellow", "label": "magenta", "link": "cyan"}


def version(span: Span | None) -> str:
    """What one reviewer has at a place: label and entity, or a dash for nothing."""
    if span is None:
        return "–"
    return span.label if span.entity is None else f"{span.label} {span.entity}"


class DisagreementsScreen(TelaahScreen[None]):
    """The disagreements of two reviewers (of one label, when given)."""

    BINDINGS = [
        Binding("escape,q", "back", "Back", id="disagreements.back"),
        Binding("enter", "adjudicate", "Adjudicate", id="disagreements.adjudicate"),
        Binding("o", "open", "Open article", id="disagreements.open"),
    ]

    def __init__(
        self, layers: list[Annotation], first: str, second: str, label: str | None
    ) -> None:
        super().__init__()
        self.first, self.second, self.label = first, second, label
        self.items: list[Disagreement] = [
            item
            for item in disagreements_of(layers, first, second)
            if label is None
            or any(s is not None and s.label == label for s in (item.first, item.second))
        ]
        self.texts: dict[int, tuple[str, str]] = {}
        self.sub_title = f"{first} · {second}" + ("" if label is None else f" · {label}")

    def compose(self) -> ComposeResult:
        """Header, summary, the disagreements, footer."""
        yield Header()
        yield Static(id="disagreements-summary")
        yield VirtualList(lambda i, _w: self.line(self.items[i]), id="disagreements")
        yield QuietFooter()

    def on_mount(self) -> None:
        """Read the articles' texts and list the disagreements."""
        with session_scope(self.telaah.engine) as session:
            self.texts = article_texts(session, [item.article_id for item in self.items])
        counts: dict[str, int] = {}
        for item in self.items:
            counts[item.kind] = counts.get(item.kind, 0) + 1
        detail = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "none"
        self.query_one("#disagreements-summary", Static).update(
            Content.styled(f"{len(self.items)} disagreements", "bold").append(f": {detail}")
        )
        listing = self.query_one(VirtualList)
        listing.reset(len(self.items))
        listing.focus()

    def line(self, item: Disagreement) -> Text:
        """Article, the words at the place, kind, then each reviewer's version (all data)."""
        external_id, text = self.texts.get(item.article_id, (str(item.article_id), ""))
        words = text[item.start : item.end].replace("\n", " ")
        return Text.assemble(
            (visible(external_id)[:16].ljust(17), "dim"),
            (visible(words)[:30].ljust(31), "bold"),
            (f"{item.kind:<6}", KIND_STYLES.get(item.kind, "")),
            visible(f"{self.first}: {version(item.first)}")[:30].ljust(31),
            visible(f"{self.second}: {version(item.second)}")[:30],
        )

    @on(VirtualList.Selected)
    def _selected(self) -> None:
        self.action_adjudicate()

    def action_adjudicate(self) -> None:
        """Settle the article's disagreements, starting on the one under the cursor."""
        index = self.query_one(VirtualList).cursor
        if 0 <= index < len(self.items):
            item = self.items[index]
            self.app.push_screen(AdjudicationScreen(item.article_id, at=item.start))

    def action_open(self) -> None:
        """Open the article of the disagreement under the cursor, on its mention."""
        index = self.query_one(VirtualList).cursor
        if not 0 <= index < len(self.items):
            return
        item = self.items[index]
        span = item.first or item.second
        with session_scope(self.telaah.engine) as session:
            article = get_article(session=session, article_id=item.article_id)
        self.telaah.open_article(article, focus=None if span is None else span.mention_id)

    def action_back(self) -> None:
        """Back to the agreement table."""
        self.dismiss(None)
