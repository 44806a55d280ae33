"""Where an import's time goes, step by step (issue 17): the CPU and wall-clock time of every
10,000 articles, split by what ran, with the write-ahead log's size and FTS5's segments.

    .venv/bin/python bench/scale_import_profile.py --articles 300000 --out prof.jsonl
    .venv/bin/python bench/scale_import_profile.py --articles 300000 --out p.jsonl \
        --fts5 automerge=4,hashsize=1048576,crisismerge=16     # FTS5's defaults, to compare

Imports the first N articles of the cached scale corpus (`scale_corpus.py`, under `--cache`)
into a new database (`--db`, removed at the end unless `--keep`) as `telaah import` does, and
writes one JSON line per step of `--step` articles: `cpu`/`wall` seconds and `by` [wall, cpu,
calls] of the article inserts (`insert`), the full-text index statement (`fts`), the term
list of migration 0011 (`terms`), the commits (`commit`: FTS5 writes its pending terms as a
segment and merges there, and SQLite checkpoints the log), the two dedupe probes
(`probe_sha`, `probe_id`); what is left of `cpu` is Python (reading, parsing, normalising,
hashing). `levels`: FTS5's segments per level (count, merging, pages), read from the index's
structure record. Then it prints a table, and the rate of every slice of 100,000 (or a tenth
of N) by CPU time.
`--fts5 k=v,...` replaces the import's settings (`store.corpus.search.FTS5_SETTINGS` and
`BULK_SETTINGS`);
`--pragma k=v,...` runs `PRAGMA k=v` on every connection.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from scale_corpus import DEFAULT_CACHE, shard_paths  # noqa: E402

KINDS = ("insert", "fts", "terms", "commit", "probe_sha", "probe_id", "other")


def segments(connection: Any) -> list[tuple[int, int, int]]:
    """FTS5's structure record: per level (segments, segments being merged, pages)."""
    from store.corpus.search import index_levels

    return index_levels(connection)


def _kind(sql: str) -> str:
    head = sql.lstrip()[:40]
    if head.startswith("INSERT INTO article ("):
        return "insert"
    if head.startswith("INSERT INTO article_fts("):
        return "fts"
    if head.startswith("INSERT INTO article_fts_terms"):
        return "terms"
    if head.startswith("SELECT article.sha256"):
        return "probe_sha"
    if head.startswith("SELECT article.external_id"):
        return "probe_id"
    return "other"


def profile(args: argparse.Namespace) -> list[dict[str, Any]]:
    from sqlalchemy import event

    import store.corpus.search as search
    from store.db import open_database
    from store.ingest.articles import import_articles
    from store.ingest.sink import ImportHooks

    for pair in filter(None, args.fts5.split(",")):
        key, value = pair.split("=")
        search.FTS5_SETTINGS[key] = search.BULK_SETTINGS[key] = int(value)
    engine = open_database(f"sqlite:///{args.db}")
    if args.pragma:

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            for pair in args.pragma.split(","):
                dbapi_connection.execute(f"PRAGMA {pair}")

        engine.dispose()  # the next connections are made with them
    spent: dict[str, list[float]] = {}

    def add(kind: str, wall: float, cpu: float) -> None:
        entry = spent.setdefault(kind, [0.0, 0.0, 0])
        entry[0] += wall
        entry[1] += cpu
        entry[2] += 1

    @event.listens_for(engine, "before_cursor_execute")
    def _before(connection: Any, *_args: Any) -> None:
        connection.info["started"] = (time.perf_counter(), time.process_time())

    @event.listens_for(engine, "after_cursor_execute")
    def _after(connection: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        wall, cpu = connection.info.pop("started")
        add(_kind(sql), time.perf_counter() - wall, time.process_time() - cpu)

    commit = engine.dialect.do_commit

    def timed_commit(dbapi_connection: Any) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        commit(dbapi_connection)
        add("commit", time.perf_counter() - wall, time.process_time() - cpu)

    engine.dialect.do_commit = timed_commit  # type: ignore[method-assign]
    steps: list[dict[str, Any]] = []
    seen = [0]
    last = [time.perf_counter(), time.process_time()]

    def progress(_size: int) -> None:
        seen[0] += 1
        if seen[0] % args.step:
            return
        wall, cpu = time.perf_counter() - last[0], time.process_time() - last[1]
        with engine.connect() as connection:
            levels = segments(connection)
        wal = Path(f"{args.db}-wal")
        step = {
            "n": seen[0],
            "wall": wall,
            "cpu": cpu,
            "by": {k: [round(w, 4), round(c, 4), n] for k, (w, c, n) in spent.items()},
            "wal": wal.stat().st_size if wal.exists() else 0,
            "levels": levels,
        }
        steps.append(step)
        spent.clear()
        print(json.dumps(step), file=args.log, flush=True)
        last[:] = [time.perf_counter(), time.process_time()]

    import_articles(
        engine,
        shard_paths(args.cache, args.articles),
        reviewer_id=None,
        hooks=ImportHooks(on_progress=progress),
    )
    engine.dispose()
    return steps


def show(steps: list[dict[str, Any]], per_slice: int) -> None:
    print(f"{'articles':>9} {'cpu':>5} " + " ".join(f"{k:>9}" for k in KINDS[:-1])
          + f" {'python':>6} {'wall':>6} {'WAL MB':>6}  segments per level (pages)")  # fmt: skip
    for step in steps:
        by = step["by"]
        cpus = [by.get(k, [0, 0, 0])[1] for k in KINDS]
        levels = " ".join(f"{n}({p})" for n, _merging, p in step["levels"])
        print(
            f"{step['n']:>9,} {step['cpu']:5.2f} "
            + " ".join(f"{c:9.2f}" for c in cpus[:-1])
            + f" {step['cpu'] - sum(cpus):6.2f} {step['wall']:6.2f} {step['wal'] / 1e6:6.0f}"
            + f"  {levels}"
        )
    step_size = steps[0]["n"] if steps else 1
    each = max(1, per_slice // step_size)
    rates = []
    for start in range(0, len(steps) - each + 1, each):
        chunk = steps[start : start + each]
        rates.append(each * step_size / sum(s["cpu"] for s in chunk))
    if rates:
        print(
            f"per slice of {each * step_size:,}, by CPU time: "
            + " ".join(f"{r:,.0f}" for r in rates)
            + f" articles/s; slowest {min(rates) / rates[0]:.2f}x the first"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--articles", type=int, default=300_000)
    parser.add_argument("--step", type=int, default=10_000)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--out", type=Path, default=None, help="the steps as JSON lines")
    parser.add_argument("--fts5", default="", help="FTS5 settings, k=v,...")
    parser.add_argument("--pragma", default="", help="PRAGMAs on every connection, k=v,...")
    args = parser.parse_args()
    args.db = args.db or args.cache / "db" / f"profile-{args.articles}.db"
    args.db.parent.mkdir(parents=True, exist_ok=True)
    for path in args.db.parent.glob(args.db.name + "*"):
        path.unlink()
    args.log = args.out.open("w") if args.out else open(os.devnull, "w")  # noqa: SIM115
    try:
        steps = profile(args)
    finally:
        args.log.close()
        if not args.keep:
            for path in args.db.parent.glob(args.db.name + "*"):
                path.unlink()
    show(steps, 100_000 if args.articles >= 200_000 else max(args.step, args.articles // 10))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
