"""Agreement read from real reviewer layers: two reviewers decide one article blind."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from store.agreement.load import article_texts, load_layers
from store.agreement.report import agreement_table, disagreements_of
from store.db import session_scope
from store.models import Mention
from tests.agreement_layers import decide_blind


@pytest.fixture
def two_layers(engine: Engine, reviewer_id: int) -> tuple[int, list[Mention]]:
    return decide_blind(engine, reviewer_id)


def test_layers_become_annotations(engine: Engine, two_layers: tuple[int, list[Mention]]) -> None:
    count, shared = two_layers
    with session_scope(engine) as session:
        layers = {a.reviewer: a for a in load_layers(session)}
        still = session.exec(select(Mention).where(Mention.id == shared[0].id)).one()
        texts = article_texts(session, [1])
    assert still.state == "pending"  # blind: the shared candidate is nobody's decision
    ana, budi = layers["ana"], layers["budi"]
    assert len(ana.spans) == count and len(budi.spans) == count - 1
    assert set(ana.decisions) == {m.id for m in shared}
    assert budi.decisions[shared[0].id] is None  # rejected
    assert budi.decisions[shared[1].id] != shared[1].label  # relabelled
    text = texts[1][1]
    assert all(text[s.start : s.end] for s in ana.spans)
    rows = {r.label: r for r in agreement_table(layers.values(), with_gamma=False)}
    whole = rows["*"]
    # spans: count and count-1, count-2 alike
    assert whole.exact_f1 == pytest.approx(2 * (count - 2) / (2 * count - 1))
    assert whole.decisions_compared == count
    assert whole.kappa is not None and whole.kappa < 1.0
    kinds = sorted(d.kind for d in disagreements_of(layers.values(), "ana", "budi"))
    assert kinds == ["label", "span"]


def test_filters_by_reviewer_and_article(engine: Engine, two_layers: object) -> None:
    with session_scope(engine) as session:
        assert {a.reviewer for a in load_layers(session, reviewers=["ana"])} == {"ana"}
        assert load_layers(session, article_ids=[2]) == []
