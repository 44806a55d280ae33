"""The one path that stores articles: dedupe by text hash, batched insert, problems and notes.

Both importers go through an `ArticleSink`: the plain corpus import (`store.ingest.articles`)
queues rows that are written a batch at a time; the annotated import (`store.ingest.annotated`)
inserts each article inside the transaction that also stores its mentions and facts.

A queued batch is checked against the database with two index probes (its text hashes, its
ids) just before it is written, so memory does not grow with the corpus and an interrupted
import run again skips what it stored at the cost of those probes. Problems and notes raised
while a batch is pending wait with it, so every line comes out in the order of the input. A
text stored before this import began (an interrupted import run again) is not a line of its
own: they are counted and said in one line at the end (`finish`), so a resumed import of a
million articles does not print a line for each it had stored; a text the import itself
stored earlier is a duplicate in the input, one line each.
The search index is filled every `INDEX_EVERY` batches, in the transaction that stores the
last of them: it never lags the articles by more than that, and no single statement (or
write-ahead log) grows with the import; what a killed import left unindexed is indexed by the
next batch stored, or when the database is next opened. FTS5 merges nothing while the import
runs (one segment per step, so every slice of the import costs the same); `finish` merges them
in bounded steps (`store.corpus.search.merge_index`). PostgreSQL's vectors are made from the
rows the sink holds (`known`: their ids, titles and texts), not read back from the database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from store.corpus.search import index_new_articles, index_pending
from store.dialect import POSTGRESQL
from store.formats import limits
from store.formats.problems import Problem
from store.models import Article, utcnow
from store.textnorm import normalise_field, normalise_optional

BATCH = 1000
# Batches whose articles go into the search index together (in the transaction of the last):
# fewer, bigger index segments to merge, and never more than this many articles unindexed.
INDEX_EVERY = 10


@dataclass(slots=True)
class ImportHooks:
    """Callbacks an interface passes in: problems and notes as they happen, bytes done."""

    on_problem: Callable[[str], None] = lambda _line: None
    on_note: Callable[[str], None] = lambda _line: None
    on_progress: Callable[[int], None] = lambda _bytes: None


@dataclass(slots=True)
class ProblemLog:
    """The part of every import report the sink fills: failures, problem and note lines."""

    failed: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def text_hash(text: str) -> str:
    """The hash two articles with the same (stored, normalised) text share."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def article_row(
    *,
    external_id: str,
    title: str,
    text: str,
    sha256: str,
    status: str,
    source: str | None = None,
    url: str | None = None,
    published: date | None = None,
    meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The column values of a new article, stamped now (title, source and url normalised as
    the text is)."""
    now = utcnow()
    return {
        "external_id": external_id,
        "title": normalise_field(title),
        "source": normalise_optional(source),
        "url": normalise_optional(url),
        "published": published,
        "text": text,
        "sha256": sha256,
        "status": status,
        "meta": meta if meta is not None else {},
        "created_at": now,
        "updated_at": now,
    }


def insert_articles(connection: Connection, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert `rows` in one statement; their new ids, in the order of `rows`."""
    return sorted(insert_keyed(connection, rows).values())


