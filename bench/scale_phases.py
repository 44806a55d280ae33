"""The measured phases of `scale_bench.py`, each run in a fresh interpreter.

    python bench/scale_phases.py PHASE --db DB --cache DIR --articles N [--out PATH]

Prints one JSON line (the phase's figures). A phase in its own process has its own
`ru_maxrss`: that is its peak RSS.

- `floor`: read, parse (`json.loads`) and sha256 every text of the first N articles: what no
  importer can beat.
- `import`: `import_articles` of those shards into DB (fresh, or stored in part: then the
  import goes on where it stopped), with a mark at every slice of articles, the write-ahead
  log's size at each mark, and the peak RSS.
- `read`: the export's floor: every article row streamed (`yield_per`) and written as one
  JSON line of id, title and text.
- `export`: `run_export` of every article, as `telaah export --format FMT` runs it (with
  `--unchecked`: without reading its output back, to measure what the check costs); its CPU
  time is its own and its workers'.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from measure import maxrss_mib, vmhwm_mib  # noqa: E402
from scale_corpus import shard_paths  # noqa: E402


def slice_size(articles: int) -> int:
    """Articles per measured slice: 100,000, or a tenth of a smaller run in whole indexing
    steps (the import indexes `INDEX_EVERY` batches at a time: a slice without that step
    would look faster than one with it)."""
    from store.ingest.sink import BATCH, INDEX_EVERY

    step = BATCH * INDEX_EVERY
    return 100_000 if articles >= 200_000 else max(step, articles // 10 // step * step)


def database_url(db: Path | str) -> str:
    """The URL of `db`: a SQLite file's path, or a database URL as it is (PostgreSQL:
    `scale_pg_bench.py` passes `postgresql+psycopg://...` as `--db`)."""
    return str(db) if "://" in str(db) else f"sqlite:///{db}"


def _wal(db: Path | str) -> int:
    if "://" in str(db):
        return 0  # a server's write-ahead log is not one file beside the database
    try:
        return os.path.getsize(f"{db}-wal")
    except OSError:
        return 0


def floor(cache: Path, articles: int) -> dict[str, Any]:
    t0, c0 = time.perf_counter(), time.process_time()
    count = 0
    digest = hashlib.sha256()
    for path in shard_paths(cache, articles):
        with path.open("rb") as handle:
            for raw in handle:
                text = json.loads(raw)["text"]
                digest.update(hashlib.sha256(text.encode("utf-8")).digest())
                count += 1
    return {
        "seconds": time.perf_counter() - t0,
        "cpu": time.process_time() - c0,
        "articles": count,
        "rss_peak": maxrss_mib(),
    }


def import_(cache: Path, db: Path | str, articles: int) -> dict[str, Any]:
    from sqlalchemy import text

    from store.corpus.search import index_levels
    from store.db import open_database
    from store.ingest.articles import import_articles
    from store.ingest.sink import ImportHooks

    engine = open_database(database_url(db))
    with engine.connect() as connection:
        before = connection.execute(text("SELECT count(*) FROM article")).scalar_one()
    rss_start = maxrss_mib()
    each = slice_size(articles)
    seen = [0]
    # (time, CPU time, WAL bytes, peak RSS) at the end of each slice
    marks: list[tuple[float, float, int, float]] = []

    def progress(_size: int) -> None:
        seen[0] += 1
        if seen[0] % each == 0:
            marks.append((time.perf_counter(), time.process_time(), _wal(db), maxrss_mib()))

    started, c0, all0 = time.perf_counter(), time.process_time(), _cpu()
    report = import_articles(
        engine,
        shard_paths(cache, articles),
        reviewer_id=None,
        hooks=ImportHooks(on_progress=progress),
    )
    seconds, cpu = time.perf_counter() - started, time.process_time() - c0
    # With the importer's processes (PostgreSQL's vectors are made by one), ended by now.
    children = _cpu() - all0 - cpu
    cpu += children
    # What ran after the last article's slice: the import's `finish`, the index's merge.
    last_wall, last_cpu = marks[-1][:2] if marks else (started, c0)
    times = [started] + [m[0] for m in marks]
    cpus = [c0] + [m[1] for m in marks]
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM article")).scalar_one()
        index = "article_fts_docsize" if engine.dialect.name == "sqlite" else "article_fts"
        indexed = connection.execute(text(f"SELECT count(*) FROM {index}")).scalar_one()
        levels = index_levels(connection) if engine.dialect.name == "sqlite" else []
    engine.dispose()
    return {
        "seconds": seconds,
        "cpu": cpu,
        "finish": started + seconds - last_wall,
        "finish_cpu": c0 + cpu - last_cpu,
        "levels": levels,
        "before": before,
        "slice": each,
        "rates": [each / (b - a) for a, b in zip(times, times[1:], strict=False) if b > a],
        "cpu_rates": [each / (b - a) for a, b in zip(cpus, cpus[1:], strict=False) if b > a],
        "wal": [m[2] for m in marks],
        "rss": [m[3] for m in marks],
        "rss_start": rss_start,
        "rss_peak": maxrss_mib(),
        "vmhwm": vmhwm_mib(),
        "children_cpu": children,
        "children_rss_peak": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "count": count,
        "indexed": indexed,
        "imported": report.imported,
        "duplicates": report.duplicates,
        "failed": report.failed,
        "problems": report.problems[:5],
    }


def read(db: Path | str, out: Path) -> dict[str, Any]:
    from sqlalchemy import select
    from sqlmodel import col

    from store.db import open_database
    from store.models import Article

    engine = open_database(database_url(db))
    started = time.perf_counter()
    cpu_start = time.process_time()
    count = 0
    with engine.connect() as connection, out.open("w", encoding="utf-8") as handle:
        rows = connection.execution_options(yield_per=1000).execute(
            select(col(Article.external_id), col(Article.title), col(Article.text)).order_by(
                col(Article.id)
            )
        )
        for external_id, title, body in rows:
            handle.write(json.dumps({"id": external_id, "title": title, "text": body}) + "\n")
            count += 1
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_start
    size = out.stat().st_size
    out.unlink()
    return {
        "seconds": seconds,
        "cpu": cpu,
        "articles": count,
        "bytes": size,
        "rss_peak": maxrss_mib(),
    }


def export(
    db: Path | str,
    out: Path,
    fmt: str,
    workers: int,
    verify: bool = True,
    search: str | None = None,
) -> dict[str, Any]:
    from store.db import open_database
    from store.export.selection import Selection
    from store.export.writer import run_export
    from store.formats.registry import get_format

    engine = open_database(database_url(db))
    started = time.perf_counter()
    cpu_start = _cpu()
    report = run_export(
        engine,
        fmt=get_format(fmt),
        out=out,
        selection=Selection(articles="all", search=search),
        workers=workers,
        verify=verify,
    )
    seconds = time.perf_counter() - started
    cpu = _cpu() - cpu_start
    size = sum(p.stat().st_size for p in out.parent.glob(out.name + "*") if p.is_file())
    for path in out.parent.glob(out.name + "*"):
        if path.is_file():
            path.unlink()
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # Linux: KiB
    return {
        "seconds": seconds,
        "cpu": cpu,
        "articles": report.articles,
        "bytes": size,
        "rss_peak": maxrss_mib(),
        "worker_peak": children,
        "workers": workers,
    }


def _cpu() -> float:
    """CPU seconds of this process and of its children that ended (an export's workers)."""
    mine = resource.getrusage(resource.RUSAGE_SELF)
    theirs = resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + theirs.ru_utime + theirs.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("phase", choices=("floor", "import", "read", "export"))
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--articles", type=int, default=0)
    parser.add_argument("--db", help="a SQLite file, or a database URL")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--format", default="jsonl")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--unchecked", action="store_true", help="export: verify=False")
    parser.add_argument("--search", help="export: only the articles matching this search")
    args = parser.parse_args()
    if args.phase == "floor":
        result = floor(args.cache, args.articles)
    elif args.phase == "import":
        result = import_(args.cache, args.db, args.articles)
    elif args.phase == "read":
        result = read(args.db, args.out)
    else:
        result = export(
            args.db, args.out, args.format, args.workers, not args.unchecked, args.search
        )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
