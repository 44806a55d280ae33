"""The scale figures of issue 17 on PostgreSQL, each beside SQLite's of the same size.

    .venv/bin/python bench/scale_pg_bench.py                       # 100k and 300k, own cluster
    .venv/bin/python bench/scale_pg_bench.py --sizes 100000 --pg postgresql+psycopg://u@host/db
    nohup .venv/bin/python bench/scale_pg_bench.py --only import > pg-import.log 2>&1 &

A database per size (`telaah_scale_N`) on a PostgreSQL server: `--pg URL` names one (any
database of it: the bench creates its own beside it), else the bench starts a throwaway
cluster with `.ci/pg.sh` in `--cluster DIR` (kept between runs: the databases are its cache)
tuned for a benchmark (`TUNING`: shared buffers, a bigger WAL between checkpoints; fsync on;
`synchronous_commit=off`, printed: a commit returns before its WAL is on disk, as SQLite's
`synchronous=NORMAL` in WAL mode does). Each size is imported from the cached corpus
(`scale_corpus.py`, read only) with `scale_phases.py import` (the import's figures, the CPU
time of the server's processes beside the importer's); a bigger size starts from a copy of
the smaller size's database (`CREATE DATABASE ... TEMPLATE`) and imports the rest (the
import skips what is stored). Import figures are cached in `--state DIR` beside the server's
identity: a later run prints them as `cached`.

Then, on each size's database, beside the cached SQLite database of the same size
(`/work/cache/scale/db/articles-N.db`, opened read-only) measured in the same run:
the queue's reload, its first page and the app's first paint (`--app`); the searches of
`scale_search_bench.SEARCHES` (the queue's capped count and first page, the exact count, the
next page with and without the search) with `EXPLAIN ANALYZE` of the slowest statement;
`telaah stats`; `scale_match_bench.py` (one worker against two, `--match-limit` articles,
writing candidates: the mentions the stats then count); the export's floor and
`run_export` of the first `--export-articles` articles. Nothing is asserted; exit 0.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _path in (str(ROOT), str(HERE)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from scale_bench import _phase, _rate, show_import  # noqa: E402
from scale_corpus import DEFAULT_CACHE, PER_SHARD, shard_paths  # noqa: E402

# Server options for the throwaway cluster (after .ci/pg.sh's test options: a later one wins).
TUNING = (
    "-c fsync=on -c full_page_writes=on -c shared_buffers=2GB -c work_mem=64MB "
    "-c maintenance_work_mem=512MB -c effective_cache_size=4GB -c max_wal_size=8GB "
    "-c checkpoint_timeout=30min"
)
SHOWN_SETTINGS = (
    "server_version",
    "fsync",
    "synchronous_commit",
    "full_page_writes",
    "shared_buffers",
    "work_mem",
    "max_wal_size",
)
CLUSTER = Path("/tmp/telaah-pg-scale-bench")
STATE = Path("/work/cache/scale-pg")
SCRATCH = Path("/tmp/telaah-scale-pg-scratch")


# --------------------------------------------------------------------------- the server


def start_cluster(folder: Path) -> str:
    """The URL of a throwaway cluster in `folder` (started with .ci/pg.sh, or already up)."""
    env = {**os.environ, "TELAAH_PG_DIR": str(folder), "TELAAH_PG_OPTS": TUNING}
    done = subprocess.run(
        ["bash", str(ROOT / ".ci" / "pg.sh"), "start"],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return done.stdout.strip().rsplit("=", 1)[-1]


def database_url(server: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(server).set(database=name).render_as_string(hide_password=False)


def admin(server: str) -> Any:
    from sqlalchemy import create_engine

    return create_engine(server, isolation_level="AUTOCOMMIT")


def settings(server: str) -> dict[str, str]:
    from sqlalchemy import text

    engine = admin(server)
    with engine.connect() as connection:
        found = {k: str(connection.execute(text(f"SHOW {k}")).scalar()) for k in SHOWN_SETTINGS}
        found["system"] = str(
            connection.execute(text("SELECT system_identifier FROM pg_control_system()")).scalar()
        )
        found["postmaster"] = str(
            connection.execute(text("SELECT pg_postmaster_start_time()")).scalar()
        )
    engine.dispose()
    return found


def server_pid(server: str) -> int | None:
    """The postmaster's process id, when the server runs on this machine (else None)."""
    from sqlalchemy import text

    engine = admin(server)
    try:
        with engine.connect() as connection:
            backend = int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())
            # Read while connected: a backend let go ends at once (a race: the figure was 0).
            stat = Path(f"/proc/{backend}/stat").read_text()
    except OSError:
        return None
    finally:
        engine.dispose()
    return int(stat.rsplit(")", 1)[1].split()[1])  # the backend's parent


