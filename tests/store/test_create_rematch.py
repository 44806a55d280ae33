"""An entity made from a mention re-matches exactly the articles the search index names."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from store.corpus.demo import prepare_demo
from store.corpus.search import articles_for_aliases
from store.db import session_scope
from store.errors import Conflict
from store.gazetteer import entities as gazetteer
from store.gazetteer.change import GazetteerChange
from store.models import Entity, Mention
from store.review.linking import create_and_link
from store.review.rematch import affected_articles, rematch
from store.review.spans import add_mention


@pytest.fixture
def marked(engine: Engine, reviewer_id: int) -> int:
    """The demo without P-BELOUSOV; article 3's second "Belousov" marked by hand: its id."""
    prepare_demo(engine, reviewer_id=reviewer_id)
    with session_scope(engine) as session:
        gazetteer.delete_entity(session=session, key="P-BELOUSOV", reviewer_id=reviewer_id)
        view = add_mention(
            session=session,
            article_id=3,
            start=601,
            end=609,
            label="PERSON",
            reviewer_id=reviewer_id,
        )
    assert view.text == "Belousov"
    return view.id


def pending_of(session: Session, key: str) -> dict[int, list[str]]:
    """Article id -> texts of the pending candidates linked to `key`."""
    rows = session.exec(
        select(Mention.article_id, Mention.text)
        .join(Entity)
        .where(Entity.key == key, Mention.state == "pending")
        .order_by(Mention.article_id, Mention.start)
    ).all()
    found: dict[int, list[str]] = {}
    for article, text in rows:
        found.setdefault(article, []).append(text)
    return found


def test_the_creation_reaches_the_articles_the_index_names_and_no_other(
    engine: Engine, reviewer_id: int, marked: int
) -> None:
    with session_scope(engine) as session:
        made = create_and_link(
            session=session,
            mention_id=marked,
            label="PERSON",
            name="Andrei  Belousov",
            key="P-AB",
            reviewer_id=reviewer_id,
        )
        aliases = [a.text for a in gazetteer.get_entity(session=session, key="P-AB").aliases]
        named = articles_for_aliases(session, aliases)
    # The name and the misspelt-or-short surface are both aliases, the name first.
    assert aliases == ["Andrei Belousov", "Belousov"]
    assert made.change == GazetteerChange(
        "P-AB", added=("Andrei Belousov", "Belousov"), articles=(3,)
    )
    assert (made.mention.entity_key, made.mention.state) == ("P-AB", "accepted")
    assert named == {3, 5}
    assert affected_articles(engine, made.change) == [3, 5]
    with session_scope(engine) as session:
        assert pending_of(session, "P-AB") == {}
    report = rematch(engine, made.change, reviewer_id=reviewer_id)
    assert report.articles == 2
    with session_scope(engine) as session:
        found = pending_of(session, "P-AB")
    assert set(found) == {3, 5}
    assert found[3] == ["Andrey Belousov", "Belousov"]  # the marked one is accepted already
    assert found[5].count("Belousov") == 4


def test_a_bad_or_taken_key_creates_nothing(engine: Engine, reviewer_id: int, marked: int) -> None:
    for key, message in (("RU", "taken by 'Russia'"), ("a b", "spaces"), (" ", "empty")):
        with session_scope(engine) as session, pytest.raises(Conflict, match=message):
            create_and_link(
                session=session,
                mention_id=marked,
                label="PERSON",
                key=key,
                reviewer_id=reviewer_id,
            )
    with session_scope(engine) as session:
        stored = session.get(Mention, marked)
        assert stored is not None and stored.entity_id is None
        assert session.exec(select(Entity).where(Entity.name == "Belousov")).first() is None


