"""The corpus import into PostgreSQL, this code beside another revision's, in the same run.

    .venv/bin/python bench/pg_import_bench.py --articles 30000 --before HEAD~1
    .venv/bin/python bench/pg_import_bench.py --articles 100000 --before 75510a9 --rounds 2

Each import is `scale_phases.py import` (the store's `import_articles`, as `telaah import`
runs it) of the first N articles of the scale corpus (`scale_corpus.py`, built here when
missing) into a new database of the throwaway cluster `scale_pg_bench.py` uses (same tuning;
its databases are left alone). The revision before runs from a `git worktree` of it, so both
read the same files on the same server; with `--rounds 2` the order alternates (before, now,
now, before) to spread the machine's drift. Printed per import: wall seconds and articles/s,
the importer's CPU and the server's (the postmaster and its backends, from /proc), CPU per
article, each slice's rate against the first (linearity), peak RSS; then the ratio of now to
before. Nothing is asserted: figures only.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _path in (str(ROOT), str(HERE)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from scale_corpus import DEFAULT_CACHE  # noqa: E402
from scale_pg_bench import (  # noqa: E402
    CLUSTER,
    admin,
    database_url,
    server_cpu,
    server_pid,
    start_cluster,
)


def worktree(rev: str) -> Path:
    """A checkout of `rev` beside the repository (made once, reused)."""
    sha = subprocess.run(
        ["git", "rev-parse", "--short", rev], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    folder = Path(f"/tmp/telaah-pg-import-{sha}")
    if not (folder / "store").exists():
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run(["git", "worktree", "prune"], cwd=ROOT, check=True)
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(folder), sha],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
    return folder


def revision_options(parser: argparse.ArgumentParser, *, child: bool = False) -> None:
    """The options of a bench that runs a revision beside this code: `--before`, `--rounds`;
    with `child`, the database (`--db`) and the hidden `--child` of a side's own process."""
    if child:
        parser.add_argument("--db", required=True, help="a database URL or a SQLite file")
        parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--before", default="HEAD~1", help="the revision to compare with")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each side")


def database_arg(value: str) -> str:
    """`--db`'s value as a URL (a SQLite file's path made one)."""
    return value if "://" in value else f"sqlite:///{Path(value).resolve()}"


def alternating(labels: Sequence[str], rounds: int) -> Iterator[str]:
    """`labels` once a round, every other round reversed (before, now, now, before, ...):
    the machine's drift falls on both sides alike."""
    for round_ in range(rounds):
        yield from (labels if round_ % 2 == 0 else labels[::-1])


def side_json(code: Path, argv: list[str]) -> Any:
    """Run `argv` (a script and its arguments) with the code of `code` (a checkout or a
    worktree: its folder first on the path, and the working folder): the JSON of its last
    line of output."""
    done = subprocess.run(
        [sys.executable, *argv],
        cwd=code,
        env={"PYTHONPATH": str(code)},
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def fresh_database(server: str, name: str) -> str:
    from sqlalchemy import text

    engine = admin(server)
    with engine.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return database_url(server, name)


def gone(server: str, name: str) -> None:
    """Wait (up to 10 s) until no backend is connected to database `name`."""
    from sqlalchemy import text

    engine = admin(server)
    with engine.connect() as connection:
        for _ in range(100):
            left = connection.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name"),
                {"name": name},
            ).scalar_one()
            if not left:
                break
            time.sleep(0.1)
    engine.dispose()
    time.sleep(0.2)


def drop_database(server: str, name: str) -> None:
    from sqlalchemy import text

    engine = admin(server)
    with engine.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
    engine.dispose()


def run_import(code: Path, server: str, cache: Path, articles: int, name: str) -> dict[str, Any]:
    """One import by the code in `code` (its own bench/scale_phases.py and store/)."""
    import json

    url = fresh_database(server, name)
    pid = server_pid(server)
    cpu0 = server_cpu(pid)
    cmd = [
        sys.executable,
        str(code / "bench" / "scale_phases.py"),
        "import",
        "--cache",
        str(cache),
        "--db",
        url,
        "--articles",
        str(articles),
    ]
    done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, cwd=code, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the import of {code} failed (exit {done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    gone(server, name)  # its backends ended and reaped: their CPU is the postmaster's then
    result["server_cpu"] = server_cpu(pid) - cpu0
    drop_database(server, name)
    return result


def show(label: str, result: dict[str, Any]) -> None:
    stored = max(1, result["imported"])
    client, server = result["cpu"], result["server_cpu"]
    rates = result["rates"]
    slices = " ".join(f"{rate / rates[0]:.2f}" for rate in rates) if rates else "-"
    print(
        f"  {label:<8} {result['seconds']:7.1f} s wall"
        f"  {stored / result['seconds']:6.0f} articles/s"
        f"  CPU importer {client:6.1f} s + server {server:6.1f} s"
        f" = {1e6 * (client + server) / stored:5.0f} us an article"
        f"  (importer {1e6 * client / stored:4.0f}, server {1e6 * server / stored:4.0f})"
        f"  peak RSS {result['rss_peak']:.0f} MiB"
        + (
            f" (a child process {result['children_rss_peak']:.0f} MiB,"
            f" {result['children_cpu']:.1f} s of the importer's CPU)"
            if result.get("children_cpu")
            else ""
        )
    )
    print(
        f"           slices of {result['slice']:,} against the first: {slices};"
        f" stored {result['count']:,}, indexed {result['indexed']:,}, failed {result['failed']}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=30_000)
    revision_options(parser)
    parser.add_argument("--now-only", action="store_true", help="import with this code only")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--cluster", type=Path, default=CLUSTER)
    args = parser.parse_args()

    subprocess.run(
        [sys.executable, str(HERE / "scale_corpus.py"), "--articles", str(args.articles),
         "--cache", str(args.cache)],
        check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    server = start_cluster(args.cluster)
    codes = {"now": ROOT} if args.now_only else {"before": worktree(args.before), "now": ROOT}
    order = [label for label in ("before", "now") if label in codes]
    results: dict[str, list[dict[str, Any]]] = {"before": [], "now": []}
    print(
        f"== import of {args.articles:,} articles into PostgreSQL: "
        + ("this code" if args.now_only else f"{args.before} and now")
    )
    for label in alternating(order, args.rounds):
        started = time.strftime("%H:%M:%S")
        result = run_import(codes[label], server, args.cache, args.articles, "pgimport")
        results[label].append(result)
        show(f"{label}", result)
        print(f"           (started {started})")
    n = min(results["now"], key=lambda r: r["seconds"])
    if args.now_only:
        minutes = 1e6 * n["seconds"] / max(1, n["imported"]) / 60
        print(f"1,000,000 articles at this rate: {minutes:.1f} min")
        return 0
    b = min(results["before"], key=lambda r: r["seconds"])
    per = lambda r: (r["cpu"] + r["server_cpu"]) / max(1, r["imported"])  # noqa: E731
    print(
        f"now / before (best of each): wall {n['seconds'] / b['seconds']:.2f}x,"
        f" CPU per article {per(n) / per(b):.2f}x"
        f" (importer {n['cpu'] / b['cpu']:.2f}x, server {n['server_cpu'] / b['server_cpu']:.2f}x);"
        f" 1,000,000 articles at this rate: {1e6 * n['seconds'] / max(1, n['imported']) / 60:.1f}"
        f" min (before {1e6 * b['seconds'] / max(1, b['imported']) / 60:.1f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
