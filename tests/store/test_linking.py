"""Linking a mention to an entity, and to a new entity from its text; undo and redo of both."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from store.audit import list_audit
from store.corpus.articles import get_article
from store.corpus.demo import prepare_demo
from store.errors import Conflict, NotFound, TelaahError
from store.gazetteer import entities as gazetteer
from store.gazetteer.change import GazetteerChange
from store.models import Entity, Mention
from store.review.linking import create_and_link, fresh_key, link_mention
from store.review.mentions import MentionView, get_mention, list_mentions
from store.undo.history import redo, undo


@pytest.fixture
def demo_db(engine: Engine, reviewer_id: int) -> Engine:
    prepare_demo(engine, reviewer_id=reviewer_id)
    return engine


def raw(session: Session, mention_id: int) -> tuple[str, str, int | None]:
    """(state, label, entity id) as stored now."""
    session.expire_all()
    m = session.get(Mention, mention_id)
    assert m is not None
    return m.state, m.label, m.entity_id


def entity_id(session: Session, key: str) -> int:
    found = session.exec(select(Entity.id).where(Entity.key == key)).first()
    assert found is not None
    return found


def first(session: Session, text: str, article_id: int = 1) -> MentionView:
    return next(m for m in list_mentions(session=session, article_id=article_id) if m.text == text)


@pytest.mark.usefixtures("demo_db")
def test_link_sets_the_entity_accepts_and_starts_the_article(
    session: Session, reviewer_id: int
) -> None:
    mention = first(session, "Rusia")
    assert mention.entity_key == "RU" and mention.state == "pending"
    assert get_article(session=session, article_id=1).status == "todo"
    linked = link_mention(
        session=session, mention_id=mention.id, entity_key="BY", reviewer_id=reviewer_id
    )
    assert (linked.entity_key, linked.entity_name, linked.state, linked.label) == (
        "BY",
        "Belarus",
        "accepted",
        mention.label,
    )
    assert raw(session, mention.id) == ("accepted", mention.label, entity_id(session, "BY"))
    assert get_article(session=session, article_id=1).status == "in_progress"
    entry = list_audit(session=session, limit=1)[0]
    assert (entry.action, entry.target_id) == ("mention.decide", mention.id)
    assert (
        set(entry.before)
        == set(entry.after)
        == {"state", "label", "entity_id", "reviewer_id", "decided_at", "version"}
    )
    assert entry.after["version"] == entry.before["version"] + 1
    assert entry.before["entity_id"] == entity_id(session, "RU")


@pytest.mark.usefixtures("demo_db")
def test_link_with_a_label_relabels(session: Session, reviewer_id: int) -> None:
    mention = first(session, "Rusia")
    link_mention(
        session=session,
        mention_id=mention.id,
        entity_key="RU",
        label="ORG",
        reviewer_id=reviewer_id,
    )
    assert raw(session, mention.id) == ("accepted", "ORG", entity_id(session, "RU"))


@pytest.mark.usefixtures("demo_db")
def test_undo_and_redo_restore_the_link_exactly(session: Session, reviewer_id: int) -> None:
    mention = first(session, "Rusia")
    before = raw(session, mention.id)
    link_mention(
        session=session,
        mention_id=mention.id,
        entity_key="KZ",
        label="LOC",
        reviewer_id=reviewer_id,
    )
    after = raw(session, mention.id)
    assert after == ("accepted", "LOC", entity_id(session, "KZ"))
    done = undo(session=session, reviewer_id=reviewer_id)
    assert done is not None and done.mention_id == mention.id
    assert raw(session, mention.id) == before
    assert get_mention(session=session, mention_id=mention.id).entity_key == "RU"
    assert redo(session=session, reviewer_id=reviewer_id) is not None
    assert raw(session, mention.id) == after


@pytest.mark.usefixtures("demo_db")
def test_a_redirect_links_to_its_target(session: Session, reviewer_id: int) -> None:
    gazetteer.create_entity(
        session=session, key="RU-OLD", name="Rossiya", type="GPE", reviewer_id=reviewer_id
    )
    gazetteer.set_redirect(session=session, key="RU-OLD", target="RU", reviewer_id=reviewer_id)
    mention = first(session, "Rusia")
    linked = link_mention(
        session=session, mention_id=mention.id, entity_key="RU-OLD", reviewer_id=reviewer_id
    )
    assert linked.entity_key == "RU"


@pytest.mark.usefixtures("demo_db")
def test_unknown_mention_or_entity_changes_nothing(session: Session, reviewer_id: int) -> None:
    mention = first(session, "Rusia")
    with pytest.raises(NotFound):
        link_mention(
            session=session, mention_id=mention.id, entity_key="NOPE", reviewer_id=reviewer_id
        )
    with pytest.raises(NotFound):
        link_mention(session=session, mention_id=10**9, entity_key="RU", reviewer_id=reviewer_id)
    session.rollback()
    assert raw(session, mention.id)[0] == "pending"


@pytest.mark.usefixtures("demo_db")
def test_create_and_link_makes_an_entity_from_the_surface(
    session: Session, reviewer_id: int
) -> None:
    mention = first(session, "Rusia")
    made = create_and_link(
        session=session, mention_id=mention.id, label="ORG", reviewer_id=reviewer_id
    )
    linked = made.mention
    assert made.change == GazetteerChange(
        "org:rusia", added=("Rusia",), articles=(mention.article_id,)
    )
    assert linked.entity_key == "org:rusia" and linked.state == "accepted"
    assert linked.label == "ORG"
    view = gazetteer.get_entity(session=session, key="org:rusia")
    assert (view.name, view.type) == ("Rusia", "ORG")
    assert [(a.text, a.origin, a.added_by) for a in view.aliases] == [
        ("Rusia", "reviewer", "tester")
    ]
    actions = [e.action for e in list_audit(session=session, limit=2)]
    assert actions == ["mention.decide", "entity.create"]
    # Undo takes the link back; the entity stays in the gazetteer.
    undo(session=session, reviewer_id=reviewer_id)
    assert raw(session, mention.id) == ("pending", mention.label, entity_id(session, "RU"))
    assert gazetteer.get_entity(session=session, key="org:rusia").name == "Rusia"
    redo(session=session, reviewer_id=reviewer_id)
    assert raw(session, mention.id) == ("accepted", "ORG", entity_id(session, "org:rusia"))
    # The same surface again gets a fresh key.
    other = first(session, "Rusia", article_id=2)
    again = create_and_link(
        session=session, mention_id=other.id, label="ORG", reviewer_id=reviewer_id
    )
    assert again.mention.entity_key == "org:rusia-2"


@pytest.mark.usefixtures("demo_db")
def test_create_and_link_is_one_transaction(session: Session, reviewer_id: int) -> None:
    mention = first(session, "Rusia")
    with pytest.raises(TelaahError):
        create_and_link(
            session=session, mention_id=mention.id, label="NOT-A-LABEL", reviewer_id=reviewer_id
        )
    session.rollback()
    with pytest.raises(Conflict):
        create_and_link(
            session=session, mention_id=mention.id, label="GPE", key="RU", reviewer_id=reviewer_id
        )
    session.rollback()
    assert raw(session, mention.id)[0] == "pending"
    assert session.exec(select(Entity).where(Entity.key.startswith("gpe:"))).first() is None  # type: ignore[attr-defined]


@pytest.mark.usefixtures("demo_db")
def test_fresh_keys_are_slugs_of_label_and_name(session: Session) -> None:
    assert fresh_key(session, "WEAPON", "S-300PS") == "weapon:s300ps"
    assert fresh_key(session, "PERSON", "Sergéy  Shoigu") == "person:sergey-shoigu"
    assert fresh_key(session, "GPE", "Москва") == "gpe:entity"
