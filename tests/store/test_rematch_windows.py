"""An added alias is matched only in the lines its terms reach (store/matching/windows.py):
the same candidates as the whole text, and as a matcher built again."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, insert, select
from sqlmodel import col

from store.corpus.demo import prepare_demo
from store.corpus.search import index_new_articles
from store.db import open_database, session_scope
from store.gazetteer import entities as gazetteer
from store.matching import AliasEntry
from store.matching.delta import Delta
from store.matching.index import Index
from store.matching.windows import MAX_TERMS, lines_holding, terms_pattern
from store.models import Article
from store.review.candidates import build_matcher, match_articles
from store.review.live import live_matcher
from store.review.rematch import affected_articles, rematch
from tests.store.test_live_matcher import candidates

TOUCHED = {
    "RU": [AliasEntry("RU", "Rusia", "GPE"), AliasEntry("RU", "Federasi Rusia", "GPE")],
    "KZ": [AliasEntry("KZ", "Kazakhstan", "GPE")],
}
# The terms that reached the texts, as the search index gives them (a misspelling included).
TERMS = {"rusia", "federasirusia", "kazakhstan", "kazakstan"}
TEXTS = [
    "Rusia menyerang kemarin.\nHujan turun di kota.\n",  # the first word of the text
    "Hujan turun di kota.\n\nMenurut pejabat Federasi Rusia",  # the text's end, overlapping
    "Hujan turun.\nPejabat Kazakstan hadir di sana.\nSelesai.",  # a misspelling (fuzzy)
    "Hujan turun.\n\nKemarin Rusianya menolak, kata dia.\n\nSelesai.",  # a clitic
    "Hujan.\nRusia dan Kazakhstan.\nLalu hujan.\nFederasi Rusia menolak.",  # several lines
]


def test_the_lines_of_the_terms_give_the_candidates_of_the_whole_text() -> None:
    touched = Delta(Index([], ("id", "en")), TOUCHED)
    pattern = terms_pattern(TERMS)
    assert pattern is not None
    for text in TEXTS:
        windows = lines_holding(text, pattern)
        assert windows is not None and windows != [(0, len(text))], text
        whole = touched.own_candidates(text)
        assert whole, text
        assert touched.own_candidates(text, windows) == whole, text
    found = touched.own_candidates(TEXTS[2], lines_holding(TEXTS[2], pattern))
    assert [(c.text, c.method) for c in found] == [("Kazakstan", "fuzzy")]
    assert lines_holding("Tidak ada nama di sini.\nHujan.", pattern) is None  # matched whole
    assert terms_pattern({"türkiye"}) is None  # a fold of its own: texts matched whole
    assert terms_pattern({f"kota{n}" for n in range(MAX_TERMS + 1)}) is None  # an import


def test_an_added_alias_spliced_by_lines_gives_the_candidates_of_a_rebuilt_matcher(
    engine: Engine, tmp_path: Path
) -> None:
    rebuilt = open_database(f"sqlite:///{tmp_path / 'rebuilt.db'}")
    texts = [
        "Nusa Kertaraja membuka acara.\n\nHujan turun di kota.",
        "Hujan turun di kota.\n\nPejabat dari Nusa Kertarajanya hadir",
        "Hujan.\nWarga Nusa Kertaraya datang ke Kertaraja.\nSelesai.",
        "Pagi.\nDi Kertaraja, pejabat Nusa Kertaraja hadir.\nSore.",
        # `bintang` (a known word) opening a sentence: a name because the text names its
        # entity inside a sentence on another line, which its line alone does not know.
        "Pagi.\nBintang datang kemarin.\nWarga Tanah Bintang senang.\n",
    ]
    for db in (engine, rebuilt):
        prepare_demo(db, reviewer_id=None)
        with db.begin() as connection:
            connection.execute(
                insert(Article),
                [
                    {
                        "external_id": f"w{i}",
                        "title": "Warta",
                        "text": text,
                        "sha256": f"{i:064x}",
                        "status": "todo",
                        "meta": {},
                    }
                    for i, text in enumerate(texts)
                ],
            )
        with session_scope(db) as session:  # an entity of one name, not renowned
            gazetteer.create_entity(
                session=session, key="BT", name="Tanah Bintang", type="ORG", reviewer_id=None
            )
        index_new_articles(db)
        match_articles(db)
    live_matcher(engine)
    with session_scope(engine) as session:
        first, second = [v.key for v in gazetteer.all_entities(session=session)][:2]
    # "Kertaraja" first (one entity), then "Nusa Kertaraja" (another) over it: a longer
    # candidate replaces the pending ones inside it.
    for key, alias in ((first, "Kertaraja"), (second, "Nusa Kertaraja"), ("BT", "bintang")):
        for db in (engine, rebuilt):
            with session_scope(db) as session:
                change = gazetteer.add_alias(session=session, key=key, text=alias, reviewer_id=None)
            if db is engine:
                rematch(engine, change)
            else:
                with session_scope(rebuilt) as session:
                    fresh = build_matcher(session=session)
                match_articles(
                    rebuilt, article_ids=affected_articles(rebuilt, change), matcher=fresh
                )
        assert candidates(engine) == candidates(rebuilt), alias
    with engine.connect() as connection:
        ids = (
            connection.execute(select(col(Article.id)).where(col(Article.external_id).like("w%")))
            .scalars()
            .all()
        )
    found = {(row[0], row[3], row[5]) for row in candidates(engine) if row[0] in ids}
    assert {alias for _, _, alias in found} >= {"Kertaraja", "Nusa Kertaraja"}
    assert len({article for article, _, alias in found if alias == "Nusa Kertaraja"}) >= 3
    scores = {row[6] for row in candidates(engine) if row[5] == "bintang"}
    assert scores == {90.0}  # not doubted as `sentence-initial` (45) in its line alone
    rebuilt.dispose()
