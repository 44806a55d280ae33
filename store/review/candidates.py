"""Stored candidates: the matcher's proposals kept as pending mentions, re-matched on change."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    Engine,
    Float,
    Integer,
    String,
    Table,
    bindparam,
    column,
    delete,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlmodel import Session, col

from store import audit
from store.audit import Action
from store.bulk_copy import driver_rows, write_rows
from store.db import session_scope
from store.dialect import POSTGRESQL, json_int, json_rows
from store.matching import AliasEntry, Candidate, Matcher
from store.matching.names import hints_for, with_new_names
from store.models import Alias, Article, Entity, Mention, utcnow
from store.review.match_pool import can_fork, fork_map
from store.review.match_progress import ALL, Progress, gazetteer_digest, scope_of
from store.review.precision import Precision, load_precision

CHUNK = 100  # articles matched and written per transaction
POOL_FROM = 400  # below this many articles, worker processes cost more than they save
KEYS_CHUNK = 500  # entity keys looked up per query
WRITE_CHUNK = 5_000  # articles whose new candidates `add_candidates` writes in one transaction
READ_CHUNK = 500  # articles whose stored rows `add_candidates` reads per query


@dataclass(slots=True)
class MatchReport:
    """What a matching run changed among the pending candidates."""

    articles: int = 0
    added: int = 0
    removed: int = 0
    kept: int = 0
    resumed: int = 0  # of `articles`, those an interrupted run had matched (resumable runs)

    @property
    def summary(self) -> str:
        """One line for the command line and notifications."""
        before = f" (continued: {self.resumed} matched before)" if self.resumed else ""
        return (
            f"matched {self.articles} articles{before}: {self.added} new candidates, "
            f"{self.removed} withdrawn, {self.kept} unchanged"
        )

    def merge(self, other: MatchReport) -> None:
        """Add another run's counts to these."""
        self.articles += other.articles
        self.added += other.added
        self.removed += other.removed
        self.kept += other.kept
        self.resumed += other.resumed


def gazetteer_aliases(*, session: Session, keys: Collection[str] | None = None) -> list[AliasEntry]:
    """Every alias of every entity that is not a redirect (of those of `keys` only, if given),
    as the matcher takes them."""
    query = (
        select(col(Entity.key), col(Alias.text), col(Entity.type))
        .join(Entity, col(Entity.id) == col(Alias.entity_id))
        .where(col(Entity.merged_into).is_(None))
        .order_by(col(Alias.id))
    )
    if keys is not None:
        query = query.where(col(Entity.key).in_(list(keys)))
    rows = session.execute(query).all()
    return [AliasEntry(key, alias, label) for key, alias, label in rows]


def build_matcher(*, session: Session) -> Matcher:
    """A matcher over the current gazetteer."""
    return Matcher.build(gazetteer_aliases(session=session))


def entity_ids(session: Session, named: Collection[str]) -> dict[str, int]:
    """The ids of the entities `named` (keys; the empty key of a new name left out)."""
    wanted = sorted(key for key in named if key)
    keys: dict[str, int] = {}
    for at in range(0, len(wanted), KEYS_CHUNK):
        rows = session.execute(
            select(col(Entity.key), col(Entity.id)).where(
                col(Entity.key).in_(wanted[at : at + KEYS_CHUNK])
            )
        ).all()
        keys.update({row[0]: row[1] for row in rows})
    return keys


