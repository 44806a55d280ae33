"""A name the gazetteer lacks (issue 13, point 4): the cost of creating an entity in review.

    python bench/new_entity_bench.py                  # 100,000 other entities
    python bench/new_entity_bench.py --entities 20000

What it does, in one run, on a fresh SQLite database with the sample corpus:

1. removes P-BELOUSOV, marks article 3's "Belousov" by hand, and times `create_and_link`
   (name "Andrei Belousov": the entity, both aliases and the link, one transaction) and the
   re-match of the change it returns (what the review screen runs in its worker);
2. adds `--entities` entities (keys `person:name-N`, so that numbered keys collide) and times
   what the new-entity form reads on every key it is typed into: the key made from the label
   and the name (`fresh_key`) and its check (`key_problem`), for a free name and for names
   whose key and its first numbered variants are taken;
3. gives those entities an alias each and, with the live matcher and the entity search built,
   times `--creations` entities made from marked names as the review screen's worker goes on
   after each: the re-match, then the entity search brought up to date (`fresh`).

Prints median and max in milliseconds (target: well under 100 ms a key). No figure is asserted.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from store.corpus.demo import prepare_demo  # noqa: E402
from store.db import open_database, session_scope  # noqa: E402
from store.gazetteer import entities as gazetteer  # noqa: E402
from store.gazetteer.search import search_cache  # noqa: E402
from store.models import Alias, Article, Entity, Mention  # noqa: E402
from store.review.linking import create_and_link, fresh_key  # noqa: E402
from store.review.live import forget, live_matcher  # noqa: E402
from store.review.rematch import rematch  # noqa: E402
from store.review.spans import add_mention  # noqa: E402
from store.reviewers import ensure_reviewer  # noqa: E402


def ms(start: float) -> float:
    return 1000 * (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--creations", type=int, default=10)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="telaah-new-entity-")
    engine = open_database(f"sqlite:///{folder}/bench.db")
    with session_scope(engine) as session:
        reviewer = ensure_reviewer(session=session, name="bench")
        session.commit()
    prepare_demo(engine, reviewer_id=reviewer)
    with session_scope(engine) as session:
        gazetteer.delete_entity(session=session, key="P-BELOUSOV", reviewer_id=reviewer)
        marked = add_mention(
            session=session, article_id=3, start=601, end=609, label="PERSON", reviewer_id=reviewer
        )
        start = time.perf_counter()
        made = create_and_link(
            session=session,
            mention_id=marked.id,
            label="PERSON",
            name="Andrei Belousov",
            reviewer_id=reviewer,
        )
        print(f"create_and_link                     {ms(start):8.1f} ms")
    start = time.perf_counter()
    report = rematch(engine, made.change, reviewer_id=reviewer)
    print(f"re-match of the change it returned  {ms(start):8.1f} ms  ({report.summary})")
    with engine.begin() as connection:
        connection.execute(
            insert(Entity),
            [
                {
                    "key": f"person:name-{i}",
                    "name": f"Name {i}",
                    "type": "PERSON",
                    "external_ids": {},
                }
                for i in range(args.entities)
            ],
        )
    print(f"form reads per key, {args.entities:,} more entities:")
    for name in ("Andrei Belousov", "Name", "Name 7"):
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            with session_scope(engine) as session:
                key = fresh_key(session, "PERSON", name)
            with session_scope(engine) as session:
                gazetteer.key_problem(session=session, key=key)
            times.append(ms(start))
        print(
            f"  name {name!r:18} -> {key:22} median {statistics.median(times):6.2f} ms"
            f"  max {max(times):6.2f} ms"
        )
    creations(engine, reviewer, args.entities, args.creations)


def creations(engine: Any, reviewer: int, entities: int, count: int) -> None:
    """Step 3 (the module's doc): `count` creations and what the worker does after each."""
    with engine.begin() as connection:
        ids = connection.execute(
            select(Entity.id).where(Entity.key.like("person:name-%"))  # type: ignore[attr-defined]
        ).scalars()
        connection.execute(
            insert(Alias),
            [
                {"entity_id": i, "text": f"Name {i}", "norm": f"name{i}", "origin": "gazetteer"}
                for i in ids
            ],
        )
    start = time.perf_counter()
    forget(engine)  # built whole, as a session opened on this gazetteer would build it
    live_matcher(engine)
    search_cache(engine).fresh()
    print(f"{entities:,} more aliases: live matcher and entity search built in {ms(start):,.0f} ms")
    spans = free_names(engine, count)
    made_ms, worker_ms = [], []
    for article_id, begin, end in spans:
        with session_scope(engine) as session:
            marked = add_mention(
                session=session,
                article_id=article_id,
                start=begin,
                end=end,
                label="PERSON",
                reviewer_id=reviewer,
            )
            start = time.perf_counter()
            made = create_and_link(
                session=session, mention_id=marked.id, label="PERSON", reviewer_id=reviewer
            )
            made_ms.append(ms(start))
        start = time.perf_counter()
        rematch(engine, made.change, reviewer_id=reviewer)
        search = search_cache(engine)
        try:
            search.fresh(created=made.change.key)
        except TypeError:  # (a tree from before `created`)
            search.fresh()
        worker_ms.append(ms(start))
    print(
        f"{len(spans)} creations: create_and_link median {statistics.median(made_ms):.1f} ms;"
        f" re-match and entity search median {statistics.median(worker_ms):.1f} ms,"
        f" max {max(worker_ms):.1f} ms"
    )


def free_names(engine: Any, count: int) -> list[tuple[int, int, int]]:
    """`count` capitalised words of the corpus, each of another spelling, that no mention
    overlaps: (article id, start, end)."""
    found: list[tuple[int, int, int]] = []
    seen: set[str] = set()
    with session_scope(engine) as session:
        for article in session.scalars(select(Article).order_by(Article.id)).all():
            held = select(Mention).where(Mention.article_id == article.id)
            spans = [(m.start, m.end) for m in session.scalars(held).all()]
            for word in re.finditer(r"\b[A-Z][a-z]{4,}\b", article.text):
                a, b = word.span()
                if word.group() in seen or any(a < e and s < b for s, e in spans):
                    continue
                seen.add(word.group())
                found.append((article.id or 0, a, b))
                if len(found) == count:
                    return found
    return found


if __name__ == "__main__":
    main()
