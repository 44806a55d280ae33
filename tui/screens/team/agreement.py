"""The agreement screen: the `telaah agree` table; `enter` lists a pair's disagreements.

Figures without gamma show at once; gamma (seconds on a large corpus) is computed in a worker
and filled in when ready. Names and labels are data: drawn as `Text`, never markup.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import Header, Static

from store.agreement.load import load_layers
from store.agreement.model import Annotation
from store.agreement.report import ALL, AgreementRow, agreement_table
from store.db import session_scope
from store.textsafe import visible
from tui.screens.base import TelaahScreen
from tui.screens.team.disagreements import DisagreementsScreen
from tui.widgets.footer import QuietFooter
from tui.widgets.virtual_list import VirtualList

HEADER = (
    f"{'reviewers':<24}{'label':<14}{'art.':>5}{'spans':>10}{'exact':>7}{'overlap':>8}"
    f"{'links':>7}{'kappa':>7}{'alpha':>7}{'gamma':>7}"
)


def _figure(value: float | None, *, waiting: bool = False) -> str:
    if waiting:
        return "…"
    return "-" if value is None else f"{value:.2f}"


def row_line(row: AgreementRow, *, gamma_waiting: bool) -> Text:
    """One row of the table, fixed columns; names and labels as data."""
    pair = "all reviewers" if row.first == "*" else f"{row.first} · {row.second}"
    label = "all labels" if row.label == ALL else row.label
    spans = str(row.spans_first) if row.first == "*" else f"{row.spans_first}/{row.spans_second}"
    figures = (
        f"{row.articles:>5}{spans:>10}{_figure(row.exact_f1):>7}{_figure(row.overlap_f1):>8}"
        f"{_figure(row.link_agreement):>7}{_figure(row.kappa):>7}{_figure(row.alpha):>7}"
        f"{_figure(row.gamma, waiting=gamma_waiting):>7}"
    )
    style = "bold" if row.label == ALL else ""
    return Text.assemble(
        (visible(pair)[:23].ljust(24), style), (visible(label)[:13].ljust(14), style), figures
    )


class AgreementScreen(TelaahScreen[None]):
    """Agreement per reviewer pair and label; `enter` drills down to the disagreements."""

    BINDINGS = [
        Binding("escape,q", "back", "Back", id="agreement.back"),
        Binding("enter", "drill", "Disagreements", id="agreement.drill"),
        Binding("r", "reload", "Reload", id="agreement.reload"),
    ]

    class GammaReady(Message):
        """The worker computed the table with gamma."""

        def __init__(self, rows: list[AgreementRow]) -> None:
            super().__init__()
            self.rows = rows

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[AgreementRow] = []
        self.reviewer_layers: list[Annotation] = []
        self.gamma_waiting = False
        self.sub_title = "agreement"

    def compose(self) -> ComposeResult:
        """Header, summary, column heads, the rows, footer."""
        yield Header()
        yield Static(id="agreement-summary")
        yield Static(Content(HEADER), id="agreement-head")
        yield VirtualList(
            lambda i, _w: row_line(self.rows[i], gamma_waiting=self.gamma_waiting),
            id="agreement",
        )
        yield QuietFooter()

    def on_mount(self) -> None:
        """Read the layers and show the table."""
        self.action_reload()
        self.query_one(VirtualList).focus()

    def refresh_view(self) -> None:
        """Back from the drill-down or elsewhere: decisions may have changed."""
        self.action_reload()

    def action_reload(self) -> None:
        """Read every reviewer layer again; figures now, gamma in the background."""
        with session_scope(self.telaah.engine) as session:
            self.reviewer_layers = load_layers(session)
        try:
            self.rows = agreement_table(self.reviewer_layers, with_gamma=False)
        except ModuleNotFoundError as missing:
            self.rows = []
            self.notify(
                f"agreement needs the agree extra: pip install 'telaah[agree]' ({missing.name})",
                severity="error",
                markup=False,
            )
        listing = self.query_one(VirtualList)
        listing.reset(len(self.rows), listing.cursor)
        articles = len({a.article_id for a in self.reviewer_layers})
        reviewers = len({a.reviewer for a in self.reviewer_layers})
        summary = Content.styled(f"{reviewers} reviewers", "bold").append(
            f" · {articles} articles with a reviewer layer · "
            + (
                f"{len(self.rows)} rows; gamma is being computed"
                if self.rows
                else "no article has layers of two reviewers: nothing to compare"
            )
        )
        self.query_one("#agreement-summary", Static).update(summary)
        self.gamma_waiting = bool(self.rows)
        if self.rows:
            self._gamma(list(self.reviewer_layers))

    @work(thread=True, exclusive=True, exit_on_error=False, description="computing gamma")
    def _gamma(self, layers: list[Annotation]) -> None:
        self.post_message(self.GammaReady(agreement_table(layers, with_gamma=True)))

    @on(GammaReady)
    def _gamma_ready(self, event: GammaReady) -> None:
        if [(r.first, r.second, r.label) for r in event.rows] != [
            (r.first, r.second, r.label) for r in self.rows
        ]:
            return  # reloaded meanwhile: a newer worker brings its own
        self.rows = event.rows
        self.gamma_waiting = False
        self.query_one(VirtualList).redraw()
        self.query_one("#agreement-summary", Static).update(
            Content(f"{len(self.rows)} rows; gamma computed")
        )

    @on(VirtualList.Selected)
    def _selected(self) -> None:
        self.action_drill()

    def action_drill(self) -> None:
        """The disagreements of the pair under the cursor (of its label, when it has one)."""
        index = self.query_one(VirtualList).cursor
        if not 0 <= index < len(self.rows):
            return
        row = self.rows[index]
        if row.first == "*":
            self.notify("choose a pair of reviewers", timeout=2, markup=False)
            return
        label = None if row.label == ALL else row.label
        screen = DisagreementsScreen(self.reviewer_layers, row.first, row.second, label)
        self.app.push_screen(screen)

    def action_back(self) -> None:
        """Back to where the screen was opened."""
        self.dismiss(None)
