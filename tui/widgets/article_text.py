"""The article text with its mentions highlighted by label colour and review state.

The text is data: it goes in as `Content(text)` and every highlight is a `Span` by code-point
offsets, so markup-like text and emoji are shown exactly as stored. A control, bidi or invisible
formatting character is drawn as one visible mark (`store.textsafe.visible(..., cells=True)`):
one drawn character per stored code point, so every offset and span stays where it is. The
spans are built once per redraw in one list (styling mention by mention would copy the span
list each time).

The widget also carries the two span modes (`SpanCursor`): while one is on it takes the focus,
its keys and the mouse, and reports up with messages; the screen does the storing.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from textual import events
from textual.binding import Binding
from textual.content import Content, Span
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip
from textual.visual import Visual
from textual.widgets import Static

from store.review.mentions import MentionView
from store.textsafe import visible
from tui.widgets.span_cursor import CURSOR_STYLE, SpanCursor
from tui.widgets.text_layout import TextLayout

DEFAULT_COLOUR = "#abb2bf"
LONG_SPAN = 256  # spans longer than this are checked on every row (a long selection)
REDRAW_ALL = 64  # more rows changed than this: the whole text is drawn again
REJECTED_STYLE = "strike #808080"
FOCUS_STYLE = "reverse bold"
FILLER_STYLE = "reverse bold underline"  # the focused fact's role fillers (facts panel focused)
EVIDENCE_STYLE = "on #3e4451"  # the focused fact's evidence, under the mention highlights


def mention_style(state: str, colour: str) -> str:
    """The style of a mention: label colour, and how the review state shows.

    Pending: underlined in the label colour on a faint tint of it; accepted: dark text on a solid
    background of the label colour; rejected: struck through in grey.
    """
    if state == "accepted":
        return f"bold #000000 on {colour}"
    if state == "rejected":
        return REJECTED_STYLE
    return f"underline {colour} on {colour} 20%"


def mention_spans(
    text: str,
    mentions: Sequence[MentionView],
    colours: Mapping[str, str],
    focused: int | None = None,
    fact: FactHighlight | None = None,
) -> list[Span]:
    """One span per mention (the one at index `focused` also in reverse), in one pass.

    The first span covers the whole text with no style: then Textual expands tabs the same way
    on every line (by cells), which `TextLayout` relies on. With `fact`, its evidence gets a
    background under the mentions and its fillers are drawn over them.
    """
    spans = [Span(0, len(text), "")]
    if fact is not None and fact.evidence is not None:
        spans.append(Span(fact.evidence[0], fact.evidence[1], EVIDENCE_STYLE))
    styles: dict[tuple[str, str], str] = {}
    for mention in mentions:
        key = (mention.state, mention.label)
        style = styles.get(key)
        if style is None:
            style = styles[key] = mention_style(
                mention.state, colours.get(mention.label, DEFAULT_COLOUR)
            )
        spans.append(Span(mention.start, mention.end, style))
    if focused is not None and 0 <= focused < len(mentions):
        spans.append(Span(mentions[focused].start, mentions[focused].end, FOCUS_STYLE))
    if fact is not None:
        spans.extend(Span(start, end, FILLER_STYLE) for start, end in fact.fillers)
    return spans


@dataclass(frozen=True, slots=True)
class FactHighlight:
    """What of a fact the text shows: its evidence span and its role fillers' spans."""

    evidence: tuple[int, int] | None
    fillers: tuple[tuple[int, int], ...]


def highlighted(
    text: str,
    mentions: Sequence[MentionView],
    colours: Mapping[str, str],
    focused: int | None = None,
) -> Content:
    """`text` as data with every mention styled; the mention at index `focused` in reverse."""
    return Content(text, mention_spans(text, mentions, colours, focused))


class ModeLine(Protocol):
    """The line that shows a span mode's status (the review screen's `SpanStatus`)."""

    def show_mode(self, status: Content, active: bool) -> None:
        """Show `status`; the line is only there while a mode is `active`."""


