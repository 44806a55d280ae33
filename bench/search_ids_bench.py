"""What a search's ids cost: one page's against 50 pages' (`store.corpus.ahead.PAGES`), as
the planner reads them and through the index's bitmap, with the share of the articles each
search is in; the figures behind `store.corpus.ahead.BITMAP_BELOW`.

    .venv/bin/python bench/search_ids_bench.py --db postgresql+psycopg://u@h/telaah_scale_1000000
    .venv/bin/python bench/search_ids_bench.py --db articles.db jos* "yang dan" 777

Each figure is the median of `--repeat` reads (milliseconds) of the ids alone, as
`list_articles` chooses a search's page (`SearchFrom.index`, ordered by id); "bitmap" runs
under `store.dialect.index_scans` (PostgreSQL; the same read elsewhere). The baseline in the
same run: a page of ids without a search. Nothing is asserted: figures only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from store.corpus.ahead import PAGES  # noqa: E402
from store.corpus.search import search_from, search_share  # noqa: E402
from store.db import make_engine, session_scope  # noqa: E402
from store.dialect import index_scans  # noqa: E402
from store.models import Article  # noqa: E402

PAGE = 200
SEARCHES = ("777", "jos*", "mem*", "meng*", "mengj*", "yang", '"yang dan"')


def timed(engine: Any, read: Any, repeat: int) -> float:
    took = []
    for _ in range(repeat):
        started = time.perf_counter()
        with session_scope(engine) as session:
            read(session)
        took.append((time.perf_counter() - started) * 1000)
    return statistics.median(took)


def ids(search: str, limit: int, bitmap: bool) -> Any:
    def read(session: Any) -> int:
        found = search_from(session, Article.__table__, search)  # type: ignore[attr-defined]
        query = select(found.ident.label("id")).select_from(found.index)
        query = query.where(found.condition).order_by(found.ident).limit(limit)
        with index_scans(session) if bitmap else nullcontext():
            return len(session.execute(query).all())

    return read


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, help="a database URL or a SQLite file")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("searches", nargs="*", default=list(SEARCHES))
    args = parser.parse_args()
    db = args.db if "://" in args.db else f"sqlite:///{Path(args.db).resolve()}"
    engine = make_engine(db)
    plain = select(Article.id).order_by(Article.id).limit(PAGE)  # type: ignore[arg-type]
    base = timed(engine, lambda session: session.execute(plain).all(), args.repeat)
    print(f"ids of a page without a search: {base:.1f} ms (median of {args.repeat})")
    print(f"  {'search':12} {'share':>6}  {'planner':>17}  {'bitmap':>17}   (1 page / {PAGES})")
    for search in args.searches:
        with session_scope(engine) as session:
            share = search_share(session, search)
        cells = []
        for bitmap in (False, True):
            one, many = (
                timed(engine, ids(search, n, bitmap), args.repeat) for n in (PAGE, PAGE * PAGES)
            )
            cells.append(f"{one:7.1f} / {many:7.1f}")
        shown = "-" if share is None else f"{share:.1%}"
        print(f"  {search:12} {shown:>6}  " + "  ".join(cells))
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
