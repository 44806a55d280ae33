"""The entity picker and the new-entity form as a panel at the bottom of a screen.

A dialog is a screen of its own: opening and closing one switches screens, and Textual styles
and draws the whole screen again at each switch (with the tinted backdrop of the screen under
it). Docked on a layer of its own, the panel covers the screen's last lines and nothing under
it moves: showing it draws its own rows, hiding it the rows it covered. The picker and the
form are the same widgets the dialogs hold (`tui.modals.link`, `tui.modals.new_entity`), built
once the host's first frame is drawn (`prebuild`), else at the first opening, and prepared for
each opening (`prepare`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual import on
from textual.containers import Vertical
from textual.widget import Widget

from store.db import Engine
from store.review.linking import surface_of
from store.review.mentions import MentionView
from tui.widgets.entity_form import EntityForm, NewEntity
from tui.widgets.link_picker import LinkChoice, LinkPicker


class LinkDock(Vertical):
    """Shows the picker or the form, one at a time, and calls back with what they give.

    While it is open the focus is in it (the screen switches its own keys off: `is_open`);
    when it closes the focus goes back where it was. `escape` in the form opened from the
    picker (`ctrl+n`) comes back to the search, as the dialogs do.
    """

    DEFAULT_CSS = """
    LinkDock {
        display: none;
        height: 19;
    }
    LinkDock > LinkPicker, LinkDock > EntityForm {
        height: 1fr;
    }
    """

    def __init__(self, home: str, *, id: str | None = None) -> None:  # noqa: A002
        """`home`: the selector of the widget the focus goes back to when what had it before
        the panel opened cannot take it (the text after a span mode)."""
        super().__init__(id=id)
        self.home = home
        self.picker: LinkPicker | None = None
        self.form: EntityForm | None = None
        self._before: Widget | None = None  # what had the focus before the panel opened
        self._chosen: Callable[[LinkChoice | None], None] | None = None
        self._made: Callable[[NewEntity | None], None] | None = None

    @property
    def is_open(self) -> bool:
        """Whether the picker or the form is shown."""
        return self.display

    @property
    def shown(self) -> LinkPicker | EntityForm | None:
        """The picker or the form, whichever is shown, if the panel is open."""
        if not self.is_open:
            return None
        if self.form is not None and self.form.display:
            return self.form
        return self.picker

    def prebuild(
        self,
        engine: Engine,
        mention: MentionView,
        labels: Sequence[str],
        colours: dict[str, str],
    ) -> None:
        """Build the picker and the form now, hidden (for `mention`; each opening prepares
        them for its own), so that the first `l` or `N` on a screen only shows them: built at
        their first opening, they took that key past 100 ms (its CSS, its children composed).
        The host calls this once its first frame is drawn."""
        if self.picker is None:
            self.picker = LinkPicker(engine, mention, labels, colours, id="link-dialog")
            self.picker.display = False
            self.mount(self.picker)
        if self.form is None:
            surface = surface_of(mention.text)
            self.form = EntityForm(
                engine, surface, mention.label, labels, colours, id="new-entity-dialog"
            )
            self.form.display = False
            self.mount(self.form)

    def open_link(
        self,
        engine: Engine,
        mention: MentionView,
        labels: Sequence[str],
        colours: dict[str, str],
        chosen: Callable[[LinkChoice | None], None],
    ) -> None:
        """The picker for `mention`; `chosen` gets the entity and label, a new entity's
        (`ctrl+n`, then the form: `entity_key` None), or None (`escape`)."""
        self._opening()
        self._chosen, self._made = chosen, None
        if self.form is not None:
            self.form.display = False
        if self.picker is None:
            self.picker = LinkPicker(engine, mention, labels, colours, id="link-dialog")
            self.mount(self.picker)
        else:
            self.picker.display = True
            self.picker.prepare(engine, mention, labels, colours)
        self._focus(self.picker)

    def open_form(
        self,
        engine: Engine,
        surface: str,
        label: str,
        labels: Sequence[str],
        colours: dict[str, str],
        made: Callable[[NewEntity | None], None],
    ) -> None:
        """The new-entity form for `surface`, `label` chosen; `made` gets what it gives
        (None: `escape`)."""
        if not self.is_open:
            self._opening()
            self._chosen = None
        self._made = made
        if self.picker is not None:
            self.picker.display = False
        if self.form is None:
            self.form = EntityForm(engine, surface, label, labels, colours, id="new-entity-dialog")
            self.mount(self.form)
        else:
            self.form.display = True
            self.form.prepare(engine, surface, label, labels, colours)
        self._focus(self.form)

    def _focus(self, shown: LinkPicker | EntityForm) -> None:
        """Give `shown`'s first field the focus now (a field hidden with the focus would hand
        it to its sibling), and again once the screen has refreshed, unless it is inside
        already: a span mode that just ended gives the text the focus after this."""

        def focus() -> None:
            if not (self.is_open and shown.display and shown.is_mounted):
                return
            focused = self.screen.focused
            if focused is not None and shown in focused.ancestors:
                return
            if isinstance(shown, LinkPicker):
                shown.focus_query()
            else:
                shown.focus_name()

        if shown.is_mounted:
            focus()
        self.call_after_refresh(focus)

    def close(self) -> None:
        """Hide the panel, the focus back where it was; nothing is called back."""
        if not self.is_open:
            return
        self._chosen = self._made = None
        before, self._before = self._before, None
        # `display`, not a class: a class would style the panel's every widget again.
        self.display = False
        screen = self.screen
        if before is None or not (before.is_attached and before.focusable):
            before = screen.query_one(self.home)
        # At once, not after the queue: the field that had the focus is hidden, and would
        # hand it to its sibling when told so.
        screen.set_focus(before, scroll_visible=False)
        screen.refresh_bindings()

    @property
    def rows(self) -> int:
        """The panel's height in rows."""
        height = self.styles.height
        return int(height.value) if height is not None and height.is_cells else 19

    def place(self) -> None:
        """Put the panel on the screen's last lines (its screen calls this on a resize too)."""
        self.styles.offset = (0, max(0, self.screen.size.height - self.rows))

    def reveal(self, start: int, end: int) -> None:
        """Scroll the widget the focus goes back to (`home`, the article's text) so that the
        code points `start` to `end` (the mention being linked) stand above the panel, not
        under it, with a row to spare."""
        homes = self.screen.query(self.home)
        if not homes:
            return
        home = homes.first()
        covered = home.region.bottom - max(0, self.screen.size.height - self.rows) + 1
        scroll = getattr(home, "scroll_to_offset", None)
        if covered > 0 and scroll is not None:
            covered = min(covered, home.region.height - 1)
            scroll(max(start, end - 1), immediate=True, covered=covered)
            scroll(start, immediate=True, covered=covered)  # a span taller than what shows

    def _opening(self) -> None:
        if not self.is_open:
            self.place()
            focused = self.screen.focused
            self._before = focused if focused is None or self not in focused.ancestors else None
            self.display = True
            self.screen.refresh_bindings()

    @on(LinkPicker.Chosen)
    def _picked(self, event: LinkPicker.Chosen) -> None:
        event.stop()
        chosen = self._chosen
        self.close()
        if chosen is not None:
            chosen(event.choice)

    @on(LinkPicker.CreateAsked)
    def _create(self, event: LinkPicker.CreateAsked) -> None:
        event.stop()
        picker = event.picker

        def made(new: NewEntity | None) -> None:
            if new is None:  # back to the search
                self._made = None
                if self.form is not None:
                    self.form.display = False
                picker.display = True
                self._focus(picker)
                return
            chosen = self._chosen
            self.close()
            if chosen is not None:
                chosen(LinkChoice(None, new.label, name=new.name, key=new.key))

        self.open_form(
            picker.engine, picker.mention.text, picker.label, picker.labels, picker.colours, made
        )

    @on(EntityForm.Done)
    def _form_done(self, event: EntityForm.Done) -> None:
        event.stop()
        made = self._made
        if made is None:
            self.close()
            return
        if self._chosen is None:  # the form alone (`N`): it closes the panel
            self.close()
        made(event.new)
