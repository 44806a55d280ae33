"""Where the slow review keys spend their CPU: `review_keys_bench.py` with a timer on each phase.

Runs the keys bench (same options, after the kinds to time) with a thread-CPU timer around the
store calls, the review screen's drawing and Textual's compositor, style and layout passes
(the outermost call of each, so a phase is not counted twice in itself), and prints for each
kind of key the mean CPU milliseconds per key in each phase, beside the process CPU of the
whole key (the re-match worker included: the test driver waits for it). Unlike `--profile`
(cProfile: the UI thread only, and two to three times slower), the figures are the real ones,
the worker's included.

    python bench/review_keys_phases.py create-confirm,mark-l,d --only eval --articles 12

A phase nested in another is counted in both (the re-match holds `match_articles`, which holds
`live_matcher` when the matcher is read there). See bench/README.md.
"""

from __future__ import annotations

import functools
import importlib
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

# (module, attribute path): each phase timed.
PHASES = [
    ("textual._compositor", "Compositor.render_full_update"),
    ("textual._compositor", "Compositor.render_partial_update"),
    ("textual._compositor", "Compositor.reflow"),
    ("textual.screen", "Screen._refresh_layout"),
    ("textual.css.stylesheet", "Stylesheet.update_nodes"),
    ("textual.app", "App.push_screen"),
    ("textual.app", "App.pop_screen"),
    ("store.review.linking", "create_and_link"),
    ("store.review.linking", "link_mention"),
    ("store.review.rematch", "rematch"),
    ("store.review.rematch", "_splice"),
    ("store.review.rematch", "_reached"),
    ("store.review.live", "live_matcher"),
    ("store.review.candidates", "match_articles"),
    ("store.gazetteer.search", "SearchCache.fresh"),
    ("store.review.spans", "add_mention"),
    ("store.review.spans", "set_span"),
    ("store.review.mentions", "decide_mention"),
    ("store.review.mentions", "list_mentions"),
    ("store.review.stamp", "article_stamp"),
    ("store.facts.repository", "list_facts"),
    ("store.facts.candidates", "refresh_fact_candidates"),
    ("tui.screens.review.view", "ReviewView._show"),
    ("tui.screens.review.view", "ReviewView._put"),
    ("tui.screens.review.view", "ReviewView._reload"),
    ("tui.screens.review.view", "ReviewView.show_article"),
    ("tui.screens.review.linking", "ReviewLinking.after_rematch"),
    ("tui.widgets.mention_panel", "MentionPanel.show"),
    ("tui.widgets.article_text", "ArticleText.show"),
    ("tui.widgets.link_picker", "LinkPicker.prepare"),
    ("tui.widgets.link_picker", "LinkPicker._search"),
    ("tui.widgets.entity_form", "EntityForm.prepare"),
    ("tui.widgets.link_dock", "LinkDock.open_link"),
    ("tui.widgets.link_dock", "LinkDock.open_form"),
    ("tui.widgets.link_dock", "LinkDock.close"),
]
WHOLE = "the whole key (process CPU, workers included)"


class Phases:
    """Thread CPU per phase and kind of key, for the kinds asked."""

    def __init__(self, kinds: set[str]) -> None:
        self.kinds = kinds
        self.kind = ""  # the kind of the key being pressed ("" between keys)
        self.spent: defaultdict[str, defaultdict[str, float]] = defaultdict(
            lambda: defaultdict(float)
        )
        self.keys: Counter[str] = Counter()
        self.active: Counter[str] = Counter()  # phase -> calls under way (outermost timed)

    def timed(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        """`function` with its thread CPU added to `name` while a key of a kind asked runs."""

        @functools.wraps(function)
        def phase(*args: Any, **kwargs: Any) -> Any:
            kind = self.kind
            if kind not in self.kinds or self.active[name]:
                return function(*args, **kwargs)
            self.active[name] += 1
            started = time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.active[name] -= 1
                self.spent[kind][name] += time.thread_time() - started

        return phase

    def install(self) -> None:
        """Wrap every phase where it is defined and wherever it was imported by name."""
        swapped: dict[int, tuple[Any, Any]] = {}
        for module_name, path in PHASES:
            owner: Any = importlib.import_module(module_name)
            *parents, attribute = path.split(".")
            for parent in parents:
                owner = getattr(owner, parent)
            original = getattr(owner, attribute)
            wrapped = self.timed(f"{module_name.rsplit('.', 1)[-1]}.{path}", original)
            setattr(owner, attribute, wrapped)
            swapped[id(original)] = (original, wrapped)
        importlib.import_module("tui.app")
        importlib.import_module("tui.screens.review.screen")
        for name, module in list(sys.modules.items()):
            if module is None or not name.startswith(("tui", "store")):
                continue
            for attribute, value in list(vars(module).items()):
                found = swapped.get(id(value))
                if found is not None and found[0] is value:
                    setattr(module, attribute, found[1])

    def report(self) -> None:
        """Each kind asked: mean CPU ms per key, by phase, the largest first."""
        for kind in sorted(self.spent):
            count = self.keys[kind]
            print(f"\n## {kind} ({count} keys): CPU ms per key")
            for name, seconds in sorted(self.spent[kind].items(), key=lambda item: -item[1]):
                print(f"  {seconds * 1000 / count:8.2f}  {name}")


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1].startswith("-"):
        print("usage: review_keys_phases.py KIND[,KIND...] [review_keys_bench options]")
        return 2
    phases = Phases(set(sys.argv.pop(1).split(",")))
    phases.install()
    import reviewer

    press = reviewer.Reviewer.press

    async def timed_press(self: Any, key: str, kind: str) -> None:
        phases.kind = kind
        phases.keys[kind] += 1
        started = time.process_time()
        try:
            await press(self, key, kind)
        finally:
            if kind in phases.kinds:
                phases.spent[kind][WHOLE] += time.process_time() - started
            phases.kind = ""

    reviewer.Reviewer.press = timed_press  # type: ignore[method-assign]
    import review_keys_bench

    try:
        return review_keys_bench.main()
    finally:
        phases.report()


if __name__ == "__main__":
    sys.exit(main())
