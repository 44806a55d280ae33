"""Gazetteer edits update the matcher in place and splice candidates in: the same candidates as a
matcher built again from the whole gazetteer, over random edits of the sample corpus."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select
from sqlmodel import col

from store.corpus.demo import prepare_demo
from store.db import open_database, session_scope
from store.gazetteer import entities as gazetteer
from store.gazetteer.change import GazetteerChange
from store.matching import AliasEntry, Matcher
from store.models import Alias, Article, AuditEntry, Entity, Mention
from store.review.candidates import build_matcher, gazetteer_aliases, match_articles
from store.review.live import _LIVE, forget, live_matcher
from store.review.mentions import decide_mention
from store.review.rematch import affected_articles, rematch
from store.undo.history import undo


def candidates(engine: Engine) -> list[tuple[object, ...]]:
    """Every pending candidate, as stored."""
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
            .join(Entity, col(Entity.id) == col(Mention.entity_id))
            .where(col(Mention.state) == "pending")
        ).all()
    return sorted((*row[:-1], tuple(row[-1])) for row in rows)


def edit(engine: Engine, rng: random.Random, words: list[str]) -> GazetteerChange:
    """One random edit: a word of the corpus as a new alias, an alias removed, or a rename."""
    with session_scope(engine) as session:
        views = [v for v in gazetteer.all_entities(session=session) if not v.merged_into]
        entity = rng.choice(views)
        kind = rng.choice(["add", "extend", "extend", "shared", "remove", "rename", "accepted"])
        others = [a.text for a in entity.aliases if a.text != entity.name]
        if kind == "remove" and others:
            return gazetteer.remove_alias(
                session=session, key=entity.key, text=rng.choice(others), reviewer_id=None
            )
        if kind == "rename":
            return gazetteer.rename_entity(
                session=session, key=entity.key, name=rng.choice(words), reviewer_id=None
            )
        taken = {a.text for a in entity.aliases}
        word = rng.choice([w for w in words if w not in taken])
        if kind == "shared":  # another entity's alias: a span several entities fit
            shared = session.scalars(
                select(col(Mention.matched_alias))
                .where(col(Mention.state) == "pending")
                .order_by(col(Mention.id))
            ).all()
            word = rng.choice([a for a in shared if a and a not in taken] or [word])
        if kind == "accepted":  # an accepted mention's text (an entity made from a mention)
            texts = session.scalars(
                select(col(Mention.text))
                .where(col(Mention.state) == "accepted")
                .order_by(col(Mention.id))
            ).all()
            word = rng.choice([t for t in texts if t not in taken] or [word])
        if kind == "extend":  # a stored candidate and the word after it: a longer name
            pending = session.scalars(
                select(Mention).where(col(Mention.state) == "pending").order_by(col(Mention.id))
            ).all()
            mention = rng.choice(list(pending))
            text = session.get(Article, mention.article_id).text  # type: ignore[union-attr]
            after = re.match(r"[ -]\w+", text[mention.end :])
            if after and mention.text + after.group() not in taken:
                word = mention.text + after.group()
        return gazetteer.add_alias(session=session, key=entity.key, text=word, reviewer_id=None)


def decide_some(engine: Engine, rng: random.Random) -> None:
    """Accept or reject a few candidates, so that splicing meets decided mentions."""
    with session_scope(engine) as session:
        pending = session.scalars(select(Mention).where(col(Mention.state) == "pending")).all()
        chosen = [(m.id, m.version) for m in rng.sample(list(pending), 12)]
    for at, (mention_id, version) in enumerate(chosen):
        with session_scope(engine) as session:
            decide_mention(
                session=session,
                mention_id=mention_id or 0,
                state="accepted" if at % 3 else "rejected",
                reviewer_id=None,
                expected_version=version,
            )


@pytest.mark.parametrize("seed", range(1, 13))
def test_edits_in_place_give_the_candidates_of_a_rebuilt_matcher(
    engine: Engine, tmp_path: Path, seed: int
) -> None:
    rebuilt = open_database(f"sqlite:///{tmp_path / 'rebuilt.db'}")
    for db in (engine, rebuilt):
        prepare_demo(db, reviewer_id=None)
        decide_some(db, random.Random(seed))
        match_articles(db)  # the stored scores weigh the decisions (precision.py)
    assert candidates(engine) == candidates(rebuilt)
    with session_scope(engine) as session:
        texts = session.scalars(select(col(Article.text))).all()
    # Words of the corpus, capitalised ones mostly: many reach several articles, some overlap
    # stored candidates (then the article is matched whole).
    words = sorted({w for text in texts for w in re.findall(r"\b[A-Z][a-z]{3,}\b", text)})
    live_matcher(engine)  # built before the edits: each edit then updates it in place
    for step in range(5):
        change = edit(engine, random.Random(seed * 100 + step), words)
        assert change == edit(rebuilt, random.Random(seed * 100 + step), words)
        rematch(engine, change)
        with session_scope(rebuilt) as session:
            fresh = build_matcher(session=session)
        match_articles(rebuilt, article_ids=affected_articles(rebuilt, change), matcher=fresh)
        assert candidates(engine) == candidates(rebuilt), (seed, step, change)
    with session_scope(engine) as session:
        now = gazetteer_aliases(session=session)
    for text in texts:  # the updated matcher is the gazetteer's as it is now
        assert live_matcher(engine).find_candidates(text) == Matcher.build(now).find_candidates(
            text
        )
    rebuilt.dispose()


def test_update_takes_over_whole_entities_and_folds_when_grown() -> None:
    matcher = Matcher.build(
        [AliasEntry("KZ", "Kazakhstan", "GPE"), AliasEntry("RU", "Rusia", "GPE")]
    )
    text = "Menurut Rusia dan Kazakhstan, mereka bertemu di Astana."
    matcher.update({"KZ": [AliasEntry("KZ", "Astana", "GPE")]})  # Kazakhstan gone, Astana in
    assert [(c.text, c.key) for c in matcher.find_candidates(text)] == [
        ("Rusia", "RU"),
        ("Astana", "KZ"),
    ]
    matcher.update({"RU": []})  # deleted
    assert [c.text for c in matcher.find_candidates(text)] == ["Astana"]
    many = {f"E{n}": [AliasEntry(f"E{n}", f"Kotabaru{n}", "GPE")] for n in range(5_001)}
    matcher.update(many)  # past FOLD: one index again
    assert matcher._delta is None
    assert [c.key for c in matcher.find_candidates("Di Kotabaru77 dan Astana.")] == ["E77", "KZ"]


def test_the_live_matcher_follows_edits_made_elsewhere(engine: Engine, tmp_path: Path) -> None:
    """Whoever edits the gazetteer (another engine here: another window, the command line),
    the live matcher is the gazetteer's as it is now: an alias added or removed, a type
    changed, a redirect made and cleared; an entity nobody touched is left as it is."""
    prepare_demo(engine, reviewer_id=None)
    other = open_database(str(engine.url.render_as_string(hide_password=False)))
    text = "Menurut Nusa Kertaraja dan Padang Lawas, warga Tarumaja datang."
    with session_scope(other) as session:
        for key, name, kind in (("NK", "Nusa Kertaraja", "GPE"), ("PL", "Padang Lawas", "PERSON")):
            gazetteer.create_entity(
                session=session, key=key, name=name, type=kind, reviewer_id=None
            )
    found = {(c.text, c.key, c.label) for c in live_matcher(engine).find_candidates(text)}
    assert {("Nusa Kertaraja", "NK", "GPE"), ("Padang Lawas", "PL", "PERSON")} <= found
    steps = [
        lambda s: gazetteer.add_alias(session=s, key="NK", text="Tarumaja", reviewer_id=None),
        lambda s: gazetteer.retype_entity(session=s, key="PL", type="ORG", reviewer_id=None),
        lambda s: gazetteer.set_redirect(session=s, key="PL", target="NK", reviewer_id=None),
        lambda s: gazetteer.remove_alias(session=s, key="NK", text="Tarumaja", reviewer_id=None),
        lambda s: gazetteer.set_redirect(session=s, key="PL", target=None, reviewer_id=None),
    ]
    for step in steps:
        with session_scope(other) as session:
            step(session)
        with session_scope(other) as session:
            now = gazetteer_aliases(session=session)
        assert live_matcher(engine).find_candidates(text) == Matcher.build(now).find_candidates(
            text
        )
    labels = {c.text: c.label for c in live_matcher(engine).find_candidates(text)}
    assert labels["Padang Lawas"] == "ORG" and "Tarumaja" not in labels
    other.dispose()


def test_an_entity_made_is_read_alone(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """After an entity is made (a creation in review), on SQLite the live matcher reads that
    entity's aliases alone (its audit entry names it), not every alias of the gazetteer, and
    matches as a matcher built from the whole gazetteer; on PostgreSQL it compares the whole."""
    import store.review.live as live

    prepare_demo(engine, reviewer_id=None)
    text = "Menurut Nusa Kertaraja dan Padang Lawas, warga Tarumaja datang ke Astana."
    live_matcher(engine)  # compared now
    with session_scope(engine) as session:
        gazetteer.create_entity(
            session=session, key="NK", name="Nusa Kertaraja", type="GPE", reviewer_id=None
        )
        whole = gazetteer_aliases(session=session)
    wholes: list[object] = []  # every read of the whole gazetteer's aliases (the real one)
    every = live._aliases

    def counted(connection: Any, keys: Any = None) -> Any:
        if keys is None:
            wholes.append(connection)
        return every(connection, keys)

    monkeypatch.setattr(live, "_aliases", counted)
    grown = live_matcher(engine)
    assert len(wholes) == (0 if engine.dialect.name == "sqlite" else 1)
    assert grown.find_candidates(text) == Matcher.build(whole).find_candidates(text)
    assert "NK" in {c.key for c in grown.find_candidates(text)}


def test_the_audit_log_says_which_entities_changed_elsewhere(
    engine: Engine, reviewer_id: int
) -> None:
    """On SQLite the entries written since the last use say what changed: an alias added or
    removed elsewhere reads its entity alone (the matcher follows it), a decision reads
    nothing, an undo (or anything else) compares the whole gazetteer again. On PostgreSQL the
    whole gazetteer is compared each time: the same matcher."""
    prepare_demo(engine, reviewer_id=None)
    other = open_database(str(engine.url.render_as_string(hide_password=False)))
    url = engine.url.render_as_string(hide_password=False)
    sqlite = engine.dialect.name == "sqlite"
    text = "Kabar dari Tarumaja dan Nusa Kertaraja, kata warga Padang Lawas."
    with session_scope(other) as session:
        gazetteer.create_entity(
            session=session, key="NK", name="Nusa Kertaraja", type="GPE", reviewer_id=None
        )
    matcher = live_matcher(engine)

    def last_entry() -> int:
        with other.connect() as connection:
            return int(connection.execute(select(func.max(col(AuditEntry.id)))).scalar() or 0)

    def same() -> None:
        with session_scope(other) as session:
            now = gazetteer_aliases(session=session)
        assert live_matcher(engine) is matcher
        assert matcher.find_candidates(text) == Matcher.build(now).find_candidates(text)
        assert _LIVE[url].seen == (last_entry() if sqlite else None)
        assert _LIVE[url].rows == {(e.key, e.alias, e.label) for e in now}

    steps = [
        lambda s: gazetteer.add_alias(session=s, key="NK", text="Tarumaja", reviewer_id=None),
        lambda s: gazetteer.add_alias(
            session=s, key="NK", text="Padang Lawas", reviewer_id=reviewer_id
        ),
        lambda s: gazetteer.remove_alias(session=s, key="NK", text="Tarumaja", reviewer_id=None),
        lambda s: undo(session=s, reviewer_id=reviewer_id),  # the alias added by the reviewer
    ]
    for step in steps:
        with session_scope(other) as session:
            step(session)
        same()
    assert {c.text for c in matcher.find_candidates(text)} == {"Nusa Kertaraja"}
    # An alias read but not in the audit log's last entries: not seen (the entries say what
    # changed), unless the whole gazetteer is compared (PostgreSQL).
    with other.begin() as connection:
        entity = connection.execute(select(col(Entity.id)).where(col(Entity.key) == "NK"))
        connection.execute(
            insert(Alias).values(
                entity_id=entity.scalar_one(),
                text="Tarumaja",
                norm="tarumaja",
                origin="gazetteer",
            )
        )
    found = {c.text for c in live_matcher(engine).find_candidates(text)}
    assert ("Tarumaja" in found) == (not sqlite)
    forget(engine)
    assert "Tarumaja" in {c.text for c in live_matcher(engine).find_candidates(text)}
    other.dispose()
