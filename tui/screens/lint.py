"""The lint view: what `telaah gazetteer lint` finds, one finding a line; `enter` goes to it."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Header, Static

from store.db import session_scope
from store.gazetteer.lint import Finding, lint_gazetteer
from store.textsafe import visible
from tui.screens.base import TelaahScreen
from tui.widgets.footer import QuietFooter
from tui.widgets.virtual_list import VirtualList

KIND_STYLES = {
    "ambiguous": "yellow",
    "near-duplicate": "magenta",
    "noisy": "red",
    "common-word": "red",
    "short": "dim",
    "blank": "bold red",
    "unknown-type": "bold red",
    "bad-redirect": "bold red",
}


def finding_line(finding: Finding) -> Text:
    """A finding: its kind, then its message (data, never markup)."""
    return Text.assemble(
        (f"{finding.kind:<15}", KIND_STYLES.get(finding.kind, "")), visible(finding.message)
    )


class LintScreen(TelaahScreen[str | None]):
    """Every lint finding; `enter` closes it with the finding's first entity key."""

    BINDINGS = [
        Binding("escape,q", "back", "Back", id="lint.back"),
        Binding("enter", "choose", "Go to entity", id="lint.choose"),
        Binding("r", "reload", "Run again", id="lint.reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.findings: list[Finding] = []
        self.sub_title = "gazetteer lint"

    def compose(self) -> ComposeResult:
        """Header, a summary, the findings, footer."""
        yield Header()
        yield Static(id="lint-summary")
        yield VirtualList(lambda i, _w: finding_line(self.findings[i]), id="lint")
        yield QuietFooter()

    def on_mount(self) -> None:
        """Run the lint."""
        self.action_reload()
        self.query_one(VirtualList).focus()

    def action_reload(self) -> None:
        """Run the lint again (after edits)."""
        with session_scope(self.telaah.engine) as session:
            self.findings = lint_gazetteer(session=session)
        self.query_one(VirtualList).reset(len(self.findings))
        kinds: dict[str, int] = {}
        for finding in self.findings:
            kinds[finding.kind] = kinds.get(finding.kind, 0) + 1
        summary = ", ".join(f"{n} {kind}" for kind, n in kinds.items()) or "nothing found"
        self.query_one("#lint-summary", Static).update(
            Content.styled(f"{len(self.findings)} findings: ", "bold").append(summary)
        )

    @on(VirtualList.Selected)
    def _selected(self) -> None:
        self.action_choose()

    def action_choose(self) -> None:
        """Back to the gazetteer, on the finding's (first) entity."""
        index = self.query_one(VirtualList).cursor
        if 0 <= index < len(self.findings):
            self.dismiss(self.findings[index].keys[0])

    def action_back(self) -> None:
        """Back to the gazetteer."""
        self.dismiss(None)
