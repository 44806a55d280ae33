"""Hostile values in every stored field a screen or a command shows, and how to check output.

`HOSTILE` holds what issue 15 found reaching the terminal: an OSC 52 clipboard write, `ESC[2J`
(clear the screen), a right-to-left override, a lone CR, BEL and the one-byte C1 CSI. Imports
normalise titles, names and notes now, so the values are written straight into the rows, as a
database from before (or another program) may hold them: what is shown must be safe whatever
is stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import col, select

from store.corpus.demo import prepare_demo
from store.db import session_scope
from store.models import (
    Alias,
    AnnotationAttribute,
    AnnotationNote,
    Article,
    Entity,
    Fact,
    FactArgument,
    Mention,
    Reviewer,
)
from store.textnorm import norm_key

OSC52 = "\x1b]52;c;aGFja2Vk\x07"  # writes "hacked" to the terminal's clipboard
HOSTILE = f"Evil{OSC52}\x1b[2J\u202eRLO\u2066LRI\u2069 CR\rBEL\x07CSI\x9b31m end"
SHOWN_ESC = "␛[2J"  # how every screen and command must show the screen-clearing sequence
SHOWN_RLO = "\\u202e"  # how a name's right-to-left override is shown
# Below 0x20 but newline and tab, DEL, C1, and the bidi controls (embeddings, overrides,
# isolates, marks).
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Planted:
    """Where the hostile values are: the article, the entity, its mention and fact."""

    article_id: int
    entity_key: str
    mention_id: int
    fact_id: int


def forbidden(output: str) -> list[str]:
    """Every forbidden code point in `output`, with its neighbours (empty: safe)."""
    return [repr(output[max(0, m.start() - 8) : m.end() + 8]) for m in FORBIDDEN.finditer(output)]


def plant(engine: Engine, reviewer_id: int | None) -> Planted:
    """The sample corpus, with `HOSTILE` in article 1's title, source and url, in entity RU's
    name, description and an alias, in a reviewer's name (who added that alias and decided a
    mention), in a mention's matched alias, note and attribute, and in a fact's note."""
    prepare_demo(engine, reviewer_id=reviewer_id)
    with session_scope(engine) as session:
        article = session.exec(select(Article).where(Article.id == 1)).one()
        article.title, article.source, article.url = HOSTILE, HOSTILE, HOSTILE
        entity = session.exec(select(Entity).where(Entity.key == "RU")).one()
        entity.name, entity.description = HOSTILE, HOSTILE
        evil = Reviewer(name=HOSTILE)
        session.add(evil)
        session.flush()
        assert entity.id is not None and evil.id is not None
        session.add(
            Alias(
                entity_id=entity.id,
                text=HOSTILE,
                norm=norm_key(HOSTILE),
                origin="reviewer",
                added_by=evil.id,
            )
        )
        mention = session.exec(
            select(Mention)
            .where(Mention.article_id == 1, Mention.entity_id == entity.id)
            .order_by(col(Mention.start))
        ).first()
        assert mention is not None and mention.id is not None
        mention.matched_alias = HOSTILE
        session.add(AnnotationNote(mention_id=mention.id, kind="AnnotatorNotes", text=HOSTILE))
        session.add(AnnotationAttribute(mention_id=mention.id, name="Source", value=HOSTILE))
        fact = session.exec(
            select(Fact)
            .join(FactArgument, col(FactArgument.fact_id) == col(Fact.id))
            .join(Mention, col(Mention.id) == col(FactArgument.mention_id))
            .where(Fact.article_id == 1, Mention.entity_id == entity.id)
        ).first()
        assert fact is not None and fact.id is not None
        fact.note = HOSTILE
        fact.state, fact.reviewer_id = "accepted", evil.id
        planted = Planted(1, "RU", mention.id, fact.id)
        session.commit()
    return planted
