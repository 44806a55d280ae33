"""The article table: one row per article, filled page by page, asking for more near the end."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from store.articles import ArticleRow

STATUS_STYLES = {"todo": "", "in_progress": "bold yellow", "done": "green"}
STATUS_LABELS = {"todo": "todo", "in_progress": "in progress", "done": "done"}
FIXED_WIDTHS = {"id": 6, "status": 11, "pending": 7, "accepted": 8, "facts": 5,
                "published": 10, "source": 12}
MIN_TITLE_WIDTH = 30


class ArticleTable(DataTable[Text]):
    """Articles keyed by id; posts `NearEnd` when the cursor comes close to the last loaded row.

    It never reads the database: the screen appends pages with `append_rows`.
    """

    BINDINGS = [
        Binding("enter", "select_cursor", "Open", id="articles.open"),
        # Rows, not columns: home/end go to the first/last loaded row.
        Binding("home", "scroll_top", "First", show=False, id="articles.first"),
        Binding("end", "scroll_bottom", "Last", show=False, id="articles.last"),
    ]

    NEAR_END = 50  # rows before the last loaded one at which the next page is asked for

    class NearEnd(Message):
        """The cursor is within `NEAR_END` rows of the last loaded row."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(cursor_type="row", zebra_stripes=True, id=id)
        self.total = 0
        self._ids: set[int] = set()

    def on_mount(self) -> None:
        """Add the columns; the title takes the width the others leave."""
        for name, width in FIXED_WIDTHS.items():
            self.add_column(name, width=width, key=name)
        spare = self.app.size.width - sum(FIXED_WIDTHS.values()) - 2 * (len(FIXED_WIDTHS) + 1) - 2
        self.add_column("title", width=max(MIN_TITLE_WIDTH, spare), key="title")

    @property
    def has_more(self) -> bool:
        """Whether rows of the current listing are still to be loaded."""
        return self.row_count < self.total

    @property
    def wants_more(self) -> bool:
        """Whether more rows exist and the cursor is near the last loaded one."""
        return self.has_more and self.cursor_row >= self.row_count - self.NEAR_END

    @property
    def article_id(self) -> int | None:
        """The id of the article under the cursor, if any."""
        if self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        return int(key.value) if key.value is not None else None

    def move_to(self, article_id: int) -> bool:
        """Put the cursor on an article's row if it is loaded; say whether it was."""
        if article_id not in self._ids:
            return False
        self.move_cursor(row=self.get_row_index(str(article_id)))
        return True

    def reset(self, total: int) -> None:
        """Drop every row; `total` rows exist for the new listing."""
        self.clear()
        self._ids.clear()
        self.total = total

    def append_rows(self, rows: list[ArticleRow]) -> None:
        """Add a page of rows; a row already shown (the listing moved meanwhile) is skipped."""
        for row in rows:
            if row.id in self._ids:
                continue
            self._ids.add(row.id)
            self.add_row(*_cells(row), key=str(row.id))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Opening needs a row."""
        if action == "select_cursor":
            return self.row_count > 0
        return True

    @on(DataTable.RowHighlighted)
    def _ask_for_more(self) -> None:
        if self.wants_more:
            self.post_message(self.NearEnd())


def _cells(row: ArticleRow) -> tuple[Text, ...]:
    """The row's cells; every value is data, so plain `Text`, never markup."""
    return (
        Text(str(row.id), justify="right"),
        Text(STATUS_LABELS.get(row.status, row.status), style=STATUS_STYLES.get(row.status, "")),
        Text(str(row.pending), justify="right", style="yellow" if row.pending else "dim"),
        Text(str(row.accepted), justify="right", style="" if row.accepted else "dim"),
        Text(str(row.facts), justify="right", style="" if row.facts else "dim"),
        Text(row.published.isoformat() if row.published else ""),
        Text(row.source or "", no_wrap=True, overflow="ellipsis"),
        Text(row.title, no_wrap=True, overflow="ellipsis"),
    )
