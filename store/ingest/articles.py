"""Corpus import: read files, normalise each text once, skip duplicates, store in batches."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from store import audit
from store.db import session_scope
from store.dberrors import disk_full_while_importing, is_disk_full
from store.formats.articles import ArticleRecord, Consumed, find_files, read_file
from store.formats.problems import Problem
from store.ingest.sink import ArticleSink, ImportHooks, ProblemLog, article_row, text_hash
from store.textnorm import normalise_text, shorten, title_from_text


@dataclass(slots=True)
class ImportReport(ProblemLog):
    """What an import did: counts, and one line per problem or note (`failed`, `problems`,
    `notes` from `ProblemLog`)."""

    imported: int = 0
    duplicates: int = 0
    controls_removed: int = 0
    indexed: int = 0  # articles added to the search index
    id_ranges: list[list[int]] = field(default_factory=list)  # ids stored, [first, last] runs

    @property
    def article_ids(self) -> list[int]:
        """The ids of the articles this import stored."""
        return [i for first, last in self.id_ranges for i in range(first, last + 1)]

    @property
    def summary(self) -> str:
        """The closing line of every import."""
        return f"imported {self.imported}, duplicates {self.duplicates}, failed {self.failed}"

    def duplicate(self) -> None:
        """Count an article skipped because its text is stored."""
        self.duplicates += 1

    def controls(self, removed: int) -> None:
        """Count control characters removed from a stored article's text."""
        self.controls_removed += removed

    def stored(self, ids: list[int]) -> None:
        """Count a batch of stored articles; `ids` ascending (consecutive, unless two
        batches were written at once)."""
        self.imported += len(ids)
        for key in ids:
            if self.id_ranges and self.id_ranges[-1][1] + 1 == key:
                self.id_ranges[-1][1] = key
            else:
                self.id_ranges.append([key, key])


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
    """Import every article under `paths`; bad records are reported and the rest go on.

    Raises:
        DiskFull: the disk filled up; the message says how many articles were stored (the
            import run again skips them as duplicates and goes on).
    """
    hooks = hooks or ImportHooks()
    report = ImportReport()
    sink = ArticleSink(
        engine,
        report,
        hooks,
        on_stored=report.stored,
        on_duplicate=report.duplicate,
        on_controls=report.controls,
    )
    try:
        _import_files(sink, report, paths, encoding, reviewer_id)
    except (OperationalError, OSError) as exc:
        if is_disk_full(exc):
            raise disk_full_while_importing(report.imported) from None
        raise
    finally:
        sink.close()  # (stopped early: the batch being written is stored first)
    return report


def _import_files(
    sink: ArticleSink,
    report: ImportReport,
    paths: Iterable[Path],
    encoding: str | None,
    reviewer_id: int | None,
) -> None:
    hooks = sink.hooks
    files: list[str] = []
    for path in find_files(paths):
        if isinstance(path, Problem):
            sink.fail(path)
            continue
        files.append(str(path))
        for item in read_file(path, encoding=encoding):
            if isinstance(item, Problem):
                sink.fail(item)
            elif isinstance(item, Consumed):
                hooks.on_progress(item.size)
            else:
                _take(sink, item)
                hooks.on_progress(item.size)
    report.indexed = sink.finish()
    with session_scope(sink.engine) as session:
        audit.record(
            session,
            action=audit.Action.ARTICLES_IMPORT,
            reviewer_id=reviewer_id,
            after={
                "files": files,
                "imported": report.imported,
                "duplicates": report.duplicates,
                "failed": report.failed,
                "ids": report.id_ranges,
            },
        )
        session.commit()


def _take(sink: ArticleSink, record: ArticleRecord) -> None:
    """Queue one record, unless it is empty or badly dated (the sink skips a duplicate or a
    reused id)."""
    where = Problem(record.path, record.line, "")
    if sink.oversized(where, record.text):
        return
    text, removed = normalise_text(record.text)
    if not text.strip():
        sink.fail(Problem(record.path, record.line, "empty text"))
        return
    published, error = _parse_date(record.published)
    if error:
        sink.fail(Problem(record.path, record.line, error))
        return
    row = article_row(
        external_id=record.external_id,
        title=_title(record.title, text),
        source=record.source,
        url=record.url,
        published=published,
        text=text,
        sha256=text_hash(text),
        status="todo",
        meta=record.meta,
    )
    sink.queue(where, row, removed=removed)


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
