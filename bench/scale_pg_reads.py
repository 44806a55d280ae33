"""The reads of `scale_pg_bench.py`: the queue, its searches and `telaah stats` on a
PostgreSQL database beside the SQLite database of the same size, in one run.

The measurements are `scale_search_bench.py`'s own functions (`queue_reads`, `next_page`,
`corpus_counts`, `app_first_paint`, `cli`, `timed`), called on both databases; the baselines
are each database's raw form of the same read (SQLite's through `scale_search_bench.raw` and
`old_reads`, read-only; PostgreSQL's here). Where PostgreSQL misses a goal, the slowest
statement of the read is shown with `EXPLAIN (ANALYZE, BUFFERS)`.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scale_search_bench import (
    PAGE,
    PAGES_DOWN,
    SEARCHES,
    app_first_paint,
    cli,
    corpus_counts,
    last_page,
    next_page,
    old_reads,
    paging,
    queue_reads,
    raw,
    timed,
)

SEARCH_GOAL_MS = 200
PAINT_GOAL_MS = 1000
STATS_GOAL_MS = 1000


@dataclass
class Side:
    """One database of the comparison: its engine, and its raw reads."""

    name: str
    url: str
    engine: Any
    sqlite_file: Path | None = None  # SQLite: the file, read through sqlite3 read-only

    def raw_first_page(self) -> Any:
        sql = f"SELECT id FROM article ORDER BY id LIMIT {PAGE}"
        return raw(self.sqlite_file, sql) if self.sqlite_file else self.pg(sql)

    def raw_count(self, query: str) -> Any:
        if self.sqlite_file:
            from store.corpus.search import _fts5_query

            sql = "SELECT count(*) FROM article_fts WHERE article_fts MATCH ?"
            return raw(self.sqlite_file, sql, _fts5_query(query))
        sql = "SELECT count(*) FROM article_fts WHERE doc @@ CAST(:q AS tsquery)"
        return self.pg(sql, q=tsquery(query))

    def exact(self, query: str) -> int:
        """The search without a cap: an exact count and the first page through `id IN`."""
        if self.sqlite_file:
            return old_reads(self.sqlite_file, query)
        inner = "SELECT id FROM article_fts WHERE doc @@ CAST(:q AS tsquery)"
        count = self.pg(f"SELECT count(*) FROM article WHERE id IN ({inner})", q=tsquery(query))
        self.pg(f"SELECT id FROM article WHERE id IN ({inner}) ORDER BY id LIMIT {PAGE}",
                q=tsquery(query))  # fmt: skip
        return int(count[0][0])

    def pg(self, sql: str, **params: Any) -> Any:
        from sqlalchemy import text

        with self.engine.connect() as connection:
            return connection.execute(text(sql), params).all()


def exact_count(engine: Any, query: str) -> int:
    """The exact count of a search, as the queue's `end` asks it."""
    from store.corpus.articles import count_articles
    from store.db import session_scope

    with session_scope(engine) as session:
        return count_articles(session=session, search=query)


def tsquery(query: str) -> str:
    """The tsquery PostgreSQL's search condition sends for `query` (store.corpus.search)."""
    from sqlalchemy import literal_column
    from sqlalchemy.dialects import postgresql

    from store.corpus.search import search_matches

    compiled = search_matches(literal_column("id"), query).compile(dialect=postgresql.dialect())
    return str(compiled.params["tsq"])


