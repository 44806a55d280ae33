"""Teaching from review: a mention's surface becomes an alias, and the corpus is re-matched."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from store.db import session_scope
from store.errors import TelaahError
from store.gazetteer import entities as gazetteer
from store.models import Entity, Mention
from store.review.mentions import get_mention
from store.review.rematch import rematch


@dataclass(frozen=True, slots=True)
class Taught:
    """What teaching an alias did: the alias, and the candidates that appeared with it."""

    key: str
    alias: str
    candidates: int
    articles: int

    @property
    def summary(self) -> str:
        """One line for a notification."""
        return (
            f"{self.key} learnt {self.alias!r}: {self.candidates} new candidates "
            f"in {self.articles} articles"
        )


def teach_alias(engine: Engine, *, mention_id: int, reviewer_id: int | None) -> Taught:
    """Add the mention's surface as an alias of its entity (origin reviewer), then re-match
    every article where the new alias (or a variant of it) occurs.

    Raises:
        TelaahError: the mention has no entity, or the entity has that alias already.
    """
    with session_scope(engine) as session:
        mention = get_mention(session=session, mention_id=mention_id)
        if mention.entity_key is None:
            raise TelaahError("link the mention to an entity first (l)")
        surface = " ".join(mention.text.split())
        change = gazetteer.add_alias(
            session=session,
            key=mention.entity_key,
            text=surface,
            reviewer_id=reviewer_id,
            origin="reviewer",
        )
        before = _candidates(session, mention.entity_key, surface)
    rematch(engine, change, reviewer_id=reviewer_id)
    with session_scope(engine) as session:
        new = _candidates(session, mention.entity_key, surface) - before
    return Taught(mention.entity_key, surface, len(new), len({article for _, article in new}))


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
