"""Merging entities on the sample corpus: the plan, the merge itself, and taking it back."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from store.audit import Action
from store.corpus.demo import prepare_demo
from store.db import session_scope
from store.errors import Conflict
from store.gazetteer import entities as gazetteer
from store.gazetteer.merge import merge_entities, plan_merge, remerge, unmerge
from store.models import Alias, AuditEntry, Entity, Mention


def snapshot(session: Session) -> dict[str, Any]:
    """Every row a merge may touch, comparable before and after."""
    return {
        "aliases": sorted(
            session.exec(
                select(
                    Alias.id, Alias.entity_id, Alias.text, Alias.norm, Alias.origin, Alias.added_by
                )
            ).all()
        ),
        "mentions": sorted(session.exec(select(Mention.id, Mention.entity_id)).all()),
        "redirects": sorted(session.exec(select(Entity.key, Entity.merged_into)).all()),
    }


@pytest.fixture
def corpus(engine: Engine, reviewer_id: int) -> Engine:
    """The sample corpus with its candidates, plus a duplicate of Russia and a redirect to it."""
    prepare_demo(engine, reviewer_id=reviewer_id)
    with session_scope(engine) as session:
        gazetteer.create_entity(
            session=session,
            key="RU-DUP",
            name="Federasi Rusia",
            type="GPE",
            reviewer_id=reviewer_id,
            aliases=["Rusia", "Rusia Raya"],
        )
        gazetteer.create_entity(
            session=session, key="RU-OLD", name="Uni Soviet", type="GPE", reviewer_id=reviewer_id
        )
        gazetteer.set_redirect(session=session, key="RU-OLD", target="RU", reviewer_id=None)
    return engine


def entity_id(session: Session, key: str) -> int:
    found = session.exec(select(Entity.id).where(Entity.key == key)).one()
    assert found is not None
    return found


def test_merge_moves_everything_and_leaves_a_redirect(corpus: Engine, reviewer_id: int) -> None:
    with session_scope(corpus) as session:
        ru, dup = entity_id(session, "RU"), entity_id(session, "RU-DUP")
        ru_aliases = set(session.exec(select(Alias.text).where(Alias.entity_id == ru)).all())
        dup_before = set(session.exec(select(Alias.text).where(Alias.entity_id == dup)).all())
        ru_mentions = set(session.exec(select(Mention.id).where(Mention.entity_id == ru)).all())
        assert len(ru_mentions) > 20 and "Rusia" in ru_aliases
        plan = plan_merge(session=session, source="RU", target="RU-DUP")
        assert plan.mention_count == len(ru_mentions) and plan.articles == 5
        others = ru_aliases - {"Russia"}  # the name stays with the redirect (a copy moves)
        assert set(plan.aliases_dropped) == others & dup_before and "Rusia" in dup_before
        assert set(plan.aliases_moved) == others - dup_before
        assert plan.redirects == ("RU-OLD",)
        assert snapshot(session) == snapshot(session)  # planning changed nothing
        merge_entities(session=session, source="RU", target="RU-DUP", reviewer_id=reviewer_id)
    with session_scope(corpus) as session:
        assert set(session.exec(select(Alias.text).where(Alias.entity_id == ru)).all()) == {
            "Russia"
        }
        dup_aliases = set(session.exec(select(Alias.text).where(Alias.entity_id == dup)).all())
        assert ru_aliases | dup_before == dup_aliases
        assert (
            set(session.exec(select(Mention.id).where(Mention.entity_id == dup)).all())
            == ru_mentions
        )
        assert session.exec(select(Entity.merged_into).where(Entity.key == "RU")).one() == dup
        assert session.exec(select(Entity.merged_into).where(Entity.key == "RU-OLD")).one() == dup
        assert gazetteer.get_entity(session=session, key="RU").merged_into == "RU-DUP"


def test_unmerge_restores_the_exact_rows(corpus: Engine, reviewer_id: int) -> None:
    with session_scope(corpus) as session:
        before = snapshot(session)
        merge_entities(session=session, source="RU", target="RU-DUP", reviewer_id=reviewer_id)
        merged = snapshot(session)
        entry = session.exec(
            select(AuditEntry)
            .where(AuditEntry.action == Action.ENTITY_MERGE)
            .order_by(col(AuditEntry.id).desc())
        ).first()
        assert entry is not None
        unmerge(session=session, after=entry.after)
        session.commit()
    with session_scope(corpus) as session:
        assert snapshot(session) == before
        remerge(session=session, after=entry.after)
        session.commit()
    with session_scope(corpus) as session:
        assert snapshot(session) == merged


def test_impossible_merges_are_refused(corpus: Engine, reviewer_id: int) -> None:
    with session_scope(corpus) as session:
        with pytest.raises(Conflict, match="itself"):
            plan_merge(session=session, source="RU", target="RU")
        with pytest.raises(Conflict, match="redirect"):
            merge_entities(
                session=session, source="RU-DUP", target="RU-OLD", reviewer_id=reviewer_id
            )
        with pytest.raises(Conflict, match="already merged"):
            merge_entities(
                session=session, source="RU-OLD", target="RU-DUP", reviewer_id=reviewer_id
            )
