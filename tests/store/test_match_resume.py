"""A corpus match: worker processes store what one process stores, and an interrupted
resumable run continued gives what an uninterrupted one gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, select
from sqlmodel import Session, col

from store.audit import Action
from store.corpus.demo import prepare_demo
from store.gazetteer import entities as gazetteer
from store.ingest.articles import import_articles
from store.models import Article, AuditEntry, Mention
from store.review import candidates, match_progress
from store.review.candidates import match_articles
from tests.conftest import SAMPLE


class Stop(Exception):
    """A run interrupted from its progress callback (as a kill between two chunks)."""


def rows(engine: Engine) -> list[tuple[Any, ...]]:
    """Every stored candidate, all that a run writes but its id and creation time."""
    with engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                select(
                    col(Mention.article_id),
                    col(Mention.start),
                    col(Mention.end),
                    col(Mention.text),
                    col(Mention.entity_id),
                    col(Mention.label),
                    col(Mention.state),
                    col(Mention.origin),
                    col(Mention.matched_alias),
                    col(Mention.score),
                    col(Mention.method),
                    col(Mention.alternatives),
                    col(Mention.reason),
                    col(Mention.version),
                    col(Mention.layer),
                ).order_by(col(Mention.article_id), col(Mention.start), col(Mention.end))
            )
        ]


def clear(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(delete(Mention))


@pytest.fixture
def corpus(engine: Engine, reviewer_id: int, tmp_path: Path) -> Engine:
    """The demo (schema, gazetteer, sample articles) and each sample paragraph an article."""
    prepare_demo(engine, reviewer_id=reviewer_id)
    folder = tmp_path / "paragraphs"
    folder.mkdir()
    for path in sorted((SAMPLE / "articles").glob("*.txt")):
        for at, paragraph in enumerate(path.read_text(encoding="utf-8").split("\n\n")):
            if len(paragraph) > 80:
                (folder / f"{path.stem}-{at:03d}.txt").write_text(paragraph, encoding="utf-8")
    import_articles(engine, [folder], reviewer_id=None)
    clear(engine)
    return engine


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(candidates, "POOL_FROM", 1)
    monkeypatch.setattr(candidates, "CHUNK", 3)
    monkeypatch.setattr(match_progress, "EVERY", 6)


def articles(engine: Engine) -> int:
    with Session(engine) as session:
        return len(session.execute(select(col(Article.id))).all())


def test_one_worker_and_two_store_the_same_rows(corpus: Engine, small_chunks: None) -> None:
    one = match_articles(corpus, workers=1)
    alone = rows(corpus)
    assert one.articles == articles(corpus) > 20 and len(alone) == one.added > 100
    clear(corpus)
    two = match_articles(corpus, workers=2)
    assert (two.articles, two.added) == (one.articles, one.added)
    assert rows(corpus) == alone
    # Matched again by two workers, every row is kept as it is.
    again = match_articles(corpus, workers=2)
    assert (again.added, again.removed, again.kept) == (0, 0, one.added)
    assert rows(corpus) == alone


@pytest.mark.parametrize("workers", [1, 2])
def test_an_interrupted_run_continues_where_it_stopped(
    corpus: Engine, small_chunks: None, workers: int
) -> None:
    whole = match_articles(corpus, workers=1)
    uninterrupted = rows(corpus)
    clear(corpus)
    done = [0]

    def stop_after_half(n: int) -> None:
        done[0] += n
        if done[0] >= whole.articles // 2:
            raise Stop

    with pytest.raises(Stop):
        match_articles(corpus, workers=workers, resumable=True, on_progress=stop_after_half)
    assert 0 < len(rows(corpus)) < len(uninterrupted)
    seen: list[int] = []
    resumed: list[int] = []
    report = match_articles(
        corpus,
        workers=workers,
        resumable=True,
        on_progress=seen.append,
        on_resumed=resumed.append,
    )
    assert rows(corpus) == uninterrupted
    # Only what the last checkpoint did not cover is matched again; the counts are the run's
    # (what the interrupted run stored after its last checkpoint is found again: kept).
    assert resumed and resumed[0] == report.resumed >= 6
    assert sum(seen) == whole.articles - report.resumed
    assert report.articles == whole.articles and report.added + report.kept == whole.added
    assert f"(continued: {report.resumed} matched before)" in report.summary
    # The run is over: the next one starts from the first article.
    again = match_articles(corpus, workers=workers, resumable=True)
    assert (again.articles, again.resumed, again.added) == (whole.articles, 0, 0)


def test_a_changed_gazetteer_or_restart_starts_over(
    corpus: Engine, small_chunks: None, session: Session, reviewer_id: int
) -> None:
    def interrupted() -> None:
        def stop(_n: int) -> None:
            raise Stop

        with pytest.raises(Stop):
            match_articles(corpus, workers=1, resumable=True, on_progress=stop)

    match_progress.EVERY = 3  # (restored by the fixture) a checkpoint at the first chunk
    interrupted()
    assert match_articles(corpus, workers=1, resumable=True, restart=True).resumed == 0
    interrupted()
    gazetteer.add_alias(session=session, key="KG", text="Kirgizstanovia", reviewer_id=reviewer_id)
    assert match_articles(corpus, workers=1, resumable=True).resumed == 0
    interrupted()
    report = match_articles(corpus, workers=1, resumable=True)
    assert report.resumed == 3

    # A run that is not resumable leaves no checkpoint.
    def checkpoints() -> int:
        with Session(corpus) as fresh:
            return len(
                fresh.execute(
                    select(col(AuditEntry.id)).where(
                        col(AuditEntry.action) == Action.MATCH_PROGRESS
                    )
                ).all()
            )

    before = checkpoints()
    match_articles(corpus, workers=1)
    assert checkpoints() == before > 0
