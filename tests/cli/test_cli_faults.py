"""Faults and bad input at the command line (issue 15): one line on stderr, the right exit
status, and a database that a `kill -9` at any point of import, match, merge or export leaves
intact, without orphans, without anything half-applied, and without worker processes."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from store.db import open_database, session_scope
from store.gazetteer.files import import_gazetteer
from store.ingest.articles import import_articles
from store.review.candidates import match_articles
from store.reviewers import ensure_reviewer
from store.schema import load_schema, parse_schema
from tests.cli.test_cli import run
from tests.conftest import SAMPLE

ROOT = Path(__file__).resolve().parents[2]
RUNS = int(os.environ.get("TELAAH_KILL_RUNS", "2"))  # kill -9 runs per operation
ARTICLES = 1500

pytestmark = pytest.mark.sqlite_only("faults of a SQLite file: damaged, read-only, kill -9")


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "cli.db")


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "internal error" not in lines[0] and "[SQL" not in lines[0]
    return lines[0]


# --- bad input: the rest imports, the exit status says partial -------------------------------


def test_hostile_records_are_one_line_each_and_the_import_is_partial(
    db: str, tmp_path: Path
) -> None:
    path = tmp_path / "news.jsonl"
    path.write_text(
        '{"text": "Rusia memasok S-300."}\n'
        '{"text": "bad \\ud800"}\n'
        '{"text": "deep", "meta": ' + "[" * 100_000 + "]" * 100_000 + "}\n"
        '{"text": "big", "meta": {"n": ' + "9" * 5_000 + "}}\n"
        '{"text": "Kirgizstan menerima S-300."}\n',
        encoding="utf-8",
    )
    result = run("--db", db, "import", "--no-match", str(path))
    assert result.returncode == 1
    assert result.stdout.strip() == "imported 2, duplicates 0, failed 3"
    lines = result.stderr.strip().splitlines()
    assert [line.split(": ")[0] for line in lines] == [f"{path}:{n}" for n in (2, 3, 4)]


def test_a_short_gazetteer_row_is_one_line_and_the_other_rows_import(
    db: str, tmp_path: Path
) -> None:
    engine = open_database(f"sqlite:///{db}")  # the schema, loaded in this process: quicker
    with session_scope(engine) as session:
        schema = parse_schema(SAMPLE / "schema.toml")
        load_schema(session=session, schema=schema, reviewer_id=None)
    engine.dispose()
    path = tmp_path / "gazetteer.csv"
    path.write_text(
        "id,name,type,alias,description,wikidata\nKG,Kyrgyzstan,GPE,Kirgistan\n"
        "KZ,Kazakhstan,GPE,Kazakstan,,Q232\n",
        encoding="utf-8",
    )
    result = run("--db", db, "gazetteer", "import", str(path))
    assert result.returncode == 1
    assert result.stderr.strip() == f"{path}:2: fewer fields than the header has"
    assert "entities created 1" in result.stdout


def test_a_line_over_the_configured_length_is_one_line(db: str, tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "config.toml").write_text("[import]\nmax_line_length = 100\n", encoding="utf-8")
    path = tmp_path / "news.jsonl"
    path.write_text(
        '{"text": "Rusia."}\n' + json.dumps({"text": "x" * 200}) + '\n{"text": "Kirgizstan."}\n',
        encoding="utf-8",
    )
    result = run(
        "--db", db, "import", "--no-match", str(path), env={"TELAAH_CONFIG_DIR": str(config)}
    )
    assert result.returncode == 1 and result.stdout.strip() == "imported 2, duplicates 0, failed 1"
    assert "over the limit of 100" in one_line_error(result)


# --- database errors: one line, cause and fix ---------------------------------------------


def test_database_errors_are_one_line_with_the_cause_and_the_fix(db: str, tmp_path: Path) -> None:
    news = tmp_path / "news.jsonl"
    news.write_text('{"text": "Rusia memasok S-300."}\n', encoding="utf-8")
    engine = open_database(f"sqlite:///{db}")  # a good database, made in this process: quicker
    import_articles(engine, [news], reviewer_id=None)
    engine.dispose()
    good = Path(db)

    notdb = tmp_path / "notes.db"
    notdb.write_text("my notes\n" * 500, encoding="utf-8")
    line = one_line_error(run("--db", str(notdb), "stats"))
    assert (
        line
        == f"telaah: not a telaah database: {notdb} (not a SQLite file); check --db or TELAAH_DB"
    )

    cut = tmp_path / "cut.db"
    with sqlite3.connect(good) as connection:  # everything in the file, nothing in the WAL
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    cut.write_bytes(good.read_bytes()[: 3 * 4096])
    line = one_line_error(run("--db", str(cut), "articles", "list"))
    assert line.startswith(f"telaah: the database is damaged: {cut}") and ".recover" in line

    readonly = f"sqlite:///file:{good}?mode=ro&uri=true"
    more = tmp_path / "more.jsonl"
    more.write_text('{"text": "Kirgizstan menerima S-300."}\n', encoding="utf-8")
    line = one_line_error(run("--db", readonly, "import", "--no-match", str(more)))
    assert line.startswith("telaah: cannot write: the database file is read-only")

    # No server listens on port 1; without the driver the extra is named first.
    line = one_line_error(run("--db", "postgresql+psycopg://user@127.0.0.1:1/telaah", "stats"))
    if importlib.util.find_spec("psycopg") is None:
        assert line == "telaah: PostgreSQL needs pip install 'telaah[postgres]'"
    else:
        assert line == (
            "telaah: cannot reach the PostgreSQL server 127.0.0.1:1: is it running and is the "
            "host and port right? (check --db or TELAAH_DB)"
        )


# --- kill -9 at random points -------------------------------------------------------------


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the sample schema and gazetteer, 1,500 articles, 300 of them matched."""
    folder = tmp_path_factory.mktemp("kill")
    paragraphs = [
        part
        for path in sorted((SAMPLE / "articles").glob("*.txt"))
        for part in path.read_text(encoding="utf-8").split("\n\n")
        if len(part) > 80
    ]
    source = folder / "many.jsonl"
    source.write_text(
        "".join(
            json.dumps({"id": f"k{i}", "text": f"{paragraphs[i % len(paragraphs)]} ({i})"}) + "\n"
            for i in range(ARTICLES)
        ),
        encoding="utf-8",
    )
    path = folder / "base.db"
    engine = open_database(f"sqlite:///{path}")
    with session_scope(engine) as session:
        reviewer = ensure_reviewer(session=session, name="tester")
        load_schema(
            session=session, schema=parse_schema(SAMPLE / "schema.toml"), reviewer_id=reviewer
        )
        import_gazetteer(session=session, path=SAMPLE / "gazetteer.csv", reviewer_id=reviewer)
    report = import_articles(engine, [source], reviewer_id=reviewer)
    match_articles(engine, article_ids=report.article_ids[:300], reviewer_id=reviewer)
    engine.dispose()
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text(encoding="ascii")
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def kill_during(
    args: list[str],
    seconds: float,
    cwd: Path,
    *,
    after_workers: bool = False,
    ready: Callable[[], bool] | None = None,
) -> list[int]:
    """Run `telaah ARGS`, SIGKILL it after `seconds` (counted from when it has started its
    worker processes, with `after_workers`, or from when `ready()`) if it still runs; the
    workers it had then."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tui", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: list[int] = []
    limit = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < limit:
        if after_workers and (workers := children(process.pid)):
            break
        if ready is not None and ready():
            break
        if not after_workers and ready is None:
            break
        time.sleep(0.01)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        workers = children(process.pid) or workers
        time.sleep(0.01)
    workers = children(process.pid) or workers
    process.send_signal(signal.SIGKILL)
    process.wait()
    return workers


def intact(path: Path) -> sqlite3.Connection:
    """The database after a kill: integrity ok, no orphans; then opened by telaah (which
    indexes any article the kill left out of the search index)."""
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    open_database(f"sqlite:///{path}").dispose()
    connection = sqlite3.connect(path)
    articles = connection.execute("SELECT count(*) FROM article").fetchone()
    assert connection.execute("SELECT count(*) FROM article_fts_docsize").fetchone() == articles
    for text, start, end, surface in connection.execute(
        'SELECT a.text, m.start, m."end", m.text FROM mention m '
        "JOIN article a ON a.id = m.article_id"
    ):
        assert text[start:end] == surface
    return connection


@pytest.fixture
def kill_runs(base: Path, tmp_path: Path) -> Iterator[tuple[random.Random, list[Path]]]:
    copies = []
    for run_number in range(RUNS):
        copy = tmp_path / f"run{run_number}.db"
        shutil.copyfile(base, copy)
        copies.append(copy)
    yield random.Random(15), copies


def test_kill_during_import_leaves_whole_articles_all_searchable(
    kill_runs: tuple[random.Random, list[Path]], tmp_path: Path
) -> None:
    rng, copies = kill_runs
    more = tmp_path / "more.jsonl"
    more.write_text(
        "".join(
            json.dumps({"id": f"m{i}", "text": f"Rusia memasok S-300 ke Kirgizstan ({i})."}) + "\n"
            for i in range(4000)
        ),
        encoding="utf-8",
    )
    for path in copies:
        kill_during(["--db", str(path), "import", "-q", str(more)], rng.uniform(0.6, 3.0), tmp_path)
        connection = intact(path)
        for text, sha in connection.execute("SELECT text, sha256 FROM article"):
            assert hashlib.sha256(text.encode()).hexdigest() == sha
        # run again: it goes on where the kill stopped it
        result = run("--db", str(path), "import", "-q", "--no-match", str(more))
        assert result.returncode == 0, result.stderr
        assert connection.execute("SELECT count(*) FROM article").fetchone() == (ARTICLES + 4000,)


def test_kill_during_match_leaves_no_workers_and_no_broken_candidates(
    kill_runs: tuple[random.Random, list[Path]], tmp_path: Path
) -> None:
    rng, copies = kill_runs
    for path in copies:
        args = ["--db", str(path), "match", "-q"]
        workers = kill_during(args, rng.uniform(0.0, 0.2), tmp_path, after_workers=True)
        assert workers, "the match ended before it started worker processes"
        deadline = time.monotonic() + 10
        while any(alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = [p for p in workers if alive(p)]
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        assert not left, "match workers outlived telaah"
        connection = intact(path)
        duplicates = connection.execute(
            'SELECT count(*) FROM (SELECT 1 FROM mention GROUP BY article_id, start, "end", '
            "entity_id, state HAVING count(*) > 1)"
        ).fetchone()
        assert duplicates == (0,)


def test_kill_during_merge_applies_all_of_it_or_none(
    kill_runs: tuple[random.Random, list[Path]], tmp_path: Path
) -> None:
    rng, copies = kill_runs
    for path in copies:
        with sqlite3.connect(path) as connection:
            before = connection.execute(
                "SELECT count(*) FROM alias JOIN entity e ON e.id = alias.entity_id "
                "WHERE e.key = 'KZ'"
            ).fetchone()[0]
        kill_during(
            ["--db", str(path), "gazetteer", "merge", "KZ", "KG"], rng.uniform(0.5, 2.5), tmp_path
        )
        connection = intact(path)
        source, merged = connection.execute(
            "SELECT id, merged_into FROM entity WHERE key = 'KZ'"
        ).fetchone()
        linked = connection.execute(
            "SELECT count(*) FROM mention WHERE entity_id = ?", (source,)
        ).fetchone()[0]
        aliases = connection.execute(
            "SELECT count(*) FROM alias WHERE entity_id = ?", (source,)
        ).fetchone()[0]
        if merged is None:
            assert aliases == before  # not merged: nothing moved
        else:
            assert linked == 0 and aliases <= 1  # merged: every mention and alias moved


def test_kill_during_export_leaves_nothing_the_next_export_does_not_remove(
    kill_runs: tuple[random.Random, list[Path]], tmp_path: Path
) -> None:
    rng, copies = kill_runs
    for number, path in enumerate(copies):
        out = tmp_path / f"out{number}"
        out.mkdir()
        target = out / "gold.jsonl"
        args = [
            "--db",
            str(path),
            "export",
            "--format",
            "jsonl",
            "--articles",
            "all",
            "--state",
            "all",
            "--out",
            str(target),
        ]

        def writing(folder: Path = out) -> bool:
            return any(p.name.endswith(".tmp") for p in folder.iterdir())

        kill_during(args, rng.uniform(0.0, 0.5), tmp_path, ready=writing)
        intact(path)
        names = sorted(p.name for p in out.iterdir())
        assert names in ([], ["gold.jsonl", "gold.jsonl.manifest.json"]) or all(
            n.startswith(".gold.jsonl.") for n in names
        ), names
        result = run(*args)
        assert result.returncode == 0, result.stderr
        assert sorted(p.name for p in out.iterdir()) == ["gold.jsonl", "gold.jsonl.manifest.json"]
