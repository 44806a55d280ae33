"""The keys benchmark's scripted reviewer reaches the gold, so its key counts mean something.

Two small articles hold every case the reviewer meets: candidates to accept (three alike, for
`*`), one to reject, one with the wrong label, one linked to the wrong entity, and names the
gazetteer lacks (marked by hand), one of them a new entity found as a candidate that covers
only part of it (its span edited). The database must equal the gold
afterwards, and each kind of key must have been used.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from store.corpus.demo import sample_corpus_dir

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

from review_keys_bench import accepted_mentions, build_database, replay  # noqa: E402
from reviewer import GoldSpan, score  # noqa: E402

ARTICLES = {
    "a1": "Rusia dan Kazakhstan bertemu lagi. Kemudian Presiden mengatakan Rusia memasok S-300 ke "
    "Kazakhstan.\n\nMenteri luar negeri Sergey Lavrov tiba di Moskow. Rusia siap.",
    "a2": "Kazakhstan membeli S-300 baru. Tokayev berbicara di Astana pada hari Senin.",
}
GAZETTEER = """id,name,type,alias
RU,Russia,GPE,Rusia
KZ,Kazakhstan,GPE,Kazakhstan
W-S300,S-300,WEAPON,S-300
G-MOSCOW,Moscow,ORG,Moskow
CLUB,Presiden Club,ORG,Presiden
ASTANA-FC,FC Astana,ORG,Astana
G-ASTANA,Astana,GPE,Nur-Sultan
P-TOKAYEV,Kassym-Jomart Tokayev,PERSON,Kassym-Jomart Tokayev
P-SHOIGU,Sergey Shoigu,PERSON,Sergey
"""
# (article, surface, which occurrence, label, entity: a key, or a name to create)
GOLD = [
    ("a1", "Rusia", 0, "GPE", "RU"),
    ("a1", "Kazakhstan", 0, "GPE", "KZ"),
    ("a1", "Rusia", 1, "GPE", "RU"),
    ("a1", "S-300", 0, "WEAPON", "W-S300"),
    ("a1", "Kazakhstan", 1, "GPE", "KZ"),
    ("a1", "Sergey Lavrov", 0, "PERSON", "new:Lavrov"),
    ("a1", "Moskow", 0, "GPE", "G-MOSCOW"),
    ("a1", "Rusia", 2, "GPE", "RU"),
    ("a2", "Kazakhstan", 0, "GPE", "KZ"),
    ("a2", "S-300", 0, "WEAPON", "W-S300"),
    ("a2", "Tokayev", 0, "PERSON", "P-TOKAYEV"),
    ("a2", "Astana", 0, "GPE", "G-ASTANA"),
]


def gold_spans() -> dict[str, list[GoldSpan]]:
    gold: dict[str, list[GoldSpan]] = {name: [] for name in ARTICLES}
    for article, surface, nth, label, entity in GOLD:
        text, start = ARTICLES[article], -1
        for _ in range(nth + 1):
            start = text.index(surface, start + 1)
        gold[article].append(GoldSpan(start, start + len(surface), surface, label, entity))
    return gold


async def test_the_scripted_reviewer_reaches_the_gold(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "articles").mkdir(parents=True)
    shutil.copy(sample_corpus_dir() / "schema.toml", corpus / "schema.toml")
    (corpus / "gazetteer.csv").write_text(GAZETTEER, encoding="utf-8")
    for name, text in ARTICLES.items():
        (corpus / "articles" / f"{name}.txt").write_text(text, encoding="utf-8")
    db = tmp_path / "bench.db"
    known = build_database(corpus, db)
    gold = gold_spans()

    reviewer = await replay(db, gold, known, articles=2, baseline_every=10_000)

    assert reviewer.reviewed == ["a1", "a2"]
    result = score(accepted_mentions(db), gold, reviewer.resolve)
    assert result.wrong == [] and result.missed == []
    assert result.right == len(GOLD)
    assert set(reviewer.created) == {"new:Lavrov"}
    kinds = reviewer.record.kinds()
    for kind in ("a", "*", "x", "digit", "l", "e", "d"):
        assert kinds[kind] >= 1, (kind, kinds)
    # `Sergey Lavrov` becomes a new entity: from the review screen (`N`) or the link search.
    assert kinds["N"] + kinds["ctrl+n"] >= 1, kinds
    # `Lavrov` is marked by hand, or taken from the `new name` candidates `v` shows.
    assert kinds["m"] + kinds["v"] >= 1, kinds
