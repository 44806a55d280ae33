"""Which articles, spans and facts an export takes, read from the database page by page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import String, and_, exists, false, func, or_, select, type_coerce
from sqlmodel import Session

from store.corpus.search import search_matches
from store.corpus.tokens import load_tokens
from store.errors import TelaahError
from store.export.model import ExportDoc, ExportFact, ExportSpan, OnSkip, Skipped
from store.formats.labelmap import LabelMap
from store.layers import overlay
from store.models import (
    AnnotationAttribute,
    AnnotationNote,
    Article,
    Assignment,
    Entity,
    Equivalence,
    EquivalenceMember,
    Fact,
    FactArgument,
    Mention,
    Reviewer,
)
from store.schema import read_schema

ARTICLE_CHOICES = ("done", "all")
STATE_CHOICES = ("accepted", "all")
PENDING_IN_DONE = ("reject", "keep")  # store.config.PENDING_IN_DONE
PAGE_SIZE = 500
GOLD = "gold"  # the shared layer (`--layer gold`)

_A = Article.__table__  # type: ignore[attr-defined]
_AS = Assignment.__table__  # type: ignore[attr-defined]
_M = Mention.__table__  # type: ignore[attr-defined]
_E = Entity.__table__  # type: ignore[attr-defined]
_F = Fact.__table__  # type: ignore[attr-defined]
_FA = FactArgument.__table__  # type: ignore[attr-defined]
_R = Reviewer.__table__  # type: ignore[attr-defined]
_AA = AnnotationAttribute.__table__  # type: ignore[attr-defined]
_AN = AnnotationNote.__table__  # type: ignore[attr-defined]
_EQ = Equivalence.__table__  # type: ignore[attr-defined]
_EM = EquivalenceMember.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Selection:
    """What to export.

    Attributes:
        articles: "done" (articles marked done) or "all".
        state: "accepted" (accepted spans and facts only) or "all" (pending and rejected too).
        reviewer: only spans and facts this reviewer decided, in the articles they worked on.
        labels: only spans of these labels (empty: every label).
        since: only articles changed (status, a span or fact decided) on or after this day (UTC).
        label_map: labels and fact types renamed on the way out (`labels` names them as
            stored, before the mapping).
        pending_in_done: what the pending spans and facts of a done article are: "reject"
            (rejected: the reviewer left them when marking it done) or "keep" (pending).
        layer: "gold" (the shared layer: today's output, later the adjudicated gold) or a
            reviewer's name: their layer (`store.layers`: their own rows and the shared
            pending candidates they did not decide), in the articles they have a row in or
            are assigned.
        search: only articles matching this full-text query (title and text).
    """

    articles: str = "done"
    state: str = "accepted"
    reviewer: str | None = None
    labels: tuple[str, ...] = ()
    since: date | None = None
    label_map: LabelMap | None = None
    pending_in_done: str = "reject"
    layer: str = GOLD
    search: str | None = None

    def __post_init__(self) -> None:
        if self.articles not in ARTICLE_CHOICES:
            raise TelaahError(
                f"--articles must be one of {', '.join(ARTICLE_CHOICES)}, not {self.articles!r}"
            )
        if self.state not in STATE_CHOICES:
            raise TelaahError(
                f"--state must be one of {', '.join(STATE_CHOICES)}, not {self.state!r}"
            )
        if self.pending_in_done not in PENDING_IN_DONE:
            raise TelaahError(
                f"pending_in_done must be one of {', '.join(PENDING_IN_DONE)}, "
                f"not {self.pending_in_done!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        """The selection as the manifest records it (`map` only when there is one)."""
        recorded: dict[str, Any] = {
            "articles": self.articles,
            "state": self.state,
            "reviewer": self.reviewer,
            "labels": list(self.labels),
            "since": self.since.isoformat() if self.since else None,
            # Pending spans and facts of done articles: "reject" counts them rejected (left
            # out of accepted-only exports: `O` in CoNLL), "keep" leaves them pending.
            "pending_in_done": self.pending_in_done,
            "layer": self.layer,
        }
        if self.search:
            recorded["search"] = self.search
        if self.label_map is not None:
            recorded["map"] = self.label_map.to_dict()
        return recorded


def parse_since(value: str) -> date:
    """A `--since` value (YYYY-MM-DD) as a date.

    Raises:
        TelaahError: the value is not an ISO date.
    """
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise TelaahError(f"--since must be a date like 2024-01-31, not {value!r}") from None


def parse_labels(value: str | None) -> tuple[str, ...]:
    """A `--labels` value (comma-separated) as a tuple of label names."""
    if not value:
        return ()
    return tuple(dict.fromkeys(p.strip() for p in value.split(",") if p.strip()))


def count_docs(*, session: Session, selection: Selection) -> int:
    """How many articles `selection` exports (for the progress bar)."""
    query = select(func.count()).select_from(_A).where(*_article_filters(session, selection))
    return int(session.execute(query).scalar() or 0)


def article_ids(*, session: Session, selection: Selection) -> list[int]:
    """The ids of the articles `selection` exports, in export order."""
    return list(iter_article_ids(session=session, selection=selection))


def iter_article_ids(*, session: Session, selection: Selection) -> Iterator[int]:
    """`article_ids`, streamed (a million ids are not held at once)."""
    query = select(_A.c.id).where(*_article_filters(session, selection)).order_by(_A.c.id)
    yield from session.execute(query.execution_options(yield_per=10_000)).scalars()


def iter_docs(
    *,
    session: Session,
    selection: Selection,
    page_size: int = PAGE_SIZE,
    on_skip: OnSkip | None = None,
    id_range: tuple[int, int] | None = None,
) -> Iterator[ExportDoc]:
    """The selected articles as `ExportDoc`s, by article id, `page_size` articles at a time.

    Only one page is held in memory; each page reads its spans, facts and arrival tokens in
    one query each. A fact is exported only when every span filling one of its
    roles is exported too; the others are reported to `on_skip`. `id_range` (first, last, both
    included) limits the articles to a range of ids, for exports in parallel parts.
    """
    filters = _article_filters(session, selection)
    if id_range is not None:
        filters += [_A.c.id >= id_range[0], _A.c.id <= id_range[1]]
    reviewers = dict(session.execute(select(_R.c.id, _R.c.name)).all())
    role_rank = {
        t.name: {r.name: i for i, r in enumerate(t.roles)}
        for t in read_schema(session=session).fact_types
    }
    report = on_skip or (lambda _skipped: None)
    last = 0
    while True:
        rows = session.execute(
            select(
                _A.c.id,
                _A.c.external_id,
                _A.c.title,
                _A.c.text,
                _A.c.source,
                _A.c.url,
                _A.c.published,
                _A.c.meta,
                _A.c.status,
            )
            .where(_A.c.id > last, *filters)
            .order_by(_A.c.id)
            .limit(page_size)
        ).all()
        if not rows:
            return
        ids = [row.id for row in rows]
        spans = _spans(session, selection, ids, reviewers)
        facts = _facts(session, selection, ids, reviewers)
        equivalences = _equivalences(session, ids)
        tokens = load_tokens(session, ids)
        for row in rows:
            mine = spans.get(row.id, [])
            raw_facts = facts.get(row.id, [])
            if row.status == "done" and selection.pending_in_done == "reject":
                mine, raw_facts = _rejected_if_pending(mine, raw_facts)
            exported = {span.id for span in mine}
            doc = ExportDoc(
                id=row.id,
                external_id=row.external_id,
                title=row.title,
                text=row.text,
                source=row.source,
                url=row.url,
                published=row.published,
                meta=dict(row.meta or {}),
                spans=tuple(mine),
                facts=tuple(_complete(row.external_id, raw_facts, mine, role_rank, report)),
                equivalences=tuple(
                    (type_, kept)
                    for type_, members in equivalences.get(row.id, [])
                    if len(kept := tuple(m for m in members if m in exported)) >= 2
                ),
                tokens=tokens.get(row.id),
            )
            yield doc if selection.label_map is None else selection.label_map.doc(doc)
        last = ids[-1]


def _rejected_if_pending(
    spans: list[ExportSpan], facts: list[_RawFact]
) -> tuple[list[ExportSpan], list[_RawFact]]:
    """A done article's pending spans and facts as rejected (`pending_in_done = reject`)."""
    return (
        [replace(s, state="rejected") if s.state == "pending" else s for s in spans],
        [replace(f, state="rejected") if f.state == "pending" else f for f in facts],
    )


