"""The databases of `scale_search_bench.py`: N generated articles, imported once and cached.

    python bench/scale_data.py --articles 100000 [--mentions]   # prints the database's path

The articles come from `import_bench.py`'s generator (same seed, same corpus) and go through
`store.ingest.articles.import_articles`, with the search index; `--mentions` adds about ten
mentions an article (states and origins mixed, a few decided), written straight into the
table in big batches: what the queue's counts and `telaah stats` read, not a matcher's work.
The database is kept under /work/cache/search/ (or `--cache`) and reused.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CACHE = Path("/work/cache/search")
LABELS = ("PER", "ORG", "LOC", "GPE", "WEAPON")
MENTIONS_PER_ARTICLE = 10
BATCH = 100_000


def database(articles: int, *, mentions: bool, cache: Path = CACHE, seed: int = 2) -> Path:
    """The cached database of `articles` generated articles (built if missing), with about
    ten mentions an article when `mentions`."""
    cache.mkdir(parents=True, exist_ok=True)
    plain = cache / f"articles-{articles}-seed{seed}.sqlite"
    if not plain.exists():
        _build(plain, articles, cache, seed)
    if not mentions:
        return plain
    full = cache / f"articles-{articles}-seed{seed}-mentions.sqlite"
    if not full.exists():
        partial = full.with_suffix(".partial")
        shutil.copyfile(plain, partial)
        add_mentions(partial, seed)
        partial.rename(full)
    return full


def _build(db: Path, articles: int, cache: Path, seed: int) -> None:
    from import_bench import generate  # bench/ is the script's folder

    from store.db import open_database
    from store.ingest.articles import import_articles

    corpus = cache / f"corpus-{articles}-seed{seed}"
    partial = db.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    t0 = time.perf_counter()
    shutil.rmtree(corpus, ignore_errors=True)
    generate(corpus, articles, 600, "jsonl", seed)
    t1 = time.perf_counter()
    print(f"generated {articles:,} articles in {t1 - t0:.0f} s", file=sys.stderr)
    engine = open_database(f"sqlite:///{partial}")
    report = import_articles(engine, [corpus], reviewer_id=None)
    engine.dispose()
    print(
        f"imported {report.imported:,} articles in {time.perf_counter() - t1:.0f} s",
        file=sys.stderr,
    )
    shutil.rmtree(corpus, ignore_errors=True)
    partial.rename(db)


def add_mentions(db: Path, seed: int = 2) -> int:
    """Add about `MENTIONS_PER_ARTICLE` mentions to every article (plain SQL, in batches):
    mostly pending gazetteer candidates, some accepted or rejected, a few manual ones; a
    tenth of the articles in progress or done. Returns how many were added."""
    rng = random.Random(seed)
    t0 = time.perf_counter()
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    ids = [row[0] for row in connection.execute("SELECT id FROM article ORDER BY id")]
    added = 0
    rows: list[tuple[object, ...]] = []
    now = "2026-12-04 00:00:00.000000"
    for article_id in ids:
        start = 0
        for _ in range(rng.randint(MENTIONS_PER_ARTICLE - 3, MENTIONS_PER_ARTICLE + 3)):
            start += rng.randint(20, 300)
            end = start + rng.randint(3, 20)
            roll = rng.random()
            state = "pending" if roll < 0.8 else ("accepted" if roll < 0.95 else "rejected")
            origin = "manual" if rng.random() < 0.03 else "gazetteer"
            score = None if origin == "manual" else float(rng.choice((45, 60, 80, 90, 100)))
            rows.append(
                (article_id, start, end, "x" * (end - start), rng.choice(LABELS), state,
                 origin, score, "[]", now, 1)
            )  # fmt: skip
        if len(rows) >= BATCH:
            added += _insert(connection, rows)
            rows = []
    added += _insert(connection, rows)
    statuses = [(rng.choice(("in_progress", "done")), i) for i in ids if rng.random() < 0.1]
    connection.executemany("UPDATE article SET status = ? WHERE id = ?", statuses)
    connection.commit()
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    print(f"added {added:,} mentions in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return added


def _insert(connection: sqlite3.Connection, rows: list[tuple[object, ...]]) -> int:
    connection.executemany(
        'INSERT INTO mention (article_id, start, "end", text, label, state, origin, score, '
        "alternatives, created_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    return len(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--mentions", action="store_true", help="about 10 mentions an article")
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--seed", type=int, default=2)
    args = parser.parse_args()
    print(database(args.articles, mentions=args.mentions, cache=args.cache, seed=args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
