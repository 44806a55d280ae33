"""A removed alias: its candidates withdrawn and only their lines matched again
(store/review/withdraw.py): the candidates and new names of the whole articles matched again
with the same live matcher (the path before), the candidates of a matcher built again.

(New names are compared with the path before, not with a rebuilt matcher: their labels use
hints built once per matcher, see `names.hints_for`.)"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, insert, select
from sqlmodel import col

from store.corpus.demo import prepare_demo
from store.corpus.search import index_new_articles
from store.db import open_database, session_scope
from store.gazetteer import entities as gazetteer
from store.matching import AliasEntry, Matcher
from store.matching.names import NEW_NAME, with_new_names
from store.matching.names_in import with_new_names_in
from store.models import Article, Entity, Mention
from store.review.candidates import MatchReport, build_matcher, match_articles
from store.review.live import live_matcher
from store.review.mentions import decide_mention
from store.review.rematch import affected_articles, rematch
from store.review.withdraw import removal_reach, withdraw_lines
from store.review.withdraw_rows import read_chunk
from tests.store.test_live_matcher import candidates

TEXTS = [
    "Nusa Kertaraja membuka acara.\n\nHujan turun di kota.",  # the start of the text
    "Hujan turun di kota.\n\nPejabat dari Nusa Kertaraja",  # its end, hiding `Kertaraja`
    "Hujan.\nWarga Nusa Kertaraya datang ke Kertaraja.\nSelesai.",  # fuzzy
    "Hujan turun.\n\nKemarin Nusa Kertarajanya menolak, kata dia.\n\nSelesai.",  # a clitic
    # A new name comes back; its label comes from the word before it on another line.
    "Warga dari Padang Lawas hadir.\nPagi.\nPejabat dari Tarumaja Malela hadir.\nSore.",
    # A stored new name on another line after the same word: relabelled in place.
    "Kabar dari Sungkai Lembara tiba.\nPagi.\nPejabat dari Tarumaja Malela hadir.\nSore.",
    # The same, in an article with a decided mention (its stored candidates are not all the
    # matcher's): the lines after `dari` are matched again for the label.
    "Kabar dari Sungkai Lembara tiba.\nWarga dari Padang Lawas hadir.\n"
    "Pejabat dari Tarumaja Malela hadir.\nWarga Durian Runtuh.",
    # `Bintang` opening a sentence is a name because the text names its entity inside a
    # sentence on another line: its line alone doubts it, so the article is matched whole.
    "Pagi.\nBintang datang dari Nusa Kertaraja.\nWarga Tanah Bintang senang.",
]


def pending(engine: Engine) -> list[tuple[object, ...]]:
    """Every pending candidate, new names (no entity) included."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                col(Mention.article_id),
                col(Mention.start),
                col(Mention.end),
                col(Entity.key),
                col(Mention.label),
                col(Mention.matched_alias),
                col(Mention.score),
                col(Mention.method),
                col(Mention.reason),
                col(Mention.alternatives),
            )
            .join(Entity, col(Entity.id) == col(Mention.entity_id), isouter=True)
            .where(col(Mention.state) == "pending")
        ).all()
    return sorted(((*row[:-1], tuple(row[-1])) for row in rows), key=repr)


