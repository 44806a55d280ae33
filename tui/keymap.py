"""The keymap: every binding with an id that telaah defines, and the config's keymap checked."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode

from store.config import Config, unknown_bindings, where


@dataclass(frozen=True)
class BindingInfo:
    """One binding of the app, for the keymap: where it is defined and what it does."""

    id: str
    keys: str
    description: str
    owner: str  # the class defining it, e.g. ArticleScreen


def defined_bindings() -> list[BindingInfo]:
    """Every binding with an id defined by a telaah screen, widget or app class imported, by id.

    Found by walking the subclasses of `DOMNode` defined in the `tui` package, so a new
    screen's bindings are known as soon as its module is imported (`tui.commands.app_bindings`
    imports them all first).
    """
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
