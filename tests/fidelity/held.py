"""What an article holds, in the one form every reading is compared in, and what the database
holds after an import (read with SQL, not through the export under test)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from store.models import Article, Entity, Fact, FactArgument, Mention
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
    return list(held.values())
