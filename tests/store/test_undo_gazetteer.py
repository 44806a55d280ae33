"""Every gazetteer edit taken back and made again from its audit entry: the exact state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from store.corpus.demo import prepare_demo
from store.db import session_scope
from store.errors import Conflict
from store.gazetteer import entities as gazetteer
from store.gazetteer.merge import merge_entities
from store.models import Alias, AuditEntry, Entity, Mention
from store.review.rematch import rematch
from store.undo.gazetteer import reapply, revert


def state(session: Session) -> dict[str, Any]:
    keys = dict(session.exec(select(Entity.id, Entity.key)).all())
    return {
        "entities": sorted(
            (e.key, e.name, e.type, e.description, str(e.external_ids), keys.get(e.merged_into))
            for e in session.exec(select(Entity)).all()
        ),
        "aliases": sorted(
            (keys[a.entity_id], a.text, a.norm, a.origin) for a in session.exec(select(Alias)).all()
        ),
        "mentions": sorted(  # by place: re-matching brings withdrawn candidates back anew
            (m.article_id, m.start, m.end, keys.get(m.entity_id), m.label, m.state)
            for m in session.exec(select(Mention)).all()
        ),
    }


def last_entry(session: Session) -> AuditEntry:
    entry = session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc())).first()
    assert entry is not None
    return entry


Edit = Callable[[Session, int], object]
EDITS: dict[str, Edit] = {
    "create": lambda s, r: gazetteer.create_entity(
        session=s,
        key="X-NEW",
        name="Kirgiziya",
        type="GPE",
        reviewer_id=r,
        aliases=["Kirgizia Baru"],
        origin="reviewer",
    ),
    "rename": lambda s, r: gazetteer.rename_entity(
        session=s, key="KG", name="Kyrgyz Rep.", reviewer_id=r
    ),
    "retype": lambda s, r: gazetteer.retype_entity(session=s, key="KG", type="LOC", reviewer_id=r),
    "update": lambda s, r: gazetteer.update_entity(
        session=s, key="KG", reviewer_id=r, description="changed", external_ids={"x": "1"}
    ),
    "delete": lambda s, r: gazetteer.delete_entity(session=s, key="W-SU57E", reviewer_id=r),
    "redirect": lambda s, r: gazetteer.set_redirect(
        session=s, key="W-SU57E", target="W-SU57", reviewer_id=r
    ),
    "alias.add": lambda s, r: gazetteer.add_alias(
        session=s, key="KG", text="Kirgiziya", reviewer_id=r
    ),
    "alias.remove": lambda s, r: gazetteer.remove_alias(
        session=s, key="KG", text="Kirgizstan", reviewer_id=r
    ),
    "merge": lambda s, r: merge_entities(
        session=s, source="W-SU57E", target="W-SU57", reviewer_id=r
    ),
}


@pytest.mark.parametrize("name", list(EDITS))
def test_revert_and_reapply_restore_exact_states(
    engine: Engine, reviewer_id: int, name: str
) -> None:
    prepare_demo(engine, reviewer_id=reviewer_id)
    with session_scope(engine) as session:
        before = state(session)
        EDITS[name](session, reviewer_id)
        session.commit()
        after = state(session)
        assert after != before
        entry = last_entry(session)
    with session_scope(engine) as session:
        change = revert(session, entry)
        session.commit()
    if name == "delete":  # its candidates were withdrawn: re-matching proposes them again
        rematch(engine, change)
    with session_scope(engine) as session:
        assert state(session) == before
    with session_scope(engine) as session:
        reapply(session, entry)
        session.commit()
        assert state(session) == after


def test_a_later_change_blocks_the_undo(engine: Engine, reviewer_id: int) -> None:
    prepare_demo(engine, reviewer_id=reviewer_id)
    with session_scope(engine) as session:
        gazetteer.rename_entity(
            session=session, key="KG", name="Kyrgyz Rep.", reviewer_id=reviewer_id
        )
        entry = last_entry(session)
        gazetteer.rename_entity(
            session=session, key="KG", name="Kirgizia Raya", reviewer_id=reviewer_id
        )
        before = state(session)
        with pytest.raises(Conflict, match="changed since"):
            revert(session, entry)
        session.rollback()
        assert state(session) == before
