"""The article table: a window of a few pages of a listing, asking for more near either end."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual._two_way_dict import TwoWayDict
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import CellKey, RowKey

from store.corpus.articles import ArticleRow
from store.textsafe import visible

STATUS_STYLES = {"todo": "", "in_progress": "bold yellow", "done": "green"}
STATUS_LABELS = {"todo": "todo", "in_progress": "in progress", "done": "done"}
FIXED_WIDTHS = {
    "id": 6,
    "status": 11,
    "pending": 7,
    "accepted": 8,
    "facts": 5,
    "published": 10,
    "source": 12,
}
MIN_TITLE_WIDTH = 30


class ArticleTable(DataTable[Text]):
    """A window of at most `WINDOW` rows of a listing of `total` articles, keyed by id.

    Row 0 is the listing's row `first`. When the cursor comes within `NEAR` rows of either
    end of the window and the listing goes on, it posts `NearEnd` or `NearStart`; `home` and
    `end` post `Jump`. It never reads the database: the screen hands it pages.
    """

    BINDINGS = [
        Binding("enter", "select_cursor", "Open", id="articles.open"),
        # Not g/G: `g` is the app's key for the gazetteer.
        Binding("home,ctrl+home", "jump(False)", "First", show=False, id="articles.first"),
        Binding("end,ctrl+end", "jump(True)", "Last", show=False, id="articles.last"),
    ]

    NEAR = 50  # rows from either end of the window at which the next page is asked for
    NEAR_END = NEAR
    WINDOW = 600  # rows kept at most; pages beyond are dropped

    class NearEnd(Message):
        """The cursor is within `NEAR` rows of the window's last row, and more rows follow."""

    class NearStart(Message):
        """The cursor is within `NEAR` rows of the window's first row, and rows precede it."""

    class Jump(Message):
        """The reviewer asked for the listing's first (`to_end` False) or last row."""

        def __init__(self, to_end: bool) -> None:
            super().__init__()
            self.to_end = to_end

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(cursor_type="row", zebra_stripes=True, id=id)
        self.total = 0
        self.exact = True  # False: `total` is a lower bound (a search's "10,000+")
        self.placed = True  # False: `first` is a lower bound (past a search's count)
        self.first = 0  # the listing's index of row 0
        self.loaded: list[ArticleRow] = []

    def on_mount(self) -> None:
        """Add the columns; the title takes the width the others leave."""
        for name, width in FIXED_WIDTHS.items():
            self.add_column(name, width=width, key=name)
        spare = self.app.size.width - sum(FIXED_WIDTHS.values()) - 2 * (len(FIXED_WIDTHS) + 1) - 2
        self.add_column("title", width=max(MIN_TITLE_WIDTH, spare), key="title")

    @property
    def last(self) -> int:
        """The listing's index just after the window's last row."""
        return self.first + len(self.loaded)

    @property
    def has_more(self) -> bool:
        """Whether rows of the listing follow the window (perhaps, past an estimated count:
        the next page says)."""
        return self.last < self.total or not self.exact

    @property
    def has_before(self) -> bool:
        """Whether rows of the listing precede the window (perhaps, when `first` is only a
        lower bound)."""
        return self.first > 0 or not self.placed

    @property
    def wants_more(self) -> bool:
        """Whether more rows exist and the cursor is near the window's last row."""
        return self.has_more and self.cursor_row >= self.row_count - self.NEAR

    @property
    def wants_before(self) -> bool:
        """Whether earlier rows exist and the cursor is near the window's first row."""
        return self.has_before and self.cursor_row < self.NEAR

    @property
    def article_id(self) -> int | None:
        """The id of the article under the cursor, if any."""
        if not self.loaded:
            return None
        return self.loaded[min(self.cursor_row, len(self.loaded) - 1)].id

    def set_sort(self, sort: str, descending: bool) -> None:
        """Mark the sorted column's header with the direction."""
        for key, column in self.columns.items():
            name = str(key.value)
            arrow = (" ▼" if descending else " ▲") if name == sort else ""
            column.label = Text(name + arrow, style="bold" if arrow else "")
        self._clear_caches()
        self.refresh()

    def move_to(self, article_id: int) -> bool:
        """Put the cursor on an article's row if it is loaded; say whether it was."""
        for index, row in enumerate(self.loaded):
            if row.id == article_id:
                self.move_cursor(row=index)
                return True
        return False

    def reset(self, total: int) -> None:
        """Drop every row; `total` rows exist for the new listing."""
        self.show(0, [], total=total)

    def show(
        self,
        first: int,
        rows: list[ArticleRow],
        *,
        total: int | None = None,
        exact: bool | None = None,
        placed: bool | None = None,
        cursor: int | None = None,
    ) -> None:
        """Show `rows` as the listing's rows from `first` on, the cursor on row `cursor`.

        `cursor` is an index into `rows`; None keeps the cursor on its article if it is
        still shown, else on the same line. `exact` False: `total` is only a lower bound;
        `placed` False: so is `first` (None keeps what was said before).
        """
        if total is not None:
            self.total = total
        if exact is not None:
            self.exact = exact
        if placed is not None:
            self.placed = placed
        current, line = self.article_id, self.cursor_row - round(self.scroll_y)
        rows = _unique(rows)[: self.WINDOW]
        self.first, self.loaded = first, rows
        if first + len(rows) > self.total or (not rows and first == 0):
            self.total = first + len(rows)  # the listing changed since it was counted
            self.exact = self.exact or not rows
        if cursor is None:
            ids = [row.id for row in rows]
            cursor = ids.index(current) if current in ids else self.cursor_row
        self.clear()
        for row in rows:
            self.add_row(*_cells(row), key=str(row.id))
        if rows:
            cursor = max(0, min(cursor, len(rows) - 1))
            self.move_cursor(row=cursor, scroll=False)
            # Keep the cursor on the same line of the screen when the window moves.
            self.call_after_refresh(self._scroll_to_line, cursor, line)
        self.refresh_bindings()

    def extend(self, rows: list[ArticleRow]) -> None:
        """Add a page after the window, dropping rows from its start beyond `WINDOW`.

        Only the new rows are added and measured; the dropped ones are removed.
        """
        ids = {row.id for row in self.loaded}
        page = [row for row in _unique(rows) if row.id not in ids]
        if not page:
            self.total = self.last  # nothing followed after all
            self.exact = True  # the end is reached (its index is a lower bound if not `placed`)
            return
        cursor, line = self.cursor_row, self.cursor_row - round(self.scroll_y)
        for row in page:
            self.add_row(*_cells(row), key=str(row.id))
        drop = max(0, len(self.loaded) + len(page) - self.WINDOW)
        gone = self.loaded[:drop]
        self.first += drop
        self.loaded = self.loaded[drop:] + page
        self._reorder(gone)
        self.total = max(self.total, self.last)
        self._moved(cursor - drop, line)

    def extend_front(self, rows: list[ArticleRow]) -> None:
        """Add a page before the window, dropping rows from its end beyond `WINDOW`."""
        ids = {row.id for row in self.loaded}
        page = [row for row in _unique(rows) if row.id not in ids]
        if not page:
            self.first = 0  # nothing preceded after all
            self.placed = True
            return
        cursor, line = self.cursor_row, self.cursor_row - round(self.scroll_y)
        for row in page:
            self.add_row(*_cells(row), key=str(row.id))
        keep = max(0, self.WINDOW - len(page))
        gone = self.loaded[keep:]
        self.first = max(0, self.first - len(page))
        self.loaded = page + self.loaded[:keep]
        self._reorder(gone)  # add_row appended the page: it goes first
        self._moved(cursor + len(page), line)

    def _reorder(self, gone: list[ArticleRow]) -> None:
        """Drop the rows of `gone` and put the rest in the order of `loaded`, in one pass.

        `DataTable.remove_row` renumbers every row and repaints per call (about 5 ms a row
        here); this does what it does for a whole page at once. It reaches into DataTable's
        internals, which is why Textual is pinned: check it when upgrading.
        """
        for row in gone:
            key = RowKey(str(row.id))
            for column_key in self._data.get(key, {}):
                self._updated_cells.discard(CellKey(key, column_key))
            self._new_rows.discard(key)
            self.rows.pop(key, None)
            self._data.pop(key, None)
        self._row_locations = TwoWayDict(
            {RowKey(str(row.id)): index for index, row in enumerate(self.loaded)}
        )
        self._require_update_dimensions = True
        self._update_count += 1
        self._clear_caches()
        self.check_idle()
        self.refresh(layout=True)

    def _moved(self, cursor: int, line: int) -> None:
        """The window moved under the cursor: keep it on its row and on its screen line."""
        cursor = max(0, min(cursor, len(self.loaded) - 1))
        self.move_cursor(row=cursor, scroll=False)
        self.call_after_refresh(self._scroll_to_line, cursor, line)
        self.refresh_bindings()

    def _scroll_to_line(self, cursor: int, line: int) -> None:
        height = self.scrollable_content_region.height - (
            self.header_height if self.show_header else 0
        )
        line = max(0, min(line, height - 1))
        self.scroll_to(y=max(0, cursor - line), animate=False, immediate=True)

    def action_jump(self, to_end: bool) -> None:
        """Go to the listing's first or last row: here if loaded, else ask the screen."""
        if to_end and not self.has_more:
            self.move_cursor(row=self.row_count - 1)
        elif not to_end and not self.has_before:
            self.move_cursor(row=0)
        else:
            self.post_message(self.Jump(to_end))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Opening needs a row."""
        if action == "select_cursor":
            return self.row_count > 0
        return True

    @on(DataTable.RowHighlighted)
    def _ask_for_more(self) -> None:
        if self.wants_more:
            self.post_message(self.NearEnd())
        elif self.wants_before:
            self.post_message(self.NearStart())


def _unique(rows: list[ArticleRow]) -> list[ArticleRow]:
    seen: set[int] = set()
    unique = []
    for row in rows:
        if row.id not in seen:
            seen.add(row.id)
            unique.append(row)
    return unique


def _cells(row: ArticleRow) -> tuple[Text, ...]:
    """The row's cells; every value is data, so plain `Text`, never markup."""
    return (
        Text(str(row.id), justify="right"),
        Text(STATUS_LABELS.get(row.status, row.status), style=STATUS_STYLES.get(row.status, "")),
        Text(str(row.pending), justify="right", style="yellow" if row.pending else "dim"),
        Text(str(row.accepted), justify="right", style="" if row.accepted else "dim"),
        Text(str(row.facts), justify="right", style="" if row.facts else "dim"),
        Text(row.published.isoformat() if row.published else ""),
        Text(visible(row.source or ""), no_wrap=True, overflow="ellipsis"),
        Text(visible(row.title), no_wrap=True, overflow="ellipsis"),
    )
