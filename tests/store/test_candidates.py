"""Stored candidates: matching writes pending mentions, re-matching reaches only what changed."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, delete, select, update

from store.corpus.demo import prepare_demo
from store.corpus.stats import corpus_stats
from store.formats.candidates import write_candidates
from store.gazetteer import entities as gazetteer
from store.gazetteer.change import GazetteerChange
from store.ingest.articles import import_articles
from store.matching.names import NEW_NAME
from store.models import Article, Entity, Mention
from store.review import candidates
from store.review.candidates import match_articles
from store.review.rematch import affected_articles, rematch
from tests.statements import statements_sent


def mentions(session: Session) -> list[Mention]:
    session.expire_all()
    return list(
        session.exec(select(Mention).order_by(col(Mention.article_id), col(Mention.start))).all()
    )


def keyed(session: Session) -> set[tuple[int, int, int, str | None, str]]:
    keys = dict(session.exec(select(Entity.id, Entity.key)).all())
    return {
        (m.article_id, m.start, m.end, keys.get(m.entity_id), m.state) for m in mentions(session)
    }


@pytest.fixture
def demo_db(engine: Engine, session: Session, reviewer_id: int) -> Engine:
    report = prepare_demo(engine, reviewer_id=reviewer_id)
    assert report.matched is not None and report.matched.added > 0
    return engine


def test_candidates_are_pending_mentions_with_offsets_into_the_text(
    demo_db: Engine, session: Session
) -> None:
    texts = dict(session.exec(select(Article.id, Article.text)).all())
    types = dict(session.exec(select(Entity.id, Entity.type)).all())
    stored = [m for m in mentions(session) if m.reason != NEW_NAME]
    assert len(stored) > 50
    for m in stored:
        assert texts[m.article_id][m.start : m.end] == m.text
        assert m.state == "pending" and m.origin == "gazetteer"
        assert m.label == types[m.entity_id]
        assert m.method in ("exact", "fuzzy") and m.matched_alias
        assert m.score is not None and 0 < m.score <= 100
    assert any(m.method == "fuzzy" for m in stored)
    found = {(m.text, m.entity_id) for m in stored}
    kg = session.exec(select(Entity.id).where(Entity.key == "KG")).one()
    assert ("Kyrgystan", kg) in found  # a typo of the article, not an alias


def test_matching_again_keeps_the_same_rows(demo_db: Engine, session: Session) -> None:
    before = {m.id: (m.start, m.end, m.entity_id) for m in mentions(session)}
    report = match_articles(demo_db)
    assert (report.articles, report.added, report.removed) == (5, 0, 0)
    assert report.kept == len(before)
    assert {m.id: (m.start, m.end, m.entity_id) for m in mentions(session)} == before


def test_decided_mentions_are_never_touched_and_rejections_stick(
    demo_db: Engine, session: Session
) -> None:
    first, second, *_ = mentions(session)
    session.exec(
        update(Mention)
        .where(col(Mention.id) == first.id)  # type: ignore[call-overload]
        .values(state="accepted")
    )
    session.exec(
        update(Mention)
        .where(col(Mention.id) == second.id)  # type: ignore[call-overload]
        .values(state="rejected")
    )
    session.commit()
    report = match_articles(demo_db)
    assert report.added == 0
    after = {m.id: m for m in mentions(session)}
    assert after[first.id].state == "accepted" and after[second.id].state == "rejected"
    same_span = [
        m
        for m in after.values()
        if (m.article_id, m.start, m.end, m.entity_id)
        == (second.article_id, second.start, second.end, second.entity_id)
    ]
    assert [m.id for m in same_span] == [second.id]  # not proposed again
    overlapping = [
        m
        for m in after.values()
        if m.id != first.id
        and m.state == "pending"
        and m.article_id == first.article_id
        and m.start < first.end
        and first.start < m.end
    ]
    assert overlapping == []


def test_removing_an_alias_withdraws_only_its_candidates(
    demo_db: Engine, session: Session, reviewer_id: int
) -> None:
    kg = session.exec(select(Entity.id).where(Entity.key == "KG")).one()
    by_kirgistan = [
        m for m in mentions(session) if m.entity_id == kg and m.matched_alias == "Kirgistan"
    ]
    assert by_kirgistan
    articles = {m.article_id for m in by_kirgistan}
    change = gazetteer.remove_alias(
        session=session, key="KG", text="Kirgistan", reviewer_id=reviewer_id
    )
    assert change == GazetteerChange("KG", removed=(("KG", "Kirgistan"),))
    assert affected_articles(demo_db, change) == sorted(articles)
    before = keyed(session)
    report = rematch(demo_db, change)
    assert report.articles == len(articles)
    after = keyed(session)
    assert len(after) == len(before) - report.removed + report.added
    assert len(before - after) == report.removed
    # What is left of those spans was matched by another alias (a variant of the name).
    assert all(m.matched_alias != "Kirgistan" for m in mentions(session))


def test_adding_an_alias_rematches_only_the_articles_it_reaches(
    tmp_path: Path, engine: Engine, session: Session, reviewer_id: int, schema_loaded: None
) -> None:
    gazetteer.create_entity(
        session=session, key="P1", name="Sadyr Japarov", type="PERSON", reviewer_id=reviewer_id
    )
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Presiden Sadyr Zhaparov tiba di Moskwa.", encoding="utf-8")
    (corpus / "b.txt").write_text("Zhaparovlah yang datang kemudian.", encoding="utf-8")
    (corpus / "c.txt").write_text("Tidak ada nama di sini sama sekali.", encoding="utf-8")
    (corpus / "d.txt").write_text("Presiden Zaparov berbicara.", encoding="utf-8")
    imported = import_articles(engine, [corpus], reviewer_id=reviewer_id)
    assert imported.indexed == 4
    ids = {a.external_id: a.id for a in session.exec(select(Article)).all()}
    change = gazetteer.add_alias(
        session=session, key="P1", text="Zhaparov", reviewer_id=reviewer_id
    )
    assert change == GazetteerChange("P1", added=("Zhaparov",))
    affected = affected_articles(engine, change)
    assert ids["c"] not in affected
    assert {ids["a"], ids["b"], ids["d"]} <= set(affected)  # exact, clitic, one edit
    report = rematch(engine, change)
    assert report.articles == len(affected) and report.added >= 2
    texts = {m.article_id: m.text for m in mentions(session)}
    assert texts[ids["b"]] == "Zhaparov"  # the span is on the name, not the clitic


def test_dump_writes_every_candidate_as_jsonl(demo_db: Engine, session: Session) -> None:
    handle = io.StringIO()
    count = write_candidates(session=session, handle=handle)
    lines = [json.loads(line) for line in handle.getvalue().splitlines()]
    assert count == len(lines) == len([m for m in mentions(session) if m.reason != NEW_NAME])
    texts = dict(session.exec(select(Article.external_id, Article.text)).all())
    keys = set(session.exec(select(Entity.key)).all())
    for line in lines:
        assert set(line) == {
            "article",
            "start",
            "end",
            "text",
            "entity",
            "label",
            "alias",
            "score",
            "method",
            "alternatives",
            "reason",
        }
        assert texts[line["article"]][line["start"] : line["end"]] == line["text"]
        assert line["entity"] in keys and set(line["alternatives"]) <= keys


def test_dump_honours_the_threshold_and_leaves_new_names_out(
    demo_db: Engine, session: Session
) -> None:
    article = session.exec(select(Article)).first()
    assert article is not None and article.id is not None
    entity = session.exec(select(Entity)).first()
    assert entity is not None
    session.add(  # a doubted candidate, and a name the gazetteer lacks (no entity)
        Mention(
            article_id=article.id,
            start=0,
            end=5,
            text=article.text[:5],
            label="GPE",
            entity_id=entity.id,
            score=35.0,
            method="exact",
            reason="lower case",
        )
    )
    session.add(
        Mention(
            article_id=article.id,
            start=6,
            end=9,
            text=article.text[6:9],
            label="PERSON",
            score=50.0,
            reason="new name",
        )
    )
    session.commit()

    def dump(**options: object) -> list[dict[str, object]]:
        handle = io.StringIO()
        write_candidates(session=session, handle=handle, **options)  # type: ignore[arg-type]
        return [json.loads(line) for line in handle.getvalue().splitlines()]

    everything = dump()
    assert [(x["start"], x["score"]) for x in everything if x["reason"] == "lower case"] == [
        (0, 35.0)
    ]
    assert all(x["entity"] is not None for x in everything)
    shown = dump(min_score=50)
    assert len(shown) == len(everything) - 1 and all(float(x["score"]) >= 50 for x in shown)
    named = dump(min_score=50, new_names=True)
    unnamed = [x for x in named if x["entity"] is None]
    stored = session.exec(
        select(Mention).where(Mention.reason == NEW_NAME, Mention.state == "pending")
    ).all()
    # Every `new name` (the matching run's, scored 45, and this one at 50), and only those.
    assert len(unnamed) == len(stored) > 1 and {x["reason"] for x in unnamed} == {NEW_NAME}
    assert (article.external_id, 6) in {(x["article"], x["start"]) for x in unnamed}


def test_worker_processes_give_the_same_candidates(
    demo_db: Engine, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    sequential = keyed(session)
    session.exec(
        update(Mention)
        .where(col(Mention.state) == "pending")  # type: ignore[call-overload]
        .values(score=1.0)
    )
    session.commit()
    monkeypatch.setattr(candidates, "POOL_FROM", 1)
    monkeypatch.setattr(candidates, "CHUNK", 2)
    report = match_articles(demo_db, workers=2)
    assert report.articles == 5 and report.added == 0
    assert keyed(session) == sequential
    assert all(m.score != 1.0 for m in mentions(session))  # rewritten by the workers' results


def test_a_rematch_writes_its_changes_a_statement_each_and_the_counts_follow(
    demo_db: Engine, session: Session
) -> None:
    """A re-match that changes, withdraws and adds candidates writes each kind in one
    statement (on PostgreSQL a statement per row fired the tally's triggers per row: the
    server's time was most of a match's); the rows and `telaah stats`' counts are right."""
    matched = {
        (m.article_id, m.start, m.end, m.entity_id): (m.label, m.score, m.reason)
        for m in mentions(session)
    }
    pending = [m for m in mentions(session) if m.state == "pending"]
    changed = [m.id for m in pending[0::3]]  # re-matched: their fields rewritten
    dropped = [(m.article_id, m.start, m.end, m.entity_id) for m in pending[1::3]]  # re-added
    versions = {m.id: m.version for m in pending}
    session.exec(
        update(Mention)
        .where(col(Mention.id).in_(changed))  # type: ignore[call-overload]
        .values(score=1.0, reason="stale")
    )
    session.exec(delete(Mention).where(col(Mention.id).in_([m.id for m in pending[1::3]])))
    stale = Mention(
        article_id=pending[0].article_id, start=0, end=1, text="x", label="PER",
        state="pending", origin="gazetteer", entity_id=pending[0].entity_id, alternatives=[],
    )  # fmt: skip
    session.add(stale)
    session.commit()
    with statements_sent(demo_db) as sent:
        report = match_articles(demo_db)
    writes = [
        (s.statement.split(" ", 1)[0], s.many)
        for s in sent
        if s.statement.startswith(("INSERT", "UPDATE", "DELETE")) and "mention" in s.statement
    ]
    assert (report.added, report.removed) == (len(dropped), 1)
    after = mentions(session)
    assert {
        (m.article_id, m.start, m.end, m.entity_id): (m.label, m.score, m.reason) for m in after
    } == matched
    by_id = {m.id: m for m in after}
    assert all(by_id[i].version == versions[i] + 1 for i in changed)
    stats = corpus_stats(session=session)
    assert stats.mentions_by_state["pending"] == sum(m.state == "pending" for m in after)
    assert stats.mentions_by_origin["gazetteer"] == sum(m.origin == "gazetteer" for m in after)
    if demo_db.dialect.name == "postgresql":  # (the new rows go by COPY: no statement seen)
        assert not any(many for _kind, many in writes), writes
    assert {kind for kind, _many in writes} == {"DELETE", "UPDATE"} | (
        {"INSERT"} if demo_db.dialect.name == "sqlite" else set()
    )
