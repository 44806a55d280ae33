"""The app's speed on big inputs (issue 4): the queue on 100,000 articles, the review screen.

Prints figures and compares them with a baseline measured in the same run; never asserts.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import hashlib
import io
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from store.corpus.search import index_new_articles  # noqa: E402
from store.db import open_database, session_scope  # noqa: E402
from store.models import Article, Fact, Mention  # noqa: E402

WORDS = (
    "rusia",
    "kirgizstan",
    "kazakhstan",
    "sistem",
    "pertahanan",
    "udara",
    "menteri",
    "kerja",
    "sama",
    "militer",
    "pasokan",
    "senjata",
    "latihan",
    "bersama",
    "perjanjian",
    "wilayah",
    "keamanan",
    "kolektif",
    "anggota",
    "pertemuan",
    "delegasi",
    "moskow",
    "bishkek",
    "astana",
    "helikopter",
    "pesawat",
    "tempur",
)
SOURCES = ("kompas.com", "antaranews.com", "tempo.co", "detik.com", "cnnindonesia.com")
LABELS = ("LOC", "ORG", "PER", "WEAPON")
STATES = ("pending", "pending", "pending", "accepted", "rejected")
TARGETS = {"queue": 1.0, "review": 0.100, "decision": 0.050}


def build_queue_db(path: Path, articles: int, *, seed: int = 4) -> float:
    """Fill a new database at `path` with `articles` short articles, mentions and facts.

    Bulk inserts through SQLAlchemy Core into the schema the migrations make; then the search
    index. Returns the seconds it took.
    """
    started = time.perf_counter()
    rng = random.Random(seed)
    engine = open_database(f"sqlite:///{path}")
    now = datetime.now(UTC)
    day0 = date(2020, 1, 1)
    try:
        with engine.begin() as connection:
            for first in range(0, articles, 10_000):
                rows: list[dict[str, Any]] = []
                mentions: list[dict[str, Any]] = []
                facts: list[dict[str, Any]] = []
                for n in range(first, min(articles, first + 10_000)):
                    article_id = n + 1
                    words = [rng.choice(WORDS) for _ in range(rng.randint(20, 60))]
                    text = " ".join(words)
                    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9)))
                    rows.append(
                        {
                            "id": article_id,
                            "external_id": f"a{article_id}",
                            "title": f"{title.capitalize()} {article_id}",
                            "source": rng.choice(SOURCES),
                            "url": None,
                            "published": day0 + timedelta(days=rng.randint(0, 2000)),
                            "text": text,
                            "sha256": hashlib.sha256(text.encode() + str(n).encode()).hexdigest(),
                            "status": rng.choice(("todo", "todo", "in_progress", "done")),
                            "meta": {},
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
                    offset = 0
                    for _ in range(rng.randint(0, 8)):
                        word = words[offset % len(words)]
                        start = text.find(word, offset)
                        if start < 0:
                            break
                        mentions.append(
                            {
                                "article_id": article_id,
                                "start": start,
                                "end": start + len(word),
                                "text": word,
                                "label": rng.choice(LABELS),
                                "entity_id": None,
                                "state": rng.choice(STATES),
                                "origin": "gazetteer",
                                "matched_alias": word,
                                "score": 100.0,
                                "method": "exact",
                                "alternatives": [],
                                "reviewer_id": None,
                                "decided_at": None,
                                "created_at": now,
                            }
                        )
                        offset = start + len(word) + 1
                    for _ in range(rng.choice((0, 0, 0, 1, 2))):
                        facts.append(
                            {
                                "article_id": article_id,
                                "type": "ARMS_TRANSFER",
                                "state": "pending",
                                "origin": "manual",
                                "created_at": now,
                            }
                        )
                connection.execute(insert(Article.__table__), rows)  # type: ignore[attr-defined]
                if mentions:
                    connection.execute(insert(Mention.__table__), mentions)  # type: ignore[attr-defined]
                if facts:
                    connection.execute(insert(Fact.__table__), facts)  # type: ignore[attr-defined]
        index_new_articles(engine)
    finally:
        engine.dispose()
    return time.perf_counter() - started


def cached_queue_db(articles: int, folder: Path | None) -> Path:
    """The 100,000-article database, built once and kept in the temp folder between runs."""
    where = folder or Path(tempfile.gettempdir()) / "telaah-tui-bench"
    where.mkdir(parents=True, exist_ok=True)
    path = where / f"queue-{articles}.db"
    if not path.exists():
        partial = path.with_suffix(".partial")
        for leftover in where.glob(partial.name + "*"):
            leftover.unlink()
        seconds = build_queue_db(partial, articles)
        partial.rename(path)
        print(f"built {path} ({articles:,} articles) in {seconds:.1f} s")
    else:
        print(f"using cached {path}")
    return path


def build_review_db(path: Path, words: int, candidates: int, *, seed: int = 5) -> int:
    """A database with the sample schema and one article of `words` words and `candidates`
    pending candidates (spread evenly, labels in turn); returns the article's id."""
    from store.corpus.demo import sample_corpus_dir
    from store.reviewers import ensure_reviewer
    from store.schema import load_schema, parse_schema

    rng = random.Random(seed)
    engine = open_database(f"sqlite:///{path}")
    try:
        with session_scope(engine) as session:
            reviewer = ensure_reviewer(session=session, name="bench")
            schema = parse_schema(sample_corpus_dir() / "schema.toml")
            load_schema(session=session, schema=schema, reviewer_id=reviewer)
            labels = [label.name for label in schema.labels]
        tokens = [
            rng.choice(WORDS).capitalize() if i % 12 == 0 else rng.choice(WORDS)
            for i in range(words)
        ]
        starts, text = [], ""
        for i, token in enumerate(tokens):
            if text:
                text += "\n\n" if i % 120 == 0 else ("🤔 " if i % 997 == 0 else " ")
            starts.append(len(text))
            text += token
        now = datetime.now(UTC)
        step = words // candidates
        mentions = [
            {
                "article_id": 1,
                "start": starts[i * step],
                "end": starts[i * step] + len(tokens[i * step]),
                "text": tokens[i * step],
                "label": labels[i % len(labels)],
                "entity_id": None,
                "state": "pending",
                "origin": "gazetteer",
                "matched_alias": tokens[i * step],
                "score": 90.0,
                "method": "fuzzy",
                "alternatives": [],
                "reviewer_id": None,
                "decided_at": None,
                "created_at": now,
            }
            for i in range(candidates)
        ]
        assert all(text[m["start"] : m["end"]] == m["text"] for m in mentions)
        with engine.begin() as connection:
            connection.execute(
                insert(Article.__table__),
                [
                    {  # type: ignore[attr-defined]
                        "id": 1,
                        "external_id": "long",
                        "title": "A long article",
                        "source": "bench",
                        "url": None,
                        "published": date(2024, 1, 1),
                        "text": text,
                        "sha256": hashlib.sha256(text.encode()).hexdigest(),
                        "status": "todo",
                        "meta": {},
                        "created_at": now,
                        "updated_at": now,
                    }
                ],
            )
            connection.execute(insert(Mention.__table__), mentions)  # type: ignore[attr-defined]
        index_new_articles(engine)
    finally:
        engine.dispose()
    return 1


