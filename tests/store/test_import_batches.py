"""Corpus import at scale (issue 17): the search index keeps up batch by batch, an interrupted
import run again goes on, and problem and note lines keep the input's order while a batch
waits to be checked against the database."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from store.corpus.search import BULK_SETTINGS, FTS5_SETTINGS, index_levels, index_new_articles
from store.db import open_database
from store.dialect import POSTGRESQL, dialect_name
from store.ingest import sink
from store.ingest.articles import import_articles
from store.ingest.sink import BATCH, INDEX_EVERY, WRITERS, ImportHooks

# More articles than one indexing step holds, and a part of a step more: seen stored while
# the next is read, even with `WRITERS` batches still being written.
ARTICLES = BATCH * INDEX_EVERY + BATCH * (2 + WRITERS) + BATCH // 2


def corpus(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            out.write(json.dumps({"id": f"a{i}", "text": f"artikel {i} tentang Jakarta"}) + "\n")
    return path


def counts(engine: Engine) -> tuple[int, int]:
    """(articles stored, articles in the search index)."""
    index = "article_fts" if dialect_name(engine) == POSTGRESQL else "article_fts_docsize"
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT count(*) FROM article")).scalar_one()
        indexed = connection.execute(text(f"SELECT count(*) FROM {index}")).scalar_one()
    return int(stored), int(indexed)


def test_the_index_keeps_up_with_the_batches(engine: Engine, tmp_path: Path) -> None:
    path = corpus(tmp_path / "big.jsonl", ARTICLES)
    seen: list[tuple[int, int]] = []
    records = [0]

    def progress(_size: int) -> None:
        records[0] += 1
        if records[0] % (BATCH // 2) == 0:
            seen.append(counts(engine))

    report = import_articles(
        engine, [path], reviewer_id=None, hooks=ImportHooks(on_progress=progress)
    )
    assert report.summary == f"imported {ARTICLES}, duplicates 0, failed 0"
    assert counts(engine) == (ARTICLES, ARTICLES)
    assert report.indexed == ARTICLES
    # Mid-import, the index was never more than one indexing step behind the articles.
    assert max(stored for stored, _ in seen) > BATCH * INDEX_EVERY
    assert all(stored - indexed < BATCH * INDEX_EVERY for stored, indexed in seen)
    assert any(indexed > 0 for _, indexed in seen[:-1])


@pytest.mark.sqlite_only("FTS5's own configuration table")
def test_the_import_sets_how_fts5_writes_and_merges(engine: Engine, tmp_path: Path) -> None:
    """Segments of a whole indexing step, merged 16 at a time: put back by the next import
    when the database holds other settings (FTS5's defaults, a rebuilt index)."""
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO article_fts(article_fts, rank) VALUES ('automerge', 4)")
        )
    import_articles(engine, [corpus(tmp_path / "big.jsonl", BATCH)], reviewer_id=None)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT k, v FROM article_fts_config")).all()
    config = {str(key): value for key, value in rows}
    assert {key: config.get(key) for key in FTS5_SETTINGS} == FTS5_SETTINGS
    assert FTS5_SETTINGS["crisismerge"] > FTS5_SETTINGS["automerge"]


