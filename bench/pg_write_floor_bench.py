"""What a PostgreSQL import costs the server alone, with the interpreter's work taken out
(issue 17: the import of 1M articles in 8 minutes on two cores).

    .venv/bin/python bench/pg_write_floor_bench.py --articles 20000

Reads the first N articles of the scale corpus (`scale_corpus.py`) and makes, before any
clock runs, every row (`sink.article_row`) and every batch's vectors (`vectors_of`), as the
importer does (that preparation is timed apart: reading, parsing and hashing; the tokens and
vector literals). Then writes them into a new database of the bench cluster
(`scale_pg_bench.py`'s server and tuning) with the import's own functions and its two writer
threads, three ways, each into a database of its own:

- `rows`: the articles' rows alone (`insert_keyed`: COPY), no search index: the floor;
- `import`: rows and search index as the import writes them (`insert_keyed`, `index_known`:
  vectors under the GIN index, the vocabulary's counts): the reference;
- `gin after`: the same with the GIN index dropped first and built at the end (timed apart).

Printed per way: wall seconds, the server's CPU (postmaster and backends, from /proc) and the
writers' (this process) per article; then what 1,000,000 articles would need at least on this
machine's cores kept busy every moment: (preparation + writers + server CPU) / cores, plus
the GIN index's build where it comes last (one server process: PostgreSQL builds a GIN index
in parallel from version 18 on), against the goal's 8 minutes, and how many cores that CPU
needs at the goal's rate. Nothing is asserted: figures only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _path in (str(ROOT), str(HERE)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from pg_import_bench import drop_database, fresh_database  # noqa: E402
from scale_corpus import DEFAULT_CACHE, ensure_corpus, shard_paths  # noqa: E402
from scale_pg_bench import CLUSTER, server_cpu, server_pid, start_cluster  # noqa: E402

GOAL_SECONDS = 8 * 60
AT_SCALE = 1_000_000
CORES = os.cpu_count() or 2
GIN = "ix_article_fts_doc"
NAME = "telaah_write_floor"

Batch = tuple[list[dict[str, Any]], Any]


def prepared(cache: Path, articles: int) -> tuple[list[Batch], float, float]:
    """The batches (rows, vectors) of the first `articles` articles; the CPU seconds of
    reading, parsing and hashing them into rows, and of making their vectors."""
    from store.corpus.search import vectors_of
    from store.ingest.sink import BATCH, article_row, text_hash
    from store.textnorm import normalise_text

    rows: list[dict[str, Any]] = []
    start = time.process_time()
    for path in shard_paths(cache, articles):
        with path.open("rb") as handle:
            for raw in handle:
                if len(rows) == articles:
                    break
                record = json.loads(raw)
                text, _removed = normalise_text(record["text"])
                rows.append(
                    article_row(
                        external_id=record["id"],
                        title=record["title"],
                        source=record.get("source"),
                        url=record.get("url"),
                        text=text,
                        sha256=text_hash(text),
                        status="todo",
                    )
                )
    reading = time.process_time() - start
    start = time.process_time()
    batches = [
        (chunk, vectors_of([(row["title"], row["text"]) for row in chunk]))
        for chunk in (rows[at : at + BATCH] for at in range(0, len(rows), BATCH))
    ]
    return batches, reading, time.process_time() - start


def migrated_database(server: str, name: str) -> str:
    """A new, migrated database `name` (dropped first if there)."""
    from store.db import open_database

    url = fresh_database(server, name)
    open_database(url).dispose()
    return url


def write_all(url: str, batches: Sequence[Batch], index: bool) -> None:
    """Write every batch as the import's writers do: two threads, a transaction a batch."""
    from store.corpus.search import index_known
    from store.db import open_database
    from store.ingest.sink import WRITERS, insert_keyed

    engine = open_database(url)

    def write(batch: Batch) -> None:
        rows, vectors = batch
        with engine.begin() as connection:
            keyed = insert_keyed(connection, rows)
            if index:
                index_known(connection, [keyed[row["external_id"]] for row in rows], vectors)

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        for done in [pool.submit(write, batch) for batch in batches]:
            done.result()
    engine.dispose()


def timed(server: str, step: Callable[[], None]) -> tuple[float, float, float]:
    """Wall seconds, this process's CPU seconds and the server's, of `step`."""
    pid = server_pid(server)
    server0, cpu0, wall0 = server_cpu(pid), time.process_time(), time.perf_counter()
    step()
    return time.perf_counter() - wall0, time.process_time() - cpu0, server_cpu(pid) - server0


def gin(url: str, make: bool) -> None:
    from sqlalchemy import text

    from store.db import open_database

    engine = open_database(url)
    with engine.begin() as connection:
        if make:
            connection.execute(text(f"CREATE INDEX {GIN} ON article_fts USING gin (doc)"))
        else:
            connection.execute(text(f"DROP INDEX {GIN}"))
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--cluster", type=Path, default=CLUSTER)
    args = parser.parse_args()
    n = args.articles
    ensure_corpus(args.cache, n)
    server = start_cluster(args.cluster)
    batches, reading, vectors = prepared(args.cache, n)
    us = 1e6 / n
    print(f"{n:,} articles on {CORES} cores; goal: {AT_SCALE:,} in {GOAL_SECONDS / 60:.0f} min")
    print(
        f"  {AT_SCALE / GOAL_SECONDS:,.0f} articles/s: {1e6 * GOAL_SECONDS / AT_SCALE:.0f} us of"
        f" wall an article, {CORES * 1e6 * GOAL_SECONDS / AT_SCALE:.0f} us of CPU on {CORES} cores"
    )
    print("importer's preparation, CPU an article (done before the writes below):")
    print(f"  read, parse, normalise, hash, row   {reading * us:7.0f} us")
    print(f"  tokens and vector literals          {vectors * us:7.0f} us")
    print(
        f"{'way':<10} {'wall s':>7} {'server us':>10} {'writers us':>11} "
        f"{'build s':>8} {'least 1M min':>13} {'cores at goal':>14}"
    )
    for way in ("rows", "import", "gin after"):
        url = migrated_database(server, NAME)
        if way == "gin after":
            gin(url, make=False)
        wall, cpu, srv = timed(server, partial(write_all, url, batches, way != "rows"))
        build = build_cpu = 0.0
        if way == "gin after":
            build, build_cpu, build_srv = timed(server, partial(gin, url, make=True))
            wall, cpu, srv, build_cpu = wall + build, cpu + build_cpu, srv + build_srv, build_srv
        prep = reading + (vectors if way != "rows" else 0.0)
        # The build is one server process (PostgreSQL builds a GIN index in parallel from 18
        # on): its wall comes after the rest, whose CPU shares the cores.
        shared = prep + cpu + srv - build_cpu
        least = (shared / CORES + build) * AT_SCALE / n / 60
        cores = (prep + cpu + srv) / n * AT_SCALE / GOAL_SECONDS
        print(
            f"{way:<10} {wall:7.1f} {srv * us:10.0f} {cpu * us:11.0f} {build:8.1f} "
            f"{least:13.1f} {cores:14.2f}"
        )
    drop_database(server, NAME)
    print(
        f"least 1M min: (preparation + writers + server CPU) / {CORES} cores, plus the"
        " index's build (one process), scaled to"
        f" {AT_SCALE:,} articles (goal {GOAL_SECONDS / 60:.0f} min); cores at goal: the cores"
        " that CPU keeps busy at the goal's rate (this machine has"
        f" {CORES})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