async def settle(pilot: Any) -> None:
    """Let the screen handle every pending message, then paint it now (layout and strips).

    `Pilot.pause()` would add its idle detection (20 ms sleeps until the CPU is quiet) to
    every figure. Headless, the paint computes every strip but writes nothing to a terminal.
    """
    for _ in range(2):
        await pilot._wait_for_screen()
        pilot.app.screen._on_timer_update()


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


async def queue_bench(url: str, results: dict[str, Any]) -> None:
    """telaah's queue on the big database: first paint, `end`, `home`, paging, each sort."""
    import store.migrate  # noqa: F401 (alembic's import, once per process, is not the queue's)
    from tui.app import make_app
    from tui.widgets.article_table import ArticleTable

    started, cpu = time.perf_counter(), time.process_time()
    app = make_app(url, reviewer="bench")
    results["queue_make_app"] = time.perf_counter() - started
    async with app.run_test(headless=True, size=(120, 40)) as pilot:
        await pilot.pause()  # the table's sizes are settled on idle: wait for it
        table = app.screen.query_one(ArticleTable)
        results["queue_first_paint"] = time.perf_counter() - started
        results["queue_first_paint_cpu"] = time.process_time() - cpu
        lines = [line for line in _drawn(table) if line.strip()]
        results["queue_painted_last_line"] = lines[-1].strip() if lines else ""
        results["queue_rows_first"] = table.row_count
        results["queue_total"] = table.total
        timed, cpu = time.perf_counter(), time.process_time()
        await pilot.press("end")
        await pilot.pause()
        results["queue_end"] = time.perf_counter() - timed
        results["queue_end_cpu"] = time.process_time() - cpu
        results["queue_rows_end"] = table.row_count
        results["queue_end_article"] = table.article_id
        for _ in range(20):  # up from the end: earlier pages by keyset
            await pilot.press("pageup")
        timed = time.perf_counter()
        await pilot.press("home")
        await pilot.pause()
        results["queue_home"] = time.perf_counter() - timed
        laps = []
        for _ in range(40):
            timed = time.perf_counter()
            await pilot.press("pagedown")
            await pilot.pause()
            laps.append(time.perf_counter() - timed)
        results["queue_pagedown"] = (statistics.median(laps), max(laps))
        results["queue_rows_max"] = table.row_count
        sorts = {}
        for _ in range(7):
            timed = time.perf_counter()
            await pilot.press("s")
            await pilot.pause()
            sorts[app.screen.sort] = time.perf_counter() - timed  # type: ignore[attr-defined]
        results["queue_sorts"] = sorts


