"""The golden corpus: the sample corpus with a fixed set of decisions and frozen times.

Every export format's golden file is this corpus exported: build it with `golden_corpus`, export
with `export_golden` and compare with `assert_golden` (TELAAH_UPDATE_GOLDEN=1 rewrites).
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select, update

from store.config import MIN_SCORE
from store.corpus.articles import set_status
from store.corpus.demo import prepare_demo
from store.db import session_scope
from store.export.report import ExportReport
from store.export.selection import Selection
from store.export.writer import MANIFEST, run_export
from store.facts.repository import decide_fact, list_facts, set_note
from store.formats.registry import get_format
from store.models import Article, Fact, Mention, shown_at
from store.review.mentions import decide_mention
from store.reviewers import ensure_reviewer

REVIEWER = "golden"
DECIDED_AT = datetime(2024, 3, 1, 9, 30, 0, 123456, tzinfo=UTC)


def golden_corpus(engine: Engine) -> None:
    """Load the sample corpus and decide it the same way every time.

    Per article (in id order), of its fact candidates: the first two are accepted (the first
    with a note), the third is rejected. Of its mentions in text order: the fillers of the
    accepted facts are accepted; of the others every third (index % 3 == 2) is rejected, the
    rest accepted, but in the last article the first of them stays pending. Articles 1-4 are
    marked done, the fifth stays in progress. Every decision time and article update time is
    then set to `DECIDED_AT`.
    """
    with session_scope(engine) as session:
        reviewer_id = ensure_reviewer(session=session, name=REVIEWER)
    prepare_demo(engine, reviewer_id=reviewer_id)
    with session_scope(engine) as session:
        article_ids = list(session.execute(select(Article.id).order_by(Article.id)).scalars())
        last = article_ids[-1]
        for article_id in article_ids:
            facts = list_facts(session=session, article_id=article_id, state="pending")
            keep: set[int] = set()  # the fillers of accepted facts are accepted
            for index, fact in enumerate(facts[:3]):
                decide_fact(
                    session=session,
                    fact_id=fact.id,
                    state="rejected" if index == 2 else "accepted",
                    reviewer_id=reviewer_id,
                )
                if index == 0:
                    set_note(
                        session=session,
                        fact_id=fact.id,
                        reviewer_id=reviewer_id,
                        note=f"checked against the source, article {article_id}",
                    )
                if index < 2:
                    keep.update(f.mention_id for f in fact.fillers)
            mentions = (
                session.execute(
                    select(Mention.id)
                    .where(Mention.article_id == article_id)
                    # What the reviewer sees: not the candidates hidden under the threshold.
                    .where(shown_at(MIN_SCORE))
                    .order_by(Mention.start, Mention.end.desc(), Mention.id)
                )
                .scalars()
                .all()
            )
            leave_one = article_id == last
            for index, mention_id in enumerate(mentions):
                if leave_one and mention_id not in keep:
                    leave_one = False
                    continue
                state = "rejected" if index % 3 == 2 and mention_id not in keep else "accepted"
                decide_mention(
                    session=session, mention_id=mention_id, state=state, reviewer_id=reviewer_id
                )
            if article_id != last:
                set_status(
                    session=session, article_id=article_id, status="done", reviewer_id=reviewer_id
                )
        session.execute(
            update(Mention).where(Mention.decided_at.is_not(None)).values(decided_at=DECIDED_AT)
        )
        session.execute(
            update(Fact).where(Fact.decided_at.is_not(None)).values(decided_at=DECIDED_AT)
        )
        session.execute(update(Article).values(updated_at=DECIDED_AT))
        session.commit()


GOLDEN_DIR = Path(__file__).parent / "files"
GOLDEN_TIME = datetime(2024, 3, 2, 0, 0, 0, tzinfo=UTC)  # the manifests' "created"
UPDATE = os.environ.get("TELAAH_UPDATE_GOLDEN") == "1"  # rewrite the golden files


def export_golden(
    engine: Engine, format: str, out: Path, options: dict[str, str] | None = None
) -> ExportReport:
    """Export the golden corpus (default selection: done articles, accepted) with the manifest
    time frozen, so every byte of the output, manifest included, is reproducible."""
    return run_export(
        engine,
        fmt=get_format(format),
        out=out,
        selection=Selection(),
        options=options,
        now=GOLDEN_TIME,
    )


def assert_golden(actual: Path, name: str) -> None:
    """Compare a file or folder byte for byte with `tests/golden/files/NAME` (and a file's
    manifest beside it); with TELAAH_UPDATE_GOLDEN=1, rewrite the golden copy instead."""
    expected = GOLDEN_DIR / name
    pairs = [(actual, expected)]
    if actual.is_file():
        pairs.append(
            (
                actual.with_name(f"{actual.name}.{MANIFEST}"),
                expected.with_name(f"{expected.name}.{MANIFEST}"),
            )
        )
    for got, want in pairs:
        if UPDATE:
            if want.is_dir():
                shutil.rmtree(want)
            want.parent.mkdir(parents=True, exist_ok=True)
            (shutil.copytree if got.is_dir() else shutil.copyfile)(got, want)
            continue
        assert want.exists(), f"no golden {want}: run with TELAAH_UPDATE_GOLDEN=1 and review"
        if got.is_dir():
            names = sorted(p.name for p in got.iterdir())
            assert names == sorted(p.name for p in want.iterdir())
            for file in names:
                assert (got / file).read_bytes() == (want / file).read_bytes(), file
        else:
            assert got.read_bytes() == want.read_bytes(), f"{got.name} differs from {want}"
