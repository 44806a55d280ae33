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
   whose key and its first numbered variants are taken.

Prints median and max in milliseconds (target: well under 100 ms a key). No figure is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from store.corpus.demo import prepare_demo  # noqa: E402
from store.db import open_database, session_scope  # noqa: E402
from store.gazetteer import entities as gazetteer  # noqa: E402
from store.models import Entity  # noqa: E402
from store.review.linking import create_and_link, fresh_key  # noqa: E402
from store.review.rematch import rematch  # noqa: E402
from store.review.spans import add_mention  # noqa: E402
from store.reviewers import ensure_reviewer  # noqa: E402


def ms(start: float) -> float:
    return 1000 * (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=25)
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


if __name__ == "__main__":
    main()