def slowest(engine: Any, call: Callable[[], Any]) -> tuple[float, str, Any]:
    """The slowest statement `call` runs on `engine`: (ms, SQL, parameters)."""
    from sqlalchemy import event

    runs: list[tuple[float, str, Any]] = []
    started: list[float] = []

    def before(*_args: Any) -> None:
        started.append(time.perf_counter())

    def after(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        runs.append(((time.perf_counter() - started.pop()) * 1000, statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    return max(runs, key=lambda run: run[0])


def explain(engine: Any, call: Callable[[], Any], why: str) -> None:
    """Print `EXPLAIN (ANALYZE, BUFFERS)` of the slowest statement of `call`, run on the
    statement's own cursor just before it (in its transaction, with the settings the store
    made for it: `store.dialect.index_scans`)."""
    from sqlalchemy import event

    ms, slow, _parameters = slowest(engine, call)
    plan: list[str] = []

    def before(_conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement == slow and not plan:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            plan.extend(row[0] for row in cursor.fetchall())

    event.listen(engine, "before_cursor_execute", before)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    print(f"    EXPLAIN ANALYZE of the slowest statement of {why} ({ms:.0f} ms):")
    print("      " + " ".join(slow.split())[:400])
    for line in plan:
        print("      | " + line)


def row(label: str, pg: float, lite: float | None, note: str = "") -> None:
    other = f"{lite:9.1f} ms" if lite is not None else "        - ms"
    print(f"  {label:<34}{pg:9.1f} ms   {other}   {note}", flush=True)


def verdict(ms: float, goal: float) -> str:
    return f"goal < {goal:g} ms: " + ("PASS" if ms < goal else "MISSED")


def reads(pg: Side, lite: Side | None, repeat: int, app: bool, empty_pg: str | None) -> None:
    """Print every read figure, PostgreSQL beside SQLite."""
    sides = [s for s in (pg, lite) if s is not None]
    print(f"  {'':<34}{'PostgreSQL':>12}   {'SQLite' if lite else '(no SQLite)':>12}", flush=True)
    ms = {s.name: timed(lambda s=s: queue_reads(s.engine, None), repeat)[0] for s in sides}
    first = {s.name: timed(s.raw_first_page, repeat)[0] for s in sides}
    row("queue reload: store reads", ms["pg"], ms.get("lite"), verdict(ms["pg"], PAINT_GOAL_MS))
    row("  raw first page", first["pg"], first.get("lite"))
    if ms["pg"] >= PAINT_GOAL_MS:
        explain(pg.engine, lambda: queue_reads(pg.engine, None), "the queue's reload")
    if app:  # (not on the SQLite file: the app writes its reviewer; README has its figure)
        painted = statistics.median(app_first_paint(pg.url) for _ in range(3)) * 1000
        row("app first paint (Pilot)", painted, None, verdict(painted, PAINT_GOAL_MS))
        if empty_pg is not None:
            empty = statistics.median(app_first_paint(empty_pg) for _ in range(3)) * 1000
            row("  on an empty PostgreSQL database", empty, None)
    for kind, query in SEARCHES:
        shown = {}
        reload = {}
        for s in sides:
            reload[s.name], (total, rows) = timed(lambda s=s, q=query: queue_reads(s.engine, q),
                                                  repeat)  # fmt: skip
            shown[s.name] = (total, rows)
        exact = {s.name: timed(lambda s=s, q=query: s.exact(q), max(1, repeat // 2)) for s in sides}
        counted = {s.name: timed(lambda s=s, q=query: s.raw_count(q), max(1, repeat // 2))[0]
                   for s in sides}  # fmt: skip
        total, rows = shown["pg"]
        print(
            f"  {kind} {query!r}: PostgreSQL shows {total}, exactly {exact['pg'][1]:,}"
            + (f"; SQLite shows {shown['lite'][0]}, exactly {exact['lite'][1]:,}" if lite else ""),
            flush=True,
        )
        row("  reload (capped count + page)", reload["pg"], reload.get("lite"),
            verdict(reload["pg"], SEARCH_GOAL_MS))  # fmt: skip
        row("  exact count + page (uncapped)", exact["pg"][0],
            exact["lite"][0] if lite else None)  # fmt: skip
        row("  raw index count", counted["pg"], counted.get("lite"))
        counts = {s.name: timed(lambda s=s, q=query: exact_count(s.engine, q),
                                max(1, repeat // 2))[0] for s in sides}  # fmt: skip
        ends = {s.name: timed(lambda s=s, q=query: last_page(s.engine, q), repeat)[0]
                for s in sides}  # fmt: skip
        row("  `end`: the last page", ends["pg"], ends.get("lite"),
            verdict(ends["pg"], SEARCH_GOAL_MS))  # fmt: skip
        if ends["pg"] >= SEARCH_GOAL_MS:
            explain(pg.engine, lambda q=query: last_page(pg.engine, q), f"the {kind}'s end")
        row("  exact count (`end`'s worker)", counts["pg"], counts.get("lite"),
            "(after the frame, when the count is an estimate)")  # fmt: skip
        if reload["pg"] >= SEARCH_GOAL_MS:
            explain(pg.engine, lambda q=query: queue_reads(pg.engine, q), f"the {kind}'s reload")
        if len(rows) == PAGE:
            paged = {s.name: paging(s.engine, query) for s in sides}
            plain = {s.name: paging(s.engine, None) for s in sides}
            ratio = paged["pg"][0] / max(plain["pg"][0], 1e-9)
            row(f"  {PAGES_DOWN} pages down with the search", paged["pg"][0],
                paged["lite"][0] if lite else None,
                f"median; {ratio:.1f}x PostgreSQL's without it; slowest page "
                f"{paged['pg'][1]:.1f} ms")  # fmt: skip
            row("  the same without a search", plain["pg"][0], plain["lite"][0] if lite else None)
            if paged["pg"][1] >= SEARCH_GOAL_MS:
                explain(pg.engine, lambda q=query, a=rows[-1].id: next_page(pg.engine, q, a),
                        f"the {kind}'s next page, searched")  # fmt: skip


def stats(pg: Side, lite: Side | None, repeat: int) -> None:
    sides = [s for s in (pg, lite) if s is not None]
    telaah = [sys.executable, "-m", "tui"]
    command = {s.name: cli([*telaah, "--db", s.url, "stats"], repeat) for s in sides}
    counts = {s.name: timed(lambda s=s: corpus_counts(s.engine), repeat)[0] for s in sides}
    floor = cli([sys.executable, "-c", "pass"], repeat)
    helped = cli([*telaah, "--help"], repeat)
    row("telaah stats (a command)", command["pg"], command.get("lite"),
        verdict(command["pg"], STATS_GOAL_MS))  # fmt: skip
    row("  corpus_stats (in process)", counts["pg"], counts.get("lite"))
    print(f"  {'  baselines':<34}python -c pass {floor:.0f} ms, telaah --help {helped:.0f} ms")
    if counts["pg"] >= STATS_GOAL_MS / 4:
        explain(pg.engine, lambda: corpus_counts(pg.engine), "corpus_stats")
