"""The queue, its search and `telaah stats` on a big corpus (issue 17), each beside a baseline.

    python bench/scale_search_bench.py --articles 100000 --mentions   # built once, cached
    python bench/scale_search_bench.py --db /path/to/imported.sqlite  # an existing database
    python bench/scale_search_bench.py --articles 300000 --mentions --app

Figures (median of `--repeat` runs, warm cache; the first run of each is dropped):

- queue first paint: the store reads of the queue's reload (status counts, the listing's count,
  today's decisions, the first page of 200 rows with their counts) beside the raw first page
  (`SELECT id FROM article ORDER BY id LIMIT 200`); with `--app`, the app's first paint under
  Pilot (`make_app(...).run_test()` until the table holds rows) beside an empty database's.
- search, for a common word, a rare word, a phrase and prefixes of 3 to 5 letters: the
  queue's reload with the search (its count, shown as "10,000+" past 10,000 matches, and the
  first page) beside the old code path (an exact count and a page through `id IN (SELECT rowid
  ... MATCH)`) and the raw FTS5 count of the query.
- paging: the page after the first one (keyset, `after=` the last row) with and without the
  search.
- `telaah stats` as a subprocess, beside `python -c pass` and `telaah --help`; and its
  store call in process beside the old scan of the mentions by state and by origin; the
  tally's rows and their sum beside a count of the mentions it counts.

`--db PATH --mentions` first adds about ten mentions an article to the database (as
`scale_data.add_mentions`: plain SQL into the real table, the tally's triggers firing), once:
1M articles and 10M mentions for `telaah stats`.

Nothing is asserted on time; the script exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scale_data import (  # bench/ is the script's folder
    CACHE,
    MENTIONS_PER_ARTICLE,
    add_mentions,
    database,
)

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PAGE = 200
PAGES_DOWN = 60  # pages down from the first: past the ids read ahead with it (50 pages)
# (kind, query): words the generator writes (import_bench.CorpusWriter): "yang" in nearly
# every article, the number 777 in about one in 5,000, two common words as a phrase, a name
# written with an accent (José) by prefix, a three-letter prefix of 100+ terms (what the
# prefix index of migration 0010 serves), and four- and five-letter ones of the meN- verbs
# (150 common words for `meng*`: no prefix index serves them, the search ORs their terms,
# listed from migration 0011's table). A shorter prefix is refused (`search.MIN_PREFIX`).
SEARCHES = (
    ("common word", "yang"),
    ("rare word", "777"),
    ("phrase", '"yang dan"'),
    ("name prefix", "jos*"),
    ("short prefix", "mem*"),
    ("4-letter prefix", "meng*"),
    ("5-letter prefix", "menga*"),
    ("5-letter prefix", "mengj*"),
)


def timed(call: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The median wall time of `call` in ms (a first, cold run dropped) and its last result."""
    result = call()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), result


def line(label: str, ms: float, base_label: str, base_ms: float, note: str = "") -> None:
    print(f"  {label:<34}{ms:9.1f} ms   {base_label:<30}{base_ms:9.1f} ms  {note}")


def queue_reads(engine: Any, search: str | None, ahead: Any = None) -> tuple[Any, list[Any]]:
    """What the queue's reload reads (tui/screens/articles.py), the cursor on no article
    (`ahead`: the `IdsAhead` the queue holds, filled with the ids of the pages after)."""
    from store.corpus.articles import count_by_status, count_listing, list_articles
    from store.corpus.stats import decisions_since, start_of_today
    from store.db import session_scope

    with session_scope(engine) as session:
        count_by_status(session=session)
        total = count_listing(session=session, search=search)
        decisions_since(session=session, reviewer_id=1, since=start_of_today())
        rows = list_articles(session=session, limit=PAGE, search=search, ahead=ahead)
    return total, rows


