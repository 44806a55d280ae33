"""Rows written in bulk on PostgreSQL (and SQLite): a gazetteer import and an annotated import,
this code beside a revision before it, in the same run.

    .venv/bin/python bench/bulk_write_bench.py --before HEAD~1
    .venv/bin/python bench/bulk_write_bench.py --before 1a63a25 --aliases 50000 --rounds 2

What is timed, each in a fresh database (PostgreSQL: a throwaway cluster of
`scale_pg_bench.py`, or `--pg URL`; SQLite: a file), by the command a user runs, from a
`git worktree` of the revision before (as `pg_import_bench.py` makes it) and from this
checkout:

0. `telaah schema load sample_corpus/schema.toml` (not timed);
1. `telaah gazetteer import` of `--aliases` aliases (`match_data.build_gazetteer`, written
   as the gazetteer CSV: one alias a line);
2. `telaah import --format jsonl` of `--articles` annotated articles of `--spans` spans each
   (accepted, rejected and pending ones, with reviewers): every span a mention.

Printed per run: wall seconds, the command's CPU and the server's (PostgreSQL), rows a
second. With `--rounds 2` the order alternates (before, now, now, before). Nothing is
asserted.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _path in (str(ROOT), str(HERE)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

WORDS = [
    "warga",
    "kota",
    "hadir",
    "dalam",
    "acara",
    "yang",
    "digelar",
    "pemerintah",
    "daerah",
    "pada",
    "hari",
]
NAMES = ("Budi Santoso", "Jakarta Utara", "Bank Indonesia", "Sri Mulyani", "Kota Bandung")
LABELS = ("PERSON", "GPE", "ORG", "PERSON", "GPE")
STATES = ("accepted", "rejected", "pending")


def gazetteer_file(folder: Path, aliases: int) -> Path:
    from match_data import build_gazetteer

    path = folder / "gazetteer.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(("id", "name", "type", "alias"))
        names: dict[str, str] = {}
        for key, alias, label, _source in build_gazetteer(aliases):
            writer.writerow((key, names.setdefault(key, alias), label, alias))
    return path


def annotated_file(folder: Path, articles: int, spans: int) -> Path:
    """`articles` lines of telaah's JSONL, each a text of `spans` names between words."""
    path = folder / "gold.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for n in range(articles):
            text = f"Artikel {n}."
            marked = []
            for i in range(spans):
                text += " " + " ".join(WORDS[(n + i + j) % len(WORDS)] for j in range(4)) + " "
                name = NAMES[(n + i) % len(NAMES)]
                state = STATES[i % 3]
                marked.append(
                    {
                        "start": len(text),
                        "end": len(text) + len(name),
                        "label": LABELS[(n + i) % len(NAMES)],
                        "state": state,
                        **({"reviewer": ("ana", "budi")[i % 2]} if state != "pending" else {}),
                    }
                )
                text += name + "."
            out.write(json.dumps({"id": f"g{n}", "text": text, "spans": marked}) + "\n")
    return path


def telaah(code: Path, home: str, url: str, *args: str) -> tuple[float, float]:
    """Run `telaah --db URL ARGS` with the code in `code` (its config and data in `home`):
    wall and CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from tui.cli import main; sys.exit(main())",
         "--db", url, *args],
        cwd=code,
        env={
            "PYTHONPATH": str(code),
            "PATH": "/usr/bin:/bin",
            "TELAAH_CONFIG_DIR": str(home),
            "TELAAH_DATA_DIR": str(home),
            "TELAAH_REVIEWER": "bench",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )  # fmt: skip
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"telaah {' '.join(args)} ({code}) failed: {done.stderr[-500:]}")
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def one_side(
    code: Path, backend: str, server: str | None, files: dict[str, Path]
) -> dict[str, Any]:
    """Both imports into a fresh database with the code in `code`."""
    from pg_import_bench import drop_database, fresh_database, gone
    from scale_pg_bench import server_cpu, server_pid

    with tempfile.TemporaryDirectory(prefix="telaah-bulk-") as tmp:
        if backend == "postgresql":
            assert server is not None
            url = fresh_database(server, "telaah_bulk_bench")
            pid = server_pid(server)
        else:
            url, pid = f"sqlite:///{tmp}/bulk.db", None
        found: dict[str, Any] = {}
        telaah(code, tmp, url, "schema", "load", str(ROOT / "sample_corpus" / "schema.toml"))
        for name, args in (
            ("gazetteer", ("gazetteer", "import", str(files["gazetteer"]))),
            ("annotated", ("import", "--format", "jsonl", "--quiet", str(files["annotated"]))),
        ):
            cpu0 = server_cpu(pid)
            wall, cpu = telaah(code, tmp, url, *args)
            if backend == "postgresql":
                gone(server or "", "telaah_bulk_bench")
            found[name] = {"wall": wall, "cpu": cpu, "server": server_cpu(pid) - cpu0}
        if backend == "postgresql":
            drop_database(server or "", "telaah_bulk_bench")
    return found


def main() -> int:
    from pg_import_bench import alternating, revision_options, worktree
    from scale_pg_bench import CLUSTER, start_cluster

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    revision_options(parser)
    parser.add_argument("--aliases", type=int, default=20_000)
    parser.add_argument("--articles", type=int, default=2_000)
    parser.add_argument("--spans", type=int, default=30, help="spans an annotated article")
    parser.add_argument("--pg", help="a PostgreSQL server's URL (else a throwaway cluster)")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    before = worktree(args.before)
    server = args.pg or start_cluster(CLUSTER)
    rows = {"gazetteer": args.aliases, "annotated": args.articles * args.spans}
    with tempfile.TemporaryDirectory(prefix="telaah-bulk-files-") as tmp:
        files = {
            "gazetteer": gazetteer_file(Path(tmp), args.aliases),
            "annotated": annotated_file(Path(tmp), args.articles, args.spans),
        }
        print(
            f"{args.aliases:,} aliases; {args.articles:,} annotated articles of {args.spans} "
            f"spans; {args.before} ({before}) against this checkout",
            flush=True,
        )
        backends = ["postgresql"] + ([] if args.no_sqlite else ["sqlite"])
        for backend in backends:
            for label in alternating(["before", "now"], args.rounds):
                code = before if label == "before" else ROOT
                found = one_side(code, backend, server, files)
                for name, run in found.items():
                    print(
                        f"  {backend:<10} {label:<6} {name:<9} {run['wall']:7.2f} s  "
                        f"{rows[name] / run['wall']:8,.0f} rows/s  CPU command "
                        f"{run['cpu']:6.2f} s"
                        + (f", server {run['server']:6.2f} s" if backend != "sqlite" else ""),
                        flush=True,
                    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
