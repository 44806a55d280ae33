"""The queue's reload (its counts and first page) for each search, this code beside another
revision's, on the same database in the same run.

    .venv/bin/python bench/queue_reload_bench.py --db postgresql+psycopg://u@h/db --before HEAD~1
    .venv/bin/python bench/queue_reload_bench.py --db articles.db --before 879a532 --rounds 2

Each side runs in a child process of its own code (the revision `--before` from a `git
worktree`, as `pg_import_bench.py` makes it), reading with `scale_search_bench.queue_reads`
what `tui/screens/articles.py` reads on a reload; the sides alternate (before, now, now,
before with `--rounds 2`) to spread the machine's drift. Printed: the median and the least of
`--repeat` reloads per search and side, then now / before; then the median of the next page
(`scale_search_bench.next_page`, after the first page's last row) per search and side. The
database is opened without migrating it (migrate it once with this code first: the code
before reads what it knew).
Nothing is asserted: figures only.
"""

from __future__ import annotations

import argparse
import inspect
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SEARCHES = ("", "yang", '"yang dan"', "777", "jos*", "mem*", "meng*", "mengj*")


def child(db: str, repeat: int, pages: int) -> None:
    """In a child: the reloads of every search with the code it runs in (its working
    folder: this checkout or the revision's worktree), then `pages` pages down from the last
    reload's first page, as the queue reads them (with the ids it reads ahead, where the
    code has them: `store.corpus.ahead`), as JSON."""
    code = Path.cwd()
    sys.path[:0] = [str(code), str(code / "bench")]
    from scale_search_bench import next_page, queue_reads

    from store.db import make_engine

    engine = make_engine(db)
    held = "ahead" in inspect.signature(next_page).parameters
    found = {}
    for search in SEARCHES:
        times, took = [], []
        kept: dict[str, Any] = {}
        for _ in range(repeat):
            if held:  # a reload starts a fresh run of ids, as the queue's does
                from store.corpus.ahead import IdsAhead

                kept = {"ahead": IdsAhead()}
            started = time.perf_counter()
            total, rows = queue_reads(engine, search or None, **kept)
            times.append((time.perf_counter() - started) * 1000)
        after = rows[-1].id if rows else None
        for _ in range(pages if rows else 0):
            started = time.perf_counter()
            page = next_page(engine, search or None, after, **kept)
            took.append((time.perf_counter() - started) * 1000)
            if not page:
                break
            after = page[-1].id
        median = statistics.median(took) if took else 0.0
        found[search] = (
            statistics.median(times),
            min(times),
            str(total),
            median,
            max(took, default=0.0),
            len(took),
        )
    print(json.dumps(found))


def side(code: Path, db: str, repeat: int, pages: int) -> dict[str, list[object]]:
    # This file on both sides (the revision's own may measure less); its reads are the
    # side's code: `store` and `scale_search_bench` from `code` (the child's path).
    from pg_import_bench import side_json

    result: dict[str, list[object]] = side_json(
        code,
        [
            str(Path(__file__)),
            "--child",
            "--db",
            db,
            "--repeat",
            str(repeat),
            "--pages",
            str(pages),
        ],
    )
    return result


def main() -> int:
    sys.path.insert(0, str(HERE))
    from pg_import_bench import alternating, database_arg, revision_options, worktree

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    revision_options(parser, child=True)
    parser.add_argument("--repeat", type=int, default=5, help="reloads per search (median)")
    parser.add_argument(
        "--pages", type=int, default=60, help="pages down from the first, one after another"
    )
    args = parser.parse_args()
    db = database_arg(args.db)
    if args.child:
        child(db, args.repeat, args.pages)
        return 0
    codes = {"before": worktree(args.before), "now": ROOT}
    runs: dict[str, list[dict[str, list[object]]]] = {"before": [], "now": []}
    for label in alternating(["before", "now"], args.rounds):
        runs[label].append(side(codes[label], db, args.repeat, args.pages))
    print(f"== the queue's reload, median of {args.repeat} (least), {args.before} and now")
    for search in SEARCHES:
        cells = []
        for label in ("before", "now"):
            for run in runs[label]:
                median, least, total = run[search][:3]
                cells.append(f"{label} {median:7.1f} ({least:.1f})")
        best = {label: min(float(run[search][0]) for run in runs[label]) for label in runs}  # type: ignore[arg-type]
        shown = runs["now"][0][search][2]
        print(
            f"  {search or '(no search)':12} {shown:>10}  "
            + "  ".join(cells)
            + f"  now / before {best['now'] / best['before']:.2f}x"
        )
    print(
        f"== {args.pages} pages down from the first (keyset, each after the one before, as the"
        " queue reads them): median (slowest) ms"
    )
    for search in SEARCHES:
        pages = []
        for label in ("before", "now"):
            for run in runs[label]:
                figures = [float(x) for x in run[search][3:5]]  # type: ignore[arg-type]
                median, slowest = figures if len(figures) == 2 else (figures[0], float("nan"))
                pages.append(f"{label} {median:6.1f} ({slowest:.1f})")
        print(f"  {search or '(no search)':12} " + "  ".join(pages))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
