"""The matcher's candidates, every one of them (doubted ones too), on fixed texts: the sample
corpus (as written, in lower and in upper case, line by line) and the first articles of the
synthetic evaluation (tests/store/test_matcher_eval.py). A change meant to make the matcher
faster must leave them as they are; a change of what it proposes shows here line by line.
After a deliberate change: `TELAAH_UPDATE_GOLDEN=1 pytest tests/golden`, then review the diff.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator
from pathlib import Path

from store.matching import AliasEntry, Matcher
from tests.store.test_matcher import articles, sample_entries
from tests.store.test_matcher_eval import SEED, Corpus, build_gazetteer

FILES = Path(__file__).parent / "files"
UPDATE = os.environ.get("TELAAH_UPDATE_GOLDEN") == "1"
SYNTHETIC = 60  # articles of the synthetic evaluation


def _lines(matcher: Matcher, name: str, text: str) -> Iterator[str]:
    found = [
        [c.start, c.end, c.text, c.key, c.label, c.alias, c.score, c.method]
        + [list(c.alternatives), c.reason]
        for c in matcher.find_candidates(text)
    ]
    yield json.dumps([name, found], ensure_ascii=False)


def sample_candidates() -> list[str]:
    """One line per text: its name and its candidates."""
    matcher = Matcher.build(sample_entries())
    out: list[str] = []
    for name, text in articles().items():
        out += _lines(matcher, name, text)
        out += _lines(matcher, f"{name} lower", text.lower())
        out += _lines(matcher, f"{name} upper", text.upper())
        for n, line in enumerate(text.splitlines(keepends=True)):
            out += _lines(matcher, f"{name} line {n}", line)
    return out


def synthetic_candidates() -> list[str]:
    """One line per article of the synthetic evaluation's first SYNTHETIC."""
    rng = random.Random(SEED)
    rows = build_gazetteer(rng)
    matcher = Matcher.build(AliasEntry(key, alias, label) for key, alias, label in rows)
    corpus = Corpus(rows, rng)
    out: list[str] = []
    for n in range(SYNTHETIC):
        text, _ = corpus.article()
        out += _lines(matcher, f"article {n}", text)
    return out


def _check(name: str, lines: list[str]) -> None:
    path = FILES / name
    if UPDATE:
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return
    assert path.exists(), f"no golden {path}: run with TELAAH_UPDATE_GOLDEN=1 and review"
    want = path.read_text(encoding="utf-8").splitlines()
    for got_line, want_line in zip(lines, want, strict=False):
        assert got_line == want_line
    assert len(lines) == len(want)


def test_sample_corpus_candidates_are_the_golden_ones() -> None:
    _check("sample.candidates.jsonl", sample_candidates())


def test_synthetic_candidates_are_the_golden_ones() -> None:
    _check("synthetic.candidates.jsonl", synthetic_candidates())
