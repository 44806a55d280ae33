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


# A raw hit, before overlaps are settled: start, end, record id, score, whether exact.
Hit = tuple[int, int, int, float, bool]


class TextView:
    """The tokens of a text (runs of letters, digits and combining marks), with offsets."""

    __slots__ = ("clitics", "ends", "gaps", "kinds", "starts", "text", "tokens")

    def __init__(self, text: str) -> None:
        self.text = text
        folded = fold(text)  # same length as text: its offsets are the text's offsets
        shape = folded if folded.isascii() else _NON_ASCII.sub(_shape, folded)
        parts = _SPLIT.split(shape)  # gap, token, gap, token, ..., gap
        cumulative = list(accumulate(map(len, parts)))
        self.tokens: list[str] = parts[1::2]
        self.starts: list[int] = cumulative[0:-1:2]
        self.ends: list[int] = cumulative[1::2]
        # The text between token k and token k + 1 (after the last token: what ends the text).
        self.gaps: list[str] = parts[2::2]
        kinds: list[int | None] = list(map(GAP_KINDS.get, self.gaps))
        if None in kinds:
            kinds = [gap_kind(gap) if kind is None else kind
                     for gap, kind in zip(self.gaps, kinds, strict=True)]
        if kinds:
            kinds[-1] = HARD
        self.kinds: list[int] = kinds  # type: ignore[assignment]
        if "\x01" in shape:  # tokens with non-ASCII letters: their folded form, marks left out
            tokens, starts, ends = self.tokens, self.starts, self.ends
            for k in [k for k, token in enumerate(tokens) if "\x01" in token]:
                tokens[k] = MARKS.sub("", folded[starts[k]:ends[k]])
        # Tokens ending in a clitic, with a stem of at least MIN_STEM characters ("rusianya").
        self.clitics: list[int] = []
        if any(clitic in shape for clitic in CLITICS):
            self.clitics = [k for k, token in enumerate(self.tokens)
                            if len(token) >= MIN_STEM + 3 and token.endswith(CLITICS)]
