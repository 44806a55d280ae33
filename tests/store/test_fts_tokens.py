"""The search index's tokens (`fts_tokens`) read a chunk between white spaces at a time, each
chunk's tokens kept: the same tokens as the pattern over the whole text, every time."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.corpus import search
from store.corpus.search import fts_tokens

# White space of every kind str.split() cuts at, word characters, marks, joiners, emoji.
PIECES = st.sampled_from(
    [" ", "\t", "\n", "\x0b", "\x1c", "\x85", "\xa0", "\u2028", "\u3000", "\u200b", "\u00ad"]
    + ["_", "-", ".", ",", "“", "”", "'", "\\", "[bold]", "\x1b[31m", "\U0001f914", "\u0301"]
    + ["Jakarta", "jakarta", "JAKARTA", "Erdoğan", "Zürich", "Москва", "東京", "２０２４", "²", "½"]
    + ["S-300", "e-mail", "ke\u200dtiga", "a" * 70, "İstanbul", "ß", "ﬁ"]
)


def pattern_tokens(value: str) -> list[str]:
    """The tokens as the pattern over the whole text makes them (the definition)."""
    return [key for key in map(search._token_key, re.findall(r"\w+", value)) if key]


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=40).map("".join))
def test_chunks_make_the_tokens_the_whole_text_makes(value: str) -> None:
    assert fts_tokens(value) == pattern_tokens(value)
    assert fts_tokens(value) == pattern_tokens(value)  # (again: from the chunks kept)


def test_the_chunks_kept_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "_CHUNKS", 50)
    search._chunks.clear()
    words = [f"kata{i}," for i in range(500)] + ["x" * 100]
    assert fts_tokens(" ".join(words)) == [f"kata{i}" for i in range(500)] + ["x" * 100]
    assert 0 < len(search._chunks) <= 50
    assert "x" * 100 not in search._chunks  # a long chunk is not kept
