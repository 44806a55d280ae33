"""The new-entity form: name, key and label of an entity made from a mention's surface."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Static

from store.db import Engine, session_scope
from store.gazetteer.entities import key_problem
from store.review.linking import fresh_key, surface_of
from store.textnorm import norm_key
from store.textsafe import visible


@dataclass(frozen=True, slots=True)
class NewEntity:
    """What the form gives: the new entity's name, key and label."""

    name: str
    key: str
    label: str


class LabelField(Static, can_focus=True):
    """The label line of the form: `←`/`→` choose the label."""

    BINDINGS = [
        Binding("left", "step(-1)", "Previous label", show=False, id="new_entity.previous_label"),
        Binding("right", "step(1)", "Next label", show=False, id="new_entity.next_label"),
        Binding("enter", "submit", "Create", show=False, id="new_entity.create_on_label"),
    ]

    class Stepped(Message):
        """The reviewer asked for the next (1) or previous (-1) label."""

        def __init__(self, step: int) -> None:
            super().__init__()
            self.step = step

    class Submitted(Message):
        """`enter` on the label line: create."""

    def action_step(self, step: int) -> None:
        """Ask for the next or previous label."""
        self.post_message(self.Stepped(step))

    def action_submit(self) -> None:
        """Ask to create."""
        self.post_message(self.Submitted())


