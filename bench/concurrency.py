"""Many reviewer processes deciding at once on one database (issue 16: concurrency, measured).

`prepare` stores articles and pending candidates: a share of its own for each reviewer, and a
contested set every reviewer decides too, each stating the version it saw (1). `run` starts
one process a reviewer (spawned, its own engine), each deciding its share and the contested
set through the app's write path (`write_retrying` + `decide_mention`); `verify` reads the
database back: no decision lost or made twice, every contested mention decided once and every
other attempt refused with "changed by", the audit log one entry a decision. Used by
`bench/concurrency_bench.py` and `tests/store/test_concurrent_reviewers.py`.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import time
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select

from store.audit import Action
from store.db import open_database, session_scope, write_retrying
from store.errors import StaleDecision
from store.models import Article, AuditEntry, Label, Mention
from store.review.mentions import decide_mention
from store.reviewers import ensure_reviewer

WORD = "Rusia "
PER_ARTICLE = 200


@dataclass(frozen=True, slots=True)
class Plan:
    """Who decides what: each reviewer's own mention ids, and the contested ones."""

    own: dict[str, list[int]]
    contested: list[int]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one reviewer process did."""

    reviewer: str
    decided: int
    refused: int
    refusals_named: int  # refusals whose message says who changed the mention
    seconds: float


def prepare(url: str, reviewers: int, per_reviewer: int, contested: int) -> Plan:
    """Articles and pending candidates for `reviewers` processes; the plan of who decides what."""
    engine = open_database(url)
    names = [f"reviewer{n}" for n in range(reviewers)]
    total = reviewers * per_reviewer + contested
    ids: list[int] = []
    with session_scope(engine) as session:
        for name in names:
            ensure_reviewer(session=session, name=name)
        if session.exec(select(Label).where(Label.name == "LOC")).first() is None:
            session.add(Label(name="LOC", description="place", colour="green"))
        articles = (total + PER_ARTICLE - 1) // PER_ARTICLE
        for n in range(articles):
            text = WORD * PER_ARTICLE
            session.add(
                Article(
                    external_id=f"c{n}",
                    title=f"concurrency {n}",
                    text=text,
                    sha256=hashlib.sha256(f"{n}:{text}".encode()).hexdigest(),
                )
            )
        session.commit()
        article_ids = list(session.exec(select(Article.id).order_by(Article.id)).all())
        made = 0
        for article_id in article_ids:
            for i in range(min(PER_ARTICLE, total - made)):
                session.add(
                    Mention(
                        article_id=article_id,
                        start=i * len(WORD),
                        end=i * len(WORD) + len(WORD) - 1,
                        text=WORD.strip(),
                        label="LOC",
                        score=100,
                        method="exact",
                    )
                )
                made += 1
        session.commit()
        ids = list(session.exec(select(Mention.id).order_by(Mention.id)).all())
    engine.dispose()
    own = {name: ids[i * per_reviewer : (i + 1) * per_reviewer] for i, name in enumerate(names)}
    return Plan(own, ids[reviewers * per_reviewer :])


def decide_all(url: str, reviewer: str, own: list[int], contested: list[int]) -> Outcome:
    """One reviewer process: decide `own` (accept, reject in turn) and try every contested
    mention at the version it saw; refusals are counted, never retried."""
    engine = open_database(url)
    with session_scope(engine) as session:
        reviewer_id = ensure_reviewer(session=session, name=reviewer)
    decided = refused = named = 0
    started = time.perf_counter()
    work = [(m, 1) for m in contested] + [(m, None) for m in own]
    # the contested ones interleaved with the reviewer's own, so they meet the others'
    work.sort(key=lambda item: (hash((reviewer, item[0])) % 97, item[0]))
    for n, (mention_id, version) in enumerate(work):
        state = "accepted" if n % 2 == 0 else "rejected"
        try:
            write_retrying(
                engine,
                lambda s, m=mention_id, st=state, v=version: decide_mention(
                    session=s, mention_id=m, state=st, reviewer_id=reviewer_id, expected_version=v
                ),
                wait_limit=120,
            )
            decided += 1
        except StaleDecision as stale:
            refused += 1
            named += " by reviewer" in str(stale)
    seconds = time.perf_counter() - started
    engine.dispose()
    return Outcome(reviewer, decided, refused, named, seconds)


def _child(args: tuple[str, str, list[int], list[int]]) -> Outcome:
    return decide_all(*args)


def run(url: str, plan: Plan) -> tuple[list[Outcome], float]:
    """Every reviewer at once, one process each; their outcomes and the wall time."""
    context = multiprocessing.get_context("spawn")
    jobs = [(url, name, own, plan.contested) for name, own in plan.own.items()]
    started = time.perf_counter()
    with context.Pool(len(jobs)) as pool:
        outcomes = pool.map(_child, jobs)
    return outcomes, time.perf_counter() - started


@dataclass(frozen=True, slots=True)
class Check:
    """What the database says after the run."""

    decided_mentions: int  # mentions not pending
    expected: int  # every own mention and every contested one
    audit_entries: int  # single decisions audited
    decisions_made: int  # decisions the processes say they made
    contested_once: bool  # every contested mention decided by one reviewer, at version 2
    lost: int
    duplicated: int


def verify(url: str, plan: Plan, outcomes: list[Outcome]) -> Check:
    """Read the database back and compare it with what the processes said they did."""
    engine = open_database(url)
    everything = [m for ids in plan.own.values() for m in ids] + plan.contested
    with session_scope(engine) as session:
        rows = {
            m.id: m
            for m in session.exec(select(Mention).where(col(Mention.id).in_(everything))).all()
        }
        entries = session.exec(
            select(AuditEntry.target_id, func.count())
            .where(AuditEntry.action == Action.DECIDE, AuditEntry.target == "mention")
            .group_by(AuditEntry.target_id)
        ).all()
    engine.dispose()
    per_mention = dict(entries)
    decided = sum(1 for m in rows.values() if m.state != "pending")
    lost = sum(1 for m in everything if per_mention.get(m, 0) == 0)
    duplicated = sum(1 for m in everything if per_mention.get(m, 0) > 1)
    contested_once = all(rows[m].version == 2 and per_mention.get(m) == 1 for m in plan.contested)
    return Check(
        decided,
        len(everything),
        sum(per_mention.values()),
        sum(o.decided for o in outcomes),
        contested_once,
        lost,
        duplicated,
    )
