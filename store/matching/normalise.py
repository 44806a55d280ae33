"""The matcher's view of a text: a length-preserving fold, tokens, gaps and clitics.

`fold` maps every code point to exactly one code point (lower case, diacritics stripped), so an
offset into the folded text is the same offset into the original: no offset map is needed.
Tokens are runs of letters, digits and combining marks; an alias key is the concatenation of an
alias's folded tokens (marks left out), which is what makes `S-300`, `S300` and `S 300` (and
`Türkiye`, `TURKIYE`) the same.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Combining diacritical marks: part of the token they follow (text that is not NFC, like some
# gazetteer entries, writes "ņ" as "n" + U+0326), and left out of its key.
_MARK_RANGES = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
MARKS = re.compile(f"[{_MARK_RANGES}]")
# A token is a maximal run of letters and digits (str.isalnum), in any script, and combining
# marks.
TOKEN = re.compile(f"(?:[^\\W_]|[{_MARK_RANGES}])+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_DIGITS = re.compile(r"\D+")

# Indonesian clitics written onto a name: "Rusianya", "Kazakhstanlah", "Moskowpun".
CLITICS = ("nya", "lah", "kah", "pun")
# A stem shorter than this is not split off ("punya" is not "pu" + "nya").
MIN_STEM = 4

# The gaps between two tokens, in three kinds:
# SOFT: the tokens may form one name and the gap is ignored: a space or two (never a newline),
#   or one connector without spaces: hyphen, slash, ampersand, apostrophe, middle dot, or a dot
#   ("Kompas.com", "KONTAN.CO.ID").
# PUNCTUATED: a short run of punctuation, with at most two spaces each side and no newline: a
#   comma, a bracket, a spaced dash, a dot and a space. Names do not run across it, except aliases
#   that have punctuation at that place themselves ("Taiwan, Province of China", "Wales [Cymru]",
#   "St. Martin Parish"); their keys mark it with PUNCT_MARK.
# HARD: anything else (a newline, "!", "?", a longer gap): no name runs across it.
SOFT, PUNCTUATED, HARD = 0, 1, 2
PUNCT_MARK = "|"
_SOFT_GAP = re.compile(r"[ \t\u00a0\u202f]{1,2}|[-\u2010\u2011/&'\u2019\u00b7.]")
_PUNCTUATED_GAP = re.compile(
    r"[ \t\u00a0\u202f]{0,2}[-,;:()\[\]{}/.&'\"`\u00b7\u2010-\u2015\u2018\u2019\u201c\u201d]{1,3}"
    r"[ \t\u00a0\u202f]{0,2}"
)
GAP_KINDS: dict[str, int] = {}  # gap -> kind, filled as gaps are met

# Characters before a capitalised word that make it sentence-initial: its capital says nothing.
_SENTENCE_OPENERS = frozenset(".!?:\n\u2026")
_DASHES = frozenset("-\u2013\u2014")
_SENTENCE_SKIP = frozenset(" \t\"'()[]*-\u2013\u2014\u2018\u2019\u201c\u201d\u00ab\u00bb\u2022")


@lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    """One code point's fold: one code point, lower case, without diacritics.

    When stripping or lower-casing would give more or fewer than one code point (a ligature,
    `İ` lower-cases to two code points), the character keeps a one-code-point form, so folding
    never moves an offset; it also never turns a letter into a non-letter or the reverse.
    """
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    for cand in (base.lower(), ch.lower(), ch):
        if len(cand) == 1 and cand.isalnum() == ch.isalnum() and cand.lower() == cand:
            return cand
    return ch


def fold(text: str) -> str:
    """`text` lower-cased and without diacritics, code point for code point (same length)."""
    if text.isascii():
        return text.lower()
    folded = _NON_ASCII.sub(lambda m: _fold_char(m.group()), text).lower()
    if len(folded) != len(text):  # a kept character whose lower case is longer: fold each one
        folded = "".join([_fold_char(ch) if not ch.isascii() else ch.lower() for ch in text])
    return folded


def fold_tokens(value: str) -> list[str]:
    """The folded tokens of `value`, without combining marks: what keys are made of."""
    folded = fold(value)
    tokens = TOKEN.findall(folded)
    if MARKS.search(folded):
        tokens = [MARKS.sub("", token) for token in tokens]
    return tokens


def alias_key(alias: str) -> str:
    """The key an alias is matched by: its folded tokens, concatenated.

    `S-300`, `S300` and `s 300` share the key `s300`; `Türkiye` and `TURKIYE` share `turkiye`.
    """
    return "".join(fold_tokens(alias))


def gap_kind(gap: str) -> int:
    """SOFT, PUNCTUATED or HARD: what the text between two tokens lets them be."""
    kind = GAP_KINDS.get(gap)
    if kind is None:
        kind = (
            SOFT
            if _SOFT_GAP.fullmatch(gap)
            else PUNCTUATED
            if _PUNCTUATED_GAP.fullmatch(gap)
            else HARD
        )
        if len(GAP_KINDS) < 10_000:
            GAP_KINDS[gap] = kind
    return kind


def has_space(gap: str) -> bool:
    """Whether a gap between two tokens is (or holds) a space."""
    return " " in gap or "\t" in gap or "\u00a0" in gap or "\u202f" in gap


def clitic_stem(token: str) -> int:
    """The length of `token` without an attached clitic, or 0 when it has none."""
    if token.endswith(CLITICS) and len(token) - 3 >= MIN_STEM:
        return len(token) - 3
    return 0


def digits(key: str) -> str:
    """The digits of a key, in order: a designation's identity (S-300 is not S-400)."""
    return _DIGITS.sub("", key)


def sentence_initial(text: str, start: int) -> bool:
    """Whether the word at `start` opens a sentence, a line, a clause after a spaced dash
    ("JAKARTA, KOMPAS.com - Rusia ..."), or the text."""
    k = start - 1
    while k >= 0 and text[k] in _SENTENCE_SKIP:
        if text[k] in _DASHES and text[k + 1] in " \t\u00a0":
            return True
        k -= 1
    return k < 0 or text[k] in _SENTENCE_OPENERS