def server_cpu(pid: int | None) -> float:
    """CPU seconds of the server so far: the postmaster and its children, living (their
    own time) and ended (reaped: counted in the postmaster's)."""
    if pid is None:
        return 0.0
    tick = os.sysconf("SC_CLK_TCK")

    def fields(p: int) -> list[str]:
        return Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()

    own = fields(pid)
    total = sum(int(x) for x in own[11:15])  # utime stime cutime cstime
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == pid:
            continue
        try:
            child = fields(int(entry.name))
        except OSError:
            continue
        if int(child[1]) == pid:
            total += int(child[11]) + int(child[12])
    return total / tick


def exists(server: str, name: str) -> bool:
    from sqlalchemy import text

    engine = admin(server)
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).first()
    engine.dispose()
    return found is not None


def articles_in(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM article")).scalar_one())
    except Exception:  # no such table yet
        return 0
    finally:
        engine.dispose()


def database_bytes(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        size = connection.execute(text("SELECT pg_database_size(current_database())")).scalar()
    engine.dispose()
    return int(size or 0)


# --------------------------------------------------------------------------- the import


def name_of(size: int) -> str:
    return f"telaah_scale_{size}"


def imported(
    server: str, state: Path, cache: Path, size: int, smaller: list[int], system: str
) -> tuple[str, dict[str, Any], str]:
    """The database of `size` articles (imported now, or cached), its import figures and
    how they were had."""
    from sqlalchemy import text

    name = name_of(size)
    url = database_url(server, name)
    figures = state / f"{name}.json"
    if figures.exists() and exists(server, name):
        cached = json.loads(figures.read_text())
        if cached.get("system") == system and articles_in(url) == size:
            return url, cached, "cached"
    base = next(
        (s for s in reversed(smaller) if exists(server, name_of(s)) and
         articles_in(database_url(server, name_of(s))) == s),
        None,
    )  # fmt: skip
    engine = admin(server)
    copied = 0.0
    with engine.connect() as connection:
        if not exists(server, name):
            started = time.perf_counter()
            if base is not None:
                connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {name_of(base)}"))
            else:
                connection.execute(text(f"CREATE DATABASE {name}"))
            copied = time.perf_counter() - started
    engine.dispose()
    pid = server_pid(server)
    cpu0 = server_cpu(pid)
    done = _phase("import", "--cache", str(cache), "--db", url, "--articles", str(size))
    done["server_cpu"] = server_cpu(pid) - cpu0
    done["base"] = base if done["before"] else None
    done["copied"] = copied
    done["system"] = system
    done["bytes"] = database_bytes(url)
    state.mkdir(parents=True, exist_ok=True)
    figures.write_text(json.dumps(done))
    return url, done, "measured"


def show_pg_import(size: int, floor: dict[str, Any], imp: dict[str, Any], how: str) -> None:
    skipped = (imp.get("base") or 0) // imp["slice"]
    if skipped:  # the first slices only skipped the copied articles: leave them out
        print(f"    (the first {skipped} slice(s) skipped the {imp['base']:,} articles copied)")
        imp = {**imp, "rates": imp["rates"][skipped:], "cpu_rates": imp["cpu_rates"][skipped:]}
    show_import(size, floor, imp, how)
    stored = max(1, imp["imported"])
    client, server = imp["cpu"], imp.get("server_cpu", 0.0)
    print(
        f"    CPU: importer {client:.1f} s + server {server:.1f} s = "
        f"{1e6 * (client + server) / stored:.0f} us per article stored"
        + (
            f" (from a copy of the {imp['base']:,} database, made in {imp['copied']:.1f} s)"
            if imp.get("base")
            else ""
        )
    )


def import_cpu_per_article(imp: dict[str, Any]) -> float:
    return (imp["cpu"] + imp.get("server_cpu", 0.0)) / max(1, imp["imported"])


def sqlite_import(cache: Path, size: int) -> dict[str, Any] | None:
    found = cache / "db" / f"articles-{size}.json"
    return json.loads(found.read_text()) if found.exists() else None


# --------------------------------------------------------------------------- SQLite beside


def sqlite_copy(cache: Path, scratch: Path, size: int) -> Path | None:
    """A migrated copy of the cached SQLite database of `size` (the cache is never written:
    opening its file would migrate it), kept in `scratch` for the next run; None if there is
    no such database."""
    import sqlite3

    source = cache / "db" / f"articles-{size}.db"
    if not source.exists() or not (cache / "db" / f"articles-{size}.json").exists():
        return None
    copy = scratch / source.name
    mark = scratch / f"{source.name}.source"
    stamp = f"{source.stat().st_size}:{source.stat().st_mtime_ns}"
    if not (copy.exists() and mark.exists() and mark.read_text() == stamp):
        scratch.mkdir(parents=True, exist_ok=True)
        for old in scratch.glob(source.name + "*"):
            old.unlink()
        started = time.perf_counter()
        with (
            sqlite3.connect(f"file:{source}?mode=ro", uri=True) as reading,
            sqlite3.connect(copy) as writing,
        ):
            reading.backup(writing)
        print(f"  (copied {source} to {copy} in {time.perf_counter() - started:.0f} s)")
        mark.write_text(stamp)
    from store.db import open_database

    open_database(f"sqlite:///{copy}").dispose()  # migrated once, not timed
    return copy


def empty_database(server: str) -> str:
    """A migrated PostgreSQL database with nothing in it: the app's first paint's baseline."""
    from sqlalchemy import text

    from store.db import open_database

    url = database_url(server, "telaah_scale_empty")
    if not exists(server, "telaah_scale_empty"):
        engine = admin(server)
        with engine.connect() as connection:
            connection.execute(text("CREATE DATABASE telaah_scale_empty"))
        engine.dispose()
    open_database(url).dispose()
    return url


def common_term(url: str, articles: int) -> tuple[str, int]:
    """A word of the corpus held by about `articles` articles (the vocabulary's count), for
    an export of that many articles selected by a search."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        term, held = connection.execute(
            text(
                "SELECT term, doc FROM article_fts_vocab WHERE term ~ '^[a-z]{5,}$' "
                "ORDER BY abs(doc - :n), term LIMIT 1"
            ),
            {"n": articles},
        ).one()
    engine.dispose()
    return str(term), int(held)


def match(url: str, limit: int, resume: bool) -> None:
    """`scale_match_bench.py` on the database (it loads its gazetteer when there is none)."""
    command = [sys.executable, str(HERE / "scale_match_bench.py"), "--db", url]
    command += ["--limit", str(limit)] + ([] if resume else ["--no-resume"])
    print(f"  -- scale_match_bench.py --db {url} --limit {limit}", flush=True)
    subprocess.run(command, cwd=ROOT, check=False)


def forget_match(url: str) -> float:
    """Delete what the match left (candidates, the gazetteer; the audit log keeps its
    checkpoints: it is append-only, and a fresh match starts over anyway), so that the
    next run reads the database as imported: the app's first paint without a gazetteer, as
    SQLite's; seconds."""
    from sqlalchemy import create_engine, text

    started = time.perf_counter()
    engine = create_engine(url)
    with engine.begin() as connection:
        for table in ("mention", "alias", "entity"):  # (triggers keep mention_tally right)
            connection.execute(text(f"DELETE FROM {table}"))
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
            "VACUUM ANALYZE mention, alias, entity"
        )
    engine.dispose()
    return time.perf_counter() - started


def export(pg_url: str, lite: Path | None, cache: Path, scratch: Path, articles: int) -> None:
    """The export's floor (every row streamed as JSON) and `run_export` of the articles of a
    search (about `articles` of them), on both databases."""
    term, held = common_term(pg_url, articles)
    scratch.mkdir(parents=True, exist_ok=True)  # (made by the SQLite copy, unless --no-sqlite)
    out = scratch / "export.jsonl"
    print(f"  export: floor of every article; jsonl of the {held:,} articles holding {term!r}")
    for name, db in (("PostgreSQL", pg_url), ("SQLite", str(lite) if lite else None)):
        if db is None:
            continue
        base = _phase("read", "--cache", str(cache), "--db", db, "--out", str(out))
        done = _phase("export", "--cache", str(cache), "--db", db, "--out", str(out),
                      "--format", "jsonl", "--search", term)  # fmt: skip
        print(
            f"  {name:<10} floor {base['seconds']:7.1f} s "
            f"{_rate(base['articles'], base['seconds'])}"
            f"; export {done['seconds']:6.1f} s {_rate(done['articles'], done['seconds'])} "
            f"(peak RSS {done['rss_peak']:.0f} MiB, workers {done['worker_peak']:.0f} MiB)",
            flush=True,
        )


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="a PostgreSQL server's URL (else a throwaway cluster)")
    parser.add_argument("--cluster", type=Path, default=CLUSTER, help="the cluster's folder")
    parser.add_argument("--state", type=Path, default=STATE, help="cached import figures")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="the corpus (read)")
    parser.add_argument("--sizes", default="100000,300000")
    parser.add_argument("--only", choices=("import", "all"), default="all")
    parser.add_argument("--scratch", type=Path, default=SCRATCH, help="SQLite copies, exports")
    parser.add_argument("--repeat", type=int, default=5, help="runs per read figure (median)")
    parser.add_argument("--app", action="store_true", help="also the app's first paint")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL's figures only")
    parser.add_argument("--match-limit", type=int, default=3000, help="articles matched")
    parser.add_argument("--match-resume", action="store_true", help="also a killed match")
    parser.add_argument("--no-match", action="store_true")
    parser.add_argument("--export-articles", type=int, default=2000, help="articles exported")
    parser.add_argument("--no-export", action="store_true")
    parser.add_argument("--reads-of", help=argparse.SUPPRESS)  # a child: one size's reads
    args = parser.parse_args()
    if args.reads_of:
        measure(args, args.pg, args.reads_of, int(args.sizes))
        return 0
    sizes = sorted({int(s) for s in args.sizes.split(",")})
    if any(s < PER_SHARD or s % PER_SHARD for s in sizes):
        parser.error(f"--sizes: multiples of {PER_SHARD}")
    missing = [p for p in shard_paths(args.cache, sizes[-1]) if not p.exists()]
    if missing:
        parser.error(f"the corpus lacks {len(missing)} shards: bench/scale_corpus.py builds it")
    server = args.pg or start_cluster(args.cluster)
    found = settings(server)
    print(
        f"PostgreSQL {found['server_version']} at {server} "
        f"({'given' if args.pg else f'throwaway cluster in {args.cluster}'}); "
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    print(
        "  settings: "
        + ", ".join(f"{k}={found[k]}" for k in SHOWN_SETTINGS[1:])
        + (
            "  (synchronous_commit=off: a commit returns before its WAL is flushed, like "
            "SQLite's synchronous=NORMAL in WAL mode; a crash may lose the last commits, "
            "never corrupt)"
            if found["synchronous_commit"] == "off"
            else ""
        ),
        flush=True,
    )
    done: list[int] = []
    for size in sizes:
        print(f"\n== {size:,} articles", flush=True)
        floor = _phase("floor", "--cache", str(args.cache), "--articles", str(size))
        url, imp, how = imported(server, args.state, args.cache, size, done, found["system"])
        show_pg_import(size, floor, imp, how)
        lite = sqlite_import(args.cache, size)
        if lite is not None:
            print(
                f"    SQLite (cached figures of scale_bench.py): {lite['seconds']:.1f} s "
                f"(cpu {lite['cpu']:.1f} s, {1e6 * lite['cpu'] / max(1, lite['imported']):.0f}"
                f" us per article)"
            )
        print(f"  database: {database_bytes(url) / 1e9:.2f} GB ({url})", flush=True)
        done.append(size)
        if args.only == "import":
            continue
        # The reads in a child (the app, the engines: this process stays small, and the
        # export's phases, started from it, inherit its peak RSS), then the export.
        command = [sys.executable, __file__, *_without_sizes(sys.argv[1:])]
        command += ["--pg", server, "--sizes", str(size), "--reads-of", url]
        subprocess.run(command, cwd=ROOT, check=False)
        if not args.no_export:
            copy = args.scratch / f"articles-{size}.db"
            export(url, copy if copy.exists() else None, args.cache, args.scratch,
                   args.export_articles)  # fmt: skip
    return 0


def _without_sizes(argv: list[str]) -> list[str]:
    """The command line without `--sizes` and `--pg` (the child gets one size, the server)."""
    kept: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--sizes", "--pg"):
            skip = True
        elif not arg.startswith(("--sizes=", "--pg=")):
            kept.append(arg)
    return kept


def measure(args: argparse.Namespace, server: str, url: str, size: int) -> None:
    """The read, match and stats figures of one size, beside SQLite's (in a child)."""
    from scale_pg_reads import Side, reads, stats

    from store.db import open_database

    copy = None if args.no_sqlite else sqlite_copy(args.cache, args.scratch, size)
    pg = Side("pg", url, open_database(url))
    lite = None
    if copy is not None:
        lite_url = f"sqlite:///{copy}"
        lite = Side("lite", lite_url, open_database(lite_url), sqlite_file=copy)
    vacuumed = vacuum(url)
    print(
        f"  reads, median of {args.repeat} warm runs (VACUUM ANALYZE first: {vacuumed:.0f} s); "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    reads(pg, lite, args.repeat, args.app, empty_database(server) if args.app else None)
    if not args.no_match:
        match(url, args.match_limit, args.match_resume)
    stats(pg, lite, args.repeat)
    if not args.no_match:
        print(f"  (the match's rows deleted again in {forget_match(url):.0f} s)", flush=True)
    pg.engine.dispose()
    if lite is not None:
        lite.engine.dispose()


def vacuum(url: str) -> float:
    """VACUUM ANALYZE the database (as autovacuum would after a bulk import, at once); seconds."""
    from sqlalchemy import create_engine

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    started = time.perf_counter()
    with engine.connect() as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    return time.perf_counter() - started


if __name__ == "__main__":
    raise SystemExit(main())
