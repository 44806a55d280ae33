"""One entity's detail on the sample corpus: alias records and mention counts follow decisions."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import select

from store.corpus.demo import prepare_demo
from store.db import session_scope
from store.gazetteer.detail import entity_detail
from store.models import Entity, Mention
from store.review.mentions import decide_mention


def test_alias_records_follow_the_decisions(engine: Engine, reviewer_id: int) -> None:
    prepare_demo(engine, reviewer_id=reviewer_id)
    with session_scope(engine) as session:
        ids: list[int] = [
            i
            for i in session.exec(
                select(Mention.id)
                .join(Entity)
                .where(Entity.key == "KG", Mention.matched_alias == "Kyrgyzstan")
            ).all()
            if i
        ]
        before = entity_detail(session=session, key="KG")
        assert before.mentions == {"pending": sum(before.mentions.values())}
        record = {r.alias.text: r for r in before.aliases}["Kyrgyzstan"]
        assert (record.accepted, record.rejected, record.pending) == (0, 0, len(ids))
        decide_mention(
            session=session, mention_id=ids[0], state="accepted", reviewer_id=reviewer_id
        )
        decide_mention(
            session=session, mention_id=ids[1], state="rejected", reviewer_id=reviewer_id
        )
        after = entity_detail(session=session, key="KG")
    record = {r.alias.text: r for r in after.aliases}["Kyrgyzstan"]
    assert (record.accepted, record.rejected, record.pending) == (1, 1, len(ids) - 2)
    assert after.mentions["accepted"] == 1 and after.mentions["rejected"] == 1
    assert after.articles == before.articles >= 2
    assert {r.alias.text for r in after.aliases} >= {"Kyrgyzstan", "Kirgizstan"}