def test_a_rematch_beside_the_review_never_undoes_a_decision_made_meanwhile(
    engine: Engine, reviewer_id: int
) -> None:
    """The re-match reads the pending candidates, then writes; a reviewer who accepts one of
    them in between (the re-match runs in a worker while the review goes on) keeps it."""
    from sqlalchemy import event

    from store.review.mentions import decide_mention

    prepare_demo(engine, reviewer_id=reviewer_id)
    with session_scope(engine) as session:
        target = session.exec(
            select(Mention)
            .join(Entity)
            .where(Entity.key == "KG", Mention.matched_alias == "Kirgistan")
        ).first()
        assert target is not None and target.id is not None and target.state == "pending"
        change = gazetteer.remove_alias(
            session=session, key="KG", text="Kirgistan", reviewer_id=reviewer_id
        )
    decided: list[int] = []

    def decide_first(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if decided or not statement.lstrip().upper().startswith(("UPDATE", "DELETE")):
            return
        decided.append(1)  # the reviewer's `a`, committed before the re-match writes
        with session_scope(engine) as other:
            decide_mention(
                session=other, mention_id=target.id, state="accepted", reviewer_id=reviewer_id
            )

    event.listen(engine, "before_cursor_execute", decide_first)
    try:
        rematch(engine, change, reviewer_id=reviewer_id)
    finally:
        event.remove(engine, "before_cursor_execute", decide_first)
    assert decided
    with session_scope(engine) as session:
        kept = session.get(Mention, target.id)
        assert kept is not None
        assert (kept.state, kept.matched_alias) == ("accepted", "Kirgistan")


def test_fresh_keys_skip_every_numbered_key_taken(engine: Engine, reviewer_id: int) -> None:
    from store.review.linking import KEY_BATCH, fresh_key

    prepare_demo(engine, reviewer_id=reviewer_id)
    with session_scope(engine) as session:
        for n in [1, *range(2, KEY_BATCH + 5)]:
            key = "gpe:moskow" if n == 1 else f"gpe:moskow-{n}"
            gazetteer.create_entity(
                session=session, key=key, name="Moskow", type="GPE", reviewer_id=reviewer_id
            )
        assert fresh_key(session, "GPE", "MOSKOW") == f"gpe:moskow-{KEY_BATCH + 5}"
        assert fresh_key(session, "GPE", "Moskwa") == "gpe:moskwa"


def test_a_creation_among_accepted_mentions_is_spliced_as_a_whole_match_would_store_it(
    engine: Engine, reviewer_id: int, marked: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Article 5 reviewed (its candidates accepted): the new alias lands near accepted
    mentions there, so its lines are matched again (`rematch._line_check`) instead of the
    article whole (the mention's own article 3 is matched whole: its new names); a whole match
    afterwards changes nothing."""
    import store.review.rematch as rematching
    from store.review.candidates import match_articles
    from store.review.live import live_matcher
    from store.review.mentions import decide_mention

    with session_scope(engine) as session:
        pending = session.exec(
            select(Mention).where(Mention.article_id == 5, Mention.state == "pending")
        ).all()
        chosen = [(m.id, m.version) for m in pending if m.entity_id is not None]
    assert len(chosen) >= 3
    for mention_id, version in chosen:
        with session_scope(engine) as session:
            decide_mention(
                session=session,
                mention_id=mention_id or 0,
                state="accepted",
                reviewer_id=reviewer_id,
                expected_version=version,
            )
    with session_scope(engine) as session:
        made = create_and_link(
            session=session, mention_id=marked, label="PERSON", key="P-B", reviewer_id=reviewer_id
        )
    whole: list[int] = []
    checked: list[int] = []
    real_match, real_check = rematching.match_articles, rematching._line_check

    def spy_match(engine_: Engine, **kwargs: Any) -> Any:
        whole.extend(kwargs.get("article_ids") or [])
        return real_match(engine_, **kwargs)

    def spy_check(engine_: Engine, matcher: Any, text: str, article_id: int, new: Any) -> Any:
        checked.append(article_id)
        return real_check(engine_, matcher, text, article_id, new)

    monkeypatch.setattr(rematching, "match_articles", spy_match)
    monkeypatch.setattr(rematching, "_line_check", spy_check)
    rematch(engine, made.change, reviewer_id=reviewer_id)
    assert 5 in checked and 5 not in whole and 3 in whole
    with session_scope(engine) as session:
        assert set(pending_of(session, "P-B")[5]) == {"Belousov"}
    again = match_articles(engine, article_ids=[3, 5], matcher=live_matcher(engine))
    assert (again.added, again.removed) == (0, 0)


def test_the_own_article_first_then_the_others_store_what_one_rematch_stores(
    engine: Engine, reviewer_id: int, marked: int
) -> None:
    """The review screen re-matches the mention's article first (its other mentions show at
    once), then the articles the aliases reach with that one left out (`already`): the same
    candidates as the whole change at once, each article counted once."""
    from store.review.candidates import match_articles
    from store.review.live import live_matcher

    with session_scope(engine) as session:
        made = create_and_link(
            session=session, mention_id=marked, label="PERSON", key="P-B", reviewer_id=reviewer_id
        )
    assert made.own == GazetteerChange("P-B", articles=(3,))
    assert made.change == GazetteerChange("P-B", added=("Belousov",), articles=(3,))
    first = rematch(engine, made.own, reviewer_id=reviewer_id)
    assert first.articles == 1
    with session_scope(engine) as session:
        assert set(pending_of(session, "P-B")) == {3}
    rest = rematch(engine, made.change, reviewer_id=reviewer_id, already=[3])
    assert rest.articles == 1  # article 5 alone
    with session_scope(engine) as session:
        found = pending_of(session, "P-B")
    assert set(found) == {3, 5} and found[5] == ["Belousov"] * 5
    again = match_articles(engine, article_ids=[1, 2, 3, 4, 5], matcher=live_matcher(engine))
    assert (again.added, again.removed) == (0, 0)
