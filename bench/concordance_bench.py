"""The concordance of an entity with 10,000 mentions: store query and screen first paint.

    .venv/bin/python bench/concordance_bench.py                 # 10,000 mentions, 2,000 articles
    .venv/bin/python bench/concordance_bench.py --mentions 50000

Builds a database (real schema, sample labels) where one entity has N mentions spread over the
articles in several surface forms, then times `store.review.concordance.concordance` and the
concordance screen's first paint in the real app (headless), against the same screen on an
entity with 10 mentions in the same run. Target: under 1 s for 10,000 mentions.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from store.db import open_database, session_scope  # noqa: E402
from store.models import Article, Entity, Mention  # noqa: E402
from store.review.concordance import concordance  # noqa: E402
from store.schema import load_schema, parse_schema  # noqa: E402

SAMPLE = Path(__file__).resolve().parent.parent / "sample_corpus"
FORMS = ["Rusia", "RUSIA", "Rusia", "Federasi Rusia", "Rusiya"]
FILLER = (
    "Pemerintah menyatakan bahwa kerja sama pertahanan antara kedua negara akan terus "
    "diperkuat dalam beberapa tahun mendatang. "
)


def build(url: str, mentions: int, articles: int) -> None:
    """The database: two entities, `articles` articles, `mentions` mentions of the first."""
    engine = open_database(url)
    with session_scope(engine) as session:
        load_schema(session=session, schema=parse_schema(SAMPLE / "schema.toml"), reviewer_id=None)
    per_article = max(1, mentions // articles)
    rows, spans = [], []
    for a in range(articles):
        parts, offsets = [], []
        position = 0
        for m in range(per_article + (1 if a < mentions - per_article * articles else 0)):
            form = FORMS[(a + m) % len(FORMS)]
            parts.append(FILLER)
            position += len(FILLER)
            offsets.append((position, position + len(form), form))
            parts.append(form + " ")
            position += len(form) + 1
        text = "".join(parts) + ("Moskow " if a < 10 else "")
        rows.append(
            {
                "id": a + 1,
                "external_id": f"a{a}",
                "title": f"Artikel {a}",
                "text": text,
                "sha256": f"{a:064x}",
                "status": "todo",
                "meta": {},
            }
        )
        spans.append(offsets)
        if a < 10:
            spans[-1].append((len(text) - 7, len(text) - 1, "Moskow"))
    with engine.begin() as connection:
        connection.execute(insert(Article), rows)
        connection.execute(
            insert(Entity),
            [
                {"id": 1, "key": "RU", "name": "Russia", "type": "GPE", "external_ids": {}},
                {"id": 2, "key": "G-MOSCOW", "name": "Moscow", "type": "GPE", "external_ids": {}},
            ],
        )
        connection.execute(
            insert(Mention),
            [
                {
                    "article_id": a + 1,
                    "start": s,
                    "end": e,
                    "text": t,
                    "label": "GPE",
                    "state": "pending",
                    "origin": "gazetteer",
                    "entity_id": 2 if t == "Moskow" else 1,
                    "matched_alias": t,
                    "score": 100.0,
                    "method": "exact",
                    "alternatives": [],
                }
                for a, offsets in enumerate(spans)
                for s, e, t in offsets
            ],
        )
    engine.dispose()


async def first_paint(url: str, key: str) -> float:
    """Seconds from pushing the concordance of `key` to its first screen refresh."""
    from tui.app import make_app
    from tui.screens.concordance import ConcordanceScreen

    app = make_app(url, reviewer="bench")
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        painted = asyncio.get_running_loop().create_future()
        screen = ConcordanceScreen(key)
        started = time.perf_counter()
        await app.push_screen(screen)
        screen.call_after_refresh(lambda: painted.done() or painted.set_result(time.perf_counter()))
        ended = await painted
        assert screen.rows, "the concordance is empty"
    return float(ended - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=10_000)
    parser.add_argument("--articles", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="telaah-concordance-") as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        started = time.perf_counter()
        build(url, args.mentions, args.articles)
        print(
            f"database: {args.mentions:,} mentions of RU in {args.articles:,} articles, "
            f"built in {time.perf_counter() - started:.1f} s"
        )
        engine = open_database(url)
        store_times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            with session_scope(engine) as session:
                groups = concordance(session=session, key="RU")
            store_times.append(time.perf_counter() - started)
        lines = sum(len(g.lines) for g in groups)
        engine.dispose()
        big = [asyncio.run(first_paint(url, "RU")) for _ in range(args.runs)]
        small = [asyncio.run(first_paint(url, "G-MOSCOW")) for _ in range(args.runs)]
    big_ms, small_ms = statistics.median(big) * 1000, statistics.median(small) * 1000
    print(
        f"store.review.concordance: {lines:,} lines in {len(groups)} surface forms, "
        f"median {statistics.median(store_times) * 1000:.0f} ms"
    )
    print(
        f"screen first paint, {lines:,} mentions: median {big_ms:.0f} ms "
        f"(min {min(big) * 1000:.0f}, max {max(big) * 1000:.0f})"
    )
    print(f"screen first paint, 10 mentions (baseline, same run): median {small_ms:.0f} ms")
    verdict = "PASS" if big_ms < 1000 else "MISS"
    print(f"target: under 1 s for 10,000 mentions -> {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
