"""The article list: counts, a window of the listing page by page, filters, search, sorts."""

from __future__ import annotations

from typing import TypedDict

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import Header, Input, Static

from store.corpus.ahead import IdsAhead
from store.corpus.articles import (
    SORTS,
    count_articles,
    count_by_status,
    count_listing,
    get_article,
    last_articles,
    list_articles,
    listing_position,
    neighbour_article,
)
from store.corpus.search import search_problem
from store.corpus.stats import decisions_since, start_of_today
from store.db import session_scope
from store.review.mentions import last_position
from store.textsafe import visible
from tui.screens.base import TelaahScreen
from tui.screens.review import ArticleScreen
from tui.widgets.article_table import STATUS_LABELS, ArticleTable
from tui.widgets.footer import QuietFooter

PAGE = 200
SORT_ORDER = tuple(SORTS)  # what `s` cycles through
EMPTY_HINT = (
    "No articles yet.\n\nRun `telaah import PATH` to import .txt, .jsonl or .csv files,"
    "\nor `telaah demo` to open the sample corpus."
)


class Listing(TypedDict):
    """What the table lists, as the store's listing functions take it."""

    status: str | None
    search: str | None
    sort: str
    descending: bool
    min_score: float | None  # pending counts leave out what the threshold hides
    reviewer_id: int | None  # their assignments first, with what they see of each


