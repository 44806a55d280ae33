"""The one path that stores articles: dedupe by text hash, batched insert, problems and notes.

Both importers go through an `ArticleSink`: the plain corpus import (`store.ingest.articles`)
queues rows that are written a batch at a time; the annotated import (`store.ingest.annotated`)
inserts each article inside the transaction that also stores its mentions and facts. Either
way the sink knows every stored text hash and id (loaded once, kept current), so a duplicate
is found without a query per article.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from store.corpus.search import index_new_articles
from store.formats import limits
from store.formats.problems import Problem
from store.models import Article, utcnow
from store.textnorm import normalise_field, normalise_optional

BATCH = 1000


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
    ids = (
        connection.execute(
            # Unsorted RETURNING lets SQLAlchemy send one multi-row INSERT per batch;
            # the ids of one transaction are consecutive, so sorting them is enough.
            insert(Article).returning(col(Article.id)),
            list(rows),
        )
        .scalars()
        .all()
    )
    return sorted(i for i in ids if i is not None)  # primary keys: never None


class ArticleSink:
    """Known text hashes and ids, the batch not yet written, and the import's problem log.

    Args:
        on_stored: called with the ids of each batch written by `flush` (consecutive ids).
    """

    def __init__(
        self,
        engine: Engine,
        log: ProblemLog,
        hooks: ImportHooks,
        on_stored: Callable[[list[int]], None] = lambda _ids: None,
    ) -> None:
        self.engine = engine
        self.log = log
        self.hooks = hooks
        self.on_stored = on_stored
        self.batch: list[tuple[Problem, dict[str, Any]]] = []
        with engine.connect() as connection:
            rows = connection.execute(select(col(Article.sha256), col(Article.external_id))).all()
        self.by_hash: dict[str, str] = {row[0]: row[1] for row in rows}
        self.by_id: dict[str, str] = {ext: sha for sha, ext in rows}

    def fail(self, problem: Problem) -> None:
        """Count a failure and report its line."""
        self.log.failed += 1
        self.log.problems.append(str(problem))
        self.hooks.on_problem(str(problem))

    def note(self, where: Problem) -> None:
        """Report a note line (not a failure)."""
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
        return self.by_hash.get(sha256)

    def hash_of(self, external_id: str) -> str | None:
        """The text hash of the stored article with this external id, if any."""
        return self.by_id.get(external_id)

    def remember(self, external_id: str, sha256: str) -> None:
        """Know an article as stored (queued, or committed by the caller)."""
        self.by_hash.setdefault(sha256, external_id)
        self.by_id[external_id] = sha256

    def queue(self, where: Problem, row: dict[str, Any]) -> None:
        """Store `row` with the next batch (written when it is full, or by `flush`)."""
        self.remember(row["external_id"], row["sha256"])
        self.batch.append((where, row))
        if len(self.batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Write the queued rows, in one transaction; on a conflict, one by one."""
        if not self.batch:
            return
        batch, self.batch = self.batch, []
        try:
            with self.engine.begin() as connection:
                ids = insert_articles(connection, [row for _where, row in batch])
            self.on_stored(ids)
        except IntegrityError:
            # Another writer got in between: store what still can be, one by one.
            for where, row in batch:
                self._insert_one(where, row)

    def finish(self) -> int:
        """Flush, then add the new articles to the search index; how many were indexed."""
        self.flush()
        return index_new_articles(self.engine)

    def _insert_one(self, where: Problem, row: dict[str, Any]) -> None:
        try:
            with self.engine.begin() as connection:
                ids = insert_articles(connection, [row])
            self.on_stored(ids)
        except IntegrityError:
            self.fail(
                replace(where, message="an article with this id or text was stored meanwhile")
            )
