"""A new name's context counted for a few words only (store.matching.names_in): the same as
`names._context` over the whole text, on the sample corpus and at the edges of a text."""

from __future__ import annotations

import random

from store.formats.gazetteer import read_gazetteer
from store.matching import AliasEntry, Matcher
from store.matching.names import _BEFORE, _context, hints_for, new_names, word_before
from store.matching.names_in import after_words, clauses, context_of
from store.matching.normalise import fold
from tests.conftest import SAMPLE


def test_the_context_of_a_few_words_is_the_whole_texts() -> None:
    records, _ = read_gazetteer(SAMPLE / "gazetteer.csv")
    matcher = Matcher.build(
        AliasEntry(r.key, alias, r.type) for r in records for alias in {r.name, *r.aliases}
    )
    texts = [path.read_text(encoding="utf-8") for path in sorted(SAMPLE.glob("articles/*"))]
    texts += ["dari Rusia", "Kata\u00a0Rusia\tdan  Moskow", "kedari Rusia, dari\nRusia"]
    checked = 0
    for text in texts:
        found = matcher.find_candidates(text)
        whole = _context(text, found)
        labelled = [(c.start, c.label) for c in found]
        words = set(whole) | {"dari", "ri", "di"}
        assert context_of(text, words, labelled) == whole
        for word in words:  # one word at a time, and a word no candidate follows
            assert context_of(text, {word, "zzz"}, labelled) == (
                {word: whole[word]} if word in whole else {}
            )
        after = after_words(text, words)
        assert {c.start for c in found if word_before(text, c.start) in words} <= after
        checked += len(found)
    assert checked > 100


def test_names_looked_for_in_the_changed_clauses_only_are_the_whole_lines() -> None:
    """After an alias goes, the names of a line are those it had outside the clauses where the
    candidates' spans changed, and those found in the clauses (spans compared: the labels are
    given again from the whole text's context)."""
    records, _ = read_gazetteer(SAMPLE / "gazetteer.csv")
    entries = [AliasEntry(r.key, alias, r.type) for r in records for alias in {r.name, *r.aliases}]
    full = Matcher.build(entries)
    hints = hints_for(full)
    texts = [path.read_text(encoding="utf-8") for path in sorted(SAMPLE.glob("articles/*"))]
    lines = [line + "\n" for text in texts for line in text.split("\n") if line.strip()]
    lines += ["Kata Nusa Kertaraja, dari Padang Lawas. Warga Nusa Kertaraja Baru datang."]
    extra = [AliasEntry("NK", "Nusa Kertaraja", "GPE"), AliasEntry("PL", "Padang Lawas", "PER")]
    checked = changed = 0
    for line in lines:
        before = full.find_candidates(line) if "Nusa" not in line else []
        if "Nusa" in line:
            with_extra = Matcher.build(entries + extra)
            before = with_extra.find_candidates(line)
        for gone in {c.alias for c in before}:  # each alias of the line removed in turn
            kept = [e for e in entries + extra if e.alias != gone]
            after = Matcher.build(kept).find_candidates(line)
            old = {(c.start, c.end) for c in before}
            within = clauses(line, after, old)
            whole = new_names(line, after, hints)
            part = new_names(line, after, hints, within=within)
            outside = [
                c
                for c in new_names(line, before, hints)
                if not any(low <= c.start < high for low, high in within)
            ]
            spans = sorted((c.start, c.end) for c in part + outside)
            assert spans == sorted((c.start, c.end) for c in whole), (line, gone)
            checked += 1
            changed += bool(within)
    assert checked > 50 and changed > 20


def test_the_word_before_is_the_regexs() -> None:
    rng = random.Random(5)
    alphabet = "ab \t\u00a0_1²é.\nZ"
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        start = rng.randint(0, len(text))
        match = _BEFORE.search(text, max(0, start - 40), start)
        assert word_before(text, start) == (fold(match.group(1)) if match else None), text
