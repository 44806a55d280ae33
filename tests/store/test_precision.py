"""Reviewers' decisions on an alias are a prior of its candidates' scores (issue 14, point 3)."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlmodel import col

from store.corpus.demo import prepare_demo
from store.db import session_scope
from store.matching import Candidate
from store.models import Entity, Mention
from store.review.candidates import add_candidates, match_articles
from store.review.mentions import decide_mention
from store.review.precision import Tally, alias_precision, load_precision, prior_score
from tests.cli.test_cli import run


def test_a_prior_needs_evidence() -> None:
    assert prior_score(100.0, Tally(0, 1)) > 85  # one rejection moves little
    assert prior_score(100.0, Tally(1, 9)) < 50  # 9 of 10 rejected: hidden by default
    assert prior_score(30.0, Tally(5, 0)) >= 50  # accepted every time, 5 times: shown
    assert prior_score(30.0, Tally(1, 0)) < 50
    assert prior_score(100.0, Tally(1, 0)) == 100.0  # acceptances never lower a score
    assert prior_score(20.0, Tally(0, 3)) <= 20.0  # rejections never raise one
    assert prior_score(70.0, Tally(2, 2)) == 70.0


def mentions(engine: Engine, alias: str) -> list[Mention]:
    with session_scope(engine) as session:
        return list(
            session.scalars(
                select(Mention).where(col(Mention.matched_alias) == alias).order_by(col(Mention.id))
            ).all()
        )


def decide(engine: Engine, mention: Mention, state: str) -> None:
    with session_scope(engine) as session:
        decide_mention(
            session=session,
            mention_id=mention.id or 0,
            state=state,
            reviewer_id=None,
            expected_version=mention.version,
        )


def test_an_alias_rejected_9_times_in_10_falls_under_the_threshold(
    engine: Engine, db_url: str
) -> None:
    prepare_demo(engine, reviewer_id=None)
    rusia = mentions(engine, "Rusia")
    assert len(rusia) > 12 and all(m.score == 100 for m in rusia)
    for n, mention in enumerate(rusia[:10]):
        decide(engine, mention, "accepted" if n == 0 else "rejected")
    match_articles(engine)
    pending = [m for m in mentions(engine, "Rusia") if m.state == "pending"]
    assert pending and all(m.score is not None and m.score < 50 for m in pending)
    assert {m.reason for m in pending} == {"often rejected (9 of 10)"}
    other = [m for m in mentions(engine, "Kazakhstan") if m.state == "pending"]
    assert other and all(m.score == 100 and m.reason is None for m in other)  # no decisions
    with session_scope(engine) as session:
        shown = alias_precision(session, "RU")["Rusia"]
    assert (shown.accepted, shown.rejected, shown.shown) == (1, 9, "0.10 (1 of 10)")
    printed = run("--db", db_url, "gazetteer", "show", "RU")
    line = next(line for line in printed.stdout.splitlines() if line.strip().startswith("Rusia "))
    assert "0.10 (1 of 10)" in line


def test_an_alias_accepted_every_time_lifts_a_doubted_candidate(engine: Engine) -> None:
    prepare_demo(engine, reviewer_id=None)
    csto = mentions(engine, "CSTO")
    for mention in csto[:5]:
        decide(engine, mention, "accepted")
    with session_scope(engine) as session:
        label = session.scalars(select(col(Entity.type)).where(col(Entity.key) == "CSTO")).one()
    spot = csto[5]
    with session_scope(engine) as session:  # the stored candidate gone: propose it as doubted
        session.delete(session.get(Mention, spot.id))
        session.commit()
    doubted = Candidate(
        start=spot.start,
        end=spot.end,
        text=spot.text,
        key="CSTO",
        label=label,
        alias="CSTO",
        score=30.0,
        method="exact",
        reason="sentence-initial",
    )
    report = add_candidates(engine, [(spot.article_id, [doubted])])
    assert report.added == 1
    stored = [
        m
        for m in mentions(engine, "CSTO")
        if (m.start, m.article_id) == (spot.start, spot.article_id)
    ]
    assert len(stored) == 1 and stored[0].score is not None and stored[0].score >= 50
    assert stored[0].reason == "sentence-initial; often accepted (5 of 5)"


def test_the_decisions_of_some_entities_are_those_of_all_about_them(engine: Engine) -> None:
    """A re-match of a few articles reads the decisions about the entities its candidates
    name (`load_precision(..., entity_ids)`), the same tallies as reading them all."""
    prepare_demo(engine, reviewer_id=None)
    for n, mention in enumerate(mentions(engine, "Rusia")[:4]):
        decide(engine, mention, "accepted" if n else "rejected")
    for mention in mentions(engine, "CSTO")[:2]:
        decide(engine, mention, "rejected")
    with session_scope(engine) as session:
        ids: dict[str, int] = dict(session.execute(select(col(Entity.key), col(Entity.id))).all())
        every = load_precision(session)
        some = load_precision(session, [ids["RU"]])
        none = load_precision(session, [])
    assert some.aliases == {k: v for k, v in every.aliases.items() if k[0] == ids["RU"]}
    assert some.surfaces == {k: v for k, v in every.surfaces.items() if k[0] == ids["RU"]}
    assert some.aliases[(ids["RU"], "Rusia")] == Tally(3, 1)
    assert any(k[0] == ids["CSTO"] for k in every.aliases)  # read with all, not with RU's
    assert not none.aliases and not none.surfaces
