"""The state of the two span modes: edit a mention's boundaries, or mark a new span.

Plain state and moves by code-point offsets, no widgets: `ArticleText` draws it and binds keys.
Edit mode: the span `start`-`end` with one active edge that the keys move. Mark mode: a text
cursor between characters (drawn on the character after it) and, after `v`, an anchor: the
selection is the text between the anchor and the cursor.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence

from textual.content import Content, Span

from store.corpus.phrases import WORD, phrase_end
from store.textsafe import visible
from tui.widgets.text_layout import (
    next_char,
    next_word_end,
    next_word_start,
    previous_char,
    previous_word_end,
    previous_word_start,
    word_at,
)

EDIT_STYLE = "reverse"
EDGE_STYLE = "not reverse bold #000000 on #ffcc00"
CURSOR_STYLE = "not reverse bold #000000 on #ffcc00"
SELECTION_STYLE = "not reverse not strike #ffffff on #3465a4"
KEY_STYLE = "bold"
PREVIEW = 60  # characters of the span shown in the status line


class SpanCursor:
    """Where the edges, the cursor and the selection are; None of them outside a mode."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.mode: str | None = None  # "edit", "mark" or None
        self.mention_id: int | None = None
        self.start = self.end = 0  # the edited span
        self.edge = "end"  # the edge the keys move: "start" or "end"
        self.position = 0  # the mark cursor
        self.anchor: int | None = None
        self.goal_x: int | None = None  # the column up/down keep

    def start_edit(self, mention_id: int, start: int, end: int) -> None:
        """Edit the span `start`-`end` of a mention, its end edge active first."""
        self.mode, self.mention_id, self.start, self.end = "edit", mention_id, start, end
        self.edge = "end"

    def start_mark(self, offset: int) -> None:
        """A cursor at `offset`, no selection."""
        self.mode, self.anchor, self.goal_x = "mark", None, None
        self.position = max(0, min(len(self.text), offset))

    def leave(self) -> None:
        """No mode any more."""
        self.mode, self.mention_id, self.anchor, self.goal_x = None, None, None, None

    @property
    def edit(self) -> tuple[int, int, int] | None:
        """(mention id, start, end) being edited, in edit mode."""
        if self.mode != "edit" or self.mention_id is None:
            return None
        return self.mention_id, self.start, self.end

    @property
    def selection(self) -> tuple[int, int] | None:
        """The selected (start, end) in mark mode, if a non-empty selection exists."""
        if self.mode != "mark" or self.anchor is None or self.anchor == self.position:
            return None
        return min(self.anchor, self.position), max(self.anchor, self.position)

    @property
    def focus_offset(self) -> int | None:
        """The offset to keep in view: the cursor or the active edge."""
        if self.mode == "mark":
            return self.position
        if self.mode == "edit":
            return self.start if self.edge == "start" else self.end
        return None

    def put(self, offset: int, *, keep_goal: bool = False, drop_anchor: bool = False) -> None:
        """Move the mark cursor to `offset`."""
        self.position = max(0, min(len(self.text), offset))
        if not keep_goal:
            self.goal_x = None
        if drop_anchor:
            self.anchor = None

    def toggle_anchor(self) -> None:
        """Start a selection at the cursor, or drop it."""
        self.anchor = self.position if self.anchor is None else None

    def switch_edge(self) -> None:
        """The other edge becomes the one the keys move."""
        self.edge = "start" if self.edge == "end" else "end"

    def by_char(self, step: int) -> None:
        """One character right (1) or left (-1); marks and emoji modifiers move along."""
        move = next_char if step > 0 else previous_char
        if self.mode == "mark":
            self.put(move(self.text, self.position))
        elif self.mode == "edit":
            self._move_edge(move(self.text, self.start if self.edge == "start" else self.end))

    def by_word(self, step: int) -> None:
        """To the next word's start (1) or the previous word's start (-1), as vim's `w` and
        `b`; an edge keeps its side.

        The start edge goes from word start to word start, the end edge from word end to word
        end, so that a span never takes in the spaces around a word (a selection that does
        is trimmed when it is stored).
        """
        text = self.text
        if self.mode == "mark":
            self.put(
                next_word_start(text, self.position)
                if step > 0
                else previous_word_start(text, self.position)
            )
        elif self.mode == "edit" and self.edge == "start":
            self._move_edge(
                next_word_start(text, self.start)
                if step > 0
                else previous_word_start(text, self.start)
            )
        elif self.mode == "edit":
            self._move_edge(
                next_word_end(text, self.end) if step > 0 else previous_word_end(text, self.end)
            )

    def to_word_end(self) -> None:
        """The mark cursor to the end of the word it is in, else of the next one (vim's `e`)."""
        if self.mode == "mark":
            self.put(next_word_end(self.text, self.position))

    def by_phrase(self) -> None:
        """Select to the end of the name written in capitals (see `tui.widgets.phrases`).

        Without a selection, it starts at the word under (or after) the cursor: `Shanghai
        Cooperation Organization` from `Shanghai` in one key. With one, it goes on from the
        word that ends at the cursor, across the lower-case words after it that the first
        press stopped at (`Ministry`, then `of Defence`).
        """
        if self.mode != "mark":
            return
        text, position = self.text, self.position
        if self.anchor is None:
            word = word_at(text, position)
            if word is None:
                return
            self.anchor = word[0]
            self.put(phrase_end(text, word[0]))
            return
        if position > 0 and not text[position - 1].isspace():  # right after a word
            end = phrase_end(text, previous_word_start(text, position), cross=True)
        else:
            word = word_at(text, position)
            end = phrase_end(text, word[0]) if word is not None else position
        if end > position:
            self.put(end)

    def by_name(self, step: int, taken: Sequence[tuple[int, int]]) -> None:
        """The mark cursor to the start of the next (1) or previous (-1) word written with a
        capital that none of the `taken` spans (sorted by start) covers: the next name to mark
        when the matcher missed it, in one key."""
        if self.mode != "mark":
            return
        text, position = self.text, self.position
        starts = [start for start, _ in taken]

        def free(offset: int) -> bool:
            at = bisect_right(starts, offset)
            return not any(start <= offset < end for start, end in taken[:at])

        found: Iterable[int]
        if step > 0:
            found = (m.start() for m in WORD.finditer(text, position + 1))
        else:
            found = reversed([m.start() for m in WORD.finditer(text, 0, position)])
        for offset in found:
            opens = offset == 0 or not text[offset - 1].isalnum()
            if opens and text[offset].isupper() and free(offset):
                self.put(offset)
                return

    def _move_edge(self, offset: int) -> None:
        if self.edge == "start" and 0 <= offset < self.end:
            self.start = offset
        elif self.edge == "end" and self.start < offset <= len(self.text):
            self.end = offset

    def spans(self) -> list[Span]:
        """What to draw over the highlights: the edited span and its edge, or the cursor."""
        if self.mode == "edit":
            edge = (
                Span(self.start, next_char(self.text, self.start), EDGE_STYLE)
                if self.edge == "start"
                else Span(previous_char(self.text, self.end), self.end, EDGE_STYLE)
            )
            return [Span(self.start, self.end, EDIT_STYLE), edge]
        if self.mode == "mark":
            spans = []
            if (selected := self.selection) is not None:
                spans.append(Span(*selected, SELECTION_STYLE))
            if self.position < len(self.text):
                spans.append(Span(self.position, next_char(self.text, self.position), CURSOR_STYLE))
            return spans
        return []

    def status(self) -> Content:
        """The status line: what is selected or edited, and the keys of the mode."""
        if self.mode == "edit":
            head = Content.styled("Edit span ", KEY_STYLE)
            where = f"  {self.start}-{self.end}, moving the {self.edge} edge  "
            keys = "tab other edge · ←/→ character · b/w or ctrl+←/→ word · enter save · esc cancel"
            return Content.assemble(
                head, _quoted(self.text[self.start : self.end]), where, (keys, "dim")
            )
        if self.mode == "mark":
            head = Content.styled("Mark span ", KEY_STYLE)
            selected = self.selection
            what = (
                _quoted(self.text[selected[0] : selected[1]])
                if selected
                else Content(
                    "selecting from here"
                    if self.anchor is not None
                    else "no selection (v starts one)"
                )
            )
            keys = (
                "←/→ ↑/↓ home/end · w/b word · e word end · v select · n name · 1-9 label · "
                "l link · esc leave · mouse"
            )
            return Content.assemble(head, what, f"  at {self.position}  ", (keys, "dim"))
        return Content()


def _quoted(text: str) -> Content:
    """The span's text as data, on one line, shortened."""
    flat = visible(" ".join(text.split()))
    if len(flat) > PREVIEW:
        flat = flat[: PREVIEW - 1] + "…"
    return Content.assemble("«", (flat, "bold"), "»")
