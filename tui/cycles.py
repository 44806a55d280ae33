"""Two reference cycles Textual (8.2.8, the version pinned) makes on every frame, broken.

Reference counting frees an object the moment its last reference goes; an object in a cycle
waits for the garbage collector, whose pauses grow with what it frees. Counted with
`gc.DEBUG_SAVEALL` over three articles of the review keys benchmark
(bench/review_keys_bench.py), the collector freed 464,568 objects, and most came from two
cycles Textual makes while it draws:

- `Strip.divide` caches its result in the strip; cut at its own length, the result is
  `[self]`, so the strip holds itself: every line drawn whole (most of them) became garbage
  with its segments and its seven caches (`FIFOCache`: 132,128 of them, 53,927 segments).
- `Compositor._arrange_root` places widgets with a nested function that calls itself, a
  function held by its own closure cell, which also holds the map it builds: every layout
  left the previous map (a `MapGeometry`, regions and sizes per widget) to the collector.

With both broken, 126,693 objects (73% fewer); the collector's passes in a key shrink with
them (bench/README.md, "review_keys_bench.py"). What is left is mostly Textual's styling of
component classes (a virtual node per class, a cycle with its styles) and SQLAlchemy's
statements.

`break_cycles` replaces the two methods: `divide` answers a cut at the strip's own length
without caching it (the same list, made in no time), and `_arrange_root` is Textual's own
source with one line added, which drops the nested function before returning. The source is
checked: on another Textual version that changed it, nothing is replaced (the app runs as
Textual made it) and `break_cycles` says so by returning False.
"""

from __future__ import annotations
import __future__ as future

import inspect
import textwrap
from collections.abc import Iterable, Sequence

from textual import _compositor
from textual.strip import Strip

_ARRANGE_END = "    widgets -= invisible_widgets\n    return map, widgets\n"
_ARRANGE_FIXED = (
    "    widgets -= invisible_widgets\n"
    "    add_widget = None  # telaah: the nested function held itself and the map\n"
    "    return map, widgets\n"
)

_divide = Strip.divide
_broken = False


def _divide_uncached_whole(self: Strip, cuts: Iterable[int]) -> Sequence[Strip]:
    """`Strip.divide`, but a cut at the strip's own length is not cached in the strip."""
    cuts = cuts if isinstance(cuts, list) else list(cuts)
    length = self.cell_length
    if [cut for cut in cuts if cut <= length] == [length]:
        return [self]
    return _divide(self, cuts)


def _arrange_without_cycle() -> object | None:
    """Textual's `Compositor._arrange_root` with the nested function dropped before it
    returns, or None when its source is not the one this was written for."""
    source = textwrap.dedent(inspect.getsource(_compositor.Compositor._arrange_root))
    if source.count(_ARRANGE_END) != 1:
        return None
    code = compile(
        source.replace(_ARRANGE_END, _ARRANGE_FIXED),
        _compositor.__file__ or "<textual._compositor>",
        "exec",
        flags=future.annotations.compiler_flag,
        dont_inherit=True,
    )
    made: dict[str, object] = {}
    exec(code, vars(_compositor), made)  # noqa: S102 (Textual's own source, one line added)
    return made["_arrange_root"]


def break_cycles() -> bool:
    """Replace the two methods (once per process); False when Textual's source differs from
    the one this was written for (then neither is replaced)."""
    global _broken
    if _broken:
        return True
    arrange = _arrange_without_cycle()
    if arrange is None:
        return False
    _compositor.Compositor._arrange_root = arrange  # type: ignore[method-assign,assignment]
    Strip.divide = _divide_uncached_whole  # type: ignore[method-assign]
    _broken = True
    return True
