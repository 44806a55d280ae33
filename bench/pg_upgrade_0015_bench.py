"""What migration 0015 (PostgreSQL's vectors made again with FTS5's terms) costs at scale
(issue 17).

    .venv/bin/python bench/pg_upgrade_0015_bench.py --articles 100000

Imports the first N scale articles into a new database of the bench cluster
(`scale_pg_bench.py`'s server and tuning), then, in the same run: reads every article's
title and text once (streamed to this process: the floor of any pass over the texts), takes
the database down to revision 0014 (its vectors made again by the pattern: the mirror of the
upgrade) and up to head again (the upgrade a database indexed before 0015 gets). Prints each
one's wall seconds and us an article, and how many vectors the upgrade made again. Nothing is
asserted: figures only.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _path in (str(ROOT), str(HERE)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from pg_import_bench import drop_database, fresh_database  # noqa: E402
from scale_corpus import DEFAULT_CACHE, ensure_corpus, shard_paths  # noqa: E402
from scale_pg_bench import CLUSTER, start_cluster  # noqa: E402

NAME = "telaah_upgrade_0015"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--cluster", type=Path, default=CLUSTER)
    args = parser.parse_args()
    ensure_corpus(args.cache, args.articles)
    server = start_cluster(args.cluster)
    url = fresh_database(server, NAME)

    from alembic import command
    from sqlalchemy import text

    from store.db import open_database
    from store.ingest.articles import import_articles
    from store.migrate import alembic_config

    engine = open_database(url)
    started = time.perf_counter()
    report = import_articles(engine, shard_paths(args.cache, args.articles), reviewer_id=None)
    n = report.imported
    print(f"{n:,} articles imported in {time.perf_counter() - started:.1f} s")

    def timed(step: str, work: object) -> float:
        start = time.perf_counter()
        work()  # type: ignore[operator]
        seconds = time.perf_counter() - start
        print(f"  {step:<38} {seconds:7.1f} s  {seconds / n * 1e6:6.0f} us an article")
        return seconds

    def read_all() -> None:
        with engine.connect() as connection:
            rows = connection.execution_options(yield_per=1_000).execute(
                text("SELECT id, title, text FROM article ORDER BY id")
            )
            for _row in rows:
                pass

    def vocabulary() -> dict[str, int]:
        with engine.connect() as connection:
            return dict(connection.execute(text("SELECT term, doc FROM article_fts_vocab")).all())

    timed("every text read (the floor)", read_all)
    made = vocabulary()
    timed("down to 0014 (the pattern's vectors)", lambda: command.downgrade(
        alembic_config(engine), "0014"))  # fmt: skip
    pattern = vocabulary()
    timed("up to head: migration 0015", lambda: command.upgrade(alembic_config(engine), "head"))
    again = vocabulary()
    differ = sum(1 for term in made.keys() | pattern.keys() if made.get(term) != pattern.get(term))
    print(
        f"  terms counted otherwise by the pattern: {differ:,};"
        f" the vocabulary after the upgrade is the import's: {again == made}"
    )
    engine.dispose()
    drop_database(server, NAME)
    return 0


if __name__ == "__main__":
    sys.exit(main())