class ArticleText(Static):
    """Shows the text and its highlights; the screen tells it what to show, it reads nothing.

    A span mode's status goes to its `mode_line` at once, in the frame that draws the cursor
    (a message to the screen arrives a frame later, and a line shown or hidden then is a
    second layout: measured, `l` in the mark mode drew two frames ~30 ms apart); the screen
    hears of the change by `ModeChanged` for the rest (its keys, the focus, the scroll).
    """

    ALLOW_SELECT = False  # the mouse selects spans for the mark mode instead
    BINDINGS = [
        Binding("left", "char(-1)", "Char", key_display="←/→", id="span.char_left"),
        Binding("right", "char(1)", "Char →", show=False, id="span.char_right"),
        Binding("b,ctrl+left", "word(-1)", "Word", key_display="b/w", id="span.word_left"),
        Binding("w,ctrl+right", "word(1)", "Word →", show=False, id="span.word_right"),
        Binding("e", "word_end", "Word end", show=False, id="span.word_end"),
        Binding("n", "phrase", "Name", id="span.phrase"),
        Binding("N", "name(1)", "Next unmarked name", show=False, id="span.next_name"),
        Binding("P", "name(-1)", "Previous unmarked name", show=False, id="span.previous_name"),
        Binding("up", "line(-1)", "Line", key_display="↑/↓", id="span.line_up"),
        Binding("down", "line(1)", "Line ↓", show=False, id="span.line_down"),
        Binding("home", "line_edge(-1)", "Line start", show=False, id="span.home"),
        Binding("end", "line_edge(1)", "Line end", show=False, id="span.end"),
        Binding("tab", "other_edge", "Other edge", id="span.other_edge"),
        Binding("v", "anchor", "Select", id="span.select"),
        *[
            Binding(
                str(n),
                f"mark({n})",
                "Label" if n == 1 else f"Label {n}",
                show=n == 1,
                key_display="1-9" if n == 1 else None,
                id=f"span.label_{n}",
            )
            for n in range(1, 10)
        ],
        Binding("l", "mark(0)", "Link", id="span.link"),
        Binding("enter", "commit", "Save span", id="span.save"),
        Binding("escape", "leave", "Cancel", id="span.cancel"),
    ]
    EDIT_ACTIONS = frozenset({"char", "word", "other_edge", "commit", "leave"})
    MARK_ACTIONS = frozenset(
        {
            "char",
            "word",
            "word_end",
            "phrase",
            "name",
            "line",
            "line_edge",
            "anchor",
            "mark",
            "leave",
        }
    )

    class ModeChanged(Message):
        """A span mode started, moved or ended; `mode` is None once it ended."""

        def __init__(self, mode: str | None, status: Content, offset: int | None) -> None:
            super().__init__()
            self.mode = mode
            self.status = status
            self.offset = offset  # the cursor or active edge, to keep in view

    class SpanEdited(Message):
        """`enter` in the edit mode: mention `mention_id` should now span `start`-`end`."""

        def __init__(self, mention_id: int, start: int, end: int) -> None:
            super().__init__()
            self.mention_id, self.start, self.end = mention_id, start, end

    class SpanMarked(Message):
        """A selection got a label rank (1-9) or, with rank 0, is to be labelled and linked."""

        def __init__(self, start: int, end: int, rank: int) -> None:
            super().__init__()
            self.start, self.end, self.rank = start, end, rank

    def __init__(self, text: str, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        shown = visible(text, cells=True)  # what is drawn: as long as `text`, offset for offset
        super().__init__(Content(shown, [Span(0, len(shown), "")]), id=id, markup=False)
        self.labels = 0  # how many labels the digits can choose from
        self.mode_line: ModeLine | None = None  # where the mode's status is shown, if anywhere
        self._dragging = False
        self._use(text, shown)

    def set_text(self, text: str) -> None:
        """Show another text (the review screen's next article), no highlight, no mode on."""
        self._use(text, visible(text, cells=True))
        self.can_focus = False
        self.refresh(layout=True)

    def _use(self, text: str, shown: str) -> None:
        self.text = text
        self._shown = shown
        self.cursor = SpanCursor(text)
        self._base: list[Span] = [Span(0, len(text), "")]
        self._spans: list[Span] = self._base
        self._taken: list[tuple[int, int]] = []  # the shown mentions (`N`/`P` skip them)
        self._layout: TextLayout | None = None
        self._layouts: dict[int, TextLayout] = {}
        self._rows: dict[int, Strip] = {}  # rendered rows, until their highlights change
        self._rows_style: object = None  # the widget's style they were rendered in
        self._cursor_at: int | None = None  # the mark cursor drawn (it may sit after a line)
        self._content: Content | None = None  # `visual`, made when asked
        self._index: tuple[list[int], list[tuple[int, Span]], list[tuple[int, Span]]] | None = None

    @property
    def text_layout(self) -> TextLayout:
        """The wrapped lines at the current width (computed again only when the width changes)."""
        return self._layout_at(self.size.width)

    def _layout_at(self, width: int) -> TextLayout:
        width = max(1, width)
        if self._layout is None or self._layout.width != width:
            # Kept per width: a scrollbar coming and going switches between two widths.
            layout = self._layouts.get(width)
            if layout is None:
                if len(self._layouts) >= 4:
                    self._layouts.clear()
                layout = self._layouts[width] = TextLayout(self._shown, width)
            self._layout = layout
            self._rows.clear()
        return self._layout

    @property
    def visual(self) -> Visual:
        """The text with every highlight, as one `Content` (the rows are drawn from the spans
        directly: this is made only when asked for)."""
        if self._content is None:
            self._content = Content(self._shown, self._spans)
        return self._content

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """The number of wrapped lines, from the layout (no full render of the text)."""
        return self._layout_at(width).rows if width else 0

    def render_line(self, y: int) -> Strip:
        """Render one visual row, and only the rows on screen are asked for.

        Rendering the whole text at each key would take tens of milliseconds on a long article;
        a row is its slice of the text with the spans that touch it, wrapped as `TextLayout` says.
        """
        width = self.size.width
        layout = self.text_layout
        if not 0 <= y < layout.rows:
            return Strip.blank(width, self.visual_style.rich_style)
        style = self.visual_style
        if style != self._rows_style:  # a theme, or a class (not the focus moving: the same)
            self._rows.clear()
            self._rows_style = style
        strip = self._rows.get(y)
        if strip is None:
            strips = Visual.to_strips(self, self._row_content(layout, y), width, 1, style)
            strip = strips[0] if strips else Strip.blank(width, self.visual_style.rich_style)
            self._rows[y] = strip
        return strip

    def _row_content(self, layout: TextLayout, y: int) -> Content:
        start, end = layout.starts[y], layout.ends[y]
        if self._index is None:
            ordered = sorted(enumerate(self._spans), key=lambda item: item[1].start)
            short = [item for item in ordered if item[1].end - item[1].start <= LONG_SPAN]
            long = [item for item in ordered if item[1].end - item[1].start > LONG_SPAN]
            self._index = ([item[1].start for item in short], short, long)
        starts, short, long = self._index
        first = bisect_left(starts, start - LONG_SPAN)
        last = bisect_left(starts, end)
        touching = [item for item in short[first:last] if item[1].end > start]
        touching += [item for item in long if item[1].start < end and item[1].end > start]
        touching.sort(key=lambda item: item[0])  # later spans are drawn over earlier ones
        spans = [
            Span(max(span.start, start) - start, min(span.end, end) - start, span.style)
            for _, span in touching
        ]
        content = Content(self._shown[start:end], spans)
        if "\t" in content.plain:
            content = self._expand_tabs(layout, content, start)
        last_of_paragraph = y + 1 >= layout.rows or layout.starts[y + 1] != end
        if not last_of_paragraph:
            return content.rstrip()
        if self.cursor.mode == "mark" and self.cursor.position == end:
            # A cursor on a line break or at the end of the text: a block after the line.
            return content + Content.styled(" ", CURSOR_STYLE)
        return content

    def _expand_tabs(self, layout: TextLayout, content: Content, start: int) -> Content:
        """Tabs as spaces up to the next stop of the paragraph, keeping their style."""
        widths = layout.cell_widths(layout.paragraph_of(start))
        base = layout.paragraph_of(start)
        parts: list[Content] = []
        offset = start
        for part in content.split("\t", include_separator=True):
            offset += len(part.plain)
            if part.plain.endswith("\t"):
                cells = widths[offset - 1 - base]
                part = Content(part.plain[:-1] + " ", list(part.spans)).extend_style(cells - 1)
            parts.append(part)
        return Content("").join(parts)

    def show(
        self,
        mentions: Sequence[MentionView],
        colours: Mapping[str, str],
        focused: int | None,
        fact: FactHighlight | None = None,
    ) -> None:
        """Redraw the highlights, with the mention at index `focused` in reverse video.

        With `fact` (while the facts panel has the focus), its evidence and fillers show too.
        """
        self._base = mention_spans(self.text, mentions, colours, focused, fact)
        self._taken = sorted((m.start, m.end) for m in mentions if m.state != "rejected")
        self._draw()

    def _draw(self) -> None:
        # The text never changes, so neither does the height: no layout pass is needed. Only
        # the rows whose highlights changed are drawn again (a key changes one or two rows).
        spans = self._base + self.cursor.spans()
        cursor_at = self.cursor.position if self.cursor.mode == "mark" else None
        stale = self._stale_rows(spans, cursor_at)
        self._spans, self._cursor_at = spans, cursor_at
        self._index = self._content = None
        if stale is None:
            self._rows.clear()
            self.refresh()
        elif stale:
            width = self.size.width
            for row in stale:
                self._rows.pop(row, None)
            self.refresh(*(Region(0, row, width, 1) for row in sorted(stale)))

    def _stale_rows(self, spans: list[Span], cursor_at: int | None) -> set[int] | None:
        """The rows drawn differently with `spans` and the mark cursor at `cursor_at` than they
        are now; None when that is most of them (or nothing is drawn yet)."""
        if not self._rows or self.size.width <= 0:
            return None
        changed = set(self._spans).symmetric_difference(spans)
        layout = self.text_layout
        rows: set[int] = set()
        for span in changed:
            first, last = layout.row_of(span.start), layout.row_of(max(span.start, span.end - 1))
            if last - first > REDRAW_ALL:
                return None
            rows.update(range(first, last + 1))
            if len(rows) > REDRAW_ALL:
                return None
        if cursor_at != self._cursor_at:  # a cursor after a line is drawn on that line
            for at in (cursor_at, self._cursor_at):
                if at is not None:
                    row = layout.row_of(at)
                    rows.update((row - 1, row) if row else (row,))
        return rows

    def line_of(self, offset: int) -> int:
        """The visual line (after wrapping at the current width) holding code point `offset`."""
        if self.size.width <= 0:
            return 0
        return self.text_layout.row_of(offset)

    # The modes, started by the screen.

    def start_edit(self, mention: MentionView) -> None:
        """Edit `mention`'s boundaries from the keyboard."""
        self.cursor.start_edit(mention.id, mention.start, mention.end)
        self._enter()

    def start_mark(self, offset: int) -> None:
        """Put a text cursor at `offset` to mark a new span."""
        self.cursor.start_mark(offset)
        self._enter()

    def leave(self) -> None:
        """End the mode, whatever it was (nothing is stored)."""
        self.cursor.leave()
        self.can_focus = False
        self._changed()

    def _enter(self) -> None:
        self.can_focus = True
        self.focus(scroll_visible=False)
        self._changed()

    def _changed(self) -> None:
        self._draw()
        mode, status = self.cursor.mode, self.cursor.status()
        if self.mode_line is not None:
            self.mode_line.show_mode(status, mode is not None)
        self.post_message(self.ModeChanged(mode, status, self.cursor.focus_offset))

    def on_blur(self) -> None:
        """The focus went elsewhere (tab, a click on the panel): the mode ends, nothing stored.

        Otherwise the screen's keys would stay switched off with no way to get them back.
        """
        if self.cursor.mode is not None:
            self.leave()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only the keys of the mode on; a digit only for a label that exists."""
        mode = self.cursor.mode
        allowed = (
            self.EDIT_ACTIONS
            if mode == "edit"
            else self.MARK_ACTIONS
            if mode == "mark"
            else frozenset()
        )
        if action not in allowed:
            return False
        if action == "mark" and parameters and isinstance(parameters[0], int):
            return parameters[0] <= max(1, self.labels)
        return True

    def action_char(self, step: int) -> None:
        """Move the cursor (or the active edge) by one character."""
        self.cursor.by_char(step)
        self._changed()

    def action_word(self, step: int) -> None:
        """Move the cursor (or the active edge) by one word."""
        self.cursor.by_word(step)
        self._changed()

    def action_word_end(self) -> None:
        """Move the mark cursor to the end of the word (mark mode)."""
        self.cursor.to_word_end()
        self._changed()

    def action_phrase(self) -> None:
        """Select to the end of the name written in capitals (mark mode)."""
        self.cursor.by_phrase()
        self._changed()

    def action_name(self, step: int) -> None:
        """Move the mark cursor to the next (1) or previous (-1) capitalised word that no
        mention shown (rejected ones aside) covers."""
        self.cursor.by_name(step, self._taken)
        self._changed()

    def action_line(self, step: int) -> None:
        """Move the cursor one visual line down (1) or up (-1), keeping its column."""
        layout = self.text_layout
        offset = self.cursor.position
        row = layout.row_of(offset) + step
        if 0 <= row < layout.rows:
            self.cursor.goal_x = (
                layout.x_of(offset) if self.cursor.goal_x is None else self.cursor.goal_x
            )
            self.cursor.put(layout.offset_at(row, self.cursor.goal_x), keep_goal=True)
            self._changed()

    def action_line_edge(self, step: int) -> None:
        """Move the cursor to the start (-1) or the end (1) of its visual line."""
        layout = self.text_layout
        row = layout.row_of(self.cursor.position)
        self.cursor.put(layout.starts[row] if step < 0 else layout.line_end(row))
        self._changed()

    def action_other_edge(self) -> None:
        """Switch the edge that the keys move (edit mode)."""
        self.cursor.switch_edge()
        self._changed()

    def action_anchor(self) -> None:
        """Start a selection at the cursor, or drop the one there is."""
        self.cursor.toggle_anchor()
        self._changed()

    def action_mark(self, rank: int) -> None:
        """Label the selection with the schema's `rank`-th label (0: label it and link it)."""
        span = self.cursor.selection
        if span is None:
            self.notify("Select some text first: v, then move", timeout=3, markup=False)
            return
        self.post_message(self.SpanMarked(span[0], span[1], rank))

    def action_commit(self) -> None:
        """Save the edited boundaries (edit mode)."""
        edit = self.cursor.edit
        if edit is not None:
            self.post_message(self.SpanEdited(*edit))

    def action_leave(self) -> None:
        """Leave the mode without storing anything."""
        self.leave()

    # The mouse: a click puts the mark cursor on a character, a drag selects.

    def _offset_at(self, event: events.MouseEvent) -> int:
        point = event.get_content_offset_capture(self)
        return self.text_layout.offset_at(point.y, point.x)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        """Start the mark mode at the clicked character, and a drag from there."""
        if event.button != 1 or self.cursor.mode == "edit":
            return
        offset = self._offset_at(event)
        if self.cursor.mode != "mark":
            self.start_mark(offset)
        else:
            self.cursor.put(offset, drop_anchor=True)
            self._changed()
        self._dragging = True
        self.capture_mouse()
        event.stop()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        """Dragging selects from where the button went down."""
        if not self._dragging or self.cursor.mode != "mark":
            return
        offset = self._offset_at(event)
        if offset != self.cursor.position:
            if self.cursor.anchor is None:
                self.cursor.toggle_anchor()
            self.cursor.put(offset)
            self._changed()

    def on_mouse_up(self, event: events.MouseUp) -> None:
        """The drag ends; the selection stays for a digit or `l`."""
        if self._dragging:
            self._dragging = False
            self.release_mouse()
            if self.cursor.mode == "mark":
                offset = self._offset_at(event)
                if offset != self.cursor.position and self.cursor.anchor is not None:
                    self.cursor.put(offset)
                    self._changed()
