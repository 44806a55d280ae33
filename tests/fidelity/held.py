"""What an article holds, in the one form every reading is compared in, and what the database
holds after an import (read with SQL, not through the export under test)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from store.models import (
    AnnotationAttribute,
    AnnotationNote,
    Article,
    Entity,
    EquivalenceMember,
    Fact,
    FactArgument,
    Mention,
)
from store.schema import read_schema

SpanKey = tuple[int, int, str]  # start, end (code points), label
LinkKey = tuple[int, int, str, str]  # ... and the entity key
Filler = tuple[int, int]
FactKey = tuple[str, tuple[tuple[str, tuple[Filler, ...]], ...]]  # type, roles in schema order
RoleOrder = Mapping[str, list[str]]  # fact type -> its role names in schema order


@dataclass
class Held:
    """One article: its text and its spans, links and facts as multisets."""

    external_id: str
    text: str
    spans: Counter[SpanKey] = field(default_factory=Counter)
    links: Counter[LinkKey] = field(default_factory=Counter)
    facts: Counter[FactKey] = field(default_factory=Counter)
    # What only jsonl and brat carry, by the kind a manifest's `not_carried` names it.
    extras: Counter[str] = field(default_factory=Counter)

    def add_span(self, start: int, end: int, label: str, key: str | None = None) -> None:
        """A span (and its link, if it has an entity key)."""
        self.spans[(start, end, label)] += 1
        if key:
            self.links[(start, end, label, key)] += 1


def fact_key(
    type: str, roles: Iterable[tuple[str, Filler]], order: RoleOrder, *, positional: bool = False
) -> FactKey:
    """A fact as compared: its roles in schema order, each role's fillers sorted.

    `positional`: the role names are only places (brat's Arg1/Arg2, doccano's from/to); the
    n-th one is the fact type's n-th role, as telaah's readers place them.
    """
    names = order.get(type, [])
    by_role: dict[str, list[Filler]] = {}
    for index, (role, filler) in enumerate(roles):
        name = names[index] if positional and index < len(names) else role
        by_role.setdefault(name, []).append(filler)
    rank = {name: i for i, name in enumerate(names)}
    ordered = sorted(by_role.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0]))
    return type, tuple((role, tuple(sorted(fillers))) for role, fillers in ordered)


def ordered_fillers(key: FactKey) -> tuple[str, tuple[Filler, ...]]:
    """A fact without its role names: type and fillers in role order (doccano's relations)."""
    return key[0], tuple(filler for _role, fillers in key[1] for filler in fillers)


def role_order(engine: Engine) -> dict[str, list[str]]:
    """Each fact type's roles in schema order."""
    with Session(engine) as session:
        schema = read_schema(session=session)
    return {t.name: [r.name for r in t.roles] for t in schema.fact_types}


def stored(engine: Engine) -> list[Held]:
    """Every article of the database with its accepted spans, links and facts, in id order
    (the export's order).

    Roles filled by a fact (nested events) are left out: only mention fillers are compared.
    """
    order = role_order(engine)
    with Session(engine) as session:
        articles = session.exec(select(Article).order_by(col(Article.id))).all()
        keys = {e.id: e.key for e in session.exec(select(Entity)).all()}
        mentions = session.exec(select(Mention).where(Mention.state == "accepted")).all()
        facts = session.exec(select(Fact).where(Fact.state == "accepted")).all()
        arguments = session.exec(select(FactArgument).order_by(col(FactArgument.id))).all()
        attributes = session.exec(select(AnnotationAttribute)).all()
        notes = session.exec(select(AnnotationNote)).all()
        members = session.exec(select(EquivalenceMember)).all()
    held = {a.id: Held(a.external_id, a.text) for a in articles}
    where: dict[int | None, Filler] = {}
    for mention in mentions:
        key = keys.get(mention.entity_id) if mention.entity_id is not None else None
        held[mention.article_id].add_span(mention.start, mention.end, mention.label, key)
        where[mention.id] = (mention.start, mention.end)
    roles: dict[int | None, list[tuple[str, Filler]]] = {}
    for argument in arguments:
        if argument.mention_id is not None:
            filler = where.get(argument.mention_id, (-1, -1))  # -1: a filler not accepted
            roles.setdefault(argument.fact_id, []).append((argument.role, filler))
    for fact in facts:
        held[fact.article_id].facts[fact_key(fact.type, roles.get(fact.id, []), order)] += 1
    _count_extras(held, mentions, facts, arguments, [*attributes, *notes], members)
    return list(held.values())


def _count_extras(
    held: dict[int | None, Held],
    mentions: Iterable[Mention],
    facts: Iterable[Fact],
    arguments: Iterable[FactArgument],
    extras: Iterable[AnnotationAttribute | AnnotationNote],
    members: Iterable[EquivalenceMember],
) -> None:
    """Count the attributes, notes, equivalences and facts filling roles of what is accepted."""
    article_of_mention = {m.id: m.article_id for m in mentions}
    article_of_fact = {f.id: f.article_id for f in facts}
    for extra in extras:
        article = article_of_mention.get(extra.mention_id) or article_of_fact.get(extra.fact_id)
        if article is not None:
            kind = "attribute" if isinstance(extra, AnnotationAttribute) else "note"
            held[article].extras[kind] += 1
    sets: dict[int, list[int]] = {}
    for member in members:
        if member.mention_id in article_of_mention:
            sets.setdefault(member.equivalence_id, []).append(member.mention_id)
    for mention_ids in sets.values():
        if len(mention_ids) >= 2:
            held[article_of_mention[mention_ids[0]]].extras["equivalence"] += 1
    for argument in arguments:
        if argument.filler_fact_id in article_of_fact and argument.fact_id in article_of_fact:
            held[article_of_fact[argument.fact_id]].extras["fact filling a role"] += 1
