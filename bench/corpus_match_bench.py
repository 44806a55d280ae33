"""Corpus-wide matching into the database: one process against every core, in the same run.

    .venv/bin/python bench/corpus_match_bench.py                  # 10,000 articles, 100k aliases
    .venv/bin/python bench/corpus_match_bench.py --articles 2000 --aliases 10000

Prints articles/s of `store.review.candidates.match_articles` with workers=1 and workers=all
cores on
the same database (pending candidates cleared between the runs, so both write the same rows),
and the speed-up. Needs the bench extra (`pip install -e ".[bench]"`) for the gazetteer.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_bench import generate  # noqa: E402
from match_data import build_gazetteer  # noqa: E402
from sqlalchemy import delete, text  # noqa: E402

from store.db import open_database, session_scope  # noqa: E402
from store.ingest.articles import import_articles  # noqa: E402
from store.matching import AliasEntry, Matcher  # noqa: E402
from store.models import Mention  # noqa: E402
from store.review.candidates import match_articles  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--aliases", type=int, default=100_000)
    parser.add_argument("--words", type=int, default=600)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="telaah-corpus-match-") as tmp:
        folder = Path(tmp) / "corpus"
        folder.mkdir()
        generate(folder, args.articles, args.words, "jsonl", 2)
        engine = open_database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        import_articles(engine, [folder], reviewer_id=None)
        rows = build_gazetteer(args.aliases)
        started = time.perf_counter()
        matcher = Matcher.build(AliasEntry(key, alias, label) for key, alias, label, _ in rows)
        built = time.perf_counter() - started
        # Synthetic keys are not in the database: give the matcher's keys entity rows.
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO entity (key, name, type, external_ids, created_at, updated_at) "
                    "VALUES (:k, :k, :t, '{}', '2026-01-01', '2026-01-01')"
                ),
                [{"k": k, "t": t} for k, t in {(key, label) for key, _, label, _ in rows}],
            )
        cores = os.cpu_count() or 1
        print(
            f"{args.articles:,} articles of ~{args.words} words, {len(rows):,} aliases "
            f"(matcher built in {built:.1f} s), {cores} cores"
        )
        rates = {}
        for workers in (1, cores):
            with session_scope(engine) as session:
                session.execute(delete(Mention))
                session.commit()
            started = time.perf_counter()
            report = match_articles(engine, matcher=matcher, workers=workers)
            seconds = time.perf_counter() - started
            rates[workers] = args.articles / seconds
            print(
                f"workers={workers}: {seconds:7.1f} s  {rates[workers]:8,.0f} articles/s  "
                f"({report.added:,} candidates stored)"
            )
        if cores > 1:
            print(f"speed-up with {cores} workers: {rates[cores] / rates[1]:.2f}x")
            per_100k = 100_000 / rates[cores]
            print(f"projected for 100,000 articles with {cores} workers: {per_100k:.0f} s")
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