def _chunks(ids: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def _texts(engine: Engine, ids: list[int]) -> list[tuple[int, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(col(Article.id), col(Article.text)).where(col(Article.id).in_(ids))
        ).all()
    return [(int(i or 0), t) for i, t in rows]


class _Job:
    """One chunk of articles read, matched and diffed against their stored candidates: what a
    worker process does (its own engine, read only), or the run's own process with one."""

    def __init__(
        self,
        engine: Engine,
        matcher: Matcher,
        keys: dict[str, int] | None,
        precision: Precision | None,
    ) -> None:
        """`keys` and `precision` None: read for each chunk, of the entities it names."""
        self.url = engine.url.render_as_string(hide_password=False)
        self.engines = {os.getpid(): engine}
        self.matcher = matcher
        self.keys = keys
        self.precision = precision
        hints_for(matcher)  # built once, before a fork: the workers share it

    def __call__(self, ids: list[int]) -> Rows:
        engine = self.engines.get(os.getpid())
        if engine is None:  # a forked worker: the parent's connections are not its own
            from store.db import make_engine

            engine = self.engines[os.getpid()] = make_engine(self.url)
        results = [(i, with_new_names(self.matcher, t)) for i, t in _texts(engine, ids)]
        if self.keys is None or self.precision is None:
            keys, precision = named_entities(engine, results)
            return _prepare(engine, results, keys, precision)
        return _prepare(engine, results, self.keys, self.precision)


def match_articles(
    engine: Engine,
    *,
    article_ids: Sequence[int] | None = None,
    matcher: Matcher | None = None,
    reviewer_id: int | None = None,
    workers: int | None = None,
    on_progress: Callable[[int], None] = lambda _n: None,
    on_resumed: Callable[[int], None] = lambda _n: None,
    resumable: bool = False,
    restart: bool = False,
) -> MatchReport:
    """Match articles (all of them by default) and store the candidates as pending mentions.

    Earlier pending candidates of these articles are replaced: those proposed again are kept
    (same row), the others withdrawn. Accepted and rejected mentions are never touched; a
    candidate overlapping an accepted mention, or rejected before for the same span and
    entity, is not proposed. Each chunk of articles is one transaction. With many articles the
    work is spread over `workers` processes (default: every core): they read, match and diff,
    this process writes.

    `resumable`: the run leaves checkpoints (store.review.match_progress), and continues an
    interrupted run over the same articles and gazetteer where it stopped (`on_resumed` is
    told how many were matched before), unless `restart`.
    """
    with session_scope(engine) as session:
        if matcher is None:
            matcher = build_matcher(session=session)
        if article_ids is None:
            scope = ALL
            article_ids = list(
                session.execute(select(col(Article.id)).order_by(col(Article.id))).scalars()
            )
        else:
            scope = scope_of(article_ids)
            article_ids = sorted(set(article_ids))
        pool = workers_for(len(article_ids), workers)
        keys: dict[str, int] | None = None
        precision: Precision | None = None
        if pool > 1:  # the workers share what is read once here
            rows = session.execute(select(col(Entity.key), col(Entity.id))).all()
            keys = {row[0]: row[1] for row in rows}
            precision = load_precision(session)
        # (else each chunk reads the entities its candidates name, and their decisions: a
        # re-match of a few articles reads a few entities, not the whole gazetteer and corpus)
        progress = None
        if resumable:
            progress = Progress(scope, gazetteer_digest(matcher), len(article_ids), reviewer_id)
            if not restart:
                progress.resume_from(session)
    report = MatchReport()
    if progress is not None and progress.through is not None:
        report.merge(MatchReport(**progress.before, resumed=progress.before["articles"]))
        article_ids = [i for i in article_ids if i > progress.through]
        on_resumed(report.resumed)
        if len(article_ids) < POOL_FROM:
            pool = 1  # (what is left is done here, with what was read for the workers)
    job = _Job(engine, matcher, keys, precision)
    chunks = _chunks(article_ids, CHUNK)
    if pool > 1:
        prepared: Iterator[Rows] = fork_map(job, chunks, pool)
    else:
        prepared = map(job, chunks)
    for chunk in prepared:
        with engine.begin() as connection:
            _write(connection, chunk)
            report.merge(chunk.report)
            if progress is not None:
                progress.passed(connection, chunk.last, report)
        on_progress(chunk.report.articles)
    record_match(engine, report, reviewer_id, scope if progress is not None else None)
    return report


def record_match(
    engine: Engine, report: MatchReport, reviewer_id: int | None, scope: str | None = None
) -> None:
    """The audit entry of a matching run (`scope`: of a resumable one, which it closes)."""
    with session_scope(engine) as session:
        audit.record(
            session,
            action=Action.MATCH,
            reviewer_id=reviewer_id,
            after={
                "articles": report.articles,
                "added": report.added,
                "removed": report.removed,
                "kept": report.kept,
                **({"scope": scope, "resumed": report.resumed} if scope else {}),
            },
        )
        session.commit()


@dataclass(slots=True)
class Rows:
    """One chunk's changes to the stored candidates, worked out and ready to write: compact
    (plain tuples and numbers), so a worker process returns them cheaply."""

    report: MatchReport
    last: int  # the chunk's highest article id
    inserts: list[tuple[Any, ...]]  # new candidates, `_INSERTED`'s columns, as the driver takes
    updates: list[dict[str, Any]]  # `_UPDATE`'s parameters
    withdrawn: list[int]  # pending candidates no longer proposed


def _prepare(
    engine: Engine,
    results: list[tuple[int, list[Candidate]]],
    keys: dict[str, int],
    precision: Precision,
    *,
    add_only: bool = False,
    replaced: Collection[int] = (),
) -> Rows:
    """One chunk's candidates against the stored ones (`add_only`: the candidates are new
    ones beside the stored ones, which are left as they are but the pending ones `replaced`)."""
    report = MatchReport(articles=len(results))
    ids = [article_id for article_id, _ in results]
    with engine.connect() as connection:
        existing = connection.execute(
            select(
                col(Mention.id),
                col(Mention.article_id),
                col(Mention.start),
                col(Mention.end),
                col(Mention.entity_id),
                col(Mention.state),
                col(Mention.origin),
                col(Mention.label),
                col(Mention.matched_alias),
                col(Mention.score),
                col(Mention.method),
                col(Mention.alternatives),
                col(Mention.reason),
                col(Mention.layer),
            ).where(col(Mention.article_id).in_(ids), *_kept_out(engine, add_only, replaced))
        ).all()
    by_article: dict[int, list[Any]] = {}
    for row in existing:
        # Candidates are the shared layer's: a reviewer's copies (blind mode, store.layers)
        # are theirs, never re-matched. (Not a condition of the query: SQLite, without
        # statistics, then walks `ix_mention_layer`, nearly every row, for each chunk.)
        if row.layer is not None:
            continue
        if not (add_only and row.state == "pending" and row.id not in replaced):
            by_article.setdefault(row.article_id, []).append(row)
    inserts: list[dict[str, Any]] = []
    withdrawn: list[int] = []
    updates: list[dict[str, Any]] = []
    now = utcnow()
    for article_id, candidates in results:
        _diff(
            article_id,
            candidates,
            by_article.get(article_id, []),
            keys,
            report,
            inserts,
            withdrawn,
            updates,
            now,
            precision,
        )
    return Rows(
        report,
        max(ids, default=0),
        driver_rows(engine.dialect, _TABLE, _INSERTED, inserts),
        updates,
        withdrawn,
    )


_TABLE: Table = Mention.__table__  # type: ignore[attr-defined]
# The columns of a new candidate, in the order of `Rows.inserts`.
_INSERTED = (
    "article_id",
    "start",
    "end",
    "text",
    "entity_id",
    "state",
    "origin",
    "created_at",
    "label",
    "matched_alias",
    "score",
    "method",
    "alternatives",
    "reason",
)


def _write(connection: Connection, rows: Rows) -> None:
    """One chunk's changes, in the caller's transaction: each kind in one statement (on
    PostgreSQL a statement per row would fire `mention_tally`'s statement triggers per row)."""
    postgresql = connection.dialect.name == POSTGRESQL
    if rows.updates:
        if postgresql:
            connection.execute(_pg_update(rows.updates))
        else:  # (SQLite: the driver's executemany, no round trip nor statement trigger)
            connection.execute(_UPDATE, rows.updates)
    if rows.withdrawn:  # the ids as one parameter
        ids = json_rows(connection.dialect.name, sorted(rows.withdrawn))
        connection.execute(
            delete(Mention).where(
                col(Mention.id).in_(select(json_int(connection.dialect.name, ids.c.value))),
                col(Mention.state) == "pending",
            )
        )
    write_rows(connection, _TABLE, _INSERTED, rows.inserts)


def _store(
    engine: Engine,
    results: list[tuple[int, list[Candidate]]],
    keys: dict[str, int],
    precision: Precision,
    *,
    add_only: bool = False,
    replaced: Collection[int] = (),
) -> MatchReport:
    """Write one chunk's candidates in one transaction (`_prepare`)."""
    rows = _prepare(engine, results, keys, precision, add_only=add_only, replaced=replaced)
    with engine.begin() as connection:
        _write(connection, rows)
    return rows.report


# A re-matched pending candidate's fields, as one statement executed for many rows (still
# pending: a decision committed since the rows were read is never undone).
_UPDATE = (
    update(Mention)
    .where(col(Mention.id) == bindparam("row_id"), col(Mention.state) == "pending")
    .values(
        label=bindparam("new_label"),
        matched_alias=bindparam("new_matched_alias"),
        score=bindparam("new_score"),
        method=bindparam("new_method"),
        alternatives=bindparam("new_alternatives", type_=JSON),
        reason=bindparam("new_reason"),
        version=col(Mention.version) + 1,
    )
)


def _pg_update(updates: list[dict[str, Any]]) -> Any:
    """`_UPDATE` for many rows as one PostgreSQL statement: the rows sent as one JSON
    parameter, read by `json_to_recordset`."""
    given = func.json_to_recordset(literal(updates, JSON)).table_valued(
        column("row_id", Integer),
        *(column(f"new_{name}", kind) for name, kind in _UPDATED),
    )
    given = given.render_derived(with_types=True)
    return (
        update(Mention)
        .where(col(Mention.id) == given.c.row_id, col(Mention.state) == "pending")
        .values(
            {
                **{name: given.c[f"new_{name}"] for name, _kind in _UPDATED},
                "version": col(Mention.version) + 1,
            }
        )
    )


# The fields of a re-matched candidate `_UPDATE` sets, and their types in `_pg_update`.
_UPDATED = (
    ("label", String),
    ("matched_alias", String),
    ("score", Float),
    ("method", String),
    ("alternatives", JSON),
    ("reason", String),
)


def _kept_out(engine: Engine, add_only: bool, replaced: Collection[int]) -> list[Any]:
    # New candidates beside the stored ones: the pending ones but `replaced` are left as they
    # are, so they need not be read. The ids go in as one JSON parameter.
    if not add_only:
        return []
    dialect = engine.dialect.name
    ids = json_rows(dialect, sorted(replaced))
    return [
        or_(
            col(Mention.state) != "pending",
            col(Mention.id).in_(select(json_int(dialect, ids.c.value))),
        )
    ]


def _diff(
    article_id: int,
    candidates: list[Candidate],
    existing: list[Any],
    keys: dict[str, int],
    report: MatchReport,
    inserts: list[dict[str, Any]],
    withdrawn: list[int],
    updates: list[dict[str, Any]],
    now: Any,
    precision: Precision,
) -> None:
    rejected = {(m.start, m.end, m.entity_id) for m in existing if m.state == "rejected"}
    accepted = [(m.start, m.end) for m in existing if m.state == "accepted"]
    pending = {
        (m.start, m.end, m.entity_id): m
        for m in existing
        if m.state == "pending" and m.origin == "gazetteer"
    }
    for c in candidates:
        entity_id = keys.get(c.key)
        if (entity_id is None and c.key) or (c.start, c.end, entity_id) in rejected:
            continue  # (a new name has no key: it is proposed without an entity)
        if any(c.start < end and start < c.end for start, end in accepted):
            continue
        score, reason = precision.adjust(entity_id, c.alias, c.text, c.score, c.reason)
        fields = {
            "label": c.label,
            "matched_alias": c.alias or None,
            "score": round(score, 2),
            "method": c.method if c.key else None,
            "alternatives": list(c.alternatives),
            "reason": reason,
        }
        old = pending.pop((c.start, c.end, entity_id), None)
        if old is None:
            inserts.append(
                {
                    "article_id": article_id,
                    "start": c.start,
                    "end": c.end,
                    "text": c.text,
                    "entity_id": entity_id,
                    "state": "pending",
                    "origin": "gazetteer",
                    "created_at": now,
                    **fields,
                }
            )
            report.added += 1
            continue
        report.kept += 1
        current = {
            "label": old.label,
            "matched_alias": old.matched_alias,
            "score": old.score,
            "method": old.method,
            "alternatives": list(old.alternatives or []),
            "reason": old.reason,
        }
        if current != fields:  # a re-matched candidate is a changed mention: a new version
            updates.append({"row_id": old.id, **{f"new_{k}": v for k, v in fields.items()}})
    withdrawn.extend(m.id for m in pending.values())
    report.removed += len(pending)


def add_candidates(
    engine: Engine,
    results: list[tuple[int, list[Candidate]]],
    replaced: Collection[int] = (),
) -> MatchReport:
    """Store new candidates beside the articles' stored ones, which are left as they are but
    the pending candidates `replaced` (withdrawn); the same checks as `match_articles`: never
    over an accepted mention nor a rejected one."""
    keys, precision = named_entities(engine, results)
    report = MatchReport()
    for at in range(0, len(results), WRITE_CHUNK):
        written = Rows(MatchReport(), 0, [], [], [])
        for start in range(at, min(len(results), at + WRITE_CHUNK), READ_CHUNK):
            chunk = _prepare(
                engine,
                results[start : start + READ_CHUNK],
                keys,
                precision,
                add_only=True,
                replaced=replaced,
            )
            written.report.merge(chunk.report)
            written.inserts += chunk.inserts
            written.updates += chunk.updates
            written.withdrawn += chunk.withdrawn
        with engine.begin() as connection:
            _write(connection, written)
        report.merge(written.report)
    return report


def workers_for(articles: int, workers: int | None) -> int:
    """How many processes match `articles` articles (1: this one alone)."""
    workers = workers or os.cpu_count() or 1
    return workers if workers > 1 and articles >= POOL_FROM and can_fork() else 1


def named_entities(
    engine: Engine, results: list[tuple[int, list[Candidate]]]
) -> tuple[dict[str, int], Precision]:
    """The ids of the entities `results`' candidates name (key -> id), and the decisions about
    them (`load_precision`): the entities named, not all of them."""
    with session_scope(engine) as session:
        keys = entity_ids(session, {c.key for _, found in results for c in found})
        precision = load_precision(session, keys.values())
    return keys, precision