class PlainTableApp:
    """The baseline: a plain DataTable with the same columns and every row added at mount."""

    @staticmethod
    def make(rows: list[Any]) -> Any:
        from textual.app import App, ComposeResult
        from textual.widgets import DataTable

        from tui.widgets.article_table import FIXED_WIDTHS, _cells

        class Plain(App[None]):
            def compose(self) -> ComposeResult:
                yield DataTable(cursor_type="row", zebra_stripes=True)

            def on_mount(self) -> None:
                table = self.query_one(DataTable)
                for name, width in FIXED_WIDTHS.items():
                    table.add_column(name, width=width, key=name)
                table.add_column("title", width=60, key="title")
                for row in rows:
                    table.add_row(*_cells(row), key=str(row.id))

        return Plain()


async def plain_bench(url: str, results: dict[str, Any]) -> None:
    """The baseline's first paint, its rows read from the store beforehand (not timed)."""
    from store.corpus.articles import list_articles

    engine = open_database(url)
    timed = time.perf_counter()
    with session_scope(engine) as session:
        rows = list_articles(session=session, limit=10**9)
    results["plain_fetch"] = time.perf_counter() - timed
    engine.dispose()
    started = time.perf_counter()
    app = PlainTableApp.make(rows)
    async with app.run_test(headless=True, size=(120, 40)) as pilot:
        await pilot.pause()
        results["plain_first_paint"] = time.perf_counter() - started
        results["plain_rows"] = len(rows)


async def review_bench(
    url: str, article_id: int, results: dict[str, Any], *, repeats: int, presses: int, profile: bool
) -> None:
    """The review screen: first paint (median of `repeats`), `a` against a no-op key."""
    from store.corpus.articles import get_article
    from store.review.mentions import list_mentions
    from tui.app import make_app
    from tui.screens.review import ArticleScreen

    app = make_app(url, reviewer="bench")
    engine = app.engine
    async with app.run_test(headless=True, size=(120, 40)) as pilot:
        await pilot.pause()
        queue = app.screen
        with session_scope(engine) as session:
            article = get_article(session=session, article_id=article_id)
        paints, paints_cpu = [], []
        profiler = cProfile.Profile() if profile else None
        for _ in range(repeats):
            timed, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            app.push_screen(ArticleScreen(article, queue))  # type: ignore[arg-type]
            await settle(pilot)
            if profiler:
                profiler.disable()
            paints.append(time.perf_counter() - timed)
            paints_cpu.append(time.process_time() - cpu)
            app.pop_screen()
            await pilot.pause()
        results["review_paint"] = statistics.median(paints)
        results["review_paint_all"] = paints
        results["review_paint_cpu"] = statistics.median(paints_cpu)
        # Baseline in the same run: the same screen on a one-sentence article, no mentions:
        # what building and painting the screen costs whatever the article.
        tiny = replace(article, id=-1, title="tiny", text="Rusia memasok S-300 ke Kyrgyzstan.")
        small = []
        for _ in range(repeats):
            timed = time.perf_counter()
            app.push_screen(ArticleScreen(tiny, queue))  # type: ignore[arg-type]
            await settle(pilot)
            small.append(time.perf_counter() - timed)
            app.pop_screen()
            await pilot.pause()
        results["review_paint_tiny"] = statistics.median(small)
        if profiler:
            results["profile_paint"] = _top(profiler)
        app.push_screen(ArticleScreen(article, queue))  # type: ignore[arg-type]
        await pilot.pause()
        noop, decide, noop_cpu, decide_cpu = [], [], [], []
        profiler = cProfile.Profile() if profile else None
        for _ in range(presses):  # taking turns, so other load weighs on both alike
            timed, cpu = time.perf_counter(), time.process_time()
            await pilot.press("f19")  # bound to nothing
            await settle(pilot)
            noop.append(time.perf_counter() - timed)
            noop_cpu.append(time.process_time() - cpu)
            timed, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            await pilot.press("a")
            await settle(pilot)
            if profiler:
                profiler.disable()
            decide.append(time.perf_counter() - timed)
            decide_cpu.append(time.process_time() - cpu)
        results["noop_key"] = statistics.median(noop)
        results["decision_key"] = statistics.median(decide)
        results["noop_key_cpu"] = statistics.median(noop_cpu)
        results["decision_key_cpu"] = statistics.median(decide_cpu)
        if profiler:
            results["profile_decision"] = _top(profiler)
        await mode_bench(pilot, results, presses=presses, profile=profile)
    engine = open_database(url)
    with session_scope(engine) as session:
        accepted = sum(
            m.state == "accepted" for m in list_mentions(session=session, article_id=article_id)
        )
    engine.dispose()
    results["accepted_in_db"] = accepted