class ArticlesScreen(TelaahScreen[None]):
    """Every article (or those of one status, or matching a search), in a chosen order.

    The table holds a window of a few pages; pages are read by keyset as the cursor nears
    either end of the window, and `home`/`end` read the listing's first or last page.
    """

    class EndCounted(Message):
        """The exact count of a listing whose last page `end` showed under an estimate."""

        def __init__(self, listing: Listing, total: int) -> None:
            super().__init__()
            self.listing = listing
            self.total = total

    BINDINGS = [
        Binding("1", "filter('todo')", "To do", id="articles.filter_todo"),
        Binding("2", "filter('in_progress')", "In progress", id="articles.filter_in_progress"),
        Binding("3", "filter('done')", "Done", id="articles.filter_done"),
        Binding("0", "filter('')", "All", id="articles.filter_all"),
        Binding("r", "reload", "Reload", id="articles.reload"),
        Binding("slash", "search", "Search", id="articles.search"),
        Binding("s", "sort", "Sort", id="articles.sort"),
        Binding("S", "reverse", "Reverse", show=False, id="articles.reverse"),
        Binding("v", "show_all", "Show/hide doubtful", show=False, id="articles.show_all"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.status: str | None = None
        self.sort = "id"
        self.descending = False
        self.counts: dict[str, int] = {}
        self.search: str | None = None
        self.decisions_today = 0
        self.counted = 0  # the listing's count as last read (a search's stops at 10,000)
        self.reviewed: int | None = None  # the article last shown by the review screen
        self.counting: Listing | None = None  # the listing whose end a worker is counting
        # The ids of a search's next pages, read with one of its pages (`store.corpus.ahead`):
        # a listing's first page and a page past them read afresh.
        self.ahead = IdsAhead()

    def compose(self) -> ComposeResult:
        """Header, counts, the table (or the hint when there is nothing to show), footer."""
        yield Header()
        yield Static(id="counts")
        yield Input(
            placeholder='search title and text: words, "a phrase", pre* (3 letters or more)  '
            "(enter: search, escape: clear)",
            id="search",
        )
        yield ArticleTable(id="articles")
        yield Static(id="hint")
        yield QuietFooter()

    def on_mount(self) -> None:
        """Load the first page, then reopen where the reviewer stopped, if not done there."""
        self.query_one("#search", Input).display = False
        self.reload()
        with session_scope(self.telaah.engine) as session:
            where = last_position(session=session, reviewer_id=self.telaah.reviewer_id)
            article = get_article(session=session, article_id=where[0]) if where else None
        if where and article is not None and article.status != "done":
            self.reviewing(article.id)
            self.app.push_screen(ArticleScreen(article, self, focus=where[1]))

    @property
    def table(self) -> ArticleTable:
        """The article table."""
        return self.query_one(ArticleTable)

    def refresh_view(self) -> None:
        """Back from an article: its counts changed, so read them again, cursor kept."""
        reviewed, self.reviewed = self.reviewed, None
        if self.table.row_count:
            self.reload(keep=reviewed)

    def neighbour(self, article_id: int, step: int) -> int | None:
        """The article after (`step` 1) or before (-1) `article_id` in the current listing.

        Read from the store (not the loaded rows), in the listing's order, filter and search,
        so it works even when `article_id` itself has left the listing (its status changed).
        """
        with session_scope(self.telaah.engine) as session:
            return neighbour_article(
                session=session, article_id=article_id, step=step, **self._listing()
            )

    def _listing(self) -> Listing:
        return {
            "status": self.status,
            "search": self.search,
            "sort": self.sort,
            "descending": self.descending,
            "min_score": None if self.telaah.show_all else self.telaah.min_score,
            "reviewer_id": self.telaah.reviewer_id,
        }

    def reviewing(self, article_id: int) -> None:
        """The review screen shows `article_id`: the cursor goes there on the way back."""
        self.reviewed = article_id

    def reload(self, keep: int | None = None) -> None:
        """Count again and load the page of the current listing around the cursor's article.

        The cursor stays on its article (or goes to `keep` if given); if that article left
        the listing, on the one that now follows it; else on the first row.
        """
        table = self.table
        current = keep if keep is not None else table.article_id
        listing = self._listing()
        with session_scope(self.telaah.engine) as session:
            self.counts = count_by_status(session=session)
            # A search's count stops at ESTIMATE_AT matches ("10,000+"), and so does a row's
            # position in its results: nothing here reads every match of a common word.
            total = count_listing(
                session=session,
                status=self.status,
                search=self.search,
                reviewer_id=self.telaah.reviewer_id,
            )
            self.decisions_today = decisions_since(
                session=session, reviewer_id=self.telaah.reviewer_id, since=start_of_today()
            )
            at = None
            if current is not None:
                at = listing_position(session=session, article_id=current, **listing)
                if at is None:
                    after = neighbour_article(
                        session=session, article_id=current, step=1, **listing
                    )
                    at = (
                        None
                        if after is None
                        else listing_position(session=session, article_id=after, **listing)
                    )
            # By keyset around the article (half a page before it), never by a long offset.
            back = (
                []
                if at is None or current is None
                else list_articles(
                    session=session, limit=PAGE // 2, before=current, ahead=self.ahead, **listing
                )
            )
            rows = list_articles(
                session=session,
                limit=PAGE - len(back),
                after=back[-1].id if back else None,
                ahead=self.ahead,
                **listing,
            )
        first = 0 if at is None else max(0, at.value - len(back))
        self.counted = total.value
        table.show(
            first,
            back + rows,
            total=total.value,
            exact=total.exact,
            placed=at is None or at.exact,
            cursor=0 if at is None else len(back),
        )
        table.set_sort(self.sort, self.descending)
        self._show_state()

    def load_page(self, forward: bool = True) -> None:
        """Add the page after (or before) the window, if the listing goes on that way."""
        table = self.table
        if not (table.has_more if forward else table.has_before) or not table.loaded:
            return
        mark = table.loaded[-1 if forward else 0].id
        with session_scope(self.telaah.engine) as session:
            rows = list_articles(
                session=session,
                limit=PAGE,
                after=mark if forward else None,
                before=None if forward else mark,
                ahead=self.ahead,
                **self._listing(),
            )
        if forward:
            table.extend(rows)
        else:
            table.extend_front(rows)
        self._show_counts()

    @on(ArticleTable.NearEnd)
    def _load_more(self) -> None:
        if self.table.wants_more:
            self.load_page()

    @on(ArticleTable.NearStart)
    def _load_before(self) -> None:
        if self.table.wants_before:
            self.load_page(forward=False)

    @on(ArticleTable.Jump)
    def _jump(self, event: ArticleTable.Jump) -> None:
        """Read the listing's first or last page (the last by reverse order: no offset).

        The last page of an estimated listing (a search past "10,000+") is shown at once, its
        rows numbered as lower bounds; its exact count (seconds for a common phrase at a
        million articles) is made in a worker and renumbers them when it comes.
        """
        table = self.table
        listing = self._listing()
        with session_scope(self.telaah.engine) as session:
            if event.to_end:
                rows = last_articles(session=session, limit=PAGE, **listing)
            else:
                rows = list_articles(session=session, limit=PAGE, ahead=self.ahead, **listing)
        estimated = event.to_end and not table.exact
        if event.to_end:
            first = max(0, table.total - len(rows))
            table.show(first, rows, exact=True, placed=not estimated, cursor=len(rows) - 1)
        elif table.placed:
            table.show(0, rows, placed=True, cursor=0)
        else:  # from rows numbered as lower bounds (past the count): its estimate again
            table.show(0, rows, total=self.counted, exact=False, placed=True, cursor=0)
        self.counting = None
        if estimated and rows:
            self.counting = listing
            self._count_to_end(listing)
        self._show_counts()

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="end-count",
        description="counting the listing's matches",
    )
    def _count_to_end(self, listing: Listing) -> None:
        with session_scope(self.telaah.engine) as session:
            total = count_articles(
                session=session,
                status=listing["status"],
                search=listing["search"],
                reviewer_id=listing["reviewer_id"],
            )
        self.post_message(self.EndCounted(listing, total))

    @on(EndCounted)
    def _end_counted(self, event: EndCounted) -> None:
        """Number the last page's rows exactly, if it is still shown for that listing."""
        table = self.table
        if event.listing != self.counting:
            return  # a newer jump counts its own
        self.counting = None
        if event.listing != self._listing() or table.placed or table.has_more:
            self._show_counts()
            return  # searched, filtered or paged since: a later read says
        first = max(0, event.total - len(table.loaded))
        self.counted = event.total
        table.show(first, table.loaded, total=event.total, exact=True, placed=True)
        self._show_counts()

    @on(ArticleTable.HeaderSelected)
    def _sort_by_header(self, event: ArticleTable.HeaderSelected) -> None:
        name = str(event.column_key.value)
        if name in SORTS:
            self.set_sort(name, not self.descending if name == self.sort else False)

    def action_sort(self) -> None:
        """Sort by the next column (id, title, source, published, status, counts)."""
        position = SORT_ORDER.index(self.sort) if self.sort in SORT_ORDER else -1
        self.set_sort(SORT_ORDER[(position + 1) % len(SORT_ORDER)], False)

    def action_reverse(self) -> None:
        """Reverse the current order."""
        self.set_sort(self.sort, not self.descending)

    def set_sort(self, sort: str, descending: bool) -> None:
        """Order the listing by `sort` (ties by id), the cursor kept on its article."""
        self.sort, self.descending = sort, descending
        self.reload()

    @on(ArticleTable.RowSelected)
    def _open(self, event: ArticleTable.RowSelected) -> None:
        if event.row_key.value is None:
            return
        article_id = int(event.row_key.value)
        opened = self.store(
            lambda session: get_article(session=session, article_id=article_id),
            title="Cannot open article",
        )
        if opened.value is not None:
            self.app.push_screen(ArticleScreen(opened.value, self))

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
        problem = search_problem(event.value)
        if problem is not None:  # a prefix too short: the box stays, to be written again
            self.notify(problem, severity="error", markup=False)
            return
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

    def action_show_all(self) -> None:
        """Count the candidates scored under the threshold as pending, or not (as `v` in the
        review screen, for every screen)."""
        telaah = self.telaah
        telaah.show_all = not telaah.show_all
        self.reload()
        what = "counting" if telaah.show_all else "not counting"
        self.notify(f"{what} candidates scored under {telaah.min_score:g}", timeout=2, markup=False)

    def action_reload(self) -> None:
        """Read the counts and the first page again."""
        self.reload()
        self.notify("Reloaded", timeout=2, markup=False)

    def _show_counts(self) -> None:
        total = sum(self.counts.values())
        parts = [
            Content.styled(f"{total:,} articles", "bold"),
            Content(f"done {self.counts.get('done', 0):,}/{total:,}"),
        ]
        parts += [
            Content(f"{STATUS_LABELS.get(k, k)} {v:,}")
            for k, v in self.counts.items()
            if k != "done"
        ]
        parts.append(Content(f"{self.decisions_today:,} decisions today"))
        shown = "all" if self.status is None else STATUS_LABELS[self.status]
        if self.search:
            parts.append(Content("search: ").append(Content(visible(self.search)).stylize("bold")))
        table = self.table
        arrow = "▼" if self.descending else "▲"
        more = "" if table.exact else "+"  # "10,000+": the search's count, an estimate
        rows = (
            f"rows {table.first + 1:,}-{table.last:,} of {table.total:,}{more}"
            if table.loaded
            else "no rows"
        )
        if table.loaded and not table.placed:  # the cursor's row is past the count
            rows = (
                f"the last {len(table.loaded):,} rows of {self.counted:,}+ (counting)"
                if self.counting == self._listing() and not table.has_more
                else f"rows past {self.counted:,} of {self.counted:,}+"
            )
        parts.append(Content(f"{shown} by {self.sort} {arrow}: {rows}").stylize("dim"))
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