def old_reads(db: Path, query: str) -> int:
    """The old path of a search: an exact count and a page through `id IN (...)`."""
    from store.corpus.search import _fts5_query

    match = _fts5_query(query)
    inner = "SELECT rowid FROM article_fts WHERE article_fts MATCH ?"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        count = connection.execute(
            f"SELECT count(*) FROM article WHERE id IN ({inner})", (match,)
        ).fetchone()[0]
        connection.execute(
            f"SELECT id FROM article WHERE id IN ({inner}) ORDER BY id LIMIT {PAGE}", (match,)
        ).fetchall()
    return int(count)


def raw(db: Path, sql: str, *params: Any) -> Any:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        return connection.execute(sql, params).fetchall()


def corpus_counts(engine: Any) -> Any:
    from store.corpus.stats import corpus_stats
    from store.db import session_scope

    with session_scope(engine) as session:
        return corpus_stats(session=session)


def old_mention_counts(db: Path) -> Any:
    """What `corpus_stats` read before the tally: every mention, by state and by origin."""
    return (
        raw(db, "SELECT state, count(*) FROM mention GROUP BY state"),
        raw(db, "SELECT origin, count(*) FROM mention GROUP BY origin"),
    )


def next_page(engine: Any, search: str | None, after: int, ahead: Any = None) -> list[Any]:
    """The page after `after`, as the queue reads it (`ahead`: as `queue_reads`)."""
    from store.corpus.articles import list_articles
    from store.db import session_scope

    with session_scope(engine) as session:
        return list_articles(session=session, limit=PAGE, after=after, search=search, ahead=ahead)


def paging(engine: Any, search: str | None, pages: int = PAGES_DOWN) -> tuple[float, float]:
    """Milliseconds a page takes `pages` pages down from a reload's first, one after
    another as the queue reads them (the ids it reads ahead with the first page: a search
    looks its index up again every `store.corpus.ahead.PAGES` pages): the median and the
    slowest; (0, 0) when the listing holds no second page."""
    from store.corpus.ahead import IdsAhead

    ahead = IdsAhead()
    rows = queue_reads(engine, search, ahead)[1]
    took = []
    while len(rows) == PAGE and len(took) < pages:
        started = time.perf_counter()
        rows = next_page(engine, search, rows[-1].id, ahead)
        took.append((time.perf_counter() - started) * 1000)
    return (statistics.median(took), max(took)) if took else (0.0, 0.0)


def last_page(engine: Any, search: str | None) -> list[Any]:
    """What the queue's `end` reads before its frame: the listing's last page (an estimated
    listing's exact count is made after, in a worker)."""
    from store.corpus.articles import last_articles
    from store.db import session_scope

    with session_scope(engine) as session:
        return last_articles(session=session, limit=PAGE, search=search)


def app_first_paint(url: str) -> float:
    """Seconds from `make_app` to the queue's first paint (its rows, or the empty hint)."""
    from tui.app import make_app
    from tui.widgets.article_table import ArticleTable

    async def run() -> float:
        t0 = time.perf_counter()
        app = make_app(url, reviewer="bench")
        async with app.run_test(size=(160, 50)) as pilot:
            for _ in range(1000):
                await pilot.pause()
                tables = app.screen.query(ArticleTable)
                # Painted: rows in the table, or the hint of an empty database.
                if tables and (tables.first().row_count or app.screen.has_class("-empty")):
                    break
            return time.perf_counter() - t0

    return asyncio.run(run())