def layer_id(session: Session, selection: Selection) -> int | None:
    """The reviewer whose layer `selection` exports (None: the shared layer, gold).

    Raises:
        TelaahError: no reviewer of that name.
    """
    if selection.layer == GOLD:
        return None
    found = session.execute(select(_R.c.id).where(_R.c.name == selection.layer)).scalar()
    if found is None:
        raise TelaahError(f"--layer: no reviewer {selection.layer!r} (gold, all or a reviewer)")
    return int(found)


def layers_in(session: Session) -> list[str]:
    """The names of the reviewers who have a layer (rows of their own), by name."""
    owners = (
        select(_M.c.layer)
        .where(_M.c.layer.is_not(None))
        .union(select(_F.c.layer).where(_F.c.layer.is_not(None)))
    )
    return list(
        session.execute(select(_R.c.name).where(_R.c.id.in_(owners)).order_by(_R.c.name)).scalars()
    )


def _layer(row: Any, layer: int | None) -> Any:
    """The rows of `row` (Mention or Fact) the layer holds (`store.layers.overlay`)."""
    return row.layer.is_(None) if layer is None else overlay(row, layer)


def _article_filters(session: Session, selection: Selection) -> list[Any]:
    filters: list[Any] = []
    if selection.articles == "done":
        filters.append(_A.c.status == "done")
    if selection.search and selection.search.strip():
        filters.append(search_matches(_A.c.id, selection.search, session))
    layer = layer_id(session, selection)
    if layer is not None:
        filters.append(
            or_(
                exists().where(and_(_M.c.article_id == _A.c.id, _M.c.layer == layer)),
                exists().where(and_(_F.c.article_id == _A.c.id, _F.c.layer == layer)),
                exists().where(and_(_AS.c.article_id == _A.c.id, _AS.c.reviewer_id == layer)),
            )
        )
    if selection.reviewer is not None:
        reviewer_id = session.execute(
            select(_R.c.id).where(_R.c.name == selection.reviewer)
        ).scalar()
        if reviewer_id is None:
            filters.append(false())
        else:
            filters.append(
                or_(
                    exists().where(
                        and_(_M.c.article_id == _A.c.id, _M.c.reviewer_id == reviewer_id)
                    ),
                    exists().where(
                        and_(_F.c.article_id == _A.c.id, _F.c.reviewer_id == reviewer_id)
                    ),
                )
            )
    if selection.since is not None:
        since = datetime(
            selection.since.year, selection.since.month, selection.since.day, tzinfo=UTC
        )
        filters.append(
            or_(
                _A.c.updated_at >= since,
                exists().where(and_(_M.c.article_id == _A.c.id, _M.c.decided_at >= since)),
                exists().where(and_(_F.c.article_id == _A.c.id, _F.c.decided_at >= since)),
            )
        )
    return filters


