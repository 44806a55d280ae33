"""Reviewers deciding at once: decisions/s, nothing lost or twice, the audit log complete.

    .venv/bin/python bench/concurrency_bench.py                      # 8 x 1,000 on SQLite
    .venv/bin/python bench/concurrency_bench.py --pg postgresql+psycopg://me@127.0.0.1:5432/postgres
    .venv/bin/python bench/concurrency_bench.py --reviewers 4 --decisions 200

For each backend: one process making every decision alone (the baseline, same run), then
`--reviewers` processes at once, each deciding `--decisions` mentions of its own plus the
`--contested` mentions every reviewer tries at the version it saw (one wins; the others are
refused with who changed it). PostgreSQL: `--pg` names a server (any database on it); a fresh
database is created for each run and dropped after. Exit status 1 when anything was lost or
duplicated.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from concurrency import Plan, prepare, run, verify  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402


@contextmanager
def fresh(backend: str, server: str | None, folder: Path) -> Iterator[str]:
    """The URL of an empty database on `backend`, removed afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'{uuid.uuid4().hex}.db'}"
        return
    assert server is not None
    name = f"telaah_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def once(url: str, reviewers: int, decisions: int, contested: int) -> tuple[float, bool, str]:
    plan: Plan = prepare(url, reviewers, decisions, contested)
    outcomes, _wall = run(url, plan)
    seconds = max(o.seconds for o in outcomes)  # deciding only: not the processes' start
    check = verify(url, plan, outcomes)
    made = check.decisions_made
    refused = sum(o.refused for o in outcomes)
    named = sum(o.refusals_named for o in outcomes)
    ok = (
        check.lost == 0
        and check.duplicated == 0
        and check.audit_entries == made == check.expected
        and check.contested_once
        and refused == (reviewers - 1) * contested
        and named == refused
    )
    line = (
        f"{reviewers} x {decisions} (+{contested} contested): {made / seconds:8.0f} decisions/s"
        f"  ({made} in {seconds:.1f} s)  lost {check.lost}  twice {check.duplicated}"
        f"  audit {check.audit_entries}/{made}  refused {refused} (named {named})"
        f"  contested decided once: {'yes' if check.contested_once else 'NO'}"
    )
    return made / seconds, ok, line


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviewers", type=int, default=8)
    parser.add_argument("--decisions", type=int, default=1000, help="each reviewer's own")
    parser.add_argument("--contested", type=int, default=100)
    parser.add_argument("--pg", default=os.environ.get("TELAAH_TEST_PG_URL"), help="server URL")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    backends = ([] if args.no_sqlite else ["sqlite"]) + (["postgresql"] if args.pg else [])
    all_ok = True
    with tempfile.TemporaryDirectory(prefix="telaah-concurrency-") as tmp:
        for backend in backends:
            print(f"== {backend}")
            with fresh(backend, args.pg, Path(tmp)) as url:
                alone, ok1, line = once(url, 1, args.reviewers * args.decisions, 0)
            print(f"  baseline, one process:  {line}")
            with fresh(backend, args.pg, Path(tmp)) as url:
                together, ok2, line = once(url, args.reviewers, args.decisions, args.contested)
            print(f"  reviewers at once:      {line}")
            print(f"  throughput at once / alone: {together / alone:.2f}x")
            all_ok = all_ok and ok1 and ok2
    print("PASS: nothing lost or duplicated, audit complete" if all_ok else "FAIL")
    return 0 if all_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
