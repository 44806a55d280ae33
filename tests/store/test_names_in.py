"""A new name's context counted for a few words only (store.matching.names_in): the same as
`names._context` over the whole text, on the sample corpus and at the edges of a text."""

from __future__ import annotations

from store.formats.gazetteer import read_gazetteer
from store.matching import AliasEntry, Matcher
from store.matching.names import _context, word_before
from store.matching.names_in import after_words, context_of
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
