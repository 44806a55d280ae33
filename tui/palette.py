"""Command palette: every key of the current screen as a command, titled with its keys."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import Screen


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
