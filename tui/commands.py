"""Command palette: every key of the current screen as a command; the app's bindings by id."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from textual.app import App
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import Screen

from store.config import Config, unknown_bindings, where


@dataclass(frozen=True)
class BindingInfo:
    """One binding of the app, for the keymap: where it is defined and what it does."""

    id: str
    keys: str
    description: str
    owner: str  # the class defining it, e.g. ArticleScreen


def app_bindings() -> list[BindingInfo]:
    """Every binding with an id defined by a telaah screen, widget or app class, by id.

    Found by walking the subclasses of `DOMNode` defined in the `tui` package, so a new
    screen's bindings are known as soon as its module is imported.
    """
    import tui.app  # noqa: F401  (every screen and widget, so their classes exist)

    found: dict[str, BindingInfo] = {}
    for cls in _subclasses(DOMNode):
        if not cls.__module__.startswith("tui."):
            continue
        for binding in cls.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding) and binding.id and binding.id not in found:
                found[binding.id] = BindingInfo(
                    binding.id, binding.key, binding.description, cls.__name__
                )
    return sorted(found.values(), key=lambda info: info.id)


def effective_keymap(config: Config, bindings: Sequence[BindingInfo]) -> dict[str, str]:
    """The config's keymap as the app applies it; what is wrong is added to `config.problems`.

    Unknown binding ids are left out; keys are named as Textual names them (`?` is
    `question_mark`); a key taken from another binding is reported (it still applies).
    """
    keymap = dict(App._normalize_keymap(unknown_bindings(config, (b.id for b in bindings))))
    for remapped, key, lost in keymap_clashes(keymap, bindings):
        config.problems.append(
            where(config, remapped)
            + (
                f"{key!r} for {remapped} takes the key of {lost.id} ({lost.description}), which "
                "loses it"
            )
        )
    return keymap


def keymap_clashes(
    keymap: Mapping[str, str],
    bindings: Iterable[BindingInfo],
) -> list[tuple[str, str, BindingInfo]]:
    """Keys the keymap gives to a binding that another binding of the same class has by default.

    Textual then silently drops the other binding's key. Keys are compared as Textual names them
    (`question_mark`, not `?`): pass a normalised keymap.

    Returns:
        (remapped binding id, key, the binding losing that key), for each such key.
    """
    by_owner: dict[str, list[BindingInfo]] = {}
    for info in bindings:
        by_owner.setdefault(info.owner, []).append(info)
    clashes = []
    for infos in by_owner.values():
        ids = {info.id for info in infos}
        for info in infos:
            if info.id not in keymap:
                continue
            for key in keymap[info.id].split(","):
                for other in infos:
                    if other.id == info.id or other.id not in ids:
                        continue
                    keys = keymap.get(other.id, other.keys).split(",")
                    if key in (k.strip() for k in keys):
                        clashes.append((info.id, key, other))
    return clashes


def _subclasses(cls: type) -> Iterator[type]:
    seen: set[type] = set()
    stack: list[type] = list(cls.__subclasses__())
    while stack:
        sub = stack.pop()
        if sub in seen:
            continue
        seen.add(sub)
        yield sub
        stack.extend(sub.__subclasses__())


@dataclass(frozen=True)
class KeyCommand:
    """An action of the screen offered in the palette, titled with its (remapped) keys."""

    title: str
    help: str
    namespace: DOMNode
    action: str


def key_commands(screen: Screen[object]) -> list[KeyCommand]:
    """The enabled actions bound on `screen` (its focused widgets and the app included).

    Bindings with an id or shown in the footer count (Textual's own scrolling keys do not);
    those `check_action` disables are left out. One command per action, with all its keys.
    """
    app = screen.app
    grouped: dict[tuple[int, str], tuple[DOMNode, Binding, list[str]]] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if not active.enabled or not binding.description or not (binding.id or binding.show):
            continue
        key = (id(active.node), binding.action)
        if key not in grouped:
            grouped[key] = (active.node, binding, [])
        shown = app.get_key_display(binding)
        if shown not in grouped[key][2]:
            grouped[key][2].append(shown)
    commands = []
    for node, binding, keys in grouped.values():
        commands.append(
            KeyCommand(
                title=f"{binding.description} ({', '.join(keys)})",
                help=_action_help(node, binding.action) or binding.tooltip or binding.description,
                namespace=node,
                action=binding.action,
            )
        )
    return commands


def _action_help(node: DOMNode, action: str) -> str:
    """The first line of the action method's docstring."""
    name = action.split("(", 1)[0].rsplit(".", 1)[-1]
    method = getattr(node, f"action_{name}", None)
    doc = (getattr(method, "__doc__", None) or "").strip()
    return doc.splitlines()[0] if doc else ""


class KeyCommands(Provider):
    """Every key of the screen the palette was opened from, by its description."""

    def _commands(self) -> list[KeyCommand]:
        return key_commands(self.screen)

    def _run(self, command: KeyCommand) -> Callable[[], Awaitable[bool]]:
        # The palette calls it after closing, so the action runs on the screen underneath.
        return partial(self.app.run_action, command.action, command.namespace)

    async def discover(self) -> Hits:
        """All the screen's actions, in binding order, before anything is typed."""
        for command in self._commands():
            yield DiscoveryHit(
                Content(command.title), self._run(command), text=command.title, help=command.help
            )

    async def search(self, query: str) -> Hits:
        """The actions whose title matches `query`, highlighted (titles are never markup)."""
        matcher = self.matcher(query)
        for command in self._commands():
            score, offsets = matcher.fuzzy_search.match(matcher.query, command.title)
            if score <= 0:
                continue
            display = Content(command.title)
            for offset in offsets:
                display = display.stylize(matcher.match_style, offset, offset + 1)
            yield Hit(score, display, self._run(command), text=command.title, help=command.help)
