"""Gazetteer lint: what a curator should look at, found from the gazetteer and the decisions.

Each finding names its kind, the entities and alias concerned and a one-line message; the kinds
are listed in `KINDS` in the order a report shows them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein
from sqlalchemy import func, text
from sqlmodel import Session, col, select

from store.corpus.index_tokens import fts_tokens
from store.corpus.search import has_search_index
from store.models import Alias, Article, Entity, Label, Mention
from store.textnorm import norm_key

KINDS = (
    "blank",
    "unknown-type",
    "bad-redirect",
    "ambiguous",
    "near-duplicate",
    "noisy",
    "short",
    "common-word",
)
NEAR = 90.0  # rapidfuzz score (0-100) from which two entities' names look like one
BLOCK = 4000  # forms compared at once for near-duplicates (cdist holds BLOCK² bytes)


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing to look at."""

    kind: str
    message: str
    keys: tuple[str, ...]
    alias: str | None = None
    score: float | None = None


@dataclass(frozen=True, slots=True)
class LintOptions:
    """Thresholds: `noisy_min` decisions of which at least half rejected make an alias noisy."""

    noisy_min: int = 5
    near: float = NEAR
    common_share: float = 0.2  # an alias word in this share of articles or more is common
    common_min_articles: int = 20


def lint_gazetteer(*, session: Session, options: LintOptions | None = None) -> list[Finding]:
    """Every finding, by kind (see `KINDS`), then by key."""
    opts = options or LintOptions()
    entities = {e.id: e for e in session.exec(select(Entity)).all()}
    aliases = list(session.exec(select(Alias)).all())
    findings = [
        *_blank(aliases, entities),
        *_unknown_types(session, entities.values()),
        *_bad_redirects(entities),
        *_ambiguous(aliases, entities),
        *_near_duplicates(aliases, entities, opts.near),
        *_noisy(session, opts.noisy_min),
        *_short(aliases, entities),
        *_common_words(session, aliases, entities, opts),
    ]
    return sorted(findings, key=lambda f: (KINDS.index(f.kind), f.keys, f.alias or ""))


def _live(entities: dict[int | None, Entity]) -> dict[int | None, Entity]:
    return {i: e for i, e in entities.items() if e.merged_into is None}


def _blank(aliases: list[Alias], entities: dict[int | None, Entity]) -> Iterable[Finding]:
    for alias in aliases:
        if not alias.text.strip() or not norm_key(alias.text):
            key = entities[alias.entity_id].key
            yield Finding(
                "blank", f"{key}: alias {alias.text!r} has no letters or digits", (key,), alias.text
            )


def _unknown_types(session: Session, entities: Iterable[Entity]) -> Iterable[Finding]:
    labels = set(session.exec(select(Label.name)).all())
    if not labels:
        return
    for entity in entities:
        if entity.type not in labels:
            yield Finding(
                "unknown-type",
                f"{entity.key}: type {entity.type!r} is not in the schema",
                (entity.key,),
            )


def _bad_redirects(entities: dict[int | None, Entity]) -> Iterable[Finding]:
    for entity in entities.values():
        if entity.merged_into is None:
            continue
        seen = {entity.id}
        target = entities.get(entity.merged_into)
        while target is not None and target.merged_into is not None and target.id not in seen:
            seen.add(target.id)
            target = entities.get(target.merged_into)
        if target is None:
            yield Finding(
                "bad-redirect",
                f"{entity.key} redirects to an entity that no longer exists",
                (entity.key,),
            )
        elif target.id in seen:
            yield Finding("bad-redirect", f"{entity.key} is in a redirect cycle", (entity.key,))
        elif target.id != entity.merged_into:
            yield Finding(
                "bad-redirect",
                f"{entity.key} redirects through a redirect; it should point at {target.key}",
                (entity.key, target.key),
            )


def _ambiguous(aliases: list[Alias], entities: dict[int | None, Entity]) -> Iterable[Finding]:
    live = _live(entities)
    owners: dict[str, set[int]] = defaultdict(set)
    texts: dict[str, str] = {}
    for alias in aliases:
        if alias.entity_id in live and alias.norm:
            owners[alias.norm].add(alias.entity_id)
            texts.setdefault(alias.norm, alias.text)
    for norm, ids in owners.items():
        if len(ids) > 1:
            keys = tuple(sorted(live[i].key for i in ids))
            yield Finding(
                "ambiguous", f"{texts[norm]!r} is an alias of {', '.join(keys)}", keys, texts[norm]
            )