MODE_KEYS = (("f19", "noop"), ("m", "mark"), ("escape", "mark_leave"))
MODE_KEYS += (("e", "edit"), ("escape", "edit_leave"))


async def mode_bench(pilot: Any, results: dict[str, Any], *, presses: int, profile: bool) -> None:
    """Entering and leaving the span modes (`m`, `e`, `escape`), each taking turns with a
    no-op key in the same run; wall-clock (under the test driver, which waits for the app to
    be idle) and CPU time, medians."""
    screen = pilot.app.screen
    wall: dict[str, list[float]] = {name: [] for _, name in MODE_KEYS}
    cpu: dict[str, list[float]] = {name: [] for _, name in MODE_KEYS}
    profiler = cProfile.Profile() if profile else None
    for _ in range(max(1, presses // 2)):
        for key, name in MODE_KEYS:
            timed, started = time.perf_counter(), time.process_time()
            if profiler and name != "noop":
                profiler.enable()
            await pilot.press(key)
            await settle(pilot)
            if profiler:
                profiler.disable()
            wall[name].append(time.perf_counter() - timed)
            cpu[name].append(time.process_time() - started)
            expected = {"mark": "mark", "edit": "edit"}.get(name)
            assert screen.mode == expected, (name, screen.mode)  # the key did its job
    for name in wall:
        results[f"mode_{name}"] = statistics.median(wall[name])
        results[f"mode_{name}_cpu"] = statistics.median(cpu[name])
    if profiler:
        results["profile_modes"] = _top(profiler)


def _drawn(widget: Any) -> list[str]:
    from textual.geometry import Region

    strips = widget.render_lines(Region(0, 0, widget.region.width, widget.region.height))
    return ["".join(segment.text for segment in strip) for strip in strips]


def _top(profiler: cProfile.Profile, lines: int = 25) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(r"/(tui|store)/", lines)
    stats.sort_stats("tottime").print_stats(lines // 2)
    return out.getvalue()


def _row(what: str, value: float, cpu: float, target: float, baseline: str) -> str:
    verdict = "PASS" if value < target else ("MISS" if cpu >= target else "MISS (CPU PASS)")
    return (
        f"{what:<40} {_ms(value):>11} {_ms(cpu):>11} {'< ' + _ms(target):>13}  "
        f"{verdict}  {baseline}"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument(
        "--folder",
        type=Path,
        default=None,
        help="where the big database is cached (default: the temp folder)",
    )
    parser.add_argument("--words", type=int, default=5_000)
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--presses", type=int, default=50)
    parser.add_argument("--no-plain", action="store_true", help="skip the plain DataTable")
    parser.add_argument("--profile", action="store_true", help="cProfile the review screen")
    parser.add_argument(
        "--review-only", action="store_true", help="only the review screen (no 100,000 queue)"
    )
    args = parser.parse_args(argv)

    results: dict[str, Any] = {}
    if not args.review_only:
        big = f"sqlite:///{cached_queue_db(args.articles, args.folder)}"
        asyncio.run(queue_bench(big, results))
        if not args.no_plain:
            asyncio.run(plain_bench(big, results))
    with tempfile.TemporaryDirectory() as folder:
        small = Path(folder) / "review.db"
        article_id = build_review_db(small, args.words, args.candidates)
        asyncio.run(
            review_bench(
                f"sqlite:///{small}",
                article_id,
                results,
                repeats=args.repeats,
                presses=args.presses,
                profile=args.profile,
            )
        )

    print()
    print(
        f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
        "(wall-clock figures grow with it; CPU time of this process does not)"
    )
    if "queue_total" in results:
        print_queue(results)
    print(
        f"review: {args.words:,} words, {args.candidates} candidates; first paint "
        f"{', '.join(_ms(p) for p in results['review_paint_all'])}"
    )
    print(
        f"review: no-op key median {_ms(results['noop_key'])} (CPU "
        f"{_ms(results['noop_key_cpu'])}), `a` median {_ms(results['decision_key'])} (CPU "
        f"{_ms(results['decision_key_cpu'])}); accepted in the database afterwards: "
        f"{results['accepted_in_db']} (of {args.presses} presses)"
    )
    print()
    print(
        f"{'measure':<40} {'wall':>11} {'CPU':>11} {'target':>13}  ----  baseline in the same run"
    )
    if "queue_total" in results:
        print_queue_rows(results)
    print_review_rows(results)
    for name in ("profile_paint", "profile_decision", "profile_modes"):
        if name in results:
            print(f"\n--- cProfile: {name} ---\n{results[name]}")
    return 0


def print_queue(results: dict[str, Any]) -> None:
    """The queue's figures, as lines."""
    print(
        f"queue: make_app (open the database, migrations checked) "
        f"{_ms(results['queue_make_app'])} of the first paint; its last painted row: "
        f"{results['queue_painted_last_line'][:60]!r}"
    )
    print(
        f"queue: {results['queue_total']:,} articles; rows loaded: {results['queue_rows_first']} "
        f"at first paint, {results['queue_rows_end']} after `end` (cursor on article "
        f"{results['queue_end_article']}), at most {results['queue_rows_max']} while paging"
    )
    median, worst = results["queue_pagedown"]
    print(
        f"queue: `end` {_ms(results['queue_end'])}, `home` {_ms(results['queue_home'])}, "
        f"pagedown median {_ms(median)} (worst {_ms(worst)})"
    )
    print(
        "queue: sort key `s` (re-sort 100,000, cursor kept): "
        + ", ".join(f"{name} {_ms(seconds)}" for name, seconds in results["queue_sorts"].items())
    )
    if "plain_first_paint" in results:
        print(
            f"plain DataTable: {results['plain_rows']:,} rows added, first paint "
            f"{results['plain_first_paint']:.2f} s (+ {results['plain_fetch']:.2f} s reading "
            "them, not counted)"
        )


def print_queue_rows(results: dict[str, Any]) -> None:
    """The queue's rows of the table."""
    plain = (
        f"plain DataTable {results['plain_first_paint']:.2f} s "
        f"({results['plain_first_paint'] / results['queue_first_paint']:,.0f}x slower)"
        if "plain_first_paint" in results
        else ""
    )
    print(
        _row(
            "queue first paint, 100,000 articles",
            results["queue_first_paint"],
            results["queue_first_paint_cpu"],
            1.0,
            plain,
        )
    )
    print(
        _row(
            "queue `end` (to the last rows)",
            results["queue_end"],
            results["queue_end_cpu"],
            1.0,
            f"{results['queue_rows_end']} rows loaded, not {results['queue_total']:,}",
        )
    )


def print_review_rows(results: dict[str, Any]) -> None:
    """The review screen's rows of the table: first paint, a decision, the span modes."""
    print(
        _row(
            "review first paint (median)",
            results["review_paint"],
            results["review_paint_cpu"],
            0.100,
            f"the same screen on a one-sentence article: {_ms(results['review_paint_tiny'])}",
        )
    )
    extra = results["decision_key"] - results["noop_key"]
    extra_cpu = results["decision_key_cpu"] - results["noop_key_cpu"]
    print(
        _row(
            "decision key over a no-op key (medians)",
            extra,
            extra_cpu,
            0.050,
            f"no-op {_ms(results['noop_key'])}, `a` {_ms(results['decision_key'])}",
        )
    )
    noop, noop_cpu = results["mode_noop"], results["mode_noop_cpu"]
    for name, what in (
        ("mark", "enter the mark mode (`m`)"),
        ("mark_leave", "leave it (`escape`)"),
        ("edit", "enter the edit mode (`e`)"),
        ("edit_leave", "leave it (`escape`)"),
    ):
        print(
            _row(
                what,
                results[f"mode_{name}"],
                results[f"mode_{name}_cpu"],
                0.100,
                f"no-op key {_ms(noop)} (CPU {_ms(noop_cpu)}); over it "
                f"{_ms(results[f'mode_{name}'] - noop)}",
            )
        )


if __name__ == "__main__":
    sys.exit(main())
