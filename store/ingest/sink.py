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
in bounded steps (`store.corpus.search.merge_index`). PostgreSQL indexes every batch in its
own transaction, from the rows in hand (their vectors made by the reading thread), not read
back from the database.

A batch is written by a writer thread while the next one is read and parsed (the database
works meanwhile: on PostgreSQL the server, on SQLite its C code, both without the
interpreter's lock). SQLite writes one batch at a time: the next waits for it before it is
checked against the database, so every check sees every batch before it. PostgreSQL writes
`WRITERS` (two) at once, each in its own transaction on its own connection (a server process
each): the newer is checked against the database and against the batch still being written,
each indexes its own articles (`index_known`), and its rows go by COPY. Lines come out in
the input's order either way: a batch's are said once the batches before it are counted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, func, insert, select
from sqlalchemy import text as sql
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import col

from store.bulk_copy import copy_rows
from store.corpus.search import (
    Vectors,
    index_known,
    index_new_articles,
    index_pending,
    vectors_of,
)
from store.dialect import POSTGRESQL
from store.formats import limits
from store.formats.problems import Problem
from store.models import Article, utcnow
from store.textnorm import normalise_field, normalise_optional

BATCH = 1000
# Batches whose articles go into the search index together (in the transaction of the last):
# fewer, bigger index segments to merge, and never more than this many articles unindexed.
INDEX_EVERY = 10
# Batches written at once on PostgreSQL, each by a thread of its own on a connection of its own
# (the server indexes one while it stores the other: a server process a batch). SQLite writes
# one at a time whatever the threads.
WRITERS = 2


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


def _retryable(error: OperationalError) -> bool:
    """Whether a batch failed only because of another transaction (a deadlock, a
    serialisation failure): its rows are then stored one by one."""
    return getattr(error.orig, "sqlstate", None) in {"40P01", "40001"}


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
        "chars": len(text),
        "sha256": sha256,
        "status": status,
        "meta": meta if meta is not None else {},
        "created_at": now,
        "updated_at": now,
    }


