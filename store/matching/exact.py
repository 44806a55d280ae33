"""The exact pass: alias keys looked up over runs of tokens, with the case gates."""

from __future__ import annotations

from store.matching.index import AliasRecord, Index, Step
from store.matching.normalise import HARD, PUNCT_MARK, SOFT, has_space, sentence_initial
from store.matching.view import Hit, TextView
from store.matching.words import KNOWN

# How many tokens an alias may span in the text ("Organisasi Perjanjian Keamanan Kolektif" is
# four, "Union of Soviet Socialist Republics" five; long official names more).
MAX_TOKENS = 16
# The cache of single-token lookups (the frequent words of the language, mostly) is emptied
# when it grows past this: small enough to stay in the processor's caches.
HOT_LIMIT = 50_000
_MISSING: Step = (None, "")  # a sentinel: never a value of the walk table


def case_allows(record: AliasRecord, text: str, start: int) -> bool:
    """Whether the capitals of the text at `start` allow `record`.

    An alias that is a known word needs a capital; a function word ("Di", "Yang" as towns) a
    capital that does not just open a sentence. (Acronyms are checked by the caller, which knows
    the end; tier 2 is settled over the whole text.)
    """
    if record.tier == 0 or record.acronym:
        return True
    if not text[start].isupper():
        return False
    return record.tier < 3 or not sentence_initial(text, start)


def _spacing_allows(record: AliasRecord, view: TextView, i: int, j: int) -> bool:
    # A space in the text must fall where the alias has a token boundary or changes between
    # letters and digits: "S 300" is S300, "Alma Ata" is Alma-Ata, but "than a" is not Thana
    # and "dan ia" not Dania. Hyphens, dots and apostrophes may fall anywhere (Kompas.com).
    offset = 0
    for k in range(i, j):
        offset += len(view.tokens[k])
        if has_space(view.gaps[k]) and offset not in record.bounds:
            return False
    return True


def _walk(index: Index, view: TextView,
          hot: dict[str, Step | None]) -> list[tuple[int, int, int, tuple[int, ...], bool]]:
    """(first token, last token, end offset, records, whether a clitic is cut off) for every
    alias key that a run of joined tokens spells. `hot` caches the lookups of single tokens."""
    tokens, kinds, ends = view.tokens, view.kinds, view.ends
    step, get = index.walk.get, index.keys.get
    clitics = set(view.clitics)
    found: list[tuple[int, int, int, tuple[int, ...], bool]] = []
    for k in clitics:  # "Rusianya": the name ends at the stem
        ids = get(tokens[k][:-3])
        if ids is not None:
            found.append((k, k, ends[k] - 3, ids, True))
    last = len(tokens) - 1
    for i, key in enumerate(tokens):
        entry = hot.get(key, _MISSING)
        if entry is _MISSING:
            if len(hot) >= HOT_LIMIT:
                hot.clear()
            entry = hot[key] = step(key)
        j = i
        while entry is not None:
            ids, follow = entry
            if ids is not None:
                found.append((i, j, ends[j], ids, False))
            kind = kinds[j]
            if not follow or kind == HARD or j == last or j - i + 1 >= MAX_TOKENS:
                break
            following = tokens[j + 1]
            if kind == SOFT:
                if not following or following[0] not in follow:
                    break
            elif PUNCT_MARK not in follow:
                break
            else:
                key += PUNCT_MARK
            j += 1
            if j in clitics:  # "Republik Kazakhstanlah"
                ids = get(key + following[:-3])
                if ids is not None:
                    found.append((i, j, ends[j] - 3, ids, True))
            key += following
            entry = step(key)
    return found


def _in_title(view: TextView, i: int, table: dict[str, float]) -> bool:
    # Token i follows a capitalised word of the language on the same line: a headline or a
    # label in title case ("Baca Juga:"), where capitals say nothing.
    if i == 0 or view.kinds[i - 1] != SOFT:
        return False
    previous = view.tokens[i - 1]
    return (view.text[view.starts[i - 1]].isupper() and table.get(previous, 0.0) >= KNOWN)


def exact_hits(index: Index, view: TextView, hot: dict[str, Step | None],
               table: dict[str, float]) -> list[Hit]:
    """Every alias key found over whole tokens, with the gates applied."""
    text, starts, records = view.text, view.starts, index.records
    kept: list[tuple[Hit, AliasRecord, bool]] = []
    for i, j, end, ids, clitic in _walk(index, view, hot):
        start = starts[i]
        for rid in ids:
            record = records[rid]
            if record.single and (i != j or (clitic and record.tier)):
                continue  # short aliases: one whole token (a clitic only on a rare name)
            if clitic and (record.acronym or not text[start].isupper()):
                continue  # "Rusianya": a name with a clitic is still capitalised
            if record.acronym and text[start:end] != text[start:end].upper():
                continue
            if not case_allows(record, text, start):
                continue
            if record.tier == 3 and _in_title(view, i, table):
                continue  # a function word ("Juga", "Di") in a title-case line
            if i != j and not _spacing_allows(record, view, i, j):
                continue
            initial = (record.tier == 2 and sentence_initial(text, start)
                       and not any(c.isupper() for c in text[start + 1:end]))
            kept.append(((start, end, rid, 100.0, True), record, initial))
    return _settle_sentence_starts(kept)


def _settle_sentence_starts(kept: list[tuple[Hit, AliasRecord, bool]]) -> list[Hit]:
    # A known word that only has its capital from opening a sentence ("Baca juga", "Perak
    # untuk") is a name only if the text also names that entity inside a sentence ("Rusia"),
    # or writes more capitals in it ("AIRSPACE REVIEW", "Asia Tengah"). A name inside a longer
    # name does not count ("Utara" in "Afrika Utara").
    doubtful = {record.key for _, record, initial in kept if initial}
    if not doubtful:
        return [hit for hit, _, _ in kept]
    spans = [(hit[0], hit[1]) for hit, _, _ in kept]
    evidence = set()
    for hit, record, initial in kept:
        if initial or record.key not in doubtful or record.key in evidence:
            continue
        start, end = hit[0], hit[1]
        if not any(s <= start and end <= e and e - s > end - start for s, e in spans):
            evidence.add(record.key)
    return [hit for hit, record, initial in kept if not initial or record.key in evidence]