def insert_keyed(connection: Connection, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert `rows` in one statement; {external id: new id} (external ids are unique)."""
    found = connection.execute(
        # Unsorted RETURNING lets SQLAlchemy send one multi-row INSERT per batch; the ids
        # of one transaction are consecutive.
        insert(Article).returning(col(Article.id), col(Article.external_id)),
        list(rows),
    ).all()
    return {str(external): int(key or 0) for key, external in found}  # (keys: never None)


@dataclass(slots=True)
class _Queued:
    """A row waiting for its batch, with the control characters its text lost."""

    where: Problem
    row: dict[str, Any]
    removed: int


# A pending batch: rows, and the problem and note lines raised between them (in input order).
_Entry = _Queued | tuple[str, Problem]


class ArticleSink:
    """The batch not yet written, the look-ups of stored texts and ids, and the import's
    problem log.

    Args:
        on_stored: called with the ids of each batch written by `flush` (consecutive ids).
        on_duplicate: called for each queued row skipped because its text is stored.
        on_controls: called with the control characters removed from each row kept.
    """

    def __init__(
        self,
        engine: Engine,
        log: ProblemLog,
        hooks: ImportHooks,
        on_stored: Callable[[list[int]], None] = lambda _ids: None,
        on_duplicate: Callable[[], None] = lambda: None,
        on_controls: Callable[[int], None] = lambda _n: None,
    ) -> None:
        self.engine = engine
        self.log = log
        self.hooks = hooks
        self.on_stored = on_stored
        self.on_duplicate = on_duplicate
        self.on_controls = on_controls
        self.batch: list[_Entry] = []
        self.rows = 0  # rows in `batch`
        self.before: int | None = None  # the highest article id when the first batch came
        # Texts skipped because they were stored before this import: the first (where, the
        # stored article's id) and how many.
        self.earlier: tuple[Problem, str] | None = None
        self.earlier_count = 0
        self.indexed = 0  # articles added to the search index
        self.unindexed = 0  # batches stored since the last indexing
        # PostgreSQL: the (id, title, text) of those batches, indexed from here, not read back
        self.known: list[tuple[int, str, str]] = []

    def fail(self, problem: Problem) -> None:
        """Count a failure and report its line (after the rows queued before it)."""
        if self.batch:
            self.batch.append(("fail", problem))
            return
        self.log.failed += 1
        self.log.problems.append(str(problem))
        self.hooks.on_problem(str(problem))

    def note(self, where: Problem) -> None:
        """Report a note line, not a failure (after the rows queued before it)."""
        if self.batch:
            self.batch.append(("note", where))
            return
        self.log.notes.append(str(where))
        self.hooks.on_note(str(where))

    def oversized(self, where: Problem, text: str) -> bool:
        """Whether `text` is over the import's `max_text_size`; if so, a failure is reported."""
        error = limits.current().text_error(text)
        if error is not None:
            self.fail(replace(where, message=error))
        return error is not None

    def same_text(self, sha256: str) -> str | None:
        """The external id of the stored article with this text hash, if any."""
        with self.engine.connect() as connection:
            return connection.execute(
                select(col(Article.external_id)).where(col(Article.sha256) == sha256)
            ).scalar_one_or_none()

    def hash_of(self, external_id: str) -> str | None:
        """The text hash of the stored article with this external id, if any."""
        with self.engine.connect() as connection:
            return connection.execute(
                select(col(Article.sha256)).where(col(Article.external_id) == external_id)
            ).scalar_one_or_none()

    def queue(self, where: Problem, row: dict[str, Any], *, removed: int = 0) -> None:
        """Store `row` with the next batch (written when it is full, or by `flush`), unless
        its text or its id is stored or queued before it; `removed`: control characters
        taken out of its text (a note, if it is stored)."""
        self.batch.append(_Queued(where, row, removed))
        self.rows += 1
        if self.rows >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Report the batch's lines in input order, then write the rows kept in one
        transaction (on a conflict, one by one), which also fills the search index every
        `INDEX_EVERY` batches."""
        if not self.batch:
            return
        batch, self.batch, self.rows = self.batch, [], 0
        queued = [entry for entry in batch if isinstance(entry, _Queued)]
        by_hash, ids = self._stored(queued)
        kept: list[_Queued] = []
        for entry in batch:
            if not isinstance(entry, _Queued):
                (self.fail if entry[0] == "fail" else self.note)(entry[1])
                continue
            row = entry.row
            if (same := by_hash.get(row["sha256"])) is not None:
                self.on_duplicate()
                same_id, before = same
                if before:
                    self._stored_before(entry.where, same_id)
                else:
                    message = f"duplicate of article {same_id!r}, skipped"
                    self.note(replace(entry.where, message=message))
            elif row["external_id"] in ids:
                message = f"id {row['external_id']!r} is already used by another article"
                self.fail(replace(entry.where, message=message))
            else:
                by_hash[row["sha256"]] = (row["external_id"], False)
                ids.add(row["external_id"])
                if entry.removed:
                    self.on_controls(entry.removed)
                    message = f"removed {entry.removed} control characters"
                    self.note(replace(entry.where, message=message))
                kept.append(entry)
        if not kept:
            return
        try:
            rows = [entry.row for entry in kept]
            with self.engine.begin() as connection:
                keyed = insert_keyed(connection, rows)
                stored = sorted(keyed.values())
                # PostgreSQL indexes the rows in hand (its vectors are made from them).
                known = self.known
                if connection.dialect.name == POSTGRESQL:
                    known = [
                        *known,
                        *((keyed[r["external_id"]], r["title"], r["text"]) for r in rows),
                    ]
                due = self.unindexed + 1 >= INDEX_EVERY
                indexed = index_pending(connection, bulk=True, known=known) if due else 0
            self.unindexed, self.known = (0, []) if due else (self.unindexed + 1, known)
            self.indexed += indexed
            self.on_stored(stored)
        except IntegrityError:
            # Another writer got in between: store what still can be, one by one.
            for entry in kept:
                self._insert_one(entry.where, entry.row)

    def _stored_before(self, where: Problem, external_id: str) -> None:
        """Count a text stored before this import began; the first is kept for the line."""
        self.earlier_count += 1
        if self.earlier is None:
            self.earlier = (where, external_id)

    def _stored(self, queued: list[_Queued]) -> tuple[dict[str, tuple[str, bool]], set[str]]:
        """Of the batch's text hashes and ids, those stored: {hash: (external id, stored
        before this import began)}, {id}."""
        hashes = list({entry.row["sha256"] for entry in queued})
        external = list({entry.row["external_id"] for entry in queued})
        by_hash: dict[str, tuple[str, bool]] = {}
        ids: set[str] = set()
        with self.engine.connect() as connection:
            if self.before is None:
                self.before = connection.execute(select(func.max(col(Article.id)))).scalar() or 0
            before = self.before
            for start in range(0, len(hashes), BATCH):
                found = connection.execute(
                    select(col(Article.sha256), col(Article.external_id), col(Article.id)).where(
                        col(Article.sha256).in_(hashes[start : start + BATCH])
                    )
                )
                by_hash.update((sha, (name, (key or 0) <= before)) for sha, name, key in found)
            for start in range(0, len(external), BATCH):
                ids.update(
                    connection.execute(
                        select(col(Article.external_id)).where(
                            col(Article.external_id).in_(external[start : start + BATCH])
                        )
                    ).scalars()
                )
        return by_hash, ids

    def finish(self) -> int:
        """Flush, say in one line how many texts were skipped as stored before this import,
        then add any article not yet indexed to the search index (those the annotated import
        stored) and merge the segments the import's steps wrote; how many articles this sink
        indexed in all."""
        self.flush()
        if self.earlier is not None:
            (where, external_id), count = self.earlier, self.earlier_count
            message = f"duplicate of article {external_id!r}, skipped"
            if count > 1:
                message += f" (the first of {count} stored before this import, all skipped)"
            self.earlier, self.earlier_count = None, 0
            self.note(replace(where, message=message))
        if self.known:  # (PostgreSQL: the last batches, from the rows in hand)
            with self.engine.begin() as connection:
                self.indexed += index_pending(connection, bulk=True, known=self.known)
            self.known, self.unindexed = [], 0
        self.indexed += index_new_articles(self.engine)
        return self.indexed

    def _insert_one(self, where: Problem, row: dict[str, Any]) -> None:
        try:
            with self.engine.begin() as connection:
                ids = insert_articles(connection, [row])
                indexed = index_pending(connection, bulk=True)
            self.indexed += indexed
            self.on_stored(ids)
        except IntegrityError:
            self.fail(
                replace(where, message="an article with this id or text was stored meanwhile")
            )