def cli(argv: list[str], repeat: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def run() -> None:
        subprocess.run(argv, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)

    return timed(run, repeat)[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="an existing imported SQLite database")
    parser.add_argument("--articles", type=int, default=100_000, help="else build N (100000)")
    parser.add_argument(
        "--mentions",
        action="store_true",
        help="about 10 mentions an article (with --db: added to it, if it has fewer than 5)",
    )
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--app", action="store_true", help="also the app's first paint")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--only", default="queue,search,stats", help="the parts to measure (queue,search,stats)"
    )
    args = parser.parse_args()
    db = args.db or database(args.articles, mentions=args.mentions, cache=args.cache)

    from store.db import open_database

    url = f"sqlite:///{db}"
    t0 = time.perf_counter()
    engine = open_database(url)  # migrates an older database once (not timed below)
    print(f"opened {db} in {time.perf_counter() - t0:.1f} s")
    articles = raw(db, "SELECT max(id) FROM article")[0][0] or 0
    mentions = raw(db, "SELECT max(id) FROM mention")[0][0] or 0
    if args.db and args.mentions and mentions < articles * MENTIONS_PER_ARTICLE // 2:
        t0 = time.perf_counter()
        add_mentions(db)  # plain SQL into the real table: the tally's triggers count them
        print(f"added mentions to {db} in {time.perf_counter() - t0:.0f} s (not timed below)")
        mentions = raw(db, "SELECT max(id) FROM mention")[0][0] or 0
    print(f"{articles:,} articles, ~{mentions:,} mentions; median of {args.repeat} warm runs")
    repeat = args.repeat
    parts = set(args.only.split(","))

    if "queue" in parts:
        print("queue first paint")
        ms, (total, _rows) = timed(lambda: queue_reads(engine, None), repeat)
        base = timed(lambda: raw(db, f"SELECT id FROM article ORDER BY id LIMIT {PAGE}"), repeat)[0]
        line("store reads of a reload", ms, "raw first page", base, f"{total} articles")
        if args.app:
            app_s = statistics.median(app_first_paint(url) for _ in range(3))
            empty = args.cache / "empty.sqlite"
            empty.unlink(missing_ok=True)
            open_database(f"sqlite:///{empty}").dispose()  # created and migrated before, not timed
            empty_s = statistics.median(app_first_paint(f"sqlite:///{empty}") for _ in range(3))
            line("app first paint (Pilot)", app_s * 1000, "on an empty database", empty_s * 1000)

    if "search" in parts:
        print("search: the queue's reload (capped count + first page) vs the old path, raw count")
        from store.corpus.search import _fts5_query

        sql = "SELECT count(*) FROM article_fts WHERE article_fts MATCH ?"
        from store.corpus.search import search_problem

        print(f"  refused: {search_problem('me*')}")
        for kind, query in SEARCHES:
            ms, (total, rows) = timed(lambda q=query: queue_reads(engine, q), repeat)
            old_ms, exact = timed(lambda q=query: old_reads(db, q), max(1, repeat // 2))
            raw_ms = timed(lambda q=query: raw(db, sql, _fts5_query(q)), max(1, repeat // 2))[0]
            print(f"  {kind} {query!r}: {total} shown, {exact:,} exact")
            line("reload reads", ms, "old count + page", old_ms, f"raw FTS5 count {raw_ms:.1f} ms")
            if len(rows) == PAGE:
                with_ms, slowest = paging(engine, query)
                plain_ms = paging(engine, None)[0]
                line(
                    f"{PAGES_DOWN} pages down with the search (median)",
                    with_ms,
                    "without",
                    plain_ms,
                    f"slowest page {slowest:.1f} ms",
                )

    if "stats" in parts:
        print("telaah stats (subprocess)")
        telaah = [sys.executable, "-m", "tui"]
        stats_ms = cli([*telaah, "--db", url, "stats"], repeat)
        pass_ms = cli([sys.executable, "-c", "pass"], repeat)
        help_ms = cli([*telaah, "--help"], repeat)
        line("telaah stats", stats_ms, "python -c pass", pass_ms, f"telaah --help {help_ms:.0f} ms")
        ms = timed(lambda: corpus_counts(engine), repeat)[0]
        old_ms = timed(lambda: old_mention_counts(db), max(1, repeat // 2))[0]
        line("corpus_stats (in process)", ms, "old: mentions by state, origin", old_ms)
        tally = raw(db, "SELECT count(*), coalesce(sum(n), 0) FROM mention_tally")[0]
        shared = raw(db, "SELECT count(*) FROM mention WHERE layer IS NULL")[0][0]
        print(f"  mention_tally: {tally[0]} rows summing {tally[1]:,}; counted: {shared:,}")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
