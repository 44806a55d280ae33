"""Export selection: which articles, spans and facts, page by page."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from store.db import session_scope
from store.errors import TelaahError
from store.export.model import ExportDoc, Skipped
from store.export.selection import Selection, count_docs, iter_docs, parse_labels
from store.models import Article, Fact, Mention
from tests.golden.corpus import golden_corpus


@pytest.fixture
def golden(engine: Engine) -> Engine:
    golden_corpus(engine)
    return engine


def docs(
    engine: Engine, selection: Selection, page_size: int = 500, skipped: list[Skipped] | None = None
) -> list[ExportDoc]:
    with session_scope(engine) as session:
        return list(
            iter_docs(
                session=session,
                selection=selection,
                page_size=page_size,
                on_skip=(skipped.append if skipped is not None else None),
            )
        )


def count(engine: Engine, query: object) -> int:
    with session_scope(engine) as session:
        return int(session.execute(query).scalar() or 0)  # type: ignore[call-overload]


def test_default_is_accepted_spans_and_facts_of_done_articles(golden: Engine) -> None:
    result = docs(golden, Selection())
    done = count(golden, select(func.count()).select_from(Article).where(Article.status == "done"))
    assert len(result) == done == 4
    accepted = count(
        golden,
        select(func.count())
        .select_from(Mention)
        .join(Article)
        .where(Mention.state == "accepted", Article.status == "done"),
    )
    assert sum(len(d.spans) for d in result) == accepted > 0
    assert all(s.state == "accepted" and s.reviewer == "golden" for d in result for s in d.spans)
    assert all(f.state == "accepted" for d in result for f in d.facts)
    assert sum(len(d.facts) for d in result) > 0
    with session_scope(golden) as session:
        assert count_docs(session=session, selection=Selection()) == 4


def test_all_articles_and_states_take_everything(golden: Engine) -> None:
    result = docs(golden, Selection(articles="all", state="all"))
    assert len(result) == count(golden, select(func.count()).select_from(Article))
    assert sum(len(d.spans) for d in result) == count(
        golden, select(func.count()).select_from(Mention)
    )
    assert sum(len(d.facts) for d in result) == count(
        golden, select(func.count()).select_from(Fact)
    )
    assert {s.state for d in result for s in d.spans} == {"accepted", "rejected", "pending"}


def test_spans_slice_the_text_and_facts_name_exported_spans(golden: Engine) -> None:
    for doc in docs(golden, Selection(articles="all", state="all")):
        ids = {s.id for s in doc.spans}
        assert [(s.start, -s.end) for s in doc.spans] == sorted(
            (s.start, -s.end) for s in doc.spans
        )
        for span in doc.spans:
            assert doc.text[span.start : span.end] == span.text
        for fact in doc.facts:
            assert all(m in ids for members in fact.roles.values() for m in members)


def test_pages_do_not_change_the_result(golden: Engine) -> None:
    selection = Selection(articles="all", state="all")
    assert docs(golden, selection, page_size=2) == docs(golden, selection, page_size=500)


def test_labels_filter_spans_and_report_facts_left_without_fillers(golden: Engine) -> None:
    skipped: list[Skipped] = []
    result = docs(golden, Selection(labels=("GPE",)), skipped=skipped)
    assert {s.label for d in result for s in d.spans} == {"GPE"}
    full = sum(len(d.facts) for d in docs(golden, Selection()))
    kept = sum(len(d.facts) for d in result)
    assert kept + len(skipped) == full and skipped
    assert all(s.kind == "fact" and "not exported" in s.reason for s in skipped)


def test_reviewer_and_since(golden: Engine) -> None:
    assert docs(golden, Selection(reviewer="golden")) == docs(golden, Selection())
    assert docs(golden, Selection(reviewer="nobody")) == []
    assert len(docs(golden, Selection(since=date(2024, 3, 1)))) == 4
    assert docs(golden, Selection(since=date(2024, 3, 2))) == []


def test_bad_options_are_one_line_errors() -> None:
    with pytest.raises(TelaahError, match="--articles"):
        Selection(articles="some")
    with pytest.raises(TelaahError, match="--state"):
        Selection(state="pending")
    assert parse_labels(" GPE, ORG,,GPE ") == ("GPE", "ORG")


def test_pending_in_done_articles_count_as_rejected_unless_kept(golden: Engine) -> None:
    with session_scope(golden) as session:
        pending_facts = session.execute(
            select(func.count())
            .select_from(Fact)
            .join(Article)
            .where(Fact.state == "pending", Article.status == "done")
        ).scalar()
    assert pending_facts
    rejected = docs(golden, Selection(state="all"))
    assert Selection().to_dict()["pending_in_done"] == "reject"
    assert not [f for d in rejected for f in d.facts if f.state == "pending"]
    kept = docs(golden, Selection(state="all", pending_in_done="keep"))
    assert len([f for d in kept for f in d.facts if f.state == "pending"]) == pending_facts
    # A pending span of a done article: rejected (not `O` silently: the manifest says so) or kept.
    with session_scope(golden) as session:
        mention = session.execute(
            select(Mention).join(Article).where(Article.status == "done").limit(1)
        ).scalar_one()
        mention.state = "pending"
        session.commit()
        mention_id = mention.id
    spans = {s.id: s.state for d in docs(golden, Selection(state="all")) for s in d.spans}
    assert spans[mention_id] == "rejected"
    assert mention_id not in {s.id for d in docs(golden, Selection()) for s in d.spans}
    spans = {
        s.id: s.state
        for d in docs(golden, Selection(state="all", pending_in_done="keep"))
        for s in d.spans
    }
    assert spans[mention_id] == "pending"
    # Articles not done keep their pending ones pending.
    undone = docs(golden, Selection(articles="all", state="all"))
    assert any(s.state == "pending" for d in undone for s in d.spans if d.id == 5)
    with pytest.raises(TelaahError, match="pending_in_done"):
        Selection(pending_in_done="maybe")