def _spans(
    session: Session, selection: Selection, ids: Sequence[int], reviewers: dict[int, str]
) -> dict[int, list[ExportSpan]]:
    query = (
        select(
            _M.c.id,
            _M.c.article_id,
            _M.c.start,
            _M.c.end,
            _M.c.text,
            _M.c.label,
            _E.c.key,
            _E.c.name,
            _M.c.state,
            _M.c.origin,
            _M.c.matched_alias,
            _M.c.score,
            _M.c.reviewer_id,
            type_coerce(_M.c.decided_at, String),
        )
        .select_from(_M.outerjoin(_E, _E.c.id == _M.c.entity_id))
        .where(_M.c.article_id.in_(ids), _layer(Mention, layer_id(session, selection)))
        .order_by(_M.c.article_id, _M.c.start, _M.c.end.desc(), _M.c.id)
    )
    if selection.state == "accepted":
        query = query.where(_M.c.state == "accepted")
    if selection.labels:
        query = query.where(_M.c.label.in_(selection.labels))
    if selection.reviewer is not None:
        query = query.where(
            _M.c.reviewer_id.in_([i for i, name in reviewers.items() if name == selection.reviewer])
        )
    attributes, notes = _extras(session, _M, "mention_id", ids)
    result: dict[int, list[ExportSpan]] = defaultdict(list)
    for (
        mention_id,
        article_id,
        start,
        end,
        text,
        label,
        key,
        name,
        state,
        origin,
        alias,
        score,
        reviewer_id,
        decided_at,
    ) in session.execute(query).all():  # fetchall: fast
        result[article_id].append(
            ExportSpan(
                id=mention_id,
                start=start,
                end=end,
                text=text,
                label=label,
                entity_key=key,
                entity_name=name,
                state=state,
                origin=origin,
                matched_alias=alias,
                score=score,
                reviewer=reviewers.get(reviewer_id) if reviewer_id is not None else None,
                decided_at=_time(decided_at),
                attributes=tuple(attributes.get(mention_id, ())),
                notes=tuple(notes.get(mention_id, ())),
            )
        )
    return result