def insert_articles(connection: Connection, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert `rows` in one statement; their new ids, ascending (on PostgreSQL, with two
    batches written at once, not always consecutive)."""
    return sorted(insert_keyed(connection, rows).values())


def insert_keyed(connection: Connection, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert `rows` in one statement; {external id: new id} (external ids are unique)."""
    if connection.dialect.name == POSTGRESQL and len(rows) > 1:
        return _copy_keyed(connection, rows)
    found = connection.execute(
        # Unsorted RETURNING lets SQLAlchemy send one multi-row INSERT per batch.
        insert(Article).returning(col(Article.id), col(Article.external_id)),
        list(rows),
    ).all()
    return {str(external): int(key or 0) for key, external in found}  # (keys: never None)


# The columns of `article_row`, in the order PostgreSQL's COPY gets them (after the id).
_COPIED = (
    "external_id",
    "title",
    "source",
    "url",
    "published",
    "text",
    "sha256",
    "status",
    "meta",
    "created_at",
    "updated_at",
    "chars",
)


def _copy_keyed(connection: Connection, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """`insert_keyed` on PostgreSQL: the ids drawn from the table's sequence, the rows sent by
    COPY (a multi-row INSERT's parameters took 150 us a row of the interpreter's time, the
    import's bottleneck: `store.bulk_copy`); a unique value already stored raises
    `IntegrityError` as the INSERT did."""
    keys = list(
        connection.execute(
            sql(
                "SELECT nextval(pg_get_serial_sequence('article', 'id')) "
                "FROM generate_series(1, :n)"
            ),
            {"n": len(rows)},
        ).scalars()
    )
    copy_rows(
        connection,
        "article",
        ("id", *_COPIED),
        (
            (key, *(json.dumps(row[name]) if name == "meta" else row[name] for name in _COPIED))
            for key, row in zip(keys, rows, strict=True)
        ),
    )
    return {str(row["external_id"]): int(key) for key, row in zip(keys, rows, strict=True)}


def store_article(
    connection: Connection, row: dict[str, Any], *, index_on_sqlite: bool = True
) -> tuple[int, int]:
    """Insert one article (`article_row`) in the caller's transaction and index it there:
    on PostgreSQL as its own, with its vector (never left to "above the highest indexed
    id", which another import's ids, drawn later and committed sooner, may have passed); on
    SQLite, one writer at a time, with every article not yet indexed, unless
    `index_on_sqlite` is False (left to the import's end). Its id, and how many articles
    were indexed."""
    (article_id,) = insert_articles(connection, [row])
    postgresql = connection.dialect.name == POSTGRESQL
    if not postgresql and not index_on_sqlite:
        return article_id, 0
    own = vectors_of([(row["title"], row["text"])]) if postgresql else None
    return article_id, _index_stored(connection, [article_id], own)


@dataclass(slots=True)
class _Queued:
    """A row waiting for its batch, with the control characters its text lost."""

    where: Problem
    row: dict[str, Any]
    removed: int


# A pending batch: rows, and the problem and note lines raised between them (in input order).
_Entry = _Queued | tuple[str, Problem]


class _Writing(NamedTuple):
    """A batch handed to a writer thread: its rows kept, whether it indexes, its result, and
    the lines of its entries ("fail" or "note"), said when it is counted (`_settle`)."""

    kept: list[_Queued]
    due: bool
    job: Future[Any]
    lines: list[tuple[str, Problem]]


def _index_stored(connection: Connection, ids: list[int], vectors: Vectors | None) -> int:
    """Index the articles `ids` just stored in the caller's transaction; how many were
    indexed. PostgreSQL (`vectors` given): these and no other, with their own vectors (not
    by the highest indexed id, which a batch written at once may have passed); SQLite: every
    article not yet in the index (one FTS5 segment)."""
    if vectors is not None:
        return index_known(connection, ids, vectors)
    return index_pending(connection, bulk=True)


# A batch's vectors: of its texts (title, text), and the indexes of those kept.
_Made = tuple[Vectors, list[int], list[tuple[str | None, str]]]


class ArticleSink:
    """The batch not yet written, the look-ups of stored texts and ids, and the import's
    problem log.

    Args:
        on_stored: called with the ids of each batch written, ascending, in the input's order.
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
        # The batches being written by the writer threads, oldest first, while the next is
        # read: their entries, whether they index, their results.
        self._writing: deque[_Writing] = deque()
        self._pool: ThreadPoolExecutor | None = None
        self._writers = WRITERS if engine.dialect.name == POSTGRESQL else 1

    def fail(self, problem: Problem) -> None:
        """Count a failure and report its line (after the rows queued before it)."""
        self._line(("fail", problem))

    def note(self, where: Problem) -> None:
        """Report a note line, not a failure (after the rows queued before it)."""
        self._line(("note", where))

    def _line(self, line: tuple[str, Problem]) -> None:
        """A line now, or after the rows queued or being written before it (a batch being
        written may still say lines: it is not waited for here)."""
        if self.batch or self._writing:
            self.batch.append(line)
        else:
            self._say(line)

    def _say(self, line: tuple[str, Problem]) -> None:
        """Report a failure's or a note's line now (the batches before it settled)."""
        kind, where = line
        if kind == "fail":
            self.log.failed += 1
            self.log.problems.append(str(where))
            self.hooks.on_problem(str(where))
        else:
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
        self._settle()
        with self.engine.connect() as connection:
            return connection.execute(
                select(col(Article.external_id)).where(col(Article.sha256) == sha256)
            ).scalar_one_or_none()

    def hash_of(self, external_id: str) -> str | None:
        """The text hash of the stored article with this external id, if any."""
        self._settle()
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
            self._send()  # written while the next batch is read

    def flush(self) -> None:
        """Report the batch's lines in input order, then write the rows kept in one
        transaction (on a conflict, one by one), which also fills the search index every
        `INDEX_EVERY` batches (on PostgreSQL, every batch); written when this returns."""
        self._send()
        self._settle()

    def _send(self) -> None:
        """`flush`, the batch handed to a writer thread (`_settle` waits for it)."""
        if not self.batch:
            self._settle()
            return
        batch, self.batch, self.rows = self.batch, [], 0
        queued = [entry for entry in batch if isinstance(entry, _Queued)]
        # PostgreSQL's vectors, made here while the writer threads wait for the server with
        # the batches before (made there, they held the interpreter the threads share).
        postgresql = self.engine.dialect.name == POSTGRESQL
        texts = [(e.row["title"], e.row["text"]) for e in queued] if postgresql else []
        made = vectors_of(texts) if postgresql else None
        # The batches before, but the last `_writers - 1` still being written: their ids
        # counted, their lines said, before these.
        self._settle(keep=self._writers - 1)
        by_hash, ids = self._stored(queued)
        for writing in self._writing:  # (what they store is this import's)
            for pending in writing.kept:
                by_hash.setdefault(pending.row["sha256"], (pending.row["external_id"], False))
                ids.add(pending.row["external_id"])
        # The batch's lines, in input order: said when the batches before it are counted
        # (saying them here would wait for the batch still being written: the writers, one
        # at a time whenever a batch had a line, a note or a duplicate).
        lines: list[tuple[str, Problem]] = []
        kept: list[_Queued] = []
        for entry in batch:
            if not isinstance(entry, _Queued):
                lines.append(entry)
                continue
            row = entry.row
            if (same := by_hash.get(row["sha256"])) is not None:
                self.on_duplicate()
                same_id, before = same
                if before:
                    self._stored_before(entry.where, same_id)
                else:
                    message = f"duplicate of article {same_id!r}, skipped"
                    lines.append(("note", replace(entry.where, message=message)))
            elif row["external_id"] in ids:
                message = f"id {row['external_id']!r} is already used by another article"
                lines.append(("fail", replace(entry.where, message=message)))
            else:
                by_hash[row["sha256"]] = (row["external_id"], False)
                ids.add(row["external_id"])
                if entry.removed:
                    self.on_controls(entry.removed)
                    message = f"removed {entry.removed} control characters"
                    lines.append(("note", replace(entry.where, message=message)))
                kept.append(entry)
        if not kept:
            self._settle()
            for line in lines:
                self._say(line)
            return
        rows = [entry.row for entry in kept]
        # PostgreSQL indexes each batch with it, from its rows (no segments to merge: held for
        # ten batches, 10,000 texts took 300 MB more and came as one burst).
        due = postgresql or self.unindexed + 1 >= INDEX_EVERY
        at = {id(entry): index for index, entry in enumerate(queued)}
        vectors = None if made is None else (made, [at[id(entry)] for entry in kept], texts)
        job = self._writer().submit(self._write, rows, vectors, due)
        self._writing.append(_Writing(kept, due, job, lines))

    def _writer(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                max_workers=self._writers, thread_name_prefix="telaah-import"
            )
        return self._pool

    def _write(
        self,
        rows: list[dict[str, Any]],
        vectors: _Made | None,
        due: bool,
    ) -> tuple[list[int], int]:
        """Store `rows` in one transaction (in a writer thread), which also fills the search
        index when `due` (PostgreSQL: with their `vectors`, made from the batch's texts before
        some were left out, not read back); their ids and how many articles were indexed."""
        own = None if vectors is None else vectors[0].only(*vectors[1:])
        with self.engine.begin() as connection:
            keyed = insert_keyed(connection, rows)
            ids = [keyed[r["external_id"]] for r in rows]
            indexed = _index_stored(connection, ids, own) if due else 0
        return sorted(ids), indexed

    def _settle(self, keep: int = 0) -> None:
        """Wait for the batches being written, oldest first, until `keep` are left, and count
        them (on a conflict, store a batch's rows one by one); their errors are raised here."""
        while len(self._writing) > keep:
            kept, due, job, lines = self._writing.popleft()
            for line in lines:
                self._say(line)
            try:
                stored, indexed = job.result()
            except (IntegrityError, OperationalError) as error:
                if isinstance(error, OperationalError) and not _retryable(error):
                    raise
                # Another writer got in between: store what still can be, one by one.
                for entry in kept:
                    self._insert_one(entry.where, entry.row)
                continue
            self.unindexed = 0 if due else self.unindexed + 1
            self.indexed += indexed
            self.on_stored(stored)

    def close(self) -> None:
        """Wait for the batches being written (an import stopped by an error or an interrupt:
        what they store is stored before the error goes on; their own errors are left out)
        and end the writer threads."""
        writing, self._writing = self._writing, deque()
        for written in writing:
            for line in written.lines:
                self._say(line)
            with contextlib.suppress(Exception):
                written.job.result()
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

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
        self.close()
        if self.earlier is not None:
            (where, external_id), count = self.earlier, self.earlier_count
            message = f"duplicate of article {external_id!r}, skipped"
            if count > 1:
                message += f" (the first of {count} stored before this import, all skipped)"
            self.earlier, self.earlier_count = None, 0
            self.note(replace(where, message=message))
        self.indexed += index_new_articles(self.engine)
        return self.indexed

    def _insert_one(self, where: Problem, row: dict[str, Any]) -> None:
        try:
            with self.engine.begin() as connection:
                article_id, indexed = store_article(connection, row)
            self.indexed += indexed
            self.on_stored([article_id])
        except IntegrityError:  # (said now: the batch's own lines are said, the next's not)
            message = "an article with this id or text was stored meanwhile"
            self._say(("fail", replace(where, message=message)))
