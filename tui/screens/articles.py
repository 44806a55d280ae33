"""The article list: counts, a table filled page by page, filters by status."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from store.articles import count_articles, get_article, list_articles
from store.db import Engine, session_scope
from store.errors import TelaahError
from store.mentions import last_position
from store.stats import corpus_stats, decisions_since, start_of_today
from tui.screens.article import ArticleScreen
from tui.widgets.article_table import STATUS_LABELS, ArticleTable

PAGE = 200
SCAN = 1000  # rows per query when looking for an article's neighbour
EMPTY_HINT = ("No articles yet.\n\nRun `telaah import PATH` to import .txt, .jsonl or .csv files,"
              "\nor `telaah demo` to open the sample corpus.")


class ArticlesScreen(Screen[None]):
    """Every article (or those of one status), loaded `PAGE` rows at a time."""

    BINDINGS = [
        Binding("1", "filter('todo')", "To do", id="articles.filter_todo"),
        Binding("2", "filter('in_progress')", "In progress", id="articles.filter_in_progress"),
        Binding("3", "filter('done')", "Done", id="articles.filter_done"),
        Binding("0", "filter('')", "All", id="articles.filter_all"),
        Binding("r", "reload", "Reload", id="articles.reload"),
        Binding("slash", "search", "Search", id="articles.search"),
    ]

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine
        self.status: str | None = None
        self.fetched = 0  # rows fetched so far for the current listing
        self.counts: dict[str, int] = {}
        self.search: str | None = None
        self.decisions_today = 0
        self.reviewed: int | None = None  # the article last shown by the review screen

    def compose(self) -> ComposeResult:
        """Header, counts, the table (or the hint when there is nothing to show), footer."""
        yield Header()
        yield Static(id="counts")
        yield Input(placeholder="search title and text: words, \"a phrase\", prefix*  "
                    "(enter: search, escape: clear)", id="search")
        yield ArticleTable(id="articles")
        yield Static(id="hint")
        yield Footer()

    def on_mount(self) -> None:
        """Load the first page, then reopen where the reviewer stopped, if not done there."""
        self.query_one("#search", Input).display = False
        self.reload()
        reviewer_id = getattr(self.app, "reviewer_id", None)
        if reviewer_id is None:
            return
        with session_scope(self.engine) as session:
            where = last_position(session=session, reviewer_id=reviewer_id)
            article = get_article(session=session, article_id=where[0]) if where else None
        if where and article is not None and article.status != "done":
            self.reviewing(article.id)
            self.app.push_screen(ArticleScreen(article, self, focus=where[1]))

    @property
    def table(self) -> ArticleTable:
        """The article table."""
        return self.query_one(ArticleTable)

    def on_screen_resume(self) -> None:
        """Back from an article: its counts changed, so read them again, cursor kept."""
        reviewed, self.reviewed = self.reviewed, None
        if self.table.row_count:
            self.reload(keep=reviewed)

    def neighbour(self, article_id: int, step: int) -> int | None:
        """The article after (`step` 1) or before (-1) `article_id` in the current listing.

        Read from the store (not the loaded rows), in the listing's order (by id), so it works
        even when `article_id` itself has left the listing (its status changed meanwhile).
        """
        before: int | None = None
        offset = 0
        with session_scope(self.engine) as session:
            while True:
                rows = list_articles(session=session, status=self.status, limit=SCAN,
                                     offset=offset, search=self.search)
                for row in rows:
                    if row.id > article_id:
                        return row.id if step > 0 else before
                    if row.id < article_id:
                        before = row.id
                if len(rows) < SCAN:
                    return None if step > 0 else before
                offset += len(rows)

    def reviewing(self, article_id: int) -> None:
        """The review screen shows `article_id`: the cursor goes there on the way back."""
        self.reviewed = article_id

    def reload(self, keep: int | None = None) -> None:
        """Count again and load the current listing's first page.

        The cursor stays on its row, or goes to the article `keep` if that is given.
        """
        current = keep if keep is not None else self.table.article_id
        reviewer_id = getattr(self.app, "reviewer_id", None)
        with session_scope(self.engine) as session:
            self.counts = corpus_stats(session=session).articles
            total = count_articles(session=session, status=self.status, search=self.search)
            if reviewer_id is not None:
                self.decisions_today = decisions_since(session=session, reviewer_id=reviewer_id,
                                                       since=start_of_today())
        self.table.reset(total)
        self.fetched = 0
        self.load_page()
        while current is not None and not self.table.move_to(current) and self.table.has_more:
            self.load_page()
        self._show_state()

    def load_page(self) -> None:
        """Append the next page of the current listing, if any is left."""
        table = self.table
        if not table.has_more:
            return
        with session_scope(self.engine) as session:
            rows = list_articles(session=session, status=self.status, limit=PAGE,
                                 offset=self.fetched, search=self.search)
        self.fetched += len(rows)
        if not rows:
            table.total = table.row_count  # fewer than counted: some were removed meanwhile
        table.append_rows(rows)
        self._show_counts()

    @on(ArticleTable.NearEnd)
    def _load_more(self) -> None:
        if self.table.wants_more:
            self.load_page()

    @on(ArticleTable.RowSelected)
    def _open(self, event: ArticleTable.RowSelected) -> None:
        if event.row_key.value is None:
            return
        try:
            with session_scope(self.engine) as session:
                article = get_article(session=session, article_id=int(event.row_key.value))
        except TelaahError as exc:
            self.notify(str(exc), title="Cannot open article", severity="error", markup=False)
            return
        self.app.push_screen(ArticleScreen(article, self))

    def action_filter(self, status: str) -> None:
        """Show only articles of `status` ('' for all), from the top."""
        self.status = status or None
        self.reload()

    def action_search(self) -> None:
        """Show the search box and put the cursor in it."""
        box = self.query_one("#search", Input)
        box.display = True
        box.focus()

    @on(Input.Submitted, "#search")
    def _search(self, event: Input.Submitted) -> None:
        self.search = event.value.strip() or None
        self.reload()

    def key_escape(self) -> None:
        """Escape in the search box clears the search and hides it."""
        box = self.query_one("#search", Input)
        if box.has_focus:
            box.value = ""
            box.display = False
            if self.search is not None:
                self.search = None
                self.reload()
            self.table.focus()

    def action_reload(self) -> None:
        """Read the counts and the first page again."""
        self.reload()
        self.notify("Reloaded", timeout=2, markup=False)

    def _show_counts(self) -> None:
        total = sum(self.counts.values())
        parts = [Content.styled(f"{total:,} articles", "bold"),
                 Content(f"done {self.counts.get('done', 0):,}/{total:,}")]
        parts += [Content(f"{STATUS_LABELS.get(k, k)} {v:,}") for k, v in self.counts.items()
                  if k != "done"]
        parts.append(Content(f"{self.decisions_today:,} decisions today"))
        shown = "all" if self.status is None else STATUS_LABELS[self.status]
        if self.search:
            parts.append(Content("search: ").append(Content(self.search).stylize("bold")))
        table = self.table
        parts.append(Content(f"showing {shown}: {table.row_count:,} of {table.total:,} loaded")
                     .stylize("dim"))
        self.query_one("#counts", Static).update(Content("   ").join(parts))

    def _show_state(self) -> None:
        empty = self.table.row_count == 0
        self.set_class(empty, "-empty")
        if sum(self.counts.values()) == 0:
            hint = EMPTY_HINT
        else:
            shown = STATUS_LABELS.get(self.status or "", "")
            hint = f"No articles with status {shown}.\n\nPress 0 to show all."
        self.query_one("#hint", Static).update(Content(hint))
        self._show_counts()
        if not empty:
            self.table.focus()
