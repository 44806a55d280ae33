"""Fact candidates in the database: the proposals (`store.facts.proposals`) of an article kept
as pending facts of origin "schema", recomputed when its mentions change.

`refresh_fact_candidates` replaces an article's undecided candidates and never touches decided
facts; `propose_all` does it for many articles (`telaah facts propose`, `telaah match`,
`telaah import`, the demo) and counts what it proposed per fact type.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from sqlalchemy import Engine, exists, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from store.config import MIN_SCORE
from store.db import session_scope
from store.facts.proposals import Proposal, Span, propose
from store.facts.repository import create_fact
from store.facts.triggers import TriggerIndex
from store.models import Article, Fact, FactArgument, Mention, shown_at
from store.schema import Schema, read_schema


def refresh_fact_candidates(
    session: Session,
    article_id: int,
    *,
    schema: Schema | None = None,
    index: TriggerIndex | None = None,
    counts: Counter[str] | None = None,
) -> int:
    """Recompute the article's fact candidates; return how many are proposed now.

    Undecided candidates (pending, origin schema, not marked for review) are replaced; a
    candidate equal in type and evidence to a fact that exists (any state) is not proposed.
    Commits.

    Args:
        session: The database session.
        article_id: The article.
        schema: The stored schema, when the caller has read it (many articles in a row).
        index: The schema's trigger words, likewise.
        counts: Proposals are counted here by fact type.
    """
    schema = schema or read_schema(session=session)
    article = session.get(Article, article_id)
    if article is None or not schema.fact_types:
        return 0
    copies = aliased(Fact)
    stale = (
        session.execute(
            select(Fact).where(
                col(Fact.article_id) == article_id,
                col(Fact.origin) == "schema",
                col(Fact.state) == "pending",
                col(Fact.needs_review).is_(False),
                col(Fact.layer).is_(None),  # the shared candidates, not a reviewer's copies
                ~exists().where(col(copies.derived_from) == col(Fact.id)),  # nor those copied
            )
        )
        .scalars()
        .all()
    )
    stale_ids = {f.id for f in stale}
    kept = {
        (f.type, f.evidence_start, f.evidence_end)
        for f in session.execute(
            select(Fact).where(col(Fact.article_id) == article_id, col(Fact.layer).is_(None))
        ).scalars()
        if f.id not in stale_ids
    }
    # A stale candidate the proposals make again (type, evidence and fillers) stays as it is:
    # deleting it and creating it again cost most of a refresh (`d` leaving an article), and
    # an audit entry each time.
    fillers = _fillers(session, stale_ids)
    reusable: dict[Signature, list[Fact]] = {}
    for fact in stale:
        reusable.setdefault(_signature(fact, fillers.get(fact.id or 0)), []).append(fact)
    mentions = [
        Span(m_id or 0, start, end, label, entity_id)
        for m_id, start, end, label, entity_id in session.execute(
            select(
                col(Mention.id),
                col(Mention.start),
                col(Mention.end),
                col(Mention.label),
                col(Mention.entity_id),
            ).where(
                col(Mention.article_id) == article_id,
                col(Mention.state) != "rejected",
                col(Mention.layer).is_(None),  # proposals are shared: the shared layer's
                shown_at(MIN_SCORE),  # not the candidates the threshold hides
            )
        ).all()
    ]
    count = 0
    proposals = propose(
        article.text,
        mentions,
        schema.fact_types,
        index,
        source=article.source,
        url=article.url,
    )
    for proposal in proposals:
        if (proposal.type, *proposal.evidence) in kept:
            continue
        count += 1
        if counts is not None:
            counts[proposal.type] += 1
        same = reusable.get(_proposed(proposal))
        if same:
            same.pop()
            continue
        create_fact(
            session=session,
            article_id=article_id,
            type=proposal.type,
            roles=proposal.roles,
            reviewer_id=None,
            evidence=proposal.evidence,
            state="pending",
            origin="schema",
            commit=False,
            schema=schema,
        )
    for left in reusable.values():
        for fact in left:
            session.delete(fact)
    session.commit()
    return count


Filler = tuple[str, int | None, int | None]  # role, mention id, filler fact id
Signature = tuple[str, int | None, int | None, frozenset[Filler]]


def _fillers(session: Session, fact_ids: set[int | None]) -> dict[int, set[Filler]]:
    """Each fact's role fillers."""
    found: dict[int, set[Filler]] = {}
    if not fact_ids:
        return found
    for fact_id, role, mention_id, filler in session.execute(
        select(
            col(FactArgument.fact_id),
            col(FactArgument.role),
            col(FactArgument.mention_id),
            col(FactArgument.filler_fact_id),
        ).where(col(FactArgument.fact_id).in_(fact_ids))
    ):
        found.setdefault(fact_id, set()).add((role, mention_id, filler))
    return found


def _signature(fact: Fact, fillers: set[Filler] | None) -> Signature:
    """A stored candidate as a proposal would make it."""
    return (fact.type, fact.evidence_start, fact.evidence_end, frozenset(fillers or ()))


def _proposed(proposal: Proposal) -> Signature:
    """A proposal as `_signature` sees a stored candidate."""
    fillers = frozenset(
        (role, mention_id, None) for role, ids in proposal.roles.items() for mention_id in ids
    )
    return (proposal.type, proposal.evidence[0], proposal.evidence[1], fillers)


def propose_all(
    engine: Engine,
    article_ids: Iterable[int] | None = None,
    on_progress: Callable[[int], None] = lambda _n: None,
) -> Counter[str]:
    """Recompute the fact candidates of these articles (all by default).

    Each article is its own transaction (`on_progress(1)` after each). Returns how many were
    proposed, per fact type.
    """
    counts: Counter[str] = Counter()
    with session_scope(engine) as session:
        schema = read_schema(session=session)
        if not schema.fact_types:
            return counts
        index = TriggerIndex((t.name, t.triggers) for t in schema.fact_types)
        ids = (
            list(article_ids)
            if article_ids is not None
            else list(session.execute(select(col(Article.id)).order_by(col(Article.id))).scalars())
        )
        for article_id in ids:
            refresh_fact_candidates(session, article_id, schema=schema, index=index, counts=counts)
    return counts


def refresh_all(engine: Engine, article_ids: Iterable[int] | None = None) -> int:
    """Recompute the fact candidates of these articles (all by default); return how many."""
    return sum(propose_all(engine, article_ids).values())
