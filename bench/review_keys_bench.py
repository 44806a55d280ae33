"""Keys per gold mention: a scripted reviewer replays the gold through the real app (issue 13).

Prints keys per gold mention, total keys, milliseconds per key (median, p95, max) beside a
no-op key measured in the same run, the slowest kinds of key, and the precision and recall of
what the reviewer left in the database (it must reach the gold, else the count means nothing).
See bench/README.md. Never fails on timings; exit status 2 when the gold was not reached.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import gc
import os
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from reviewer import GoldSpan, Reviewer, Score, read_gold, score, summary  # noqa: E402

GOALS = {"sample": 0.55, "eval": 2.5}
SLOW_KEY_MS = 100.0


def build_database(corpus: Path, path: Path) -> dict[str, str]:
    """A database made like `telaah demo` from `corpus` (schema.toml, gazetteer.csv,
    articles/); returns the gazetteer's entities (key -> name)."""
    from sqlmodel import select

    from store.corpus.demo import prepare_demo
    from store.db import open_database, session_scope
    from store.models import Entity

    engine = open_database(f"sqlite:///{path}")
    try:
        prepare_demo(engine, reviewer_id=None, corpus=corpus)
        with session_scope(engine) as session:
            return {e.key: e.name for e in session.exec(select(Entity)).all()}
    finally:
        engine.dispose()


def accepted_mentions(path: Path) -> dict[str, list[tuple[int, int, str, str | None]]]:
    """By article external id: (start, end, label, entity key) of every accepted mention."""
    from sqlmodel import select

    from store.db import open_database, session_scope
    from store.models import Article, Entity, Mention

    engine = open_database(f"sqlite:///{path}")
    found: dict[str, list[tuple[int, int, str, str | None]]] = defaultdict(list)
    try:
        with session_scope(engine) as session:
            keys = {e.id: e.key for e in session.exec(select(Entity)).all()}
            articles = {a.id: a.external_id for a in session.exec(select(Article)).all()}
            for m in session.exec(select(Mention).where(Mention.state == "accepted")).all():
                found[articles[m.article_id]].append(
                    (m.start, m.end, m.label, keys.get(m.entity_id) if m.entity_id else None)
                )
    finally:
        engine.dispose()
    return found


def stored_texts(path: Path) -> dict[str, str]:
    from sqlmodel import select

    from store.db import open_database, session_scope
    from store.models import Article

    engine = open_database(f"sqlite:///{path}")
    try:
        with session_scope(engine) as session:
            return {a.external_id: a.text for a in session.exec(select(Article)).all()}
    finally:
        engine.dispose()


def check_gold(gold: dict[str, list[GoldSpan]], texts: dict[str, str]) -> None:
    """Drop (one line each) gold spans whose offsets do not give their text."""
    for article, spans in gold.items():
        text = texts.get(article)
        if text is None:
            continue
        for g in list(spans):
            if text[g.start : g.end] != g.text:
                print(
                    f"gold {article}:{g.start}-{g.end}: {g.text!r} is not the stored text; left out"
                )
                spans.remove(g)


async def replay(
    db: Path,
    gold: dict[str, list[GoldSpan]],
    known: dict[str, str],
    articles: int,
    *,
    baseline_every: int = 4,
    profile: tuple[str, ...] = (),
) -> Reviewer:
    """Run the app on `db` under Pilot and let the reviewer review `articles` articles."""
    from tui_bench import settle

    from store.config import Config
    from tui.app import make_app

    app = make_app(f"sqlite:///{db}", reviewer="bench", config=Config(path=db.with_suffix(".toml")))
    async with app.run_test(headless=True, size=(120, 40)) as pilot:
        await pilot.pause()
        reviewer = Reviewer(
            pilot, gold, known, settle=settle, baseline_every=baseline_every, profile=profile
        )
        await reviewer.review(articles)
    return reviewer


