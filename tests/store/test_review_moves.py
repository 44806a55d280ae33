"""The store side of fewer keys per gold mention: the bulk relink after a link, a span edit
that accepts, a link that takes the entity's type as its label (issue 13, point 4)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from store.audit import Action, list_audit
from store.corpus.demo import prepare_demo
from store.errors import StaleDecision, TelaahError
from store.review.linking import link_mention, relink_similar
from store.review.mentions import MentionView, list_mentions
from store.review.spans import add_mention, set_span
from store.undo.history import redo, undo


@pytest.fixture
def demo_db(engine: Engine, reviewer_id: int) -> Engine:
    prepare_demo(engine, reviewer_id=reviewer_id)
    return engine


def mentions(session: Session) -> dict[int, MentionView]:
    session.expire_all()
    return {m.id: m for m in list_mentions(session=session, article_id=1)}


@pytest.mark.usefixtures("demo_db")
def test_relink_similar_gives_the_link_to_the_pending_ones_like_it_in_one_step(
    session: Session, reviewer_id: int
) -> None:
    before = mentions(session)
    kyrgyzstan = [i for i, m in before.items() if m.text == "Kyrgyzstan" and m.entity_key == "KG"]
    first, rest = kyrgyzstan[0], kyrgyzstan[1:]
    linked = link_mention(
        session=session, mention_id=first, entity_key="KZ", reviewer_id=reviewer_id
    )
    with pytest.raises(StaleDecision):  # on the version the link returned, not an older one
        relink_similar(
            session=session,
            mention_id=first,
            old_entity_key="KG",
            reviewer_id=reviewer_id,
            expected_version=linked.version - 1,
        )
    session.rollback()
    done = relink_similar(
        session=session,
        mention_id=first,
        old_entity_key="KG",
        reviewer_id=reviewer_id,
        expected_version=linked.version,
    )
    assert sorted(done) == rest
    after = mentions(session)
    assert [(after[i].entity_key, after[i].state, after[i].label) for i in rest] == [
        ("KZ", "accepted", "GPE")
    ] * len(rest)
    assert {i for i in before if after[i] != before[i]} == set(kyrgyzstan)
    assert all(after[i].version == before[i].version + 1 for i in rest)
    [entry] = list_audit(session=session, action=Action.DECIDE_MANY)
    assert [item["id"] for item in entry.after["items"]] == done
    undo(session=session, reviewer_id=reviewer_id)  # one step: all of them, not the link
    undone = mentions(session)
    assert [undone[i].entity_key for i in kyrgyzstan] == ["KZ", *["KG"] * len(rest)]
    assert all(undone[i].state == "pending" for i in rest)
    # Nothing left like it: nothing written, said by an empty list.
    assert (
        relink_similar(
            session=session,
            mention_id=first,
            old_entity_key="G-MOSCOW",
            reviewer_id=reviewer_id,
        )
        == []
    )


@pytest.mark.usefixtures("demo_db")
def test_relink_similar_needs_a_linked_mention(session: Session, reviewer_id: int) -> None:
    marked = add_mention(  # a span marked by hand has no entity
        session=session, article_id=1, start=6, end=10, label="ORG", reviewer_id=reviewer_id
    )
    with pytest.raises(TelaahError, match="not linked"):
        relink_similar(
            session=session, mention_id=marked.id, old_entity_key=None, reviewer_id=reviewer_id
        )


@pytest.mark.usefixtures("demo_db")
def test_a_link_can_take_the_entity_type_as_label(session: Session, reviewer_id: int) -> None:
    mention = next(m for m in mentions(session).values() if m.text == "KONTAN.CO.ID")
    assert mention.label == "ORG"
    kept = link_mention(
        session=session, mention_id=mention.id, entity_key="RU", reviewer_id=reviewer_id
    )
    assert kept.label == "ORG"  # the mention's own label, as before
    typed = link_mention(
        session=session,
        mention_id=mention.id,
        entity_key="RU",
        reviewer_id=reviewer_id,
        entity_label=True,
    )
    assert (typed.entity_key, typed.label) == ("RU", "GPE")
    chosen = link_mention(  # a label asked for wins
        session=session,
        mention_id=mention.id,
        entity_key="RU",
        label="LOC",
        reviewer_id=reviewer_id,
        entity_label=True,
    )
    assert chosen.label == "LOC"


@pytest.mark.usefixtures("demo_db")
def test_a_span_edit_that_accepts_is_one_step_to_undo_and_redo(
    session: Session, reviewer_id: int
) -> None:
    mention = next(iter(mentions(session).values()))
    assert (mention.text, mention.state) == ("Rusia", "pending")
    moved = set_span(
        session=session,
        mention_id=mention.id,
        start=0,
        end=10,
        reviewer_id=reviewer_id,
        expected_version=mention.version,
        accept=True,
    )
    assert (moved.text, moved.state, moved.version) == ("Rusia akan", "accepted", 2)
    [entry] = list_audit(session=session, action=Action.SPAN)
    assert (entry.before["state"], entry.after["state"]) == ("pending", "accepted")
    undo(session=session, reviewer_id=reviewer_id)
    back = mentions(session)[mention.id]
    assert (back.start, back.end, back.state) == (0, 5, "pending")
    redo(session=session, reviewer_id=reviewer_id)
    again = mentions(session)[mention.id]
    assert (again.end, again.state) == (10, "accepted")
    # Accepted already and the same boundaries: nothing to write.
    same = set_span(
        session=session,
        mention_id=mention.id,
        start=0,
        end=10,
        reviewer_id=reviewer_id,
        accept=True,
    )
    assert same.state == "accepted" and len(list_audit(session=session, action=Action.SPAN)) == 1
