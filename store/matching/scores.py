"""The score scale of candidates and the reasons that lower a score.

- 100 (WRITTEN): the text writes an alias exactly as the gazetteer does, case and punctuation
  included (brackets at its ends too). Never gated.
- 50-99: the same key written otherwise (case, diacritics, punctuation, spacing, a clitic:
  FOLDED; a name of several words opening in lower case with a capital further in, "partai
  NasDem" for "Partai NasDem": LOWER_START), or a misspelling (fuzzy: its similarity, kept
  within FUZZY_FLOOR..FUZZY_CEILING), that passes the precision gates.
- under 50 (SHOWN): what the gates doubt, with a reason: `sentence-initial` (a known word whose
  capital may only open the sentence), `common word` (a function word, or a word capitalised
  in a title), `lower case` (a name written in lower case), `overlap` (a longer span that
  overlaps a span written exactly as an alias: kept as an alternative). Hidden at the default
  threshold (`Config.min_score`, 50); the reviewer can show them.
"""

from __future__ import annotations

WRITTEN = 100.0
FOLDED = 90.0
LOWER_START = 80.0  # a name of several words opening in lower case, capitalised further in
FUZZY_CEILING = 89.0
FUZZY_FLOOR = 50.0
SHOWN = 50.0  # under this a candidate is doubted (and hidden at the default threshold)

SENTENCE_INITIAL = "sentence-initial"
COMMON_WORD = "common word"
LOWER_CASE = "lower case"
OVERLAP = "overlap"
# The score of a doubted candidate, by its strongest doubt; each further reason costs STEP.
DOUBT = {SENTENCE_INITIAL: 45.0, OVERLAP: 40.0, LOWER_CASE: 35.0, COMMON_WORD: 30.0}
STEP = 5.0
ORDER = (SENTENCE_INITIAL, COMMON_WORD, LOWER_CASE, OVERLAP)  # how reasons are written


def fuzzy_score(distance: int, length: int) -> float:
    """A misspelling's score: 100 * (1 - distance / length), within the fuzzy band."""
    similarity = round(100.0 * (1.0 - distance / max(length, 1)), 1)
    return min(FUZZY_CEILING, max(FUZZY_FLOOR, similarity))


def doubted(reasons: set[str], fuzzy: bool = False) -> tuple[float, str]:
    """The score and reason (`a, b`) of a candidate the gates doubt for `reasons`."""
    score = min(DOUBT[r] for r in reasons) - STEP * (len(reasons) - 1) - (STEP if fuzzy else 0.0)
    return max(score, 1.0), ", ".join(r for r in ORDER if r in reasons)


def join_reasons(*reasons: str | None) -> set[str]:
    """The set of reasons in `a, b` strings (None for none)."""
    return {part for reason in reasons if reason for part in reason.split(", ")}