class EntityForm(Vertical):
    """Name, key and label of a new entity made from a mention's surface.

    Prefilled with the surface, a key made from the label and the name (it follows them until
    it is edited by hand) and the label chosen. `tab` moves between the fields, `enter`
    creates, `escape` cancels (both post `Done`); a key that is empty, has spaces or is taken
    (or a name without letters or digits) is one line in the form, and nothing is created.
    The one form: a dialog of its own (`tui.modals.new_entity`) or a panel of the review
    screen (`tui.widgets.link_dock`).
    """

    DEFAULT_CSS = """
    EntityForm {
        height: auto;
        padding: 0 1;
        border: thick $accent;
        background: $surface;
    }
    EntityForm #new-entity-surface {
        height: 1;
        margin-bottom: 1;
    }
    EntityForm #new-entity-label {
        height: 1;
        margin: 1 0;
        padding: 0 1;
    }
    EntityForm #new-entity-label:focus {
        background: $accent 30%;
    }
    EntityForm #new-entity-problem {
        height: 1;
    }
    EntityForm #new-entity-keys {
        height: auto;
        color: $text-muted;
    }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="new_entity.cancel"),
        # From any field (the inputs leave up and down alone): the label in one key or two.
        Binding("up", "step_label(-1)", "Previous label", show=False, id="new_entity.label_up"),
        Binding("down", "step_label(1)", "Next label", show=False, id="new_entity.label_down"),
    ]

    class Done(Message):
        """The form closes: `new` to create, None (escape) for nothing."""

        def __init__(self, form: EntityForm, new: NewEntity | None) -> None:
            super().__init__()
            self.form = form
            self.new = new

    def __init__(
        self,
        engine: Engine,
        surface: str,
        label: str,
        labels: Sequence[str],
        colours: dict[str, str],
        *,
        id: str | None = None,  # noqa: A002 (Textual's name)
    ) -> None:
        super().__init__(id=id)
        self.engine = engine
        self.problem: str | None = None
        self._use(surface, label, labels, colours)

    def _use(
        self, surface: str, label: str, labels: Sequence[str], colours: dict[str, str]
    ) -> None:
        self.surface = surface_of(surface)
        self.labels = list(labels) if label in labels else [*labels, label]
        self.label = label
        self.colours = colours
        self.key_edited = False  # the key follows the name and label until typed in
        self.auto_key = self._fresh_key(self.surface)

    def prepare(
        self,
        engine: Engine,
        surface: str,
        label: str,
        labels: Sequence[str],
        colours: dict[str, str],
    ) -> None:
        """The form again, for another surface (built once, its widgets kept): the fields
        prefilled as a new form's are, the name selected (its host focuses it)."""
        self.engine = engine
        self._use(surface, label, labels, colours)
        # Fixed heights, no layout: in the review screen's panel a layout is one of the
        # whole screen.
        self.query_one("#new-entity-surface", Static).update(self._surface_line(), layout=False)
        name = self.query_one("#new-entity-name", Input)
        key = self.query_one("#new-entity-key", Input)
        with name.prevent(Input.Changed), key.prevent(Input.Changed):
            name.value = self.surface
            key.value = self.auto_key
        name.select_all()
        self._show_label()
        self._check()

    def _surface_line(self) -> Content:
        return Content.assemble(("from “", "dim"), (visible(self.surface), "bold"), ("”", "dim"))

    def compose(self) -> ComposeResult:
        """The surface, the three fields, the problem line and the keys."""
        yield Static(self._surface_line(), id="new-entity-surface")
        yield Static(Content.styled("name", "dim"), classes="new-entity-caption")
        yield Input(value=self.surface, id="new-entity-name")
        yield Static(Content.styled("key", "dim"), classes="new-entity-caption")
        yield Input(value=self.auto_key, id="new-entity-key")
        yield LabelField(id="new-entity-label")
        yield Static(id="new-entity-problem")
        yield Static(
            Content.assemble(
                ("tab", "bold"),
                " next field  ",
                ("↑/↓", "bold"),
                " label  ",
                ("enter", "bold"),
                " create and link  ",
                ("escape", "bold"),
                " back",
            ),
            id="new-entity-keys",
        )

    def on_mount(self) -> None:
        """The title, the label and the check (the name is focused by whoever shows it)."""
        self.border_title = "New entity"
        self._show_label()
        self._check()

    def focus_name(self) -> None:
        """Focus the name, everything selected: typing replaces it, `enter` keeps it."""
        self.screen.set_focus(self.query_one("#new-entity-name", Input), scroll_visible=False)

    @property
    def name_value(self) -> str:
        """The name as typed, its whitespace runs made single spaces."""
        return surface_of(self.query_one("#new-entity-name", Input).value)

    @property
    def key_value(self) -> str:
        """The key as typed, stripped."""
        return self.query_one("#new-entity-key", Input).value.strip()

    def _fresh_key(self, name: str) -> str:
        with session_scope(self.engine) as session:
            return fresh_key(session, self.label, name or self.surface)

    @on(Input.Changed, "#new-entity-name")
    def _name_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._follow()
        self._check()

    @on(Input.Changed, "#new-entity-key")
    def _key_changed(self, event: Input.Changed) -> None:
        event.stop()
        if event.value != self.auto_key:
            self.key_edited = True
        self._check()

    @on(LabelField.Stepped)
    def _label_stepped(self, event: LabelField.Stepped) -> None:
        event.stop()
        self.action_step_label(event.step)

    def action_step_label(self, step: int) -> None:
        """The next (1) or previous (-1) label, whichever field has the focus."""
        at = self.labels.index(self.label) if self.label in self.labels else 0
        self.label = self.labels[(at + step) % len(self.labels)]
        self._show_label()
        self._follow()
        self._check()

    def _follow(self) -> None:
        """Make the key again from the label and the name, unless it was typed in."""
        if self.key_edited:
            return
        self.auto_key = self._fresh_key(self.name_value)
        self.query_one("#new-entity-key", Input).value = self.auto_key

    def _check(self) -> str | None:
        """Show what stops the creation (one line), and return it."""
        name, key = self.name_value, self.key_value
        if not norm_key(name):
            problem: str | None = "the name needs letters or digits"
        else:
            with session_scope(self.engine) as session:
                problem = key_problem(session=session, key=key)
        self.problem = problem
        line = self.query_one("#new-entity-problem", Static)
        line.update(Content.styled(problem, "red") if problem else Content(""), layout=False)
        if line.display != (problem is not None):  # a layout only when it comes or goes
            line.display = problem is not None
        return problem

    @on(Input.Submitted)
    @on(LabelField.Submitted)
    def _submitted(self, event: Message) -> None:
        event.stop()
        if self._check() is not None:
            self.app.bell()
            return
        self.post_message(self.Done(self, NewEntity(self.name_value, self.key_value, self.label)))

    def _show_label(self) -> None:
        colour = self.colours.get(self.label, "white")
        line = Content.assemble(
            ("label  ", "dim"), ("◂ ", "dim"), (self.label, f"bold {colour}"), (" ▸", "dim")
        )
        self.query_one(LabelField).update(line, layout=False)

    def action_cancel(self) -> None:
        """Nothing created."""
        self.post_message(self.Done(self, None))