@pytest.mark.sqlite_only("FTS5's segments")
def test_the_import_merges_the_index_once_at_the_end(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While an import runs, each indexing step adds a segment and none is merged (every
    slice costs the same); at its end the segments are merged and FTS5's settings put back."""
    monkeypatch.setattr(sink, "BATCH", 10)
    monkeypatch.setattr(sink, "INDEX_EVERY", 1)
    steps = 2 * FTS5_SETTINGS["usermerge"]
    path = corpus(tmp_path / "big.jsonl", 10 * steps)
    seen: list[int] = []

    def progress(_size: int) -> None:
        with engine.connect() as connection:
            seen.append(sum(count for count, _merging, _pages in index_levels(connection)))

    import_articles(engine, [path], reviewer_id=None, hooks=ImportHooks(on_progress=progress))
    assert max(seen) >= steps - 1  # one segment per step, nothing merged meanwhile
    with engine.connect() as connection:
        levels = index_levels(connection)
        rows = connection.execute(text("SELECT k, v FROM article_fts_config")).all()
        found = connection.execute(
            text("SELECT count(*) FROM article_fts WHERE article_fts MATCH 'jakarta'")
        ).scalar_one()
    assert sum(count for count, _merging, _pages in levels) == 1
    assert {str(key): value for key, value in rows}["automerge"] == FTS5_SETTINGS["automerge"]
    assert found == 10 * steps


@pytest.mark.sqlite_only("FTS5's segments and settings")
def test_what_a_killed_import_left_unmerged_is_merged_when_next_indexed(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A killed import leaves its segments and the bulk settings: the next indexing (on
    opening the database, or the import run again) merges them and puts the settings back."""
    monkeypatch.setattr(sink, "BATCH", 10)
    monkeypatch.setattr(sink, "INDEX_EVERY", 1)
    steps = FTS5_SETTINGS["usermerge"] + 2
    path = corpus(tmp_path / "big.jsonl", 10 * steps)

    def interrupt(size: int) -> None:
        with engine.connect() as connection:
            if sum(count for count, _m, _p in index_levels(connection)) >= steps - 1:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_articles(engine, [path], reviewer_id=None, hooks=ImportHooks(on_progress=interrupt))
    with engine.connect() as connection:
        config = dict(connection.execute(text("SELECT k, v FROM article_fts_config")).all())
    assert config["automerge"] == BULK_SETTINGS["automerge"]
    report = import_articles(engine, [path], reviewer_id=None)
    assert counts(engine) == (10 * steps, 10 * steps)
    assert report.failed == 0
    with engine.connect() as connection:
        levels = index_levels(connection)
        config = dict(connection.execute(text("SELECT k, v FROM article_fts_config")).all())
    assert sum(count for count, _merging, _pages in levels) <= 2
    assert {key: config.get(key) for key in FTS5_SETTINGS} == FTS5_SETTINGS


def test_an_interrupted_import_run_again_goes_on(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    path = corpus(tmp_path / "big.jsonl", ARTICLES)
    records = [0]

    def interrupt(_size: int) -> None:
        records[0] += 1
        if records[0] == ARTICLES - BATCH:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_articles(engine, [path], reviewer_id=None, hooks=ImportHooks(on_progress=interrupt))
    stored, _indexed = counts(engine)
    assert 0 < stored < ARTICLES
    engine.dispose()
    again = open_database(db_url)
    try:
        report = import_articles(again, [path], reviewer_id=None)
        assert report.summary == f"imported {ARTICLES - stored}, duplicates {stored}, failed 0"
        # One line for every text stored by the interrupted run, not one line each.
        assert report.notes == [
            f"{path}:1: duplicate of article 'a0', skipped "
            f"(the first of {stored} stored before this import, all skipped)"
        ]
        # Every article stored once and in the index once.
        assert counts(again) == (ARTICLES, ARTICLES)
        with again.connect() as connection:
            ids = connection.execute(text("SELECT count(DISTINCT external_id) FROM article"))
            assert ids.scalar_one() == ARTICLES
    finally:
        again.dispose()


def test_lines_keep_the_order_of_the_input(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    records = [
        {"id": "a", "text": "pertama"},
        {"id": "b", "text": "kedua", "published": "kemarin"},  # a problem
        {"id": "c", "text": "pertama"},  # a note: same text as a
        {"id": "d", "text": "   "},  # a problem
        {"id": "a", "text": "lain"},  # a problem: a's id
        {"id": "e", "text": "ke\x07tiga"},  # a note: a control character removed
        {"id": "f", "text": "ke\x07tiga"},  # a note: same text as e (once cleaned)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    lines: list[str] = []
    hooks = ImportHooks(
        on_problem=lambda line: lines.append("problem " + line),
        on_note=lambda line: lines.append("note " + line),
    )
    report = import_articles(engine, [path], reviewer_id=None, hooks=hooks)
    assert lines == [
        f"problem {path}:2: `published` 'kemarin' is not a date (YYYY-MM-DD)",
        f"note {path}:3: duplicate of article 'a', skipped",
        f"problem {path}:4: empty text",
        f"problem {path}:5: id 'a' is already used by another article",
        f"note {path}:6: removed 1 control characters",
        f"note {path}:7: duplicate of article 'e', skipped",
    ]
    assert report.summary == "imported 2, duplicates 2, failed 3"
    assert report.controls_removed == 1


def test_stored_before_is_one_line_duplicates_in_the_input_one_each(
    engine: Engine, tmp_path: Path
) -> None:
    """Texts stored before the import are counted in one line at the end; a text the import
    itself stored (in this batch or an earlier one) is a duplicate in the input, noted on its
    own line, in order."""
    first = corpus(tmp_path / "first.jsonl", 3)
    import_articles(engine, [first], reviewer_id=None)
    path = tmp_path / "second.jsonl"
    records = [
        {"id": "a0", "text": "artikel 0 tentang Jakarta"},  # stored before
        {"id": "n", "text": "baru"},
        {"id": "n2", "text": "baru"},  # a duplicate of line 2, in the same batch
        {"id": "a2", "text": "artikel 2 tentang Jakarta"},  # stored before
    ]
    records += [{"id": f"f{i}", "text": f"isian {i}"} for i in range(BATCH)]
    records.append({"id": "n3", "text": "baru"})  # line 2's text, stored by an earlier batch
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    lines: list[str] = []
    report = import_articles(
        engine, [path], reviewer_id=None, hooks=ImportHooks(on_note=lines.append)
    )
    assert lines == [
        f"{path}:3: duplicate of article 'n', skipped",
        f"{path}:{len(records)}: duplicate of article 'n', skipped",
        f"{path}:1: duplicate of article 'a0', skipped "
        "(the first of 2 stored before this import, all skipped)",
    ]
    assert report.notes == lines
    assert report.summary == f"imported {BATCH + 1}, duplicates 4, failed 0"
    # Run again: all of it was stored before, one line; a single one is the usual line.
    again = import_articles(engine, [path], reviewer_id=None)
    assert again.notes == [
        f"{path}:1: duplicate of article 'a0', skipped "
        f"(the first of {len(records)} stored before this import, all skipped)"
    ]
    single = tmp_path / "single.jsonl"
    single.write_text(json.dumps({"id": "x", "text": "baru"}) + "\n", encoding="utf-8")
    assert import_articles(engine, [single], reviewer_id=None).notes == [
        f"{single}:1: duplicate of article 'n', skipped"
    ]


def test_a_batch_that_meets_a_text_stored_meanwhile_stores_the_rest_one_by_one(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer stores one of a batch's texts between its check and its write: the
    batch's transaction fails on the unique text, its rows are stored one by one, that one
    line says so, and every article stored is in the search index."""
    path = corpus(tmp_path / "two.jsonl", BATCH * 2)
    # What another writer stored (and indexed) after the batch was checked: the checks see
    # nothing.
    monkeypatch.setattr(sink.ArticleSink, "_stored", lambda self, queued: ({}, set()))
    taken = "artikel 1500 tentang Jakarta"
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO article (external_id, title, text, sha256, status, meta, "
                "created_at, updated_at) VALUES ('other', 'x', :text, :sha, 'todo', '{}', "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"text": taken, "sha": sink.text_hash(taken)},
        )
    index_new_articles(engine)
    report = import_articles(engine, [path], reviewer_id=None)
    assert report.failed == 1 and report.imported == BATCH * 2 - 1
    assert "was stored meanwhile" in report.problems[0] and ":1501:" in report.problems[0]
    assert counts(engine) == (BATCH * 2, BATCH * 2)  # every article stored is indexed


def test_lines_keep_their_order_without_waiting_for_the_batch_being_written(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every batch says lines (a problem, a control character removed, a duplicate): they
    come out in the input's order, and on PostgreSQL the next batch is written while the one
    before still is (a batch's line made the import wait for the batch being written: the
    two writers, one at a time)."""
    monkeypatch.setattr(sink, "BATCH", 10)
    records: list[dict[str, str]] = []
    expected: list[str] = []
    path = tmp_path / "lines.jsonl"
    for i in range(40):
        line = len(records) + 1
        if i % 10 == 3:
            records.append({"id": f"r{i}", "text": f"teks\x07 {i}"})
            expected.append(f"note {path}:{line}: removed 1 control characters")
        elif i % 10 == 6:
            records.append({"id": f"r{i}", "text": " "})
            expected.append(f"problem {path}:{line}: empty text")
        elif i % 10 == 8:
            records.append({"id": f"r{i}", "text": f"teks {i - 1}"})
            expected.append(f"note {path}:{line}: duplicate of article 'r{i - 1}', skipped")
        else:
            records.append({"id": f"r{i}", "text": f"teks {i}"})
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")

    postgresql = dialect_name(engine) == POSTGRESQL
    second = threading.Event()
    started: list[int] = []
    overlapped: list[bool] = []
    lock = threading.Lock()
    write = sink.ArticleSink._write

    def spied(self: sink.ArticleSink, *args: Any) -> Any:
        # The first batch's write waits (up to 10 s) for the next batch's to begin.
        with lock:
            started.append(len(started))
            first = len(started) == 1
        if first:
            overlapped.append(second.wait(timeout=10))
        else:
            second.set()
        return write(self, *args)

    if postgresql:
        monkeypatch.setattr(sink.ArticleSink, "_write", spied)
    lines: list[str] = []
    hooks = ImportHooks(
        on_problem=lambda line: lines.append("problem " + line),
        on_note=lambda line: lines.append("note " + line),
    )
    report = import_articles(engine, [path], reviewer_id=None, hooks=hooks)
    assert lines == expected
    assert report.summary == "imported 32, duplicates 4, failed 4"
    assert counts(engine) == (32, 32)
    if postgresql:
        assert overlapped == [True]
