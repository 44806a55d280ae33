"""One text as the matcher walks it: tokens, their folded keys, offsets, and the gaps.

Built with a handful of C-level passes (fold, one regex split, accumulate) rather than a loop
over tokens: the matcher's time per text is a small multiple of an exact Aho-Corasick pass.
"""

from __future__ import annotations

import re
from itertools import accumulate

from store.matching.normalise import (
    CLITICS,
    GAP_KINDS,
    HARD,
    MARKS,
    MIN_STEM,
    fold,
    gap_kind,
)

# The shape of a folded text: every non-ASCII letter, digit or combining mark becomes \x01, so
# that one ASCII regex splits it into tokens and gaps (folded text has no ASCII capitals).
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_SPLIT = re.compile("([a-z0-9\x01]+)")
_shapes: dict[str, str] = {}


def _shape(match: re.Match[str]) -> str:
    ch = match.group()
    shape = _shapes.get(ch)
    if shape is None:
        shape = "\x01" if ch.isalnum() or MARKS.match(ch) else ch
        if len(_shapes) < 100_000:
            _shapes[ch] = shape
    return shape


def split(folded: str) -> tuple[list[str], list[str], list[int], list[int]]:
    """The tokens of a folded text (their keys: combining marks left out), the gaps after them
    (after the last one: what ends the text), and where the tokens start and end."""
    shape = folded if folded.isascii() else _NON_ASCII.sub(_shape, folded)
    parts = _SPLIT.split(shape)  # gap, token, gap, token, ..., gap
    cumulative = list(accumulate(map(len, parts)))
    tokens = parts[1::2]
    starts = cumulative[0:-1:2]
    ends = cumulative[1::2]
    if "\x01" in shape:  # tokens with non-ASCII letters: their folded form, marks left out
        for k in [k for k, token in enumerate(tokens) if "\x01" in token]:
            tokens[k] = MARKS.sub("", folded[starts[k] : ends[k]])
    return tokens, parts[2::2], starts, ends


# A raw hit, before overlaps are settled: start, end, record id, score, whether exact (not
# fuzzy), and why its score is lowered (None: nothing doubted). See scores.py.
Hit = tuple[int, int, int, float, bool, str | None]


class TextView:
    """The tokens of a text (runs of letters, digits and combining marks), with offsets."""

    __slots__ = ("clitics", "ends", "gaps", "kinds", "starts", "text", "tokens")

    def __init__(self, text: str) -> None:
        self.text = text
        folded = fold(text)  # same length as text: its offsets are the text's offsets
        self.tokens, self.gaps, self.starts, self.ends = split(folded)
        kinds: list[int | None] = list(map(GAP_KINDS.get, self.gaps))
        if None in kinds:
            kinds = [
                gap_kind(gap) if kind is None else kind
                for gap, kind in zip(self.gaps, kinds, strict=True)
            ]
        if kinds:
            kinds[-1] = HARD
        self.kinds: list[int] = kinds  # type: ignore[assignment]
        # Tokens ending in a clitic, with a stem of at least MIN_STEM characters ("rusianya").
        self.clitics: list[int] = []
        if any(clitic in folded for clitic in CLITICS):
            self.clitics = [
                k
                for k, token in enumerate(self.tokens)
                if len(token) >= MIN_STEM + 3 and token.endswith(CLITICS)
            ]
