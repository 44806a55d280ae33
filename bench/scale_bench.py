"""Scale benchmark (issue 17): import and export at 100k, 300k and 1M articles, each beside its
baseline from the same run; then the search and match benchmarks on each database.

    .venv/bin/python bench/scale_bench.py                                  # 100k, 300k, 1M
    .venv/bin/python bench/scale_bench.py --sizes 10000,30000 --cache /tmp/scale   # quick run

The corpus (`scale_corpus.py`) and one SQLite database per size (`DIR/db/articles-N.db`, its
import figures beside it in `articles-N.json`) are built once and cached under `--cache`
(`/work/cache/scale/`): a later run prints the cached import figures and measures the rest.
A database left by a killed run is imported again: the import goes on where it stopped.

Per size: the floor (read + parse + sha256 of every text), the import with the full-text
index (articles/s, the rate of each slice of 100,000 beside the first's, the write-ahead
log's size and the peak RSS at each slice), the database size; the export's floor (every row
streamed and written as JSON) beside `run_export` of every article without its check and with
it (articles/s by wall-clock and by CPU time, peak RSS).
`--resume-check` imports the smallest size into a scratch database, kills the import half
way (SIGKILL), runs it again and checks every article is stored and indexed once.
Then each script of `OTHER_BENCHES` that exists runs with `--db` on each cached database.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from scale_corpus import DEFAULT_CACHE, PER_SHARD, ensure_corpus, shard_paths  # noqa: E402

# The benchmarks run with `--db PATH` on each cached database, when they exist.
OTHER_BENCHES = ("scale_search_bench.py", "scale_match_bench.py")
IMPORT_TARGET_S = 8 * 60  # for 1,000,000 articles
LINEAR = 0.8  # each slice at least this fraction of the first slice's rate
MIB = 1024 * 1024


def _phase(*args: str) -> dict[str, Any]:
    cmd = [sys.executable, str(HERE / "scale_phases.py"), *args]
    done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise SystemExit(f"phase {' '.join(args)} failed (exit {done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _count(db: Path, table: str = "article") -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as connection:
            return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    except sqlite3.Error:
        return 0


def _db_bytes(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*") if p.suffix != ".json")


def _rate(articles: int, seconds: float) -> str:
    return f"{articles / seconds:9,.0f} articles/s" if seconds > 0 else "         - articles/s"


def database(cache: Path, articles: int) -> tuple[Path, dict[str, Any], str]:
    """The cached database of `articles`, built (or finished) if needed; its import figures
    and where they come from."""
    folder = cache / "db"
    folder.mkdir(parents=True, exist_ok=True)
    db, figures = folder / f"articles-{articles}.db", folder / f"articles-{articles}.json"
    if db.exists() and figures.exists():
        return db, json.loads(figures.read_text()), "cached"
    how = "resumed" if db.exists() else "measured"
    done = _phase("import", "--cache", str(cache), "--db", str(db), "--articles", str(articles))
    figures.write_text(json.dumps(done))
    return db, done, how


def show_import(articles: int, floor: dict[str, Any], imp: dict[str, Any], how: str) -> None:
    print(
        f"  floor (read+parse+sha256) {floor['seconds']:8.1f} s (cpu {floor['cpu']:6.1f} s) "
        f"{_rate(floor['articles'], floor['seconds'])}  peak RSS {floor['rss_peak']:6.0f} MiB"
    )
    stored = articles - imp["before"]
    print(
        f"  import + full-text index  {imp['seconds']:8.1f} s (cpu {imp['cpu']:6.1f} s) "
        f"{_rate(stored, imp['seconds'])}"
        f"  peak RSS {imp['rss_peak']:6.0f} MiB  ({how}; "
        f"{imp['seconds'] / max(floor['seconds'], 1e-9):.1f}x the floor)"
    )
    if imp["before"]:
        print(f"    resumed: {imp['before']:,} articles were stored before this run")
    print(
        f"    stored {imp['count']:,}, indexed {imp['indexed']:,}, imported {imp['imported']:,},"
        f" duplicates {imp['duplicates']:,}, failed {imp['failed']:,}"
    )
    rates = imp["rates"]
    if rates:
        worst = min(rates) / rates[0]
        print(
            f"    per slice of {imp['slice']:,}: "
            + " ".join(f"{r:,.0f}" for r in rates)
            + f" articles/s; slowest {worst:.2f}x the first: "
            + ("PASS" if worst >= LINEAR else "FAIL")
            + f" (>= {LINEAR})"
        )
        cpu = imp.get("cpu_rates", [])
        if cpu:  # on a shared machine, the CPU time is what the import itself costs
            slowest = min(cpu) / cpu[0]
            print(
                "    per slice, by CPU time: "
                + " ".join(f"{r:,.0f}" for r in cpu)
                + f" articles/s; slowest {slowest:.2f}x the first: "
                + ("PASS" if slowest >= LINEAR else "FAIL")
            )
        if "finish" in imp:  # the index's merge, deferred to the end of the import
            print(
                f"    then the index's merge (finish): {imp['finish']:.1f} s "
                f"(cpu {imp['finish_cpu']:.1f} s); FTS5 levels (segments, pages): "
                + " ".join(f"{n}/{pages:,}" for n, _merging, pages in imp.get("levels", []))
            )
        if any(imp["wal"]):  # a server (PostgreSQL) has no WAL file beside the database
            print("    WAL at each slice (MB):  " + " ".join(f"{w / 1e6:.0f}" for w in imp["wal"]))
        print("    peak RSS at each slice (MiB): " + " ".join(f"{r:.0f}" for r in imp["rss"]))
    if articles == 1_000_000 and not imp["before"]:
        verdict = "PASS" if imp["seconds"] < IMPORT_TARGET_S else "FAIL"
        by_cpu = "PASS" if imp["cpu"] < IMPORT_TARGET_S else "FAIL"
        print(
            f"    target: 1,000,000 articles in < {IMPORT_TARGET_S / 60:.0f} min: {verdict} "
            f"(by CPU time, {imp['cpu'] / 60:.1f} min: {by_cpu})"
        )
    elif imp["seconds"] > 0 and not imp["before"]:
        projected = imp["seconds"] * 1_000_000 / articles
        print(f"    linear projection to 1,000,000: {projected / 60:.1f} min (target < 8 min)")


def _cpu_rate(run: dict[str, Any]) -> str:
    cpu = run.get("cpu", 0.0)
    return f"(cpu {cpu:7.1f} s: {run['articles'] / cpu:,.0f} articles/s)" if cpu > 0 else ""


def show_export(cache: Path, db: Path, articles: int, fmt: str) -> None:
    """The export's floor, the export without its check and as `telaah export` runs it (with
    the check), each in articles/s by wall-clock and by CPU time (with the workers')."""
    out = cache / "db" / f"export-{articles}.{fmt}"
    base = _phase("read", "--cache", str(cache), "--db", str(db), "--out", str(out))
    print(
        f"  export floor (rows streamed as JSON) {base['seconds']:7.1f} s "
        f"{_rate(base['articles'], base['seconds'])} {_cpu_rate(base)}  "
        f"peak RSS {base['rss_peak']:6.0f} MiB"
    )
    args = ("export", "--cache", str(cache), "--db", str(db), "--out", str(out), "--format", fmt)
    for label, extra in (("without its check", ("--unchecked",)), ("checked", ())):
        done = _phase(*args, *extra)
        print(
            f"  export --format {fmt:<8} {label:<17} {done['seconds']:7.1f} s "
            f"{_rate(done['articles'], done['seconds'])} {_cpu_rate(done)}  peak RSS "
            f"{done['rss_peak']:6.0f} MiB (+ {done['workers']} workers, largest "
            f"{done['worker_peak']:.0f} MiB), {done['bytes'] / 1e9:.2f} GB; "
            f"{done['seconds'] / base['seconds']:.1f}x the floor",
            flush=True,
        )


def resume_check(cache: Path, articles: int) -> None:
    """Kill an import half way, run it again: every article stored and indexed once."""
    db = cache / "db" / f"resume-{articles}.db"
    for path in db.parent.glob(db.name + "*"):
        path.unlink()
    cmd = [sys.executable, str(HERE / "scale_phases.py"), "import", "--cache", str(cache),
           "--db", str(db), "--articles", str(articles)]  # fmt: skip
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, cwd=ROOT)
    while child.poll() is None and _count(db) < articles // 2:
        time.sleep(0.5)
    child.send_signal(signal.SIGKILL)
    child.wait()
    killed_at = _count(db)
    again = _phase("import", "--cache", str(cache), "--db", str(db), "--articles", str(articles))
    ok = again["count"] == articles and again["indexed"] == articles and again["failed"] == 0
    print(
        f"  resume check: import killed at {killed_at:,} of {articles:,} stored; run again: "
        f"{again['seconds']:.1f} s ({again['imported']:,} imported, {again['duplicates']:,} "
        f"skipped as stored), {again['count']:,} stored, {again['indexed']:,} indexed, "
        f"peak RSS {again['rss_peak']:.0f} MiB: " + ("PASS" if ok else "FAIL")
    )
    for path in db.parent.glob(db.name + "*"):
        path.unlink()


