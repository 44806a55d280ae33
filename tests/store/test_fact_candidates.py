"""Fact candidates on the sample corpus, trigger word forms, and the facts repository."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from store.corpus.demo import prepare_demo
from store.db import session_scope
from store.errors import TelaahError
from store.facts.candidates import refresh_all, refresh_fact_candidates
from store.facts.repository import (
    FactView,
    create_fact,
    decide_fact,
    delete_fact,
    list_facts,
    mark_for_review,
    set_note,
    set_roles,
)
from store.facts.triggers import TriggerIndex, roots, stems
from store.models import Fact, Mention
from store.review.mentions import decide_mention


@pytest.fixture
def corpus(engine: Engine, reviewer_id: int) -> Engine:
    prepare_demo(engine, reviewer_id=reviewer_id)
    refresh_all(engine)
    return engine


def described(fact: FactView) -> tuple[str, dict[str, list[str]]]:
    roles: dict[str, list[str]] = {}
    for filler in fact.fillers:
        roles.setdefault(filler.role, []).append(filler.entity_key or filler.text)
    return fact.type, roles


@pytest.mark.parametrize(
    ("word", "root"),
    [
        ("memasok", "pasok"),
        ("dipasok", "pasok"),
        ("pasokannya", "pasok"),
        ("pemasok", "pasok"),
        ("pengiriman", "kirim"),
        ("mengirimkan", "kirim"),
        ("menyerahkan", "serah"),
        ("mengunjungi", "kunjung"),
        ("kesepakatan", "sepakat"),
        ("tergabung", "gabung"),
    ],
)
def test_indonesian_word_forms_share_a_stem(word: str, root: str) -> None:
    assert root in stems(word)


def test_triggers_match_forms_not_listed_and_not_common_words() -> None:
    index = TriggerIndex([("ARMS_TRANSFER", ["pasok", "memperoleh"]), ("MEETING", ["bertemu"])])
    text = "Senjata dipasok oleh Rusia; pasokannya tiba. Mereka pertemuan? Ditemui."
    found = [(h.type, h.text) for h in index.find(text)]
    assert ("ARMS_TRANSFER", "dipasok") in found and ("ARMS_TRANSFER", "pasokannya") in found
    assert not any(word == "oleh" for _, word in found)  # "memperoleh" is not every "oleh"
    assert "oleh" in roots("memperoleh")  # its root, but too common a word to trigger alone
    assert ("MEETING", "pertemuan") in found


def test_sample_corpus_candidates_include_the_known_facts(corpus: Engine) -> None:
    with session_scope(corpus) as session:
        facts = {
            a: [described(f) for f in list_facts(session=session, article_id=a)] for a in (1, 2, 3)
        }
    assert (
        "ARMS_TRANSFER",
        {"supplier": ["RU"], "recipient": ["KG"], "item": ["W-S300"]},
    ) in facts[1]
    transfers = [roles for kind, roles in facts[2] if kind == "ARMS_TRANSFER"]
    assert any(r["supplier"] == ["RU"] and r["recipient"] == ["KZ"] for r in transfers)
    assert any(r["item"][0].startswith("W-S300") for r in transfers)
    assert ("MEMBERSHIP", {"member": ["RU", "KZ"], "organization": ["CSTO"]}) in facts[3]
    meetings = [roles for kind, roles in facts[2] if kind == "MEETING"]
    assert any(
        set(r["participants"]) == {"P-SHOIGU", "P-TASMAGAMBETOV"} and r.get("place") == ["G-ASTANA"]
        for r in meetings
    ), meetings


def test_refresh_keeps_decided_facts_and_drops_what_lost_its_mentions(
    corpus: Engine, reviewer_id: int
) -> None:
    with session_scope(corpus) as session:
        first = list_facts(session=session, article_id=1)
        transfer = next(f for f in first if f.type == "ARMS_TRANSFER")
        decide_fact(session=session, fact_id=transfer.id, state="accepted", reviewer_id=reviewer_id)
        pending = [f.id for f in first if f.state == "pending" and f.id != transfer.id]
        assert refresh_fact_candidates(session, 1) == len(first) - 1
        again = list_facts(session=session, article_id=1)
        assert transfer.id in {f.id for f in again}
        # Undecided ones proposed again as they were stay as they are (no new rows, no audit).
        assert {f.id for f in again} == {transfer.id, *pending}
        # Rejecting the only WEAPON of the title leaves its sentence without an item.
        item = transfer.role("item")[0].mention_id
        held = {f.id for f in again if any(r.mention_id == item for r in f.fillers)}
        decide_mention(session=session, mention_id=item, state="rejected", reviewer_id=reviewer_id)
        refresh_fact_candidates(session, 1)
        after = list_facts(session=session, article_id=1)
        # The candidates it filled were replaced (or dropped); no candidate names it now.
        assert {f.id for f in after if f.state == "pending"}.isdisjoint(held)
        assert not any(
            r.mention_id == item for f in after if f.state == "pending" for r in f.fillers
        )
        titles = [
            f
            for f in list_facts(session=session, article_id=1)
            if f.evidence_start == transfer.evidence_start
        ]
        assert [f.id for f in titles if f.type == "ARMS_TRANSFER"] == [transfer.id]


def test_facts_repository(corpus: Engine, reviewer_id: int) -> None:
    with session_scope(corpus) as session:
        mentions = {
            m.text: m.id for m in session.exec(select(Mention).where(Mention.article_id == 2)).all()
        }
        fact = create_fact(
            session=session,
            article_id=2,
            type="ARMS_TRANSFER",
            roles={
                "supplier": [mentions["Rusia"]],
                "recipient": [mentions["Kazakhstan"]],
                "item": [mentions["S-300PS"]],
            },
            reviewer_id=reviewer_id,
            evidence=(0, 50),
        )
        assert (fact.state, fact.origin, fact.reviewer) == ("accepted", "manual", "tester")
        with pytest.raises(TelaahError, match="takes"):
            set_roles(
                session=session,
                fact_id=fact.id,
                roles={"supplier": [mentions["S-300PS"]]},
                reviewer_id=reviewer_id,
            )
        noted = set_note(
            session=session, fact_id=fact.id, note="  gratis  ", reviewer_id=reviewer_id
        )
        assert noted.note == "gratis"
        assert mark_for_review(session, [mentions["Kazakhstan"]], "recipient relinked") >= 1
        session.commit()
        marked = [f for f in list_facts(session=session, needs_review=True) if f.id == fact.id]
        assert marked and marked[0].review_reason == "recipient relinked"
        assert (
            decide_fact(
                session=session, fact_id=fact.id, state="accepted", reviewer_id=reviewer_id
            ).needs_review
            is False
        )
        delete_fact(session=session, fact_id=fact.id, reviewer_id=reviewer_id)
        assert session.get(Fact, fact.id) is None


def test_a_deleted_filler_marks_its_fact(corpus: Engine, reviewer_id: int) -> None:
    with session_scope(corpus) as session:
        fact = next(
            f for f in list_facts(session=session, article_id=1) if f.type == "ARMS_TRANSFER"
        )
        mention = session.get(Mention, fact.role("item")[0].mention_id)
        session.delete(mention)
        session.commit()
        stored = session.get(Fact, fact.id)
        assert stored is not None and stored.needs_review
        assert stored.review_reason == "the mention filling item was deleted"


def test_merging_or_deleting_a_filler_entity_marks_its_facts(
    corpus: Engine, reviewer_id: int
) -> None:
    from store.gazetteer import entities as gazetteer
    from store.gazetteer.merge import merge_entities

    with session_scope(corpus) as session:
        gazetteer.create_entity(
            session=session, key="X-KG", name="Kirgizia Raya", type="GPE", reviewer_id=None
        )
        merge_entities(session=session, source="KG", target="X-KG", reviewer_id=reviewer_id)
        marked = list_facts(session=session, needs_review=True)
        assert marked and all("KG was merged into X-KG" in (f.review_reason or "") for f in marked)
        assert all(any(x.entity_key == "X-KG" for x in f.fillers) for f in marked)
        before = {f.id for f in marked}
        gazetteer.delete_entity(session=session, key="W-S300PS", reviewer_id=reviewer_id)
        after = {f.id for f in list_facts(session=session, needs_review=True)}
    assert after > before


def test_replacing_roles_or_undoing_does_not_mark_the_fact(
    corpus: Engine, reviewer_id: int
) -> None:
    from sqlmodel import col

    from store.models import AuditEntry
    from store.undo.facts import reapply, revert

    with session_scope(corpus) as session:
        fact = next(
            f for f in list_facts(session=session, article_id=1) if f.type == "ARMS_TRANSFER"
        )
        changed = set_roles(
            session=session, fact_id=fact.id, roles=fact.roles, reviewer_id=reviewer_id
        )
        assert not changed.needs_review
        decide_fact(session=session, fact_id=fact.id, state="rejected", reviewer_id=reviewer_id)
        entry = session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc())).first()
        assert entry is not None and entry.action == "fact.decide"
        revert(session, entry.action, entry.before, entry.after)
        session.commit()
        back = list_facts(session=session, article_id=1)
        again = next(f for f in back if f.id == fact.id)
        assert (again.state, again.needs_review, again.roles) == ("pending", False, fact.roles)
        reapply(session, entry.action, entry.before, entry.after)
        session.commit()
        assert (
            next(f for f in list_facts(session=session, article_id=1) if f.id == fact.id).state
            == "rejected"
        )
        delete_fact(session=session, fact_id=fact.id, reviewer_id=reviewer_id)
        entry = session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc())).first()
        assert entry is not None
        revert(session, entry.action, entry.before, entry.after)
        session.commit()
        restored = next(f for f in list_facts(session=session, article_id=1) if f.id == fact.id)
        assert (restored.state, restored.roles) == ("rejected", fact.roles)


def test_rejecting_or_relinking_a_filler_marks_its_fact(corpus: Engine, reviewer_id: int) -> None:
    from store.review.linking import link_mention

    with session_scope(corpus) as session:
        fact = next(
            f for f in list_facts(session=session, article_id=1) if f.type == "ARMS_TRANSFER"
        )
        recipient = fact.role("recipient")[0].mention_id
        link_mention(
            session=session, mention_id=recipient, entity_key="KZ", reviewer_id=reviewer_id
        )
        marked = next(f for f in list_facts(session=session, article_id=1) if f.id == fact.id)
        assert marked.needs_review and "relinked to KZ" in (marked.review_reason or "")
        decide_fact(session=session, fact_id=fact.id, state="accepted", reviewer_id=reviewer_id)
        decide_mention(
            session=session,
            mention_id=fact.role("supplier")[0].mention_id,
            state="rejected",
            reviewer_id=reviewer_id,
        )
        again = next(f for f in list_facts(session=session, article_id=1) if f.id == fact.id)
        assert again.needs_review and "was rejected" in (again.review_reason or "")
