"""Entities made one after another in a matcher kept live (issue 13): the cost of each edit.

    python bench/matcher_edit_bench.py                      # 20,000 aliases, 1,500 entities made
    python bench/matcher_edit_bench.py --aliases 100000 --made 3000

A reviewer who makes an entity from each name the gazetteer lacks edits the live matcher once
a creation (`Matcher.update`, in the review screen's re-match worker, while the key's frame
waits). The base index is built once from `--aliases` rows of match_data's gazetteer, with the
entities of its last rows held out; they are then made one at a time, each followed by the
candidates of the longest sample article (what the re-match of its article reads).

Baseline, measured in the same run: the delta as it was before the segments, one index of
every entity edited so far built again at each edit (`Delta(base, every_entity)`). Prints, per
stretch of creations, the median and max milliseconds of an edit and of the article's match
for both, and how many segments the delta holds. No figure is asserted.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from match_data import build_gazetteer  # noqa: E402

from store.matching import AliasEntry, Matcher  # noqa: E402
from store.matching.delta import Delta  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aliases", type=int, default=20_000)
    parser.add_argument("--made", type=int, default=1_500, help="entities made, one at a time")
    args = parser.parse_args()
    rows = build_gazetteer(args.aliases)
    by_key: dict[str, list[AliasEntry]] = {}
    for key, alias, label, _ in rows:
        by_key.setdefault(key, []).append(AliasEntry(key, alias, label))
    keys = list(by_key)
    made_keys = keys[-args.made :]
    base_keys = keys[: -args.made]
    text = max(
        (p.read_text(encoding="utf-8") for p in (BENCH.parent / "sample_corpus").glob("*/*.txt")),
        key=len,
    )
    started = time.perf_counter()
    now = Matcher.build(e for key in base_keys for e in by_key[key])
    then = Matcher.build(e for key in base_keys for e in by_key[key])
    gc.freeze()  # as `live_matcher` does: the indexes' objects out of the collector's passes
    print(
        f"base index: {sum(len(by_key[k]) for k in base_keys):,} aliases "
        f"({time.perf_counter() - started:.1f} s for both); {len(made_keys):,} entities made, "
        f"{sum(len(by_key[k]) for k in made_keys):,} aliases, one at a time"
    )
    edited: dict[str, list[AliasEntry]] = {}
    stretch = max(1, len(made_keys) // 6)
    timings: dict[str, list[float]] = {"now": [], "then": [], "now-match": [], "then-match": []}
    print(
        f"{'made':>6}  {'edit ms: now (median/max)':>26}  {'before':>15}  "
        f"{'match ms: now':>14}  {'before':>8}  segments"
    )
    for n, key in enumerate(made_keys, 1):
        change = {key: by_key[key]}
        edited[key] = by_key[key]
        at = time.perf_counter()
        now.update(change)
        timings["now"].append(time.perf_counter() - at)
        at = time.perf_counter()
        then._delta = Delta(then._index, edited)  # the delta of every edit, built again
        timings["then"].append(time.perf_counter() - at)
        for which, matcher in (("now-match", now), ("then-match", then)):
            at = time.perf_counter()
            found = matcher.find_candidates(text)
            timings[which].append(time.perf_counter() - at)
        assert found == now.find_candidates(text)  # the same candidates either way
        if n % stretch == 0 or n == len(made_keys):

            def fig(name: str) -> str:
                part = [t * 1000 for t in timings[name]]
                return f"{statistics.median(part):6.2f} / {max(part):6.2f}"

            segments = len(now._delta.segments) if now._delta is not None else 0
            print(
                f"{n:6,}  {fig('now'):>26}  {fig('then'):>15}  {fig('now-match'):>14}  "
                f"{fig('then-match'):>8}  {segments}"
            )
            for part in timings.values():
                part.clear()
    return 0


if __name__ == "__main__":
    sys.exit(main())
