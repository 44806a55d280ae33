"""Where each code point of a text lands on screen, wrapped exactly as Textual wraps `Content`.

Offsets are code points into the stored text. Cells are not code points: tabs expand to the next
stop (8 cells), emoji take two cells and combining marks none; all of that is accounted for here,
so a cursor, a selection or a mouse click maps to the right character.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from itertools import pairwise

from rich._wrap import divide_line
from rich.cells import get_character_cell_size

from store.corpus.phrases import WORD

TAB_SIZE = 8  # what Content.render_strips uses
_ZWJ = "\u200d"
_WINDOW = 256  # how far back a word search looks before it falls back to a longer look


def _extends(char: str) -> bool:
    """True for a code point drawn as part of the one before it (mark, modifier, joiner)."""
    code = ord(char)
    return (
        unicodedata.combining(char) != 0
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xFE00 <= code <= 0xFE0F
        or char == _ZWJ
        or 0xE0020 <= code <= 0xE007F
    )


def next_char(text: str, offset: int) -> int:
    """The offset after the character at `offset`, marks, skin tones and joined emoji included."""
    if offset >= len(text):
        return len(text)
    offset += 1
    while offset < len(text) and (_extends(text[offset]) or text[offset - 1] == _ZWJ):
        offset += 1
    return offset


def previous_char(text: str, offset: int) -> int:
    """The offset of the character before `offset` (the start of its cluster)."""
    if offset <= 0:
        return 0
    offset -= 1
    while offset > 0 and (_extends(text[offset]) or text[offset - 1] == _ZWJ):
        offset -= 1
    return offset


def _tokens_before(text: str, offset: int) -> list[re.Match[str]]:
    """The word tokens starting before `offset` in a window that reaches a real word start."""
    low = max(0, offset - _WINDOW)
    while low > 0 and not text[low - 1].isspace():  # do not start the window inside a word
        low -= 1
    return list(WORD.finditer(text, low, offset))


def next_word_start(text: str, offset: int) -> int:
    """The start of the first word after `offset` (or the end of the text)."""
    for match in WORD.finditer(text, _tokens_start(text, offset)):
        if match.start() > offset:
            return match.start()
    return len(text)


def word_at(text: str, offset: int) -> tuple[int, int] | None:
    """The (start, end) of the word holding `offset`, else of the next word (None: no more)."""
    for match in WORD.finditer(text, _tokens_start(text, offset)):
        if match.end() > offset:
            return match.span()
    return None


def next_word_end(text: str, offset: int) -> int:
    """The end of the word at or after `offset` that ends after it (or the end of the text)."""
    for match in WORD.finditer(text, _tokens_start(text, offset)):
        if match.end() > offset:
            return match.end()
    return len(text)


def previous_word_start(text: str, offset: int) -> int:
    """The start of the word before `offset` (or of the one `offset` is inside), else 0."""
    tokens = _tokens_before(text, offset)
    return tokens[-1].start() if tokens else 0


def previous_word_end(text: str, offset: int) -> int:
    """The end of the last word that ends before `offset`, else 0."""
    ends = [m.end() for m in _tokens_before(text, offset) if m.end() < offset]
    return ends[-1] if ends else 0


def _tokens_start(text: str, offset: int) -> int:
    """Where to start matching so that the word holding `offset` is matched whole."""
    start = offset
    while start > 0 and not text[start - 1].isspace() and offset - start < _WINDOW:
        start -= 1
    return start


class TextLayout:
    """The visual lines of `text` at `width` cells, and the mapping offset <-> (row, x)."""

    def __init__(self, text: str, width: int) -> None:
        self.text = text
        self.width = max(1, width)
        self.starts: list[int] = []  # offset at which each visual row starts
        self.ends: list[int] = []  # offset at which it ends (exclusive; before any newline)
        self._paragraph: list[int] = []  # offset of the paragraph (text line) of each row
        self._cells: dict[int, list[int]] = {}  # paragraph start -> cell width of each char
        base = 0
        for paragraph in text.split("\n"):
            expanded, origin = self._expand(paragraph, base)
            cuts = divide_line(expanded, self.width, fold=True) if expanded else []
            for low, high in pairwise([0, *cuts, len(expanded)]):
                self.starts.append(base + origin(low))
                self.ends.append(base + origin(high))
                self._paragraph.append(base)
            base += len(paragraph) + 1

    def _expand(self, paragraph: str, base: int) -> tuple[str, Callable[[int], int]]:
        """`paragraph` with tabs expanded as Content.expand_tabs does, and the way back."""
        if "\t" not in paragraph:
            return paragraph, _identity
        widths = self.cell_widths(base)
        back: list[int] = []
        pieces: list[str] = []
        for index, (char, cells) in enumerate(zip(paragraph, widths, strict=True)):
            if char == "\t":
                pieces.append(" " * cells)
                back.extend([index] * cells)
            else:
                pieces.append(char)
                back.append(index)
        back.append(len(paragraph))
        return "".join(pieces), back.__getitem__

    def cell_widths(self, paragraph_start: int) -> list[int]:
        """The cell width of each code point of the paragraph starting at `paragraph_start`."""
        cached = self._cells.get(paragraph_start)
        if cached is not None:
            return cached
        end = self.text.find("\n", paragraph_start)
        paragraph = self.text[paragraph_start:] if end < 0 else self.text[paragraph_start:end]
        widths: list[int] = []
        position = 0
        for char in paragraph:
            cells = (
                TAB_SIZE - position % TAB_SIZE if char == "\t" else get_character_cell_size(char)
            )
            widths.append(cells)
            position += cells
        self._cells[paragraph_start] = widths
        return widths

    def paragraph_of(self, offset: int) -> int:
        """The offset at which the paragraph (text line) holding `offset` starts."""
        return self._paragraph[self.row_of(offset)]

    @property
    def rows(self) -> int:
        """How many visual lines the text takes."""
        return len(self.starts)

    def row_of(self, offset: int) -> int:
        """The visual row holding code point `offset` (a row's end belongs to the next row)."""
        return max(0, bisect_right(self.starts, offset) - 1)

    def x_of(self, offset: int) -> int:
        """The cell column at which the character at `offset` is drawn."""
        row = self.row_of(offset)
        widths = self.cell_widths(self._paragraph[row])
        base = self._paragraph[row]
        return sum(widths[self.starts[row] - base : offset - base])

    def offset_at(self, row: int, x: int) -> int:
        """The offset of the character drawn at cell `x` of visual `row` (its end if beyond)."""
        row = max(0, min(self.rows - 1, row))
        base = self._paragraph[row]
        widths = self.cell_widths(base)
        column = 0
        for offset in range(self.starts[row], self.ends[row]):
            cells = widths[offset - base]
            if x < column + cells and cells:
                return previous_char(self.text, offset + 1)
            column += cells
        return self.line_end(row)

    def line_end(self, row: int) -> int:
        """Where `end` takes the cursor on `row`: after its last visible character."""
        end = self.ends[row]
        if row + 1 < self.rows and self._paragraph[row + 1] == self._paragraph[row]:
            # A wrapped row: stop before the spaces the wrap hides (they start the next row).
            while end > self.starts[row] + 1 and self.text[end - 1] == " ":
                end -= 1
            if end == self.ends[row]:
                end = previous_char(self.text, end)
        return end


def _identity(index: int) -> int:
    return index
