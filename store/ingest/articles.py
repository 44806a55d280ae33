"""Corpus import: read files, normalise each text once, skip duplicates, store in batches."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from store import audit
from store.corpus.search import index_new_articles
from store.db import session_scope
from store.formats.articles import ArticleRecord, Consumed, find_files, read_file
from store.formats.problems import Problem
from store.models import Article, utcnow
from store.textnorm import normalise_text, shorten, title_from_text

BATCH = 1000


@dataclass(slots=True)
class ImportReport:
    """What an import did: counts, and one line per problem or note."""

    imported: int = 0
    duplicates: int = 0
    failed: int = 0
    controls_removed: int = 0
    indexed: int = 0  # articles added to the search index
    id_ranges: list[list[int]] = field(default_factory=list)  # ids stored, [first, last] runs

    @property
    def article_ids(self) -> list[int]:
        """The ids of the articles this import stored."""
        return [i for first, last in self.id_ranges for i in range(first, last + 1)]

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """The closing line of every import."""
        return f"imported {self.imported}, duplicates {self.duplicates}, failed {self.failed}"


@dataclass(slots=True)
class ImportHooks:
    """Callbacks an interface passes in: problems and notes as they happen, bytes done."""

    on_problem: Callable[[str], None] = lambda _line: None
    on_note: Callable[[str], None] = lambda _line: None
    on_progress: Callable[[int], None] = lambda _bytes: None


def total_bytes(paths: Iterable[Path]) -> int:
    """The size of every importable file under `paths`, for a progress bar."""
    return sum(p.stat().st_size for p in find_files(paths) if isinstance(p, Path))


def import_articles(
    engine: Engine,
    paths: Iterable[Path],
    *,
    reviewer_id: int | None,
    encoding: str | None = None,
    hooks: ImportHooks | None = None,
) -> ImportReport:
    """Import every article under `paths`; bad records are reported and the rest go on."""
    hooks = hooks or ImportHooks()
    report = ImportReport()
    importer = _Importer(engine, report, hooks)
    files: list[str] = []
    for path in find_files(paths):
        if isinstance(path, Problem):
            importer.fail(path)
            continue
        files.append(str(path))
        for item in read_file(path, encoding=encoding):
            if isinstance(item, Problem):
                importer.fail(item)
            elif isinstance(item, Consumed):
                hooks.on_progress(item.size)
            else:
                importer.take(item)
                hooks.on_progress(item.size)
    importer.flush()
    report.indexed = index_new_articles(engine)
    with session_scope(engine) as session:
        audit.record(
            session,
            action=audit.Action.ARTICLES_IMPORT,
            reviewer_id=reviewer_id,
            after={
                "files": files,
                "imported": report.imported,
                "duplicates": report.duplicates,
                "failed": report.failed,
                "ids": importer.id_ranges,
            },
        )
        session.commit()
    return report


class _Importer:
    """Holds the known hashes and ids, and the batch not yet written."""

    def __init__(self, engine: Engine, report: ImportReport, hooks: ImportHooks) -> None:
        self.engine = engine
        self.report = report
        self.hooks = hooks
        self.batch: list[tuple[ArticleRecord, dict[str, Any]]] = []
        self.id_ranges = report.id_ranges
        with engine.connect() as connection:
            rows = connection.execute(select(col(Article.sha256), col(Article.external_id))).all()
        self.hashes: dict[str, str] = {row[0]: row[1] for row in rows}
        self.ids: set[str] = {ext for _sha, ext in rows}

    def fail(self, problem: Problem) -> None:
        self.report.failed += 1
        self.report.problems.append(str(problem))
        self.hooks.on_problem(str(problem))

    def note(self, where: Problem) -> None:
        self.report.notes.append(str(where))
        self.hooks.on_note(str(where))

    def take(self, record: ArticleRecord) -> None:
        text, removed = normalise_text(record.text)
        if not text.strip():
            self.fail(Problem(record.path, record.line, "empty text"))
            return
        published, error = _parse_date(record.published)
        if error:
            self.fail(Problem(record.path, record.line, error))
            return
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if sha in self.hashes:
            self.report.duplicates += 1
            self.note(
                Problem(
                    record.path, record.line, f"duplicate of article {self.hashes[sha]!r}, skipped"
                )
            )
            return
        if record.external_id in self.ids:
            self.fail(
                Problem(
                    record.path,
                    record.line,
                    f"id {record.external_id!r} is already used by another article",
                )
            )
            return
        if removed:
            self.report.controls_removed += removed
            self.note(Problem(record.path, record.line, f"removed {removed} control characters"))
        self.hashes[sha] = record.external_id
        self.ids.add(record.external_id)
        now = utcnow()
        row = {
            "external_id": record.external_id,
            "title": _title(record.title, text),
            "source": record.source,
            "url": record.url,
            "published": published,
            "text": text,
            "sha256": sha,
            "status": "todo",
            "meta": record.meta,
            "created_at": now,
            "updated_at": now,
        }
        self.batch.append((record, row))
        if len(self.batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        batch, self.batch = self.batch, []
        try:
            with self.engine.begin() as connection:
                ids = (
                    connection.execute(
                        # Unsorted RETURNING lets SQLAlchemy send one multi-row INSERT per batch;
                        # the ids of one transaction are consecutive, so sorting them is enough.
                        insert(Article).returning(col(Article.id)),
                        [row for _record, row in batch],
                    )
                    .scalars()
                    .all()
                )
            self.report.imported += len(batch)
            self._note_ids(sorted(i for i in ids if i is not None))
        except IntegrityError:
            # Another writer got in between: store what still can be, one by one.
            for record, row in batch:
                self._insert_one(record, row)

    def _insert_one(self, record: ArticleRecord, row: dict[str, Any]) -> None:
        try:
            with self.engine.begin() as connection:
                new_id = connection.execute(
                    insert(Article).returning(col(Article.id)), row
                ).scalar_one()
            self.report.imported += 1
            self._note_ids([new_id])
        except IntegrityError:
            self.fail(
                Problem(
                    record.path, record.line, "an article with this id or text was stored meanwhile"
                )
            )

    def _note_ids(self, returned: Sequence[int | None]) -> None:
        ids = [i for i in returned if i is not None]  # primary keys: never None
        if not ids:
            return
        if self.id_ranges and self.id_ranges[-1][1] + 1 == ids[0]:
            self.id_ranges[-1][1] = ids[-1]
        else:
            self.id_ranges.append([ids[0], ids[-1]])


def _title(given: str | None, text: str) -> str:
    """The given title, normalised like the text; else the text's first non-empty line."""
    if given:
        title = " ".join(normalise_text(given)[0].split())
        if title:
            return shorten(title)
    return title_from_text(text)


def _parse_date(value: str | None) -> tuple[date | None, str | None]:
    if not value:
        return None, None
    text = value.strip()
    try:
        return date.fromisoformat(text), None
    except ValueError:
        pass
    try:  # a timestamp: its date, as written (no time zone conversion)
        return datetime.fromisoformat(text).date(), None
    except ValueError:
        return None, f"`published` {value!r} is not a date (YYYY-MM-DD)"
