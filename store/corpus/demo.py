"""The demo database: the sample corpus, its gazetteer and schema, loaded once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from store.corpus.stats import corpus_stats
from store.db import session_scope
from store.errors import TelaahError
from store.facts.candidates import refresh_all
from store.gazetteer.files import GazetteerReport, import_gazetteer
from store.ingest.articles import ImportReport, import_articles
from store.review.candidates import MatchReport, match_articles
from store.schema import load_schema, parse_schema, read_schema


def sample_corpus_dir() -> Path:
    """The sample corpus: shipped beside the packages in a checkout, or inside `store/`."""
    for candidate in (
        Path(__file__).resolve().parents[1] / "sample_corpus",
        Path(__file__).resolve().parents[2] / "sample_corpus",
    ):
        if (candidate / "schema.toml").is_file():
            return candidate
    raise TelaahError(
        "the sample corpus is not installed: run telaah from a checkout "
        "installed with `pip install -e .`"
    )


@dataclass(frozen=True, slots=True)
class DemoReport:
    """What preparing the demo database did (None: that part was already there)."""

    schema_loaded: bool
    gazetteer: GazetteerReport | None
    articles: ImportReport | None
    matched: MatchReport | None
    facts: int | None = None  # fact candidates proposed


def prepare_demo(
    engine: Engine, *, reviewer_id: int | None, corpus: Path | None = None
) -> DemoReport:
    """Load the sample schema, gazetteer and articles (matched, with fact candidates) into an
    empty database; reopen otherwise."""
    corpus = corpus or sample_corpus_dir()
    with session_scope(engine) as session:
        schema_loaded = not read_schema(session=session).labels
        if schema_loaded:
            load_schema(
                session=session,
                schema=parse_schema(corpus / "schema.toml"),
                reviewer_id=reviewer_id,
            )
        stats = corpus_stats(session=session)
        gazetteer = None
        if stats.entities == 0:
            gazetteer = import_gazetteer(
                session=session, path=corpus / "gazetteer.csv", reviewer_id=reviewer_id
            )
    articles = matched = facts = None
    if sum(stats.articles.values()) == 0:
        articles = import_articles(engine, [corpus / "articles"], reviewer_id=reviewer_id)
        matched = match_articles(engine, reviewer_id=reviewer_id)
        facts = refresh_all(engine)
    return DemoReport(schema_loaded, gazetteer, articles, matched, facts)