def _near_duplicates(
    aliases: list[Alias], entities: dict[int | None, Entity], near: float
) -> Iterable[Finding]:
    """Entities of one type whose names or aliases are near-identical: merge suggestions.

    Two normalised forms are near when rapidfuzz's ratio reaches `near`, or when they are
    within the matcher's typo budget (1 edit from 5 characters, 2 from 9). Forms are compared
    by `cdist` within each type, in sorted blocks of `BLOCK` (a pair split over two blocks is
    missed on very large types).
    """
    live = _live(entities)
    by_type: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for alias in aliases:
        entity = live.get(alias.entity_id)
        if entity is not None and alias.entity_id is not None and len(alias.norm) >= 5:
            by_type[entity.type].append((alias.norm, alias.entity_id))
    best: dict[tuple[int, int], tuple[float, str, str]] = {}
    for forms in by_type.values():
        unique = sorted(set(forms))
        for lo in range(0, len(unique), BLOCK):
            block = unique[lo : lo + BLOCK]
            names = [norm for norm, _ in block]
            distances = process.cdist(
                names,
                names,
                scorer=Levenshtein.distance,
                score_cutoff=2,
                dtype=numpy.uint8,
                workers=-1,
            )
            for i, j in zip(*numpy.nonzero(distances <= 2), strict=True):
                (form_a, a), (form_b, b) = block[int(i)], block[int(j)]
                if a >= b:
                    continue
                score = fuzz.ratio(form_a, form_b)
                budget = 2 if min(len(form_a), len(form_b)) >= 9 else 1
                if int(distances[i, j]) > budget and score < near:
                    continue
                if (a, b) not in best or score > best[(a, b)][0]:
                    best[(a, b)] = (score, form_a, form_b)
    for (first, second), (score, form_a, form_b) in best.items():
        keys = (live[first].key, live[second].key)
        yield Finding(
            "near-duplicate",
            f"{keys[0]} and {keys[1]} look like one entity "
            f"({form_a!r} ~ {form_b!r}, {score:.0f}): merge?",
            keys,
            score=score,
        )


def _noisy(session: Session, minimum: int) -> Iterable[Finding]:
    """Aliases whose candidates were decided at least `minimum` times, half or more rejected."""
    rows = session.exec(
        select(Entity.key, Mention.matched_alias, Mention.state, func.count())
        .join(Entity, col(Entity.id) == col(Mention.entity_id))
        .where(col(Mention.matched_alias).is_not(None), col(Mention.state) != "pending")
        .group_by(col(Entity.key), col(Mention.matched_alias), col(Mention.state))
    ).all()
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for key, alias, state, n in rows:
        counts[(key, alias or "")][state] = n
    for (key, alias), by_state in counts.items():
        decided = sum(by_state.values())
        rejected = by_state.get("rejected", 0)
        if decided >= minimum and rejected * 2 >= decided:
            yield Finding(
                "noisy",
                f"{key}: alias {alias!r} was rejected {rejected} of {decided} times",
                (key,),
                alias,
            )


def _short(aliases: list[Alias], entities: dict[int | None, Entity]) -> Iterable[Finding]:
    for alias in aliases:
        if 0 < len(alias.text.strip()) <= 2:
            key = entities[alias.entity_id].key
            yield Finding(
                "short",
                f"{key}: alias {alias.text!r} has {len(alias.text.strip())} characters",
                (key,),
                alias.text,
            )


def _common_words(
    session: Session, aliases: list[Alias], entities: dict[int | None, Entity], opts: LintOptions
) -> Iterable[Finding]:
    """One-word aliases in many of the corpus's articles, more often rejected than accepted."""
    total = session.exec(select(func.count()).select_from(Article)).one()
    if total < opts.common_min_articles or not has_search_index(session):
        return
    words = {tokens[0]: a for a in aliases if len(tokens := fts_tokens(a.text)) == 1}
    if not words:
        return
    frequent: dict[str, int] = {}
    rows = session.execute(
        text("SELECT term, doc FROM article_fts_vocab WHERE doc >= :n"),
        {"n": max(1, int(total * opts.common_share))},
    ).all()
    for term, docs in rows:
        if term in words:
            frequent[term] = int(docs)
    for term, docs in frequent.items():
        alias = words[term]
        key = entities[alias.entity_id].key
        states = dict(
            session.exec(
                select(Mention.state, func.count())
                .where(
                    Mention.entity_id == alias.entity_id,
                    Mention.matched_alias == alias.text,
                    Mention.state != "pending",
                )
                .group_by(col(Mention.state))
            ).all()
        )
        accepted, rejected = states.get("accepted", 0), states.get("rejected", 0)
        # Frequent, and the decisions so far say it is mostly not the entity.
        if rejected > accepted and accepted * 10 < docs:
            yield Finding(
                "common-word",
                f"{key}: alias {alias.text!r} occurs in {docs} of "
                f"{total} articles; accepted {accepted}, rejected {rejected}",
                (key,),
                alias.text,
            )
