"""A read-only view of one article: title, source and date, and the full text."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from store.articles import ArticleView
from tui.widgets.article_table import STATUS_LABELS


def article_meta(article: ArticleView) -> Content:
    """The line under the title: source, date, status, ids and length, all as data."""
    parts = [
        article.source or "no source",
        article.published.isoformat() if article.published else "no date",
        STATUS_LABELS.get(article.status, article.status),
        f"#{article.id} {article.external_id}",
        f"{len(article.text):,} characters",
    ]
    return Content(" · ").join(Content(part) for part in parts).stylize("dim")


class ArticleScreen(Screen[None]):
    """One article, read-only; `escape` or `q` goes back to the list."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="article.back"),
        Binding("q", "back", "Back", show=False, id="article.back_q"),
    ]

    def __init__(self, article: ArticleView) -> None:
        super().__init__()
        self.article = article
        self.sub_title = f"article {article.id}"

    def compose(self) -> ComposeResult:
        """Header, title, metadata line, scrollable text, footer."""
        yield Header()
        yield Static(Content(self.article.title), id="article-title")
        yield Static(article_meta(self.article), id="article-meta")
        with VerticalScroll(id="article-body"):
            yield Static(Content(self.article.text), id="article-text")
        yield Footer()

    def on_mount(self) -> None:
        """Focus the text so the arrow and page keys scroll it."""
        self.query_one("#article-body").focus()

    def action_back(self) -> None:
        """Return to the article list."""
        self.dismiss()
