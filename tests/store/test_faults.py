"""Faults (issue 15, points 4 and 5): database errors become one line with the cause and the
fix, a full disk stops an import saying how far it got, an interrupted export's temporary
files are removed by the next export, pool workers die with their parent, and articles an
import stored but did not index are indexed when the database is next opened."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlmodel import Session

from store.corpus.search import index_new_articles
from store.db import make_engine, open_database, session_scope
from store.dberrors import POSTGRES_EXTRA, DiskFull, describe
from store.export.leftovers import STALE_AFTER, remove_leftovers, temp_prefix
from store.export.selection import Selection
from store.export.writer import run_export
from store.formats.registry import get_format
from store.ingest.articles import import_articles
from store.ingest.sink import article_row, insert_articles, text_hash

ROOT = Path(__file__).resolve().parents[2]


def write_articles(path: Path, count: int, start: int = 0) -> Path:
    path.write_text(
        "".join(
            json.dumps({"id": f"a{i}", "text": f"Artikel nomor {i}: Rusia dan Kirgizstan."}) + "\n"
            for i in range(start, start + count)
        ),
        encoding="utf-8",
    )
    return path


def error_of(url: str) -> BaseException:
    """What opening `url` and reading it raises."""
    try:
        engine = open_database(url)
        with engine.connect() as connection:
            connection.execute(text("SELECT count(*) FROM article")).all()
        engine.dispose()
    except Exception as exc:
        return exc
    raise AssertionError(f"{url} opened without an error")


def test_a_file_that_is_no_database_is_named(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 200, encoding="utf-8")
    line = describe(error_of(f"sqlite:///{path}"), f"sqlite:///{path}")
    assert line == f"not a telaah database: {path} (not a SQLite file); check --db or TELAAH_DB"


@pytest.mark.sqlite_only("a truncated database file")
def test_a_truncated_database_is_damaged_and_the_fix_is_named(
    engine: Engine, db_path: Path, tmp_path: Path
) -> None:
    import_articles(engine, [write_articles(tmp_path / "a.jsonl", 300)], reviewer_id=None)
    engine.dispose()
    cut = tmp_path / "cut.db"
    cut.write_bytes(db_path.read_bytes()[: 5 * 4096])
    line = describe(error_of(f"sqlite:///{cut}"), f"sqlite:///{cut}")
    assert line is not None and line.startswith(f"the database is damaged: {cut} (corrupt or")
    assert f"sqlite3 {cut} .recover" in line


@pytest.mark.sqlite_only("a read-only database file")
def test_writing_a_read_only_database_says_so(
    engine: Engine, db_path: Path, tmp_path: Path
) -> None:
    engine.dispose()
    url = f"sqlite:///file:{db_path}?mode=ro&uri=true"  # read-only even for root
    readonly = make_engine(url)
    with pytest.raises(Exception) as raised:
        import_articles(readonly, [write_articles(tmp_path / "a.jsonl", 3)], reviewer_id=None)
    readonly.dispose()
    assert not Path("file:" + str(db_path)).parent.exists()  # no folder named after the URI
    line = describe(raised.value, url)
    assert line is not None and line.startswith("cannot write: the database file is read-only")
    assert str(db_path) in line


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes anyway")
@pytest.mark.sqlite_only("file permissions")
def test_writing_a_database_file_without_write_permission_says_read_only(
    engine: Engine, db_path: Path, db_url: str, tmp_path: Path
) -> None:
    engine.dispose()
    db_path.chmod(0o444)
    try:
        with pytest.raises(Exception) as raised:
            engine = open_database(db_url)
            import_articles(engine, [write_articles(tmp_path / "a.jsonl", 3)], reviewer_id=None)
        engine.dispose()
    finally:
        db_path.chmod(0o644)
    line = describe(raised.value, db_url)
    assert line is not None and line.startswith("cannot write: the database file is read-only")


def test_postgresql_without_its_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    # The dev extras install psycopg (the tests run on PostgreSQL too): hide it.
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(Exception) as raised:
        make_engine("postgresql+psycopg://user@localhost/telaah")
    assert (
        describe(raised.value)
        == POSTGRES_EXTRA
        == "PostgreSQL needs pip install 'telaah[postgres]'"
    )


@pytest.mark.sqlite_only("SQLite's max_page_count stands for a full disk")
def test_a_full_disk_stops_the_import_saying_how_many_were_stored_and_again_goes_on(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    source = write_articles(tmp_path / "a.jsonl", 3000)
    full = make_engine(db_url)
    pages = _pages(engine) + 150  # room for a few batches, not for 3,000 articles

    @event.listens_for(full, "connect")
    def _small_disk(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    with pytest.raises(DiskFull) as raised:
        import_articles(full, [source], reviewer_id=None)
    full.dispose()
    with session_scope(engine) as session:
        stored = _count(session)
    assert 0 < stored < 3000
    assert str(raised.value) == (
        f"disk full while importing: {stored} articles were stored, run the import again to "
        "continue (free some space first)"
    )
    report = import_articles(engine, [source], reviewer_id=None)  # the disk has room again
    assert (report.imported, report.duplicates, report.failed) == (3000 - stored, stored, 0)


def _pages(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("PRAGMA page_count").scalar_one())


def _count(session: Session) -> int:
    return int(session.execute(text("SELECT count(*) FROM article")).scalar_one())


def _indexed(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                text(
                    "SELECT count(*) FROM "
                    + ("article_fts_docsize" if engine.dialect.name == "sqlite" else "article_fts")
                )
            ).scalar_one()
        )


def test_articles_stored_but_not_indexed_are_indexed_when_the_database_is_opened(
    db_url: str, engine: Engine
) -> None:
    # What an import killed between storing a batch and indexing it leaves behind (SQLite
    # indexes every tenth batch; PostgreSQL each batch with it, but an older telaah did not).
    rows = []
    for i in range(5):
        body = f"Kirgizstan menerima S-300 nomor {i}."
        rows.append(
            article_row(
                external_id=f"k{i}", title=body, text=body, sha256=text_hash(body), status="todo"
            )
        )
    with engine.begin() as connection:
        insert_articles(connection, rows)
    assert _indexed(engine) == 0
    engine.dispose()
    reopened = open_database(db_url)
    assert _indexed(reopened) == 5
    assert index_new_articles(reopened) == 0
    reopened.dispose()


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_the_next_export_removes_only_leftovers_of_dead_exports(
    engine: Engine, tmp_path: Path
) -> None:
    import_articles(engine, [write_articles(tmp_path / "a.jsonl", 3)], reviewer_id=None)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "gold.jsonl"
    host = temp_prefix(target).split(".")[-2].rsplit("-", 1)[0]
    dead = f"{host}-{_dead_pid()}"
    alive = f"{host}-{os.getpid()}"
    old = time.time() - STALE_AFTER - 60
    leftovers = [
        f".gold.jsonl.{dead}.abcd1234.tmp",  # the output of a killed export
        f".gold.jsonl.manifest.json.{dead}.abcd1234.tmp",  # its manifest
        f"..gold.jsonl.{dead}.abcd1234.tmp.{dead}.efgh5678.parts",  # its parallel parts
    ]
    legacy = ".gold.jsonl.zyxw9876.tmp"  # an older telaah's, a day old
    kept = [
        f".gold.jsonl.{alive}.abcd1234.tmp",  # an export running now
        ".gold.jsonl.zyxw9877.tmp",  # an older telaah's, fresh: it may be running
        ".gold.jsonl.otherhost-1.abcd1234.tmp",  # another machine's, fresh
        ".gold.jsonl.notes",  # the user's
        "gold.jsonl.tmp",
        f".other.jsonl.{dead}.abcd1234.tmp",  # another output's
    ]
    for name in [*leftovers, legacy, *kept]:
        if name.endswith(".parts"):
            (out / name).mkdir()
            (out / name / "00000").write_bytes(b"x" * 1000)
        else:
            (out / name).write_bytes(b"partial")
    os.utime(out / legacy, (old, old))
    report = run_export(
        engine, fmt=get_format("jsonl"), out=target, selection=Selection(articles="all")
    )
    assert report.articles == 3
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [*kept, "gold.jsonl", "gold.jsonl.manifest.json"]
    )
    # a folder format's leftovers too (brat writes a folder)
    folder = out / "brat"
    (out / f".brat.{dead}.abcd1234.tmp").mkdir()
    (out / f".brat.{dead}.abcd1234.old").mkdir()
    assert len(remove_leftovers(folder)) == 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_pool_workers_die_with_a_parent_killed_by_sigkill(tmp_path: Path) -> None:
    script = tmp_path / "parent.py"
    script.write_text(
        "import os, sys, time\n"
        "from concurrent.futures import ProcessPoolExecutor\n"
        "import multiprocessing\n"
        "from store.workers import die_with_parent\n"
        "def pid(_):\n    time.sleep(0.2)\n    return os.getpid()\n"
        "if __name__ == '__main__':\n"
        "    ctx = multiprocessing.get_context(sys.argv[1])\n"
        "    with ProcessPoolExecutor(2, mp_context=ctx, initializer=die_with_parent,"
        " initargs=(os.getpid(),)) as pool:\n"
        "        print(*sorted(set(pool.map(pid, range(8)))), flush=True)\n"
        "        time.sleep(600)\n",
        encoding="utf-8",
    )
    for method in ("fork", "spawn"):
        parent = subprocess.Popen(
            [sys.executable, str(script), method],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert parent.stdout is not None
        workers = [int(p) for p in parent.stdout.readline().split()]
        assert workers and all(_alive(p) for p in workers)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 20
        while any(_alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = [p for p in workers if _alive(p)]
        for pid in left:  # never leave them running, even when the test fails
            os.kill(pid, signal.SIGKILL)
        assert not left, f"{method}: workers outlived their parent"


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie, dead but not yet reaped by init, does not)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
