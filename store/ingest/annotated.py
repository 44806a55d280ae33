"""Annotated documents into the database: articles, mentions, entity links and facts.

`import_annotated` reads files with a reader of `store.formats.registry` (`ReadDoc`s and
`Problem`s); `load_docs` stores each document in its own audited transaction. A bad span or
fact is reported with its file and line and the rest goes on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col

from store import audit
from store.bulk_copy import insert_rows
from store.corpus.tokens import has_tokens, save_tokens, worth_keeping
from store.db import session_scope
from store.dberrors import disk_full_while_importing, is_disk_full
from store.errors import TelaahError
from store.export.model import ExportDoc, ExportFact, ExportSpan
from store.facts.repository import create_fact
from store.formats.labelmap import LabelMap
from store.formats.problems import Problem
from store.formats.reading import Item, Note, ReadDoc
from store.formats.registry import import_format, read_paths
from store.gazetteer.entities import create_entity, get_entity
from store.ingest.extras import store_equivalences, store_fact_extras, store_span_extras
from store.ingest.sink import (
    ArticleSink,
    ImportHooks,
    ProblemLog,
    article_row,
    store_article,
    text_hash,
)
from store.models import (
    MENTION_ORIGINS,
    MENTION_STATES,
    Article,
    Entity,
    Fact,
    Label,
    Mention,
    Reviewer,
    utcnow,
)
from store.schema import read_schema
from store.textnorm import normalise_field, normalise_text, title_from_text

_MENTION = Mention.__table__  # type: ignore[attr-defined]
POSITIONAL = re.compile(r"#(\d+)")  # a role known only by its place (doccano: from, to)


@dataclass(slots=True)
class AnnotatedReport(ProblemLog):
    """What an import of annotated data did: counts, and one line per problem or note
    (`failed`, `problems`, `notes` from `ProblemLog`)."""

    articles_created: int = 0
    articles_found: int = 0
    articles_layered: int = 0  # stored articles whose annotations went to a reviewer's layer
    mentions: int = 0
    duplicates: int = 0
    facts: int = 0
    entities_created: int = 0
    unknown_keys: dict[str, int] = field(default_factory=dict)
    not_stored: dict[str, int] = field(default_factory=dict)  # kind of construct -> how many

    @property
    def summary(self) -> str:
        """The closing line of the import (`; not stored: 3 attributes, 1 note` when the files
        held what telaah cannot store yet)."""
        unknown = sum(self.unknown_keys.values())
        line = (
            f"articles: {self.articles_created} new, {self.articles_found} existing; "
            f"mentions {self.mentions}, facts {self.facts}, entities created "
            f"{self.entities_created}, unknown entity keys {unknown}, duplicates "
            f"{self.duplicates}, failed {self.failed}"
        )
        if self.articles_layered:
            line += (
                f"; {self.articles_layered} stored "
                f"{_plural('article', self.articles_layered)}: their annotations went to "
                "the reviewer's layer"
            )
        if self.not_stored:
            line += "; not stored: " + ", ".join(
                f"{count} {_plural(kind, count)}" for kind, count in sorted(self.not_stored.items())
            )
        return line


def _plural(kind: str, count: int) -> str:
    return kind if count == 1 else f"{kind}s"


@dataclass(slots=True)
class LoadOptions:
    """How documents are stored.

    Attributes:
        reviewer_id: who imports; the reviewer of spans whose file names none.
        as_candidates: spans become pending candidates (no reviewer), facts pending too.
        create_entities: unknown entity keys become new entities (else reported, not linked).
        strict: a construct telaah cannot store (a reader's `Note` with a kind: a brat
            attribute, equivalence...) is a failure, not a note; the rest is still imported.
        label_map: labels and fact types are renamed with it before they are checked
            against the schema.
        layer: a reviewer's id: the annotations of articles stored already go to that
            reviewer's layer (`store.layers`; each span at the place of a shared candidate
            names it in `derived_from`), instead of being skipped as duplicates of the
            shared layer's. New articles are stored as usual.
    """

    reviewer_id: int | None
    as_candidates: bool = False
    create_entities: bool = False
    strict: bool = False
    label_map: LabelMap | None = None
    layer: int | None = None


def import_annotated(
    engine: Engine,
    format: str,
    paths: Iterable[Path],
    options: LoadOptions,
    *,
    offsets: str | None = None,
    hooks: ImportHooks | None = None,
) -> AnnotatedReport:
    """Import the annotated files under `paths`, read as `format`.

    Args:
        offsets: doccano only: "utf16" or "codepoint" (default: the file's, else utf16).
        hooks: problems and notes as they happen.

    Raises:
        TelaahError: unknown format.
    """
    fmt = import_format(format)
    return load_docs(engine, read_paths(fmt, paths, offsets), options, hooks)


def load_docs(
    engine: Engine, items: Iterable[Item], options: LoadOptions, hooks: ImportHooks | None = None
) -> AnnotatedReport:
    """Store every document of `items`; report the problems of the others and go on."""
    report = AnnotatedReport()
    loader = _Loader(engine, report, options, ArticleSink(engine, report, hooks or ImportHooks()))
    try:
        _load_items(loader, items, report, options)
    except (OperationalError, OSError) as exc:
        if is_disk_full(exc):
            raise disk_full_while_importing(report.articles_created) from None
        raise
    return report


def _load_items(
    loader: _Loader, items: Iterable[Item], report: AnnotatedReport, options: LoadOptions
) -> None:
    for item in items:
        if isinstance(item, Problem):
            loader.sink.fail(item)
        elif isinstance(item, Note):
            if item.kind is not None:
                report.not_stored[item.kind] = report.not_stored.get(item.kind, 0) + 1
            if item.kind is not None and options.strict:
                loader.sink.fail(item.where)
            else:
                loader.sink.note(item.where)
        else:
            loader.load(item)
    loader.sink.finish()


def normalised(doc: ExportDoc) -> ExportDoc:
    """`doc` with its text in stored form (NFC, LF line endings) and its offsets following it.

    Raises:
        TelaahError: the text changes across a span boundary (e.g. a CRLF cut in two), so the
            offsets cannot be kept.
    """
    text, _removed = normalise_text(doc.text)
    if text == doc.text:
        return doc
    cuts = {0, len(doc.text)}
    if doc.tokens is not None:
        cuts.update(point for pair in doc.tokens.offsets for point in pair)
    for span in doc.spans:
        cuts.update((span.start, span.end))
    for fact in doc.facts:
        cuts.update(fact.evidence or ())
    ordered = sorted(c for c in cuts if 0 <= c <= len(doc.text))
    moved = {0: 0}
    pieces: list[str] = []
    for start, end in pairwise(ordered):
        piece = doc.text[start:end]
        pieces.append(piece)
        moved[end] = moved[start] + len(normalise_text(pieces[-1])[0])
    if "".join(normalise_text(p)[0] for p in pieces) != text:
        raise TelaahError(
            "normalising the text (NFC, LF line endings) would move a span "
            "boundary; the offsets cannot be kept"
        )
    spans = tuple(
        replace(s, start=moved[s.start], end=moved[s.end], text=text[moved[s.start] : moved[s.end]])
        for s in doc.spans
    )
    facts = tuple(
        replace(f, evidence=(moved[f.evidence[0]], moved[f.evidence[1]])) if f.evidence else f
        for f in doc.facts
    )
    tokens = doc.tokens
    if tokens is not None:
        offsets = tuple((moved[start], moved[end]) for start, end in tokens.offsets)
        tokens = replace(tokens, offsets=offsets)
    return replace(doc, text=text, spans=spans, facts=facts, tokens=tokens)


class _Loader:
    """Caches of entities, reviewers and labels across the documents of one import."""

    def __init__(
        self, engine: Engine, report: AnnotatedReport, options: LoadOptions, sink: ArticleSink
    ) -> None:
        self.engine = engine
        self.report = report
        self.options = options
        self.sink = sink
        self.reviewers: dict[str, int] = {}
        self.unknown_noted: set[str] = set()
        self.new_entities: dict[str, int] = {}  # created in the document being stored
        self.indexed_here = 0  # articles the document's transaction indexed (PostgreSQL)
        with session_scope(engine) as session:
            self.entities = _entity_ids(session)
            self.labels = set(session.execute(select(col(Label.name))).scalars())
            schema = read_schema(session=session)
        self.role_order = {t.name: list(t.roles) for t in schema.fact_types}

    def load(self, item: ReadDoc) -> None:
        if self.sink.oversized(Problem(item.path, item.line, ""), item.doc.text):
            return
        if self.options.label_map is not None:
            item = replace(item, doc=self.options.label_map.doc(item.doc))
        spans = self._valid_spans(item)
        doc = self._normalised(item, replace(item.doc, spans=tuple(spans)))
        if doc is None:
            return
        if not doc.text.strip():
            self.sink.fail(Problem(item.path, item.line, "empty text"))
            return
        for span in doc.spans:  # before the document's transaction: each is its own commit
            self._reviewer(span.reviewer)
        self.indexed_here = 0
        with session_scope(self.engine) as session:
            try:
                self._store(session, item, doc)
            except (TelaahError, IntegrityError) as exc:
                session.rollback()
                self.new_entities.clear()
                self.indexed_here = 0
                message = (
                    str(exc)
                    if isinstance(exc, TelaahError)
                    else (
                        "the database refused the document (changed meanwhile?): "
                        f"{str(exc.orig).splitlines()[0]}"
                    )
                )
                self.sink.fail(Problem(item.path, item.line, message))

    def _normalised(self, item: ReadDoc, doc: ExportDoc) -> ExportDoc | None:
        """`doc` in stored form (`normalised`); without its arrival tokens, and a note, when
        they do not fit its text or normalising would move a token boundary; None (a problem
        reported) when it would move a span boundary."""
        if doc.tokens is not None and not doc.tokens.fits(doc.text):
            self._drop_tokens(item, "they do not fit the text")
            doc = replace(doc, tokens=None)
        try:
            return normalised(doc)
        except TelaahError as exc:
            problem = str(exc)
        if doc.tokens is not None:
            try:
                kept = normalised(replace(doc, tokens=None))
            except TelaahError:
                pass
            else:
                reason = "normalising the text (NFC, LF line endings) would move a token boundary"
                self._drop_tokens(item, reason)
                return kept
        self.sink.fail(Problem(item.path, item.line, problem))
        return None

    def _drop_tokens(self, item: ReadDoc, reason: str) -> None:
        self.sink.note(Problem(item.path, item.line, f"its tokens are not kept: {reason}"))

    def _valid_spans(self, item: ReadDoc) -> list[ExportSpan]:
        text = item.doc.text
        kept = []
        for span in item.doc.spans:
            where = Problem(item.path, item.span_lines.get(span.id, item.line), "")
            message = None
            if not 0 <= span.start < span.end <= len(text):
                message = f"span {span.start}-{span.end} is outside the text (0-{len(text)})"
            elif span.text and text[span.start : span.end] != span.text:
                message = (
                    f"span {span.start}-{span.end} says {span.text!r} but the text there "
                    f"is {text[span.start : span.end]!r}"
                )
            elif self.labels and span.label not in self.labels:
                message = f"span {span.start}-{span.end}: unknown label {span.label!r}"
            elif span.state not in MENTION_STATES or span.origin not in MENTION_ORIGINS:
                message = f"span {span.start}-{span.end}: unknown state or origin"
            if message:
                self.sink.fail(replace(where, message=message))
                continue
            kept.append(replace(span, text=text[span.start : span.end]))
        return kept

    def _store(self, session: Session, item: ReadDoc, doc: ExportDoc) -> None:
        sha = text_hash(doc.text)
        article_id, created = self._article(session, item, doc, sha)
        layer = None if created else self.options.layer
        # The rows of the layer the spans go to (a stored article's own layer: all of them).
        in_layer = _MENTION.c.layer == layer if layer is not None else _MENTION.c.id.is_not(None)
        existing: dict[tuple[int, int], int] = (
            {}
            if created
            else {
                (start, end): mention_id
                for start, end, mention_id in session.execute(
                    select(_MENTION.c.start, _MENTION.c.end, _MENTION.c.id).where(
                        _MENTION.c.article_id == article_id, in_layer
                    )
                )
            }
        )
        shared = {} if layer is None else _shared_places(session, article_id)
        new: dict[tuple[int, int], dict[str, Any]] = {}
        for span in doc.spans:
            place = (span.start, span.end)
            if place in existing or place in new:
                self.report.duplicates += 1
                continue
            new[place] = self._mention(session, item, article_id, span)
            if layer is not None:
                new[place].update(layer=layer, derived_from=shared.get(place))
        mention_ids: list[int] = []
        if new:
            # One statement (COPY on PostgreSQL, whose tally triggers fire per statement), not
            # ORM objects (building SQLModel instances dominated big imports) and not
            # RETURNING (which SQLite answers one row per statement).
            insert_rows(session.connection(), _MENTION, list(new.values()))
            rows = session.execute(
                select(_MENTION.c.start, _MENTION.c.end, _MENTION.c.id).where(
                    _MENTION.c.article_id == article_id, in_layer
                )
            )
            stored = {(start, end): mention_id for start, end, mention_id in rows}
            mention_ids = sorted(stored[place] for place in new)
            existing.update((place, stored[place]) for place in new)
        tokens = doc.tokens
        if (
            tokens is not None
            and worth_keeping(tokens, doc.text, doc.spans)
            and (created or not has_tokens(session, article_id))
        ):
            save_tokens(session, article_id, tokens)
        ids = {span.id: existing[(span.start, span.end)] for span in doc.spans}
        store_span_extras(
            session, [(existing[(s.start, s.end)], s) for s in doc.spans if (s.start, s.end) in new]
        )
        facts = self._facts(session, item, article_id, doc.facts, ids, layer)
        store_equivalences(session, article_id, doc.equivalences, ids)
        audit.record(
            session,
            action=audit.Action.ANNOTATIONS_IMPORT,
            reviewer_id=self.options.reviewer_id,
            target="article",
            target_id=article_id,
            after={
                "file": str(item.path),
                "line": item.line,
                "article_created": created,
                "mentions": mention_ids,
                "facts": facts,
            },
        )
        session.commit()
        self.sink.indexed += self.indexed_here
        self.entities.update(self.new_entities)
        self.report.entities_created += len(self.new_entities)
        self.new_entities.clear()
        self.report.mentions += len(mention_ids)
        self.report.facts += len(facts)
        if created:
            self.report.articles_created += 1
        else:
            self.report.articles_found += 1
        if layer is not None:
            self.report.articles_layered += 1

    def _article(
        self, session: Session, item: ReadDoc, doc: ExportDoc, sha: str
    ) -> tuple[int, bool]:
        """The id of the document's article, and whether it is new: the stored one with its
        id (and the same text), else the stored one with its text, else a new one."""
        known = self.sink.hash_of(doc.external_id)
        if known is not None and known != sha:
            raise TelaahError(f"article {doc.external_id!r} exists with a different text")
        if known is not None and (found := _article_id(session, doc.external_id)) is not None:
            return found, False
        same = self.sink.same_text(sha)
        if same is not None and (found := _article_id(session, same)) is not None:
            self.sink.note(
                Problem(
                    item.path, item.line, f"same text as article {same!r}: its annotations go there"
                )
            )
            return found, False
        row = article_row(
            external_id=doc.external_id,
            title=doc.title or title_from_text(doc.text),
            source=doc.source,
            url=doc.url,
            published=doc.published,
            text=doc.text,
            sha256=sha,
            meta=dict(doc.meta),
            status="todo" if self.options.as_candidates else "done",
        )
        # On SQLite the import's end indexes what it stored (one FTS5 segment, not one an
        # article); on PostgreSQL the article is indexed in its document's transaction.
        article_id, indexed = store_article(session.connection(), row, index_on_sqlite=False)
        self.indexed_here += indexed
        return article_id, True

    def _mention(
        self, session: Session, item: ReadDoc, article_id: int, span: ExportSpan
    ) -> dict[str, Any]:
        pending = self.options.as_candidates or span.state == "pending"
        now = utcnow()
        return {
            "article_id": article_id,
            "start": span.start,
            "end": span.end,
            "text": span.text,
            "label": span.label,
            "entity_id": self._entity(session, item, span),
            "state": "pending" if self.options.as_candidates else span.state,
            "origin": span.origin,
            "matched_alias": span.matched_alias,
            "score": span.score,
            "method": None,
            "alternatives": [],
            "reviewer_id": None if pending else self._reviewer(span.reviewer),
            "decided_at": None if pending else (span.decided_at or now),
            "created_at": now,
        }

    def _reviewer(self, name: str | None) -> int | None:
        if not name:
            return self.options.reviewer_id
        name = normalise_field(name)
        if name not in self.reviewers:
            with session_scope(self.engine) as session:
                found = session.execute(
                    select(col(Reviewer.id)).where(col(Reviewer.name) == name)
                ).scalar()
                if found is None:
                    reviewer = Reviewer(name=name)
                    session.add(reviewer)
                    session.commit()
                    found = reviewer.id
            assert found is not None
            self.reviewers[name] = found
        return self.reviewers[name]

    def _entity(self, session: Session, item: ReadDoc, span: ExportSpan) -> int | None:
        key = span.entity_key
        if not key:
            return None
        found = self.entities.get(key) or self.new_entities.get(key)
        if found is not None:
            return found
        if self.options.create_entities:
            create_entity(
                session=session,
                key=key,
                name=span.entity_name or span.text,
                type=span.label,
                reviewer_id=self.options.reviewer_id,
                aliases=[span.text],
                commit=False,
            )
            view = get_entity(session=session, key=key)
            self.new_entities[key] = view.id  # known to later documents once committed
            return view.id
        self.report.unknown_keys[key] = self.report.unknown_keys.get(key, 0) + 1
        if key not in self.unknown_noted:
            self.unknown_noted.add(key)
            self.sink.note(
                Problem(
                    item.path,
                    item.span_lines.get(span.id, item.line),
                    f"unknown entity key {key!r}: the span is imported without a "
                    "link (--create-entities creates it)",
                )
            )
        return None

    def _facts(
        self,
        session: Session,
        item: ReadDoc,
        article_id: int,
        facts: Iterable[ExportFact],
        ids: dict[int, int],
        layer: int | None = None,
    ) -> list[int]:
        """Store the facts, each after the facts filling its roles (nested events); one
        whose filler is not stored (refused, or a cycle) is refused with a problem."""
        stored: dict[int, int] = {}
        waiting = list(facts)
        refused: set[int] = set()
        while waiting:
            ready = [
                f
                for f in waiting
                if all(i in stored or i in refused for ids_ in f.fact_roles.values() for i in ids_)
            ]
            if not ready:  # every fact left waits for another: a cycle
                ready = waiting[:1]
            for fact in ready:
                waiting.remove(fact)
                fact_id = self._fact(session, item, article_id, fact, ids, stored, layer)
                if fact_id is None:
                    refused.add(fact.id)
                else:
                    stored[fact.id] = fact_id
        return sorted(stored.values())

    def _fact(
        self,
        session: Session,
        item: ReadDoc,
        article_id: int,
        fact: ExportFact,
        ids: dict[int, int],
        fact_ids: dict[int, int],
        layer: int | None = None,
    ) -> int | None:
        where = Problem(item.path, item.fact_lines.get(fact.id, item.line), "")
        try:
            roles = self._roles(session, fact, ids)
            fact_roles = {
                role: [_filler(role, i, fact_ids) for i in fillers]
                for role, fillers in fact.fact_roles.items()
            }
            if fact.evidence is not None:
                start, end = fact.evidence
                article = session.get(Article, article_id)
                if article is None or not 0 <= start < end <= len(article.text):
                    raise TelaahError(f"evidence {start}-{end} is outside the text")
            view = create_fact(
                session=session,
                article_id=article_id,
                type=fact.type,
                roles=roles,
                reviewer_id=self.options.reviewer_id,
                evidence=fact.evidence,
                state="pending" if self.options.as_candidates else fact.state,
                origin="import",
                note=fact.note,
                commit=False,
                fact_roles=fact_roles,
                layer=layer,
            )
        except TelaahError as exc:
            self.sink.fail(replace(where, message=f"fact {fact.type}: {exc}"))
            return None
        if fact.needs_review:
            row = session.get(Fact, view.id)
            assert row is not None
            row.needs_review, row.review_reason = True, "imported as needing review"
            session.add(row)
        store_fact_extras(session, view.id, fact)
        return view.id

    def _roles(
        self, session: Session, fact: ExportFact, ids: dict[int, int]
    ) -> dict[str, list[int]]:
        roles: dict[str, list[int]] = {}
        for role, span_ids in fact.roles.items():
            for span_id in span_ids:
                if span_id not in ids:
                    raise TelaahError(f"role {role} names span {span_id}, which was not imported")
                roles.setdefault(role, []).append(ids[span_id])
        if roles and all(POSITIONAL.fullmatch(role) for role in roles):
            return self._place_roles(session, fact.type, roles)
        return roles

    def _place_roles(
        self, session: Session, type: str, roles: dict[str, list[int]]
    ) -> dict[str, list[int]]:
        """Roles known by place (first, second): each goes to the next schema role that
        takes its label."""
        specs = self.role_order.get(type)
        if specs is None:
            raise TelaahError(f"fact type {type!r} is not in the schema")
        placed: dict[str, list[int]] = {}
        index = 0
        for role in sorted(roles, key=lambda r: int(r[1:])):
            for mention_id in roles[role]:
                mention = session.get(Mention, mention_id)
                assert mention is not None
                while (
                    index < len(specs)
                    and specs[index].labels
                    and mention.label not in specs[index].labels
                ):
                    index += 1
                if index >= len(specs):
                    raise TelaahError(
                        f"no role of {type} left for {mention.text!r} ({mention.label})"
                    )
                placed.setdefault(specs[index].name, []).append(mention_id)
                index += 1
        return placed


def _shared_places(session: Session, article_id: int) -> dict[tuple[int, int], int]:
    """(start, end) -> id of the article's shared-layer mentions (what a layer's span at the
    same place is derived from)."""
    return {
        (start, end): mention_id
        for start, end, mention_id in session.execute(
            select(_MENTION.c.start, _MENTION.c.end, _MENTION.c.id).where(
                _MENTION.c.article_id == article_id, _MENTION.c.layer.is_(None)
            )
        )
    }


def _filler(role: str, fact_id: int, stored: dict[int, int]) -> int:
    if fact_id not in stored:
        raise TelaahError(f"role {role} names fact {fact_id}, which was not imported")
    return stored[fact_id]


def _entity_ids(session: Session) -> dict[str, int]:
    """Entity key -> id; a merged entity's key -> the id of the entity it went into."""
    rows = session.execute(select(col(Entity.key), col(Entity.id), col(Entity.merged_into))).all()
    target = {entity_id: merged for _key, entity_id, merged in rows}
    result: dict[str, int] = {}
    for key, entity_id, merged in rows:
        seen = {entity_id}
        while merged is not None and merged not in seen:  # follow redirects, never loop
            seen.add(merged)
            entity_id, merged = merged, target.get(merged)
        result[key] = entity_id
    return result


def _article_id(session: Session, external_id: str) -> int | None:
    """The id of the stored article with this external id (None: deleted meanwhile)."""
    return session.execute(
        select(col(Article.id)).where(col(Article.external_id) == external_id)
    ).scalar()
