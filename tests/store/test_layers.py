"""Per-reviewer layers in blind mode: each reviewer decides their own copy of a shared candidate,
sees only their own decisions, the shared row stays pending; undo, bulk `*`, facts and exports
by layer; an article without two assignees behaves as before. Real SQLite file, no mocks."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from store.config import MIN_SCORE
from store.corpus.articles import list_articles, set_status
from store.corpus.demo import prepare_demo
from store.corpus.stats import pending_in_article
from store.db import session_scope
from store.errors import TelaahError
from store.export.selection import Selection
from store.export.writer import run_export
from store.facts.accept import accept_fact
from store.facts.repository import decide_fact, list_facts
from store.formats.registry import get_format
from store.models import Article, Assignment, Fact, Mention
from store.review.mentions import MentionView, decide_mention, decide_similar, list_mentions
from store.review.spans import add_mention
from store.teams import add_reviewer, assign
from store.undo.history import undo


@pytest.fixture
def demo_db(engine: Engine, reviewer_id: int) -> Engine:
    prepare_demo(engine, reviewer_id=reviewer_id)
    return engine


@pytest.fixture
def team(demo_db: Engine) -> tuple[int, int]:
    """ana and budi, both assigned article 1 (blind), nobody article 2."""
    with session_scope(demo_db) as session:
        ana = add_reviewer(session=session, name="ana").id
        budi = add_reviewer(session=session, name="budi").id
        assign(session=session, article_ids=[1], reviewers=["ana", "budi"], overlap=1.0)
    return ana, budi


def seen(engine: Engine, article_id: int, reviewer_id: int | None) -> list[MentionView]:
    with session_scope(engine) as session:
        return list_mentions(session=session, article_id=article_id, reviewer_id=reviewer_id)


def first_pending(engine: Engine, article_id: int = 1) -> MentionView:
    views = seen(engine, article_id, None)
    return next(m for m in views if m.state == "pending" and not m.hidden_under(MIN_SCORE))


def stored(engine: Engine, mention_id: int) -> Mention:
    with session_scope(engine) as session:
        row = session.get(Mention, mention_id)
        assert row is not None
        session.expunge(row)
        return row


def exported_spans(engine: Engine, tmp_path: Path, layer: str) -> list[tuple[int, int, str]]:
    out = tmp_path / f"{layer}.jsonl"
    run_export(
        engine,
        fmt=get_format("jsonl"),
        out=out,
        selection=Selection(articles="all", layer=layer),
        workers=1,
    )
    manifest = json.loads(out.with_name(out.name + ".manifest.json").read_text())
    assert manifest["selection"]["layer"] == layer
    return [
        (span["start"], span["end"], span["text"])
        for line in out.read_text().splitlines()
        for span in json.loads(line)["spans"]
    ]


def test_two_blind_reviewers_decide_one_candidate_differently(
    demo_db: Engine, team: tuple[int, int], tmp_path: Path
) -> None:
    ana, budi = team
    shared = first_pending(demo_db)
    before_shared = len(seen(demo_db, 1, None))
    with session_scope(demo_db) as session:
        mine = decide_mention(
            session=session,
            mention_id=shared.id,
            state="accepted",
            reviewer_id=ana,
            expected_version=shared.version,
        )
    with session_scope(demo_db) as session:  # budi saw the same version: not stale for him
        his = decide_mention(
            session=session,
            mention_id=shared.id,
            state="rejected",
            reviewer_id=budi,
            expected_version=shared.version,
        )
    assert mine.id != shared.id and mine.derived_from == shared.id and mine.state == "accepted"
    assert his.id not in (shared.id, mine.id) and his.state == "rejected"
    # The shared row is untouched: still pending, same version, no reviewer.
    row = stored(demo_db, shared.id)
    assert (row.state, row.version, row.reviewer_id, row.layer) == ("pending", 1, None, None)
    assert stored(demo_db, mine.id).layer == ana and stored(demo_db, his.id).layer == budi
    # Each sees their own decision in place of the candidate, never the other's.
    for reviewer, own, other in ((ana, mine, his), (budi, his, mine)):
        views = {m.id: m for m in seen(demo_db, 1, reviewer)}
        assert own.id in views and shared.id not in views and other.id not in views
        assert views[own.id].state == own.state
        at_span = [m for m in views.values() if (m.start, m.end) == (shared.start, shared.end)]
        assert len(at_span) == 1
    # Without a reviewer (and for anyone not in blind mode) the shared layer, as before.
    assert len(seen(demo_db, 1, None)) == before_shared
    assert shared.id in {m.id for m in seen(demo_db, 1, None)}
    # Counts: one pending less for each of them, none less in the shared layer.
    with session_scope(demo_db) as session:
        counts = {
            who: pending_in_article(session=session, article_id=1, reviewer_id=who).mentions
            for who in (None, ana, budi)
        }
    assert counts[ana] == counts[budi] == counts[None] - 1
    # Exports by layer give each version.
    place = (shared.start, shared.end, shared.text)
    assert place in exported_spans(demo_db, tmp_path, "ana")
    assert place not in exported_spans(demo_db, tmp_path, "budi")  # rejected: not accepted
    assert place not in exported_spans(demo_db, tmp_path, "gold")


def test_undo_and_decide_again_work_on_the_reviewers_copy(
    demo_db: Engine, team: tuple[int, int]
) -> None:
    ana, _budi = team
    shared = first_pending(demo_db)
    with session_scope(demo_db) as session:
        mine = decide_mention(
            session=session, mention_id=shared.id, state="accepted", reviewer_id=ana
        )
    with session_scope(demo_db) as session:
        assert undo(session=session, reviewer_id=ana) is not None
    copy = stored(demo_db, mine.id)
    assert copy.state == "pending" and copy.layer == ana
    assert stored(demo_db, shared.id).state == "pending"
    views = seen(demo_db, 1, ana)
    assert [m.id for m in views if (m.start, m.end) == (shared.start, shared.end)] == [mine.id]
    # Deciding the copy again (as the screen now shows it) changes the copy only.
    with session_scope(demo_db) as session:
        again = decide_mention(
            session=session,
            mention_id=mine.id,
            state="rejected",
            reviewer_id=ana,
            expected_version=copy.version,
        )
    assert again.id == mine.id and again.state == "rejected"


def test_a_reviewer_cannot_decide_another_reviewers_row(
    demo_db: Engine, team: tuple[int, int]
) -> None:
    ana, budi = team
    shared = first_pending(demo_db)
    with session_scope(demo_db) as session:
        mine = decide_mention(
            session=session, mention_id=shared.id, state="accepted", reviewer_id=ana
        )
    with session_scope(demo_db) as session, pytest.raises(TelaahError, match="another reviewer"):
        decide_mention(session=session, mention_id=mine.id, state="rejected", reviewer_id=budi)
    assert stored(demo_db, mine.id).state == "accepted"


def test_bulk_decision_and_a_marked_span_go_to_the_layer(
    demo_db: Engine, team: tuple[int, int]
) -> None:
    ana, budi = team
    views = seen(demo_db, 1, ana)
    by_surface: dict[tuple[str, str | None], list[MentionView]] = {}
    for m in views:
        if m.state == "pending" and m.entity_key:
            by_surface.setdefault((m.text, m.entity_key), []).append(m)
    group = max(by_surface.values(), key=len)
    assert len(group) >= 2
    with session_scope(demo_db) as session:
        decided = decide_similar(
            session=session, mention_id=group[0].id, state="accepted", reviewer_id=ana
        )
    assert len(decided) == len(group)
    with session_scope(demo_db) as session:
        rows = session.exec(select(Mention).where(col(Mention.id).in_(decided))).all()
        assert all(r.layer == ana and r.state == "accepted" for r in rows)
        assert {r.derived_from for r in rows} == {m.id for m in group}
        shared_rows = session.exec(
            select(Mention).where(col(Mention.id).in_([m.id for m in group]))
        ).all()
        assert all(r.state == "pending" for r in shared_rows)
        text = session.get(Article, 1)
        assert text is not None
        start = text.text.index("Rusia akan")
        marked = add_mention(
            session=session,
            article_id=1,
            start=start,
            end=start + len("Rusia akan"),
            label="ORG",
            reviewer_id=ana,
        )
    assert stored(demo_db, marked.id).layer == ana
    assert marked.id in {m.id for m in seen(demo_db, 1, ana)}
    assert marked.id not in {m.id for m in seen(demo_db, 1, budi)}
    assert marked.id not in {m.id for m in seen(demo_db, 1, None)}
    # budi still has every one of those candidates pending.
    budi_pending = {m.id for m in seen(demo_db, 1, budi) if m.state == "pending"}
    assert {m.id for m in group} <= budi_pending


def test_facts_are_decided_in_the_layer(demo_db: Engine, team: tuple[int, int]) -> None:
    ana, budi = team
    with session_scope(demo_db) as session:
        facts = list_facts(session=session, article_id=1, reviewer_id=ana, state="pending")
        assert facts
        accepted = accept_fact(session=session, fact_id=facts[0].id, reviewer_id=ana)
    with session_scope(demo_db) as session:
        rejected = decide_fact(
            session=session, fact_id=facts[0].id, state="rejected", reviewer_id=budi
        )
    assert accepted.fact.id != facts[0].id and rejected.id not in (facts[0].id, accepted.fact.id)
    with session_scope(demo_db) as session:
        original = session.get(Fact, facts[0].id)
        assert original is not None and original.state == "pending" and original.layer is None
        theirs = {
            who: {f.id: f.state for f in list_facts(session=session, article_id=1, reviewer_id=who)}
            for who in (ana, budi)
        }
        # The fillers ana accepted with her fact are her copies; the shared ones stay pending.
        copy = session.get(Fact, accepted.fact.id)
        assert copy is not None and copy.layer == ana
        for mention_id in accepted.mention_ids:
            filler = session.get(Mention, mention_id)
            assert filler is not None and filler.layer == ana and filler.state == "accepted"
        for role_fillers in accepted.fact.roles.values():
            for mention_id in role_fillers:
                filler = session.get(Mention, mention_id)
                assert filler is not None and filler.layer == ana
    assert theirs[ana][accepted.fact.id] == "accepted" and facts[0].id not in theirs[ana]
    assert theirs[budi][rejected.id] == "rejected" and accepted.fact.id not in theirs[budi]


def test_done_is_per_assignee_in_blind_mode(demo_db: Engine, team: tuple[int, int]) -> None:
    ana, budi = team
    with session_scope(demo_db) as session:
        set_status(session=session, article_id=1, status="done", reviewer_id=ana)
        assert session.get(Article, 1).status == "in_progress"  # type: ignore[union-attr]
        mine = {r.id: r.status for r in list_articles(session=session, reviewer_id=ana)}
        his = {r.id: r.status for r in list_articles(session=session, reviewer_id=budi)}
        assert mine[1] == "done" and his[1] == "todo"
        set_status(session=session, article_id=1, status="done", reviewer_id=budi)
        assert session.get(Article, 1).status == "done"  # type: ignore[union-attr]


def test_the_queue_lists_a_reviewers_assignments_first_with_their_counts(
    demo_db: Engine, team: tuple[int, int]
) -> None:
    ana, _budi = team
    with session_scope(demo_db) as session:
        assign(session=session, article_ids=[4], reviewers=["ana"])
        rows = list_articles(session=session, reviewer_id=ana, min_score=MIN_SCORE)
        shared_rows = list_articles(session=session, min_score=MIN_SCORE)
        desc = list_articles(session=session, reviewer_id=ana, descending=True)
    assert [r.id for r in rows] == [1, 4, 2, 3, 5]
    assert [r.id for r in desc][:2] == [4, 1]  # reversed within, still first
    assert [r.id for r in shared_rows] == [1, 2, 3, 4, 5]
    first = first_pending(demo_db)
    with session_scope(demo_db) as session:
        decide_mention(session=session, mention_id=first.id, state="accepted", reviewer_id=ana)
        after = {
            r.id: r for r in list_articles(session=session, reviewer_id=ana, min_score=MIN_SCORE)
        }
        shared_after = {r.id: r for r in list_articles(session=session, min_score=MIN_SCORE)}
    assert after[1].pending == rows[0].pending - 1 and after[1].accepted == 1
    assert shared_after[1].pending == rows[0].pending and shared_after[1].accepted == 0


def test_an_article_with_one_assignee_or_none_is_the_shared_layer(
    demo_db: Engine, team: tuple[int, int]
) -> None:
    ana, _budi = team
    with session_scope(demo_db) as session:
        assign(session=session, article_ids=[2], reviewers=["ana"])
    for article_id in (2, 3):  # one assignee, none
        shared = first_pending(demo_db, article_id)
        with session_scope(demo_db) as session:
            view = decide_mention(
                session=session, mention_id=shared.id, state="accepted", reviewer_id=ana
            )
        assert view.id == shared.id and view.derived_from is None
        row = stored(demo_db, shared.id)
        assert row.layer is None and row.state == "accepted"


def test_blind_false_keeps_one_shared_layer(
    demo_db: Engine, team: tuple[int, int], tmp_path: Path
) -> None:
    config = Path(tmp_path / "config")
    config.mkdir(exist_ok=True)
    (config / "config.toml").write_text("[team]\nblind = false\n", encoding="utf-8")
    ana, _budi = team
    shared = first_pending(demo_db)
    with session_scope(demo_db) as session:
        view = decide_mention(
            session=session, mention_id=shared.id, state="accepted", reviewer_id=ana
        )
    assert view.id == shared.id and stored(demo_db, shared.id).layer is None


def test_assign_balances_shares_and_never_gives_one_article_twice_to_a_reviewer(
    demo_db: Engine,
) -> None:
    from store.teams import plan

    ids = list(range(1, 101))
    for overlap, reviewers in ((0.2, 3), (0.5, 4), (1.0, 2), (0.0, 5)):
        planned = plan(ids, list(range(reviewers)), overlap, seed=7)
        assert sorted(planned) == ids
        assert all(len(set(chosen)) == len(chosen) for chosen in planned.values())
        assert sum(len(c) == 2 for c in planned.values()) == round(overlap * 100)
        loads = [sum(r in c for c in planned.values()) for r in range(reviewers)]
        assert max(loads) - min(loads) <= 1
    assert plan(ids, [1, 2, 3], 0.3, seed=1) == plan(ids, [1, 2, 3], 0.3, seed=1)
    with pytest.raises(TelaahError):
        plan(ids, [1], 0.5, seed=None)
    with session_scope(demo_db) as session, pytest.raises(TelaahError, match="names a layer"):
        add_reviewer(session=session, name="gold")
    # In the database: the demo's 5 articles, 40% to two of three reviewers.
    with session_scope(demo_db) as session:
        for name in ("ana", "budi", "eko"):
            add_reviewer(session=session, name=name)
        report = assign(
            session=session,
            article_ids=[1, 2, 3, 4, 5],
            reviewers=["ana", "budi", "eko"],
            overlap=0.4,
            seed=3,
        )
        rows = session.exec(select(Assignment)).all()
        again = assign(session=session, article_ids=[1, 2, 3, 4, 5], reviewers=["ana"])
    assert report.articles == 5 and report.overlapping == 2
    assert sorted(report.per_reviewer.values()) == [2, 2, 3]
    assert len(rows) == 7 and len({(r.article_id, r.reviewer_id) for r in rows}) == 7
    per_article = Counter(r.article_id for r in rows)
    assert sorted(per_article.values()) == [1, 1, 1, 2, 2]
    assert again.articles == 0 and again.kept == 5  # assigned already: left as they are


def test_import_as_a_reviewer_onto_stored_articles_fills_their_layer(
    demo_db: Engine, tmp_path: Path
) -> None:
    from store.ingest.annotated import LoadOptions, import_annotated

    with session_scope(demo_db) as session:
        budi = add_reviewer(session=session, name="budi").id
        article = session.get(Article, 1)
        assert article is not None
        external_id, text = article.external_id, article.text
    shared = first_pending(demo_db)
    start = text.index("Rusia akan")
    spans = [
        {"start": shared.start, "end": shared.end, "label": shared.label},  # a candidate's place
        {"start": start, "end": start + 5, "label": "GPE"},
    ]
    spans = [s for i, s in enumerate(spans) if s["start"] not in [t["start"] for t in spans[:i]]]
    path = tmp_path / "budi.jsonl"
    # By text alone (another id): the same article is found by its text.
    path.write_text(json.dumps({"id": "elsewhere-1", "text": text, "spans": spans}) + "\n")
    shared_before = [(m.id, m.state) for m in seen(demo_db, 1, None)]
    options = LoadOptions(reviewer_id=budi, layer=budi)
    report = import_annotated(demo_db, "jsonl", [path], options)
    assert (report.articles_found, report.articles_layered, report.duplicates) == (1, 1, 0)
    assert report.mentions == len(spans)
    assert "1 stored article: their annotations went to the reviewer's layer" in report.summary
    with session_scope(demo_db) as session:
        rows = session.exec(select(Mention).where(col(Mention.layer) == budi)).all()
        assert len(rows) == len(spans) and all(r.state == "accepted" for r in rows)
        copy = next(r for r in rows if (r.start, r.end) == (shared.start, shared.end))
        assert copy.derived_from == shared.id
    assert [(m.id, m.state) for m in seen(demo_db, 1, None)] == shared_before  # untouched
    again = import_annotated(demo_db, "jsonl", [path], options)
    assert (again.duplicates, again.mentions) == (len(spans), 0)
    exported = exported_spans(demo_db, tmp_path, "budi")
    assert (shared.start, shared.end, shared.text) in exported
    assert (start, start + 5, "Rusia") in exported
    # Without a layer (no --reviewer): skipped as duplicates of the shared layer, as before.
    plain = import_annotated(demo_db, "jsonl", [path], LoadOptions(reviewer_id=budi))
    assert plain.articles_layered == 0 and plain.duplicates >= 1
    assert plain.duplicates + plain.mentions == len(spans)
    assert external_id != "elsewhere-1"


def test_moving_a_candidates_boundaries_and_the_concordance_go_through_the_layer(
    demo_db: Engine, team: tuple[int, int]
) -> None:
    from store.review.concordance import concordance, decide_lines
    from store.review.spans import set_span

    ana, budi = team
    shared = next(m for m in seen(demo_db, 1, ana) if m.state == "pending" and m.entity_key)
    with session_scope(demo_db) as session:
        moved = set_span(
            session=session,
            mention_id=shared.id,
            start=shared.start,
            end=shared.end - 1,
            reviewer_id=ana,
            expected_version=shared.version,
            accept=True,
        )
    assert moved.id != shared.id and (moved.end, moved.state) == (shared.end - 1, "accepted")
    assert (stored(demo_db, shared.id).end, stored(demo_db, shared.id).state) == (
        shared.end,
        "pending",
    )
    mine = [m.id for m in seen(demo_db, 1, ana) if m.start == shared.start]
    assert moved.id in mine and shared.id not in mine
    assert shared.id in {m.id for m in seen(demo_db, 1, budi)}
    # The concordance: each reviewer's own lines; A/X decide their copies.
    assert shared.entity_key is not None
    with session_scope(demo_db) as session:
        hers = concordance(session=session, key=shared.entity_key, reviewer_id=ana)
        his = concordance(session=session, key=shared.entity_key, reviewer_id=budi)
        her_ids = {line.mention_id for group in hers for line in group.lines}
        his_ids = {line.mention_id for group in his for line in group.lines}
        assert moved.id in her_ids and moved.id not in his_ids and shared.id in his_ids
        pending = [
            line.mention_id for group in his for line in group.pending if line.article_id == 1
        ]
        decided = decide_lines(
            session=session, mention_ids=pending, state="rejected", reviewer_id=budi
        )
    assert decided == len(pending)
    assert all(stored(demo_db, i).state == "pending" for i in pending)  # shared rows untouched
    with session_scope(demo_db) as session:
        rows = session.exec(
            select(Mention).where(col(Mention.layer) == budi, col(Mention.state) == "rejected")
        ).all()
    assert {r.derived_from for r in rows} == set(pending)


@pytest.mark.parametrize("descending", [False, True])
def test_the_queues_pages_positions_and_neighbours_keep_assignments_first(
    demo_db: Engine, descending: bool
) -> None:
    from store.corpus.articles import article_position, last_articles, neighbour_article

    with session_scope(demo_db) as session:
        ana = add_reviewer(session=session, name="ana").id
        assign(session=session, article_ids=[2, 4], reviewers=["ana"])
        listing = {"reviewer_id": ana, "descending": descending, "sort": "title"}
        whole = [r.id for r in list_articles(session=session, limit=10, **listing)]
        assert sorted(whole[:2]) == [2, 4] and sorted(whole[2:]) == [1, 3, 5]
        paged: list[int] = []
        while len(paged) < len(whole):
            page = list_articles(
                session=session, limit=2, after=paged[-1] if paged else None, **listing
            )
            paged += [r.id for r in page]
        assert paged == whole
        assert [r.id for r in last_articles(session=session, limit=2, **listing)] == whole[-2:]
        before = list_articles(session=session, limit=2, before=whole[3], **listing)
        assert [r.id for r in before] == whole[1:3]
        for index, article_id in enumerate(whole):
            assert article_position(session=session, article_id=article_id, **listing) == index
            after = neighbour_article(session=session, article_id=article_id, step=1, **listing)
            assert after == (whole[index + 1] if index + 1 < len(whole) else None)


def test_a_second_window_on_the_shared_candidate_is_refused_not_overwriting(
    demo_db: Engine, team: tuple[int, int]
) -> None:
    from store.errors import StaleDecision

    ana, _budi = team
    shared = first_pending(demo_db)
    with session_scope(demo_db) as session:
        mine = decide_mention(
            session=session,
            mention_id=shared.id,
            state="accepted",
            reviewer_id=ana,
            expected_version=shared.version,
        )
    with session_scope(demo_db) as session, pytest.raises(StaleDecision, match="by ana"):
        decide_mention(  # another window of ana's still shows the shared candidate
            session=session,
            mention_id=shared.id,
            state="rejected",
            reviewer_id=ana,
            expected_version=shared.version,
        )
    assert stored(demo_db, mine.id).state == "accepted"