def sample_setup(
    folder: Path, articles: int
) -> tuple[Path, dict[str, list[GoldSpan]], dict[str, str]]:
    """The sample corpus, its whole gazetteer, the gold of bench/gold."""
    corpus = folder / "sample"
    shutil.copytree(ROOT / "sample_corpus", corpus)
    for extra in sorted((corpus / "articles").glob("*.txt"))[articles:]:
        extra.unlink()
    db = folder / "sample.db"
    known = build_database(corpus, db)
    return db, read_gold(BENCH / "gold" / "sample_gold.jsonl"), known


def eval_setup(
    folder: Path, source: Path, articles: int, keep: float, seed: int
) -> tuple[Path, dict[str, list[GoldSpan]], dict[str, str]]:
    """The eval corpus with a seeded `keep` share of its gazetteer's entities."""
    corpus = folder / "eval"
    (corpus / "articles").mkdir(parents=True)
    shutil.copy(ROOT / "sample_corpus" / "schema.toml", corpus / "schema.toml")
    for path in sorted((source / "articles").glob("*.txt"))[:articles]:
        shutil.copy(path, corpus / "articles" / path.name)
    with (source / "gazetteer.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    ids = sorted({row["id"] for row in rows})
    kept = set(random.Random(seed).sample(ids, round(len(ids) * keep)))
    with (corpus / "gazetteer.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(row for row in rows if row["id"] in kept)
    print(f"gazetteer: {len(kept)} of {len(ids)} entities kept (seed {seed})")
    db = folder / "eval.db"
    known = build_database(corpus, db)
    return db, read_gold(source / "gold.jsonl"), known


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(name: str, reviewer: Reviewer, result: Score, wall: float, load: float) -> bool:
    """Print the figures; True when the reviewer reached the gold."""
    keys = reviewer.record.keys
    per = len(keys) / result.gold if result.gold else 0.0
    median, p95, worst = summary(s for _, _, s in keys)
    base = summary(reviewer.record.baseline)
    goal = GOALS[name]
    over = [s * 1000 - base[0] for _, _, s in keys]
    slow_keys = sum(1 for ms in over if ms >= SLOW_KEY_MS)
    print(f"\n== {name}: {len(reviewer.reviewed)} articles, {result.gold} gold mentions")
    print(f"wall {wall:.0f} s; load average {load:.1f} at the start")
    print(
        f"keys per gold mention  {per:.3f}  ({len(keys)} keys)"
        f"  goal <= {goal}: {verdict(per <= goal)}"
    )
    kinds = reviewer.record.kinds().most_common()
    print("keys by kind           " + ", ".join(f"{kind} {n}" for kind, n in kinds))
    print(f"ms per key             median {median:.1f}  p95 {p95:.1f}  max {worst:.1f}")
    print(
        f"no-op key baseline     median {base[0]:.1f}  p95 {base[1]:.1f}  max {base[2]:.1f}"
        f"  ({len(reviewer.record.baseline)} presses)"
    )
    print(
        f"over the no-op median  max {max(over, default=0):.1f} ms; {slow_keys} keys >= "
        f"{SLOW_KEY_MS:.0f} ms (the driver's idle wait: its 20 ms polls in the figure)"
    )
    framed = [f * 1000 for f in reviewer.record.keys_frame if f is not None]
    late = sum(1 for ms in framed if ms >= SLOW_KEY_MS)
    f_median, f_p95, f_max = summary(f / 1000 for f in framed)
    print(
        f"key to its last frame  median {f_median:.1f}  p95 {f_p95:.1f}  max {f_max:.1f}"
        f"  ({len(framed)} keys drew); {late} keys >= {SLOW_KEY_MS:.0f} ms"
        f"  goal none: {verdict(late == 0)}"
    )
    cpu = reviewer.record.keys_cpu
    c_median, c_p95, c_max = summary(cpu)
    c_base = summary(reviewer.record.baseline_cpu)[0]
    cpu_over = [c * 1000 - c_base for c in cpu]
    print(
        f"CPU ms per key         median {c_median:.1f}  p95 {c_p95:.1f}  max {c_max:.1f}"
        f"  (no-op {c_base:.1f}); {sum(1 for ms in cpu_over if ms >= SLOW_KEY_MS)} keys"
        f" >= {SLOW_KEY_MS:.0f} ms of CPU over the no-op's"
    )
    collected = sorted(reviewer.record.keys_gc)
    if collected:
        print(
            f"garbage collector      {sum(collected) * 1000:,.0f} ms in the keys; max "
            f"{collected[-1] * 1000:.1f} ms; {sum(1 for s in collected if s >= 0.02)} keys "
            f">= 20 ms in it"
        )
    by_kind: dict[str, list[float]] = defaultdict(list)
    cpu_by_kind: dict[str, list[float]] = defaultdict(list)
    for (kind, _, seconds), used in zip(keys, cpu, strict=True):
        by_kind[kind].append(seconds)
        cpu_by_kind[kind].append(used)
    over_by_kind: defaultdict[str, int] = defaultdict(int)
    frames_by_kind: dict[str, list[float]] = defaultdict(list)
    for (kind, _, _), ms, frame in zip(keys, over, reviewer.record.keys_frame, strict=True):
        over_by_kind[kind] += ms >= SLOW_KEY_MS
        if frame is not None:
            frames_by_kind[kind].append(frame)
    print(
        "slowest kinds (ms; CPU median; keys >= 100 ms over the no-op; to the last frame:"
        " median, max, keys >= 100 ms)"
    )
    for kind, values in sorted(by_kind.items(), key=lambda item: -statistics.median(item[1])):
        k_median, k_p95, k_max = summary(values)
        frames = frames_by_kind.get(kind, [])
        drawn = (
            f"frame {summary(frames)[0]:6.1f} {summary(frames)[2]:6.1f}"
            f" {sum(1 for f in frames if f * 1000 >= SLOW_KEY_MS)}"
            if frames
            else "frame      -"
        )
        print(
            f"  {kind:<16} max {k_max:6.1f}  p95 {k_p95:6.1f}  median {k_median:6.1f}"
            f"  cpu {summary(cpu_by_kind[kind])[0]:6.1f}  ({len(values)}x, "
            f"{over_by_kind[kind]} slow)  {drawn}"
        )
    reached = not result.wrong and not result.missed
    print(
        f"result vs gold         precision {result.precision:.3f}  recall {result.recall:.3f}"
        f"  {'gold reached' if reached else 'GOLD NOT REACHED: the key count means nothing'}"
    )
    for line in result.wrong[:5] + result.missed[:5]:
        print(f"  differs: {line}")
    return reached


def print_profiles(reviewer: Reviewer, name: str, top: int = 30) -> None:
    """The cProfile of each kind asked for with `--profile`: telaah's functions and Textual's
    style, layout and paint by cumulative time; the whole profile is kept in
    `/tmp/telaah-keys-{corpus}-{kind}.prof` (for `python -m pstats`)."""
    for kind, profiler in reviewer.profiles.items():
        count = sum(1 for k, _, _ in reviewer.record.keys if k == kind)
        path = Path(tempfile.gettempdir()) / f"telaah-keys-{name}-{kind}.prof"
        profiler.dump_stats(path)
        print(f"\n-- cProfile of {kind!r} ({count} keys), by cumulative time; all in {path}")
        stats = pstats.Stats(profiler, stream=sys.stdout)
        pattern = r"/(tui|store)/|textual/(css/stylesheet|_compositor|screen|widget|app)\.py"
        stats.sort_stats("cumulative").print_stats(pattern, top)


class GarbageTally:
    """While entered: what the garbage collector finds unreachable (objects in reference
    cycles, which reference counting cannot free), counted by type (`gc.DEBUG_SAVEALL`, the
    list emptied after each pass). The collector's passes then take longer: the keys' times
    of such a run are not the app's."""

    def __init__(self) -> None:
        self.types: Counter[str] = Counter()

    def _callback(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "stop" and gc.garbage:
            self.types.update(f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.garbage)
            gc.garbage.clear()

    def __enter__(self) -> GarbageTally:
        gc.collect()
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *_exc: object) -> None:
        gc.collect()
        gc.callbacks.remove(self._callback)
        gc.set_debug(0)
        gc.garbage.clear()

    def print(self, name: str, top: int = 12) -> None:
        """The total and the commonest types."""
        print(f"\n-- garbage of '{name}': {sum(self.types.values()):,} objects in cycles")
        for kind, count in self.types.most_common(top):
            print(f"  {count:>9,}  {kind}")


def run(
    name: str,
    setup: tuple[Path, dict[str, list[GoldSpan]], dict[str, str]],
    articles: int,
    profile: tuple[str, ...] = (),
    garbage: bool = False,
) -> bool:
    """Replay the gold on the database `setup` made; print the figures."""
    db, gold, known = setup
    check_gold(gold, stored_texts(db))
    load = os.getloadavg()[0]
    started = time.perf_counter()
    tally = GarbageTally() if garbage else None
    try:
        with tally if tally is not None else contextlib.nullcontext():
            reviewer = asyncio.run(replay(db, gold, known, articles, profile=profile))
    except Exception as error:  # the app crashed, or the reviewer could not go on
        print(f"\n== {name}: the replay stopped: {type(error).__name__}: {error}")
        return False
    wall = time.perf_counter() - started
    accepted = accepted_mentions(db)
    reviewed = {article: gold.get(article, []) for article in reviewer.reviewed}
    result = score(
        {article: accepted.get(article, []) for article in reviewed}, reviewed, reviewer.resolve
    )
    reached = report(name, reviewer, result, wall, load)
    print_profiles(reviewer, name)
    if tally is not None:
        tally.print(name)
    return reached


def default_eval() -> Path:
    """`../shared/eval/idner-train` from the repo (from a worktree in a subfolder, one up)."""
    for parent in (ROOT.parent, ROOT.parent.parent):
        if (parent / "shared" / "eval" / "idner-train").is_dir():
            return parent / "shared" / "eval" / "idner-train"
    return ROOT.parent / "shared" / "eval" / "idner-train"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000, help="review at most N articles")
    parser.add_argument("--eval", type=Path, default=default_eval(), help="the eval folder")
    parser.add_argument("--keep", type=float, default=0.5, help="share of the eval gazetteer kept")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--only", choices=("sample", "eval"), help="run one corpus only")
    parser.add_argument("--keep-files", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--profile",
        default="",
        help="kinds of key to cProfile, comma-separated (d,d-yes,mark-l): printed at the end",
    )
    parser.add_argument(
        "--garbage",
        action="store_true",
        help="count what the collector finds in reference cycles, by type (slows the keys)",
    )
    args = parser.parse_args()
    profile = tuple(kind for kind in args.profile.split(",") if kind)
    folder = Path(tempfile.mkdtemp(prefix="telaah-keys-"))
    ok = True
    try:
        if args.only in (None, "sample"):
            ok &= run(
                "sample",
                sample_setup(folder, args.articles),
                args.articles,
                profile,
                args.garbage,
            )
        if args.only in (None, "eval"):
            if not (args.eval / "gold.jsonl").exists():
                print(f"\n== eval: skipped, no {args.eval}/gold.jsonl (give --eval DIR)")
            else:
                ok &= run(
                    "eval",
                    eval_setup(folder, args.eval, args.articles, args.keep, args.seed),
                    args.articles,
                    profile,
                    args.garbage,
                )
    finally:
        if args.keep_files:
            print(f"files kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return 0 if ok else 2


if __name__ == "__main__":
    sys.exit(main())
