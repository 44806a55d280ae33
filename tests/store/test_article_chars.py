"""An article's length in characters is stored at import (migration 0014) and the queue reads
it from there; an article stored before keeps NULL and is measured from its text."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from store.corpus.articles import list_articles
from store.ingest.annotated import LoadOptions, import_annotated
from store.ingest.articles import import_articles
from store.ingest.sink import BATCH
from store.models import Article

# Code points after NFC: a decomposed é becomes one, an emoji is one, a line break one.
TEXTS = ("Cafe\u0301 di Jakarta 🇮🇩.\r\nBaris dua [bold]x[/bold].", "Pendek.", "ä" * 5000)


def stored(session: Session) -> dict[str, tuple[int | None, str]]:
    rows = session.exec(select(Article.external_id, Article.chars, Article.text))
    return {external: (chars, body) for external, chars, body in rows.all()}


def test_imports_store_each_articles_length_in_code_points(
    engine: Engine, session: Session, tmp_path: Path, reviewer_id: int
) -> None:
    path = tmp_path / "articles.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i in range(BATCH + 3):  # more than a batch: PostgreSQL's COPY, and one by one
            body = f"{TEXTS[i % len(TEXTS)]} {i}"  # (a text stored twice is one article)
            out.write(json.dumps({"id": f"a{i}", "text": body}) + "\n")
    import_articles(engine, [path], reviewer_id=None)
    annotated = tmp_path / "docs.jsonl"  # through the annotated import too
    annotated.write_text(
        json.dumps({"text": "Kota 🇮🇩 [link=x]", "spans": [{"start": 0, "end": 4, "label": "LOC"}]})
        + "\n",
        encoding="utf-8",
    )
    options = LoadOptions(reviewer_id, create_entities=True)
    report = import_annotated(engine, "jsonl", [annotated], options)
    assert report.failed == 0, report.problems
    found = stored(session)
    assert len(found) == BATCH + 4
    assert all(chars == len(body) for chars, body in found.values())
    assert found["a0"][0] == len("Café di Jakarta 🇮🇩.\nBaris dua [bold]x[/bold]. 0")


def test_the_queue_reads_the_stored_length_and_measures_an_older_article(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "articles.jsonl"
    path.write_text(
        "".join(json.dumps({"id": f"a{i}", "text": TEXTS[i]}) + "\n" for i in range(3)),
        encoding="utf-8",
    )
    import_articles(engine, [path], reviewer_id=None)
    with engine.begin() as connection:
        connection.execute(text("UPDATE article SET chars = 7 WHERE external_id = 'a0'"))
        connection.execute(text("UPDATE article SET chars = NULL WHERE external_id = 'a2'"))
    lengths = {row.external_id: row.length for row in list_articles(session=session)}
    assert lengths == {"a0": 7, "a1": len(TEXTS[1]), "a2": 5000}
    assert session.exec(select(col(Article.chars)).where(Article.external_id == "a2")).one() is None