def name_labels(engine: Engine) -> dict[tuple[str, str], tuple[int, str, int]]:
    """The pending new names: (article, name) -> (id, label, version)."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                col(Article.external_id),
                col(Mention.text),
                col(Mention.id),
                col(Mention.label),
                col(Mention.version),
            )
            .join(Article, col(Article.id) == col(Mention.article_id))
            .where(col(Mention.state) == "pending", col(Mention.reason) == NEW_NAME)
        ).all()
    return {(a, t): (i, label, version) for a, t, i, label, version in rows}


def test_the_lines_give_what_the_whole_text_gives_new_names_labelled_alike() -> None:
    matcher = Matcher.build(
        [
            AliasEntry("P1", "Padang Lawas", "PER"),
            AliasEntry("G1", "Kota Lama", "GPE"),
            AliasEntry("G2", "Bukit Tinggi", "GPE"),
            AliasEntry("G3", "Kertaraja", "GPE"),
        ]
    )
    text = TEXTS[4]
    start = text.index("Pejabat")
    windows = [(start, text.index("\n", start) + 1)]
    whole = [c for c in with_new_names(matcher, text) if start <= c.start < windows[0][1]]
    assert [(c.text, c.label, c.reason) for c in whole] == [("Tarumaja Malela", "PER", NEW_NAME)]
    assert with_new_names_in(matcher, text, windows) == whole
    # Without the line of `dari Padang Lawas` the label would be the gazetteer's shape's.
    alone = with_new_names(matcher, text[start:])
    assert [(c.text, c.label) for c in alone] == [("Tarumaja Malela", "GPE")]
    for text in TEXTS[:4]:
        at = text.index("Nusa")
        windows = [(text.rfind("\n", 0, at) + 1, (text.find("\n", at) + 1) or len(text))]
        whole = [
            c for c in with_new_names(matcher, text) if windows[0][0] <= c.start < windows[0][1]
        ]
        assert with_new_names_in(matcher, text, windows) == whole, text


def test_a_removed_alias_gives_what_matching_the_whole_articles_gives(
    engine: Engine, tmp_path: Path
) -> None:
    whole_db = open_database(f"sqlite:///{tmp_path / 'whole_db.db'}")
    for db in (engine, whole_db):
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
                    for i, text in enumerate(TEXTS)
                ],
            )
        with session_scope(db) as session:  # an entity of one name, not renowned
            gazetteer.create_entity(
                session=session, key="BT", name="Tanah Bintang", type="ORG", reviewer_id=None
            )
        index_new_articles(db)
        match_articles(db)
        with session_scope(db) as session:
            rejected = session.execute(
                select(col(Mention.id))
                .join(Article, col(Article.id) == col(Mention.article_id))
                .where(col(Article.external_id) == "w6", col(Mention.text) == "Durian Runtuh")
            ).scalar_one()
            decide_mention(session=session, mention_id=rejected, state="rejected", reviewer_id=None)
    live_matcher(engine)
    live_matcher(whole_db)
    with session_scope(engine) as session:
        first, second, third = [v.key for v in gazetteer.all_entities(session=session)][:3]
    edits = [
        ("BT", "bintang", True),
        (first, "Kertaraja", True),
        (second, "Nusa Kertaraja", True),  # over `Kertaraja`: hides it
        (third, "Padang Lawas", True),
        (second, "Tarumaja Malela", True),
        (second, "Nusa Kertaraja", False),  # `Kertaraja` comes back
        (second, "Tarumaja Malela", False),  # a new name comes back
        (third, "Hujan", True),
        (third, "Hujan", False),  # nothing comes back (a known word opening a sentence)
    ]
    for key, alias, add in edits:
        for db in (engine, whole_db):
            with session_scope(db) as session:
                if add:
                    change = gazetteer.add_alias(
                        session=session, key=key, text=alias, reviewer_id=None
                    )
                else:
                    change = gazetteer.remove_alias(
                        session=session, key=key, text=alias, reviewer_id=None
                    )
            if add or db is engine:
                if db is engine and not add:  # matched by lines, none whole but w7
                    reached = sorted(removal_reach(engine, change.removed))
                    assert reached
                    *_, whole = withdraw_lines(
                        engine, live_matcher(engine), reached, change.removed, MatchReport()
                    )
                    with engine.connect() as connection:
                        w7 = connection.execute(
                            select(col(Article.id)).where(col(Article.external_id) == "w7")
                        ).scalar_one()
                    assert whole == ({w7} if alias == "Nusa Kertaraja" else set())
                    before = name_labels(engine)
                rematch(db, change)
                if db is engine and alias == "Tarumaja Malela" and not add:
                    # The stored new name of w5 after `dari` on another line: relabelled in
                    # place (the same row, a new version), its article not matched again.
                    after = name_labels(engine)
                    (row, label, version) = before[("w5", "Sungkai Lembara")]
                    assert after[("w5", "Sungkai Lembara")] == (row, "LOC", version + 1)
                    assert label != "LOC"
                    # w6 (a decided mention): labelled from its line `dari Padang Lawas`.
                    assert (
                        after[("w6", "Sungkai Lembara")][0] == before[("w6", "Sungkai Lembara")][0]
                    )
            else:  # the path before: the articles reached matched whole
                match_articles(
                    whole_db,
                    article_ids=affected_articles(whole_db, change),
                    matcher=live_matcher(whole_db),
                )
        assert pending(engine) == pending(whole_db), (alias, add)
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                col(Article.external_id),
                col(Mention.text),
                col(Mention.matched_alias),
                col(Mention.reason),
            )
            .join(Article, col(Article.id) == col(Mention.article_id))
            .where(col(Article.external_id).like("w%"), col(Mention.state) == "pending")
        ).all()
    found = {(row[0], row[1], row[2], row[3]) for row in rows}
    assert not any(alias in ("Nusa Kertaraja", "Tarumaja Malela") for _, _, alias, _ in found)
    assert ("w1", "Kertaraja", "Kertaraja", None) in {(a, t, m, None) for a, t, m, _ in found}
    assert ("w4", "Tarumaja Malela", NEW_NAME) in {(a, t, r) for a, t, _, r in found}
    # A matcher built again from the whole gazetteer: the same candidates of entities.
    with session_scope(whole_db) as session:
        fresh = build_matcher(session=session)
    match_articles(whole_db, matcher=fresh)
    assert candidates(engine) == candidates(whole_db)
    whole_db.dispose()


def test_the_rows_of_a_chunk_pick_the_lines_of_the_removed_entities(engine: Engine) -> None:
    """`read_chunk`: the anchors are the pending candidates of the removed entities and those
    listing one as an alternative (its key quoted: `B` is not `BX`); the decided articles; the
    pending candidates of the gazetteer counted, new names included."""
    prepare_demo(engine, reviewer_id=None)
    with session_scope(engine) as session:
        for key in ("A", "B", "BX"):
            gazetteer.create_entity(
                session=session, key=key, name=f"Nama {key}", type="ORG", reviewer_id=None
            )
        ids = {
            key: session.execute(select(col(Entity.id)).where(col(Entity.key) == key)).scalar_one()
            for key in ("A", "B", "BX")
        }
    text = "Satu dua tiga empat lima enam tujuh delapan sembilan sepuluh sebelas dua belas."
    with engine.begin() as connection:
        connection.execute(
            insert(Article),
            [
                {
                    "external_id": f"r{i}",
                    "title": "t",
                    "text": text,
                    "sha256": f"{i + 90:064x}",
                    "status": "todo",
                    "meta": {},
                }
                for i in range(2)
            ],
        )
        first, second = connection.execute(
            select(col(Article.id)).where(col(Article.external_id).in_(["r0", "r1"]))
        ).scalars()
        rows = [
            (first, 0, 4, ids["B"], [], "pending"),  # of B
            (first, 5, 8, ids["A"], ["B"], "pending"),  # B an alternative
            (first, 9, 14, ids["A"], ["BX"], "pending"),  # not B
            (first, 15, 19, None, [], "pending"),  # a new name
            (second, 0, 4, ids["A"], ["A", "BX"], "pending"),
            (second, 5, 8, ids["A"], [], "accepted"),  # decided
        ]
        connection.execute(
            insert(Mention),
            [
                {
                    "article_id": article,
                    "start": start,
                    "end": end,
                    "text": text[start:end],
                    "label": "ORG",
                    "entity_id": entity,
                    "alternatives": alternatives,
                    "state": state,
                    "origin": "gazetteer",
                }
                for article, start, end, entity, alternatives, state in rows
            ],
        )
    with engine.connect() as connection:
        spans, stored, decided, texts, counted = read_chunk(connection, [first, second], ["B"])
    assert spans == {first: [(0, 4), (5, 8)]}
    assert sorted(len(v) for v in stored.values()) == [1, 3]  # pending, of entities
    assert decided == {second}
    assert counted == {first: 4, second: 1}
    assert sorted(texts) == [(first, text), (second, text)]


def test_the_candidates_are_current_before_the_new_names(engine: Engine) -> None:
    """A removal by lines in two steps: when `candidates_current` is called the candidates of
    entities are those the removal leaves (the removed one gone, what it hid back), and the
    new names of those lines come after (a new name where the removed candidate was)."""
    prepare_demo(engine, reviewer_id=None)
    with engine.begin() as connection:
        connection.execute(
            insert(Article),
            [
                {
                    "external_id": f"t{i}",
                    "title": "Warta",
                    "text": text,
                    "sha256": f"{i + 50:064x}",
                    "status": "todo",
                    "meta": {},
                }
                for i, text in enumerate(TEXTS[1:2] + TEXTS[4:5])
            ],
        )
    index_new_articles(engine)
    with session_scope(engine) as session:
        key = [v.key for v in gazetteer.all_entities(session=session)][0]
        for alias in ("Kertaraja", "Nusa Kertaraja", "Tarumaja Malela"):
            rematch(
                engine,
                gazetteer.add_alias(session=session, key=key, text=alias, reviewer_id=None),
            )
    live_matcher(engine)

    def named() -> set[tuple[object, ...]]:
        return {row for row in pending(engine) if row[3] is None}

    def entities() -> set[tuple[object, ...]]:
        return {row for row in pending(engine) if row[3] is not None}

    seen: list[tuple[set[tuple[object, ...]], set[tuple[object, ...]]]] = []
    for alias in ("Nusa Kertaraja", "Tarumaja Malela"):
        with session_scope(engine) as session:
            change = gazetteer.remove_alias(session=session, key=key, text=alias, reviewer_id=None)
        names_before = named()
        report = rematch(
            engine, change, candidates_current=lambda _r: seen.append((entities(), named()))
        )
        assert report.articles == 1 and report.added == report.removed == 1
        assert len(seen) == 1
        now, names_then = seen.pop()
        assert now == entities()  # the candidates of entities were current
        assert names_then == names_before  # the names came after
        texts = {row[5] for row in now}
        if alias == "Nusa Kertaraja":  # `Kertaraja` comes back at once, no name is needed
            assert "Kertaraja" in texts and alias not in texts
            assert named() == names_before
        else:  # the removed candidate's place is a new name, in the second step
            assert alias not in texts
            assert [row[1:3] for row in named() - names_before] == [(50, 65)]