def _extras(
    session: Session, owner: Any, column: str, ids: Sequence[int]
) -> tuple[dict[int, list[tuple[str, str | None]]], dict[int, list[tuple[str, str]]]]:
    """The attributes and notes of the mentions (or facts) of a page of articles: one query
    each, by the owners' `article_id`."""
    attributes: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    notes: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for target, name, value in session.execute(
        select(_AA.c[column], _AA.c.name, _AA.c.value)
        .join(owner, owner.c.id == _AA.c[column])
        .where(owner.c.article_id.in_(ids))
        .order_by(_AA.c.id)
    ):
        attributes[target].append((name, value))
    for target, kind, text in session.execute(
        select(_AN.c[column], _AN.c.kind, _AN.c.text)
        .join(owner, owner.c.id == _AN.c[column])
        .where(owner.c.article_id.in_(ids))
        .order_by(_AN.c.id)
    ):
        notes[target].append((kind, text))
    return attributes, notes


def _equivalences(
    session: Session, ids: Sequence[int]
) -> dict[int, list[tuple[str, tuple[int, ...]]]]:
    """Article id -> its equivalence sets (type, mention ids in text order), one query."""
    sets: dict[int, tuple[int, str, list[int]]] = {}
    for equivalence_id, article_id, type_, mention_id in session.execute(
        select(_EQ.c.id, _EQ.c.article_id, _EQ.c.type, _EM.c.mention_id)
        .join(_EM, _EM.c.equivalence_id == _EQ.c.id)
        .join(_M, _M.c.id == _EM.c.mention_id)
        .where(_EQ.c.article_id.in_(ids))
        .order_by(_EQ.c.id, _M.c.start, _M.c.id)
    ):
        sets.setdefault(equivalence_id, (article_id, type_, []))[2].append(mention_id)
    result: dict[int, list[tuple[str, tuple[int, ...]]]] = defaultdict(list)
    for article_id, type_, members in sets.values():
        result[article_id].append((type_, tuple(members)))
    return result


def _time(value: str | datetime | None) -> datetime | None:
    """A stored UTC time: SQLite gives the text (parsed here by the fast `fromisoformat`, not
    SQLAlchemy's per-row regex: 2,000,000 mentions take seconds less), other drivers a datetime."""
    if value is None:
        return None
    if isinstance(value, str):  # naive UTC text; parsing an offset beats `.replace(tzinfo=)`
        return (
            datetime.fromisoformat(value + "+00:00")
            if "+" not in value
            else datetime.fromisoformat(value).astimezone(UTC)
        )
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(slots=True)
class _RawFact:
    id: int
    type: str
    state: str
    evidence: tuple[int, int] | None
    note: str | None
    needs_review: bool
    roles: list[tuple[str, int]]
    fact_roles: list[tuple[str, int]]
    attributes: tuple[tuple[str, str | None], ...] = ()
    notes: tuple[tuple[str, str], ...] = ()


