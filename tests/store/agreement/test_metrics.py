"""Agreement figures on small layers whose values are worked out by hand in the comments."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from store.agreement import decisions, spans
from store.agreement.gamma import gamma
from store.agreement.model import Annotation, Span
from store.agreement.report import agreement_table, disagreements_of, write_csv, write_json


def test_exact_f1_is_symmetric_and_counts_the_label() -> None:
    a = [Span(0, 5, "PER"), Span(10, 15, "LOC")]
    b = [Span(0, 5, "PER"), Span(10, 15, "ORG")]
    # one of two spans each agrees: 2·1 / (2 + 2)
    assert spans.exact(a, b).f1 == 0.5
    assert spans.exact(b, a).f1 == 0.5
    assert spans.exact(a, b, "PER").f1 == 1.0
    assert spans.exact(a, b, "ORG").f1 == 0.0
    assert spans.exact([], [], "PER").f1 is None


def test_overlapping_pairs_one_to_one() -> None:
    assert spans.overlapping([Span(0, 5, "PER")], [Span(1, 5, "PER")]).f1 == 1.0
    assert spans.exact([Span(0, 5, "PER")], [Span(1, 5, "PER")]).f1 == 0.0
    # one long span against two halves: only one pair, 2·1 / (1 + 2)
    split = spans.overlapping([Span(0, 10, "PER")], [Span(0, 4, "PER"), Span(5, 10, "PER")])
    assert split.matched == 1
    assert split.f1 == pytest.approx(2 / 3)
    # touching is not overlapping; another label is not a match
    assert spans.overlapping([Span(0, 5, "PER")], [Span(5, 9, "PER")]).matched == 0
    assert spans.overlapping([Span(0, 5, "PER")], [Span(0, 5, "LOC")]).matched == 0


def test_link_agreement_on_the_spans_both_accepted() -> None:
    a = [Span(0, 5, "PER", "jokowi"), Span(10, 15, "LOC", "jakarta"), Span(20, 25, "ORG", "x")]
    b = [Span(0, 5, "PER", "jokowi"), Span(10, 15, "LOC", "bandung")]
    scores = spans.links(a, b)
    assert (scores.both, scores.same, scores.agreement) == (2, 1, 0.5)


def test_kappa_worked_example() -> None:
    # a: L L R R, b: L R R R -> po = 3/4; pe = .5·.25 + .5·.75 = .5; kappa = (.75-.5)/.5
    a = {1: "PER", 2: "PER", 3: None, 4: None}
    b = {1: "PER", 2: None, 3: None, 4: None, 5: "LOC"}
    scores = decisions.kappa(a, b)
    assert scores.units == 4
    assert scores.same == 3
    assert scores.kappa == pytest.approx(0.5)
    # one value only: kappa undefined, observed agreement still given
    alike = decisions.kappa({1: "PER"}, {1: "PER"})
    assert alike.kappa is None
    assert alike.observed == 1.0


def test_alpha_worked_example() -> None:
    # values 1 1 2 2 / 1 2 2 2: o11=2, o12=o21=1, o22=4, n=8; Do = 2/8; De = 2·3·5/(8·7)
    a = {1: "A", 2: "A", 3: "B", 4: "B"}
    b = {1: "A", 2: "B", 3: "B", 4: "B"}
    assert decisions.alpha([a, b]) == pytest.approx(1 - 0.25 / (30 / 56))
    assert decisions.alpha([a, a]) == pytest.approx(1.0)
    assert decisions.alpha([a]) is None
    # a third reviewer who decided only some units is taken as missing data, not an error
    assert decisions.alpha([a, b, {1: "A"}]) is not None


def _layer(reviewer: str, article: int, *items: tuple[int, int, str]) -> Annotation:
    return Annotation(reviewer, article, [Span(s, e, label) for s, e, label in items])


def test_gamma_orders_agreement() -> None:
    base = [(i * 40, i * 40 + 8, "PER" if i % 2 else "LOC") for i in range(12)]
    same = gamma([[_layer("a", 1, *base), _layer("b", 1, *base)]])
    near = gamma(
        [[_layer("a", 1, *base), _layer("b", 1, *[(s + 1, e, lab) for s, e, lab in base])]]
    )
    wrong = gamma(
        [[_layer("a", 1, *base), _layer("b", 1, *[(s + 17, e + 20, "ORG") for s, e, _ in base])]]
    )
    assert same.value is not None and same.value > 0.95
    assert near.value is not None and wrong.value is not None
    assert same.value > near.value > wrong.value
    assert same.units == 24
    # one annotator alone: undefined
    assert gamma([[_layer("a", 1, *base)]]).value is None


def test_gamma_batches_articles_and_weights_by_units() -> None:
    base = [(i * 40, i * 40 + 8, "PER") for i in range(10)]
    articles = [[_layer("a", n, *base), _layer("b", n, *base)] for n in range(3)]
    score = gamma(articles, batch_units=40)
    assert score.batches == 2  # 20 units an article: two fit a batch, the third starts one
    assert score.units == 60
    assert score.value is not None and score.value > 0.95


def test_table_pairs_labels_and_everyone(tmp_path: Path) -> None:
    ann = [
        Annotation("ana", 1, [Span(0, 5, "PER", "p"), Span(9, 14, "LOC")], {1: "PER", 2: None}),
        Annotation("budi", 1, [Span(0, 5, "PER", "p"), Span(9, 14, "ORG")], {1: "PER", 2: "ORG"}),
        Annotation("cici", 1, [Span(0, 5, "PER", "q")], {1: "PER"}),
        Annotation("ana", 2, [Span(3, 8, "PER", "p")], {}),
        Annotation("dodi", 3, [Span(0, 1, "PER")], {}),  # nobody else on article 3
    ]  # fmt: skip
    rows = agreement_table(ann, with_gamma=False)
    pairs = {(r.first, r.second, r.label): r for r in rows}
    ab = pairs[("ana", "budi", "*")]
    assert ab.articles == 1  # article 2 is ana's alone
    assert (ab.spans_first, ab.spans_second, ab.exact_f1) == (2, 2, 0.5)
    assert ab.link_agreement == 1.0 and ab.links_compared == 1
    assert ab.decisions_compared == 2
    assert pairs[("ana", "budi", "LOC")].exact_f1 == 0.0
    assert pairs[("ana", "cici", "*")].link_agreement == 0.0
    assert not any("dodi" in (r.first, r.second) for r in rows)
    everyone = rows[-1]
    assert (everyone.first, everyone.articles) == ("*", 1)
    write_csv(rows, tmp_path / "a.csv")
    write_json(rows, tmp_path / "a.json")
    with (tmp_path / "a.csv").open(encoding="utf-8") as handle:
        read = list(csv.DictReader(handle))
    assert len(read) == len(rows) and read[0]["exact_f1"] == "0.5"
    assert json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))[0]["first"] == "ana"
    kinds = [d.kind for d in disagreements_of(ann, "ana", "budi")]
    assert kinds == ["label"]  # same offsets 9-14, LOC against ORG
    assert [d.kind for d in disagreements_of(ann, "ana", "cici")] == ["link", "span"]
