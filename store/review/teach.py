"""Teaching from review: a mention's surface becomes an alias, and the corpus is re-matched."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from store.db import session_scope
from store.errors import TelaahError
from store.gazetteer import entities as gazetteer
from store.gazetteer.change import GazetteerChange
from store.models import Entity, Mention
from store.review.mentions import get_mention
from store.review.rematch import rematch


@dataclass(frozen=True, slots=True)
class Taught:
    """What teaching an alias did: the alias, and the candidates that appeared with it.

    `already`: the entity had the alias (nothing added); `rematched`: the articles it reaches
    were re-matched (always, unless it was already an alias the matcher proposed here)."""

    key: str
    alias: str
    candidates: int
    articles: int
    already: bool = False
    rematched: bool = True

    @property
    def summary(self) -> str:
        """One line for a notification."""
        found = f"{self.candidates} new candidates in {self.articles} articles"
        if not self.already:
            return f"{self.key} learnt {self.alias!r}: {found}"
        if not self.rematched:
            return f"{self.alias!r} is already an alias of {self.key}, and the matcher proposes it"
        return f"{self.alias!r} is already an alias of {self.key}; re-matched: {found}"


def teach_alias(engine: Engine, *, mention_id: int, reviewer_id: int | None) -> Taught:
    """Add the mention's surface as an alias of its entity (origin reviewer), then re-match
    every article where the new alias (or a variant of it) occurs.

    When the entity has the alias already, nothing is added; if the matcher did not propose
    this mention by that alias (a span marked by hand, an entity made from the link modal
    before re-matching), the articles the alias reaches are re-matched all the same.

    Raises:
        TelaahError: the mention has no entity.
    """
    with session_scope(engine) as session:
        mention = get_mention(session=session, mention_id=mention_id)
        if mention.entity_key is None:
            raise TelaahError("link the mention to an entity first (l)")
        key = mention.entity_key
        surface = " ".join(mention.text.split())
        entity = gazetteer.get_entity(session=session, key=key)
        already = surface in {alias.text for alias in entity.aliases}
        if already and mention.origin == "gazetteer" and mention.matched_alias == surface:
            return Taught(key, surface, 0, 0, already=True, rematched=False)
        if already:
            change = GazetteerChange(key, added=(surface,))
        else:
            change = gazetteer.add_alias(
                session=session, key=key, text=surface, reviewer_id=reviewer_id, origin="reviewer"
            )
        before = _candidates(session, key, surface)
    rematch(engine, change, reviewer_id=reviewer_id)
    with session_scope(engine) as session:
        new = _candidates(session, key, surface) - before
    return Taught(key, surface, len(new), len({article for _, article in new}), already=already)


def _candidates(session: Session, key: str, alias: str) -> set[tuple[int, int]]:
    """(mention id, article id) of the pending candidates `alias` produced for `key`."""
    return {
        (int(i), int(a))
        for i, a in session.execute(
            select(col(Mention.id), col(Mention.article_id))
            .join(Entity, col(Entity.id) == col(Mention.entity_id))
            .where(
                col(Entity.key) == key,
                col(Mention.matched_alias) == alias,
                col(Mention.state) == "pending",
            )
        ).all()
    }