def _facts(
    session: Session, selection: Selection, ids: Sequence[int], reviewers: dict[int, str]
) -> dict[int, list[_RawFact]]:
    query = (
        select(
            _F.c.id,
            _F.c.article_id,
            _F.c.type,
            _F.c.state,
            _F.c.evidence_start,
            _F.c.evidence_end,
            _F.c.note,
            _F.c.needs_review,
        )
        .where(_F.c.article_id.in_(ids), _layer(Fact, layer_id(session, selection)))
        .order_by(_F.c.article_id, _F.c.evidence_start.nulls_first(), _F.c.id)
    )
    if selection.state == "accepted":
        query = query.where(_F.c.state == "accepted")
    if selection.reviewer is not None:
        query = query.where(
            _F.c.reviewer_id.in_([i for i, name in reviewers.items() if name == selection.reviewer])
        )
    attributes, notes = _extras(session, _F, "fact_id", ids)
    result: dict[int, list[_RawFact]] = defaultdict(list)
    by_id: dict[int, _RawFact] = {}
    for fact_id, article_id, type_, state, ev_start, ev_end, note, needs_review in session.execute(
        query
    ):
        raw = _RawFact(
            fact_id,
            type_,
            state,
            (ev_start, ev_end) if ev_start is not None and ev_end is not None else None,
            note,
            bool(needs_review),
            [],
            [],
            tuple(attributes.get(fact_id, ())),
            tuple(notes.get(fact_id, ())),
        )
        result[article_id].append(raw)
        by_id[fact_id] = raw
    if by_id:
        for fact_id, role, mention_id, filler_id in session.execute(
            select(_FA.c.fact_id, _FA.c.role, _FA.c.mention_id, _FA.c.filler_fact_id)
            .where(_FA.c.fact_id.in_(list(by_id)))
            .order_by(_FA.c.id)
        ):
            if mention_id is not None:
                by_id[fact_id].roles.append((role, mention_id))
            else:
                by_id[fact_id].fact_roles.append((role, filler_id))
    return result


def _complete(
    article: str,
    facts: Sequence[_RawFact],
    spans: Sequence[ExportSpan],
    role_rank: dict[str, dict[str, int]],
    report: OnSkip,
) -> Iterator[ExportFact]:
    """The facts whose role spans (and facts) are all exported, roles in schema order then
    text order."""
    position = {span.id: i for i, span in enumerate(spans)}
    reasons: dict[int, str] = {}
    for fact in facts:
        missing = [role for role, mention_id in fact.roles if mention_id not in position]
        if missing:
            reasons[fact.id] = f"role {missing[0]} is filled by a span that is not exported"
    exported = {fact.id for fact in facts}
    changed = True
    while changed:  # a fact filled by a fact that is not exported is not exported either
        changed = False
        for fact in facts:
            role = next((r for r, f in fact.fact_roles if f not in exported or f in reasons), None)
            if fact.id not in reasons and role is not None:
                reasons[fact.id] = f"role {role} is filled by a fact that is not exported"
                changed = True
    for fact in facts:
        if fact.id in reasons:
            report(
                Skipped(
                    article, "fact", fact.type, reasons[fact.id], *(fact.evidence or (None, None))
                )
            )
            continue
        rank = role_rank.get(fact.type, {})
        ordered = sorted(
            fact.roles, key=lambda rm: (rank.get(rm[0], len(rank)), rm[0], position[rm[1]])
        )
        roles: dict[str, list[int]] = {}
        for role, mention_id in ordered:
            roles.setdefault(role, []).append(mention_id)
        fact_roles: dict[str, list[int]] = {}
        for role, filler_id in sorted(fact.fact_roles, key=lambda rf: rank.get(rf[0], len(rank))):
            fact_roles.setdefault(role, []).append(filler_id)
        yield ExportFact(
            id=fact.id,
            type=fact.type,
            state=fact.state,
            roles=roles,
            evidence=fact.evidence,
            note=fact.note,
            needs_review=fact.needs_review,
            attributes=fact.attributes,
            notes=fact.notes,
            fact_roles=fact_roles,
        )