def other_benches(db: Path) -> None:
    for name in OTHER_BENCHES:
        script = HERE / name
        if not script.exists():
            print(f"  ({name}: not there yet)")
            continue
        print(f"  -- {name} --db {db}", flush=True)
        subprocess.run([sys.executable, str(script), "--db", str(db)], cwd=ROOT, check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--export-format", default="jsonl", help="jsonl (default) or another")
    parser.add_argument("--no-export", action="store_true", help="skip the export figures")
    parser.add_argument(
        "--export-max", type=int, default=None, help="export only sizes up to this many articles"
    )
    parser.add_argument("--no-others", action="store_true", help="skip OTHER_BENCHES")
    parser.add_argument("--resume-check", action="store_true", help="kill an import, resume")
    parser.add_argument("--workers", type=int, default=None, help="corpus build processes")
    args = parser.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",")})
    if any(s < PER_SHARD or s % PER_SHARD for s in sizes):
        parser.error(f"--sizes: multiples of {PER_SHARD}")
    print(f"scale benchmark: {', '.join(f'{s:,}' for s in sizes)} articles, cache {args.cache}, "
          f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs", flush=True)  # fmt: skip
    built = ensure_corpus(args.cache, sizes[-1], workers=args.workers)
    print(
        f"corpus: {built['shards']:,} shards of {PER_SHARD:,}, {built['bytes'] / 1e9:.2f} GB "
        f"({built['written']:,} written in this run, {built['seconds']:.0f} s)",
        flush=True,
    )
    if args.resume_check:
        resume_check(args.cache, sizes[0])
    for size in sizes:
        corpus_bytes = sum(p.stat().st_size for p in shard_paths(args.cache, size))
        print(f"\n== {size:,} articles ({corpus_bytes / 1e9:.2f} GB of JSONL)", flush=True)
        floor = _phase("floor", "--cache", str(args.cache), "--articles", str(size))
        db, imp, how = database(args.cache, size)
        show_import(size, floor, imp, how)
        print(f"  database: {_db_bytes(db) / 1e9:.2f} GB ({db})", flush=True)
        if not args.no_export and (args.export_max is None or size <= args.export_max):
            show_export(args.cache, db, size, args.export_format)
        if not args.no_others:
            other_benches(db)
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
