"""The exact pass: alias keys looked up over runs of tokens; aliases written as the gazetteer
writes them at 100, others through the case gates."""

from __future__ import annotations

from functools import lru_cache

from store.matching.index import AliasRecord, Index, Step
from store.matching.normalise import HARD, PUNCT_MARK, SOFT, TOKEN, has_space, sentence_initial
from store.matching.scores import (
    COMMON_WORD,
    FOLDED,
    LOWER_CASE,
    LOWER_START,
    SENTENCE_INITIAL,
    SHOWN,
    WRITTEN,
    doubted,
)
from store.matching.tokens import Entry
from store.matching.view import Hit, TextView
from store.matching.words import KNOWN, SENTENCE_START

# How many tokens an alias may span in the text ("Organisasi Perjanjian Keamanan Kolektif" is
# four, "Union of Soviet Socialist Republics" five; long official names more).
MAX_TOKENS = 16
# How far (tokens each way, within the line) title case is looked for.
TITLE_REACH = 8


def case_allows(record: AliasRecord, text: str, start: int) -> bool:
    """Whether the capitals of the text at `start` allow `record`.

    An alias that is a known word needs a capital; a function word ("Di", "Yang" as towns) a
    capital that does not just open a sentence. (Acronyms are checked by the caller, which knows
    the end; function words in title case too; tier 2 is settled over the whole text.)
    """
    if record.tier == 0 or record.acronym:
        return True
    if not text[start].isupper():
        return False
    return record.tier < 3 or not sentence_initial(text, start)


def _spacing_allows(
    record: AliasRecord, view: TextView, i: int, j: int, table: dict[str, float]
) -> bool:
    # A space in the text must fall where the alias has a token boundary ("Alma Ata" is
    # Alma-Ata, but "than a" is not Thana and "dan ia" not Dania), or where it changes between
    # letters and digits ("S 300" is S300), but then not before a word of the language ("S-300
    # ke Kyrgyzstan" is no S-300KE). Hyphens, dots and apostrophes may fall anywhere.
    offset = 0
    tokens, starts, text = view.tokens, view.starts, view.text
    for k in range(i, j):
        offset += len(tokens[k])
        if not has_space(view.gaps[k]) or offset in record.joins:
            continue
        if offset not in record.bounds:
            return False
        if text[starts[k + 1]].islower() and table.get(tokens[k + 1], 0.0) >= KNOWN:
            return False
    return True


def _names(
    walked: list[tuple[int, int, int, tuple[int, ...], bool]],
    view: TextView,
    table: dict[str, float],
) -> set[int]:
    # The tokens that are names rather than words of the language: those of aliases of several
    # tokens ("Asia Tengah", "EDGE Group") and of rarer aliases ("Kabul").
    return {
        k
        for i, j, _, _, _ in walked
        for k in range(i, j + 1)
        if i != j or table.get(view.tokens[k], 0.0) < SENTENCE_START
    }


def _after_capitalised_word(
    view: TextView, i: int, table: dict[str, float], names: set[int]
) -> bool:
    # Token i follows a capitalised word of the language on the same line ("Baca Juga").
    k = i - 1
    return (
        k >= 0
        and view.kinds[k] == SOFT
        and k not in names
        and view.text[view.starts[k]].isupper()
        and table.get(view.tokens[k], 0.0) >= KNOWN
    )


def _title_line(view: TextView, i: int, j: int, table: dict[str, float], names: set[int]) -> bool:
    # Whether tokens i..j stand in a line in title case, where capitals say nothing: most of
    # the line's other words of the language are capitalised ("Setelah Kuasai Afghanistan,
    # Taliban Janjikan untuk Atasi Perubahan Iklim"). Names (tokens of `names`) do not count.
    tokens, starts, text, gaps = view.tokens, view.starts, view.text, view.gaps
    low, high = i, j
    while low > 0 and i - low < TITLE_REACH and "\n" not in gaps[low - 1]:
        low -= 1
    while high + 1 < len(tokens) and high - j < TITLE_REACH and "\n" not in gaps[high]:
        high += 1
    words = capitalised = 0
    for k in range(low, high + 1):
        if i <= k <= j or k in names or len(tokens[k]) < 3 or table.get(tokens[k], 0.0) < KNOWN:
            continue
        words += 1
        capitalised += text[starts[k]].isupper()
    return words >= 3 and capitalised >= 0.6 * words


def _walk(
    index: Index, view: TextView, entries: list[Entry]
) -> list[tuple[int, int, int, tuple[int, ...], bool]]:
    """(first token, last token, end offset, records, whether a clitic is cut off) for every
    alias key that a run of joined tokens spells. `entries`: the tokens' (tokens.py)."""
    tokens, kinds, ends = view.tokens, view.kinds, view.ends
    step, get = index.walk.get, index.keys.get
    clitics = set(view.clitics)
    found: list[tuple[int, int, int, tuple[int, ...], bool]] = []
    for k in clitics:  # "Rusianya": the name ends at the stem
        ids = get(tokens[k][:-3])
        if ids is not None:
            found.append((k, k, ends[k] - 3, ids, True))
    last = len(tokens) - 1
    # Most tokens are words that start no key: only the others are walked.
    for i in [i for i, entry in enumerate(entries) if entry.step is not None]:
        entry: Step | None = entries[i].step
        key = tokens[i]
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


def written_span(alias: str, text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span of `alias` at tokens `start`..`end` when the text writes it exactly as the
    gazetteer does (case, punctuation and brackets at its ends included), else None."""
    if text[start:end] == alias:
        return start, end
    lead, trail = _edges(alias)
    if not lead and not trail:
        return None
    start, end = start - len(lead), end + len(trail)
    return (start, end) if start >= 0 and text[start:end] == alias else None


@lru_cache(maxsize=65536)
def _edges(alias: str) -> tuple[str, str]:
    # What an alias writes before its first token and after its last: "(" and ")" of "(KPK)".
    tokens = list(TOKEN.finditer(alias))
    if not tokens:
        return "", ""
    return alias[: tokens[0].start()], alias[tokens[-1].end() :]


def exact_hits(
    index: Index, view: TextView, entries: list[Entry], table: dict[str, float]
) -> list[Hit]:
    """Every alias key found over whole tokens: at 100 where the text writes the alias as the
    gazetteer does, else with the gates applied (a doubted hit scored under 50, its reason)."""
    text, starts, records = view.text, view.starts, index.records
    kept: list[tuple[Hit, AliasRecord, bool]] = []
    walked = _walk(index, view, entries)
    names: set[int] | None = None  # see _names
    for i, j, end, ids, clitic in walked:
        start = starts[i]
        written = text[start:end]
        for rid in ids:
            record = records[rid]
            if not clitic:
                if written == record.alias:  # as the gazetteer writes it: never gated
                    kept.append(((start, end, rid, WRITTEN, True, None), record, False))
                    continue
                span = written_span(record.alias, text, start, end)
                if span is not None:  # (brackets at its ends included)
                    kept.append(((span[0], span[1], rid, WRITTEN, True, None), record, False))
                    continue
            if record.single and (i != j or (clitic and record.tier)):
                continue  # short aliases: one whole token (a clitic only on a rare name)
            if clitic and (record.acronym or not text[start].isupper()):
                continue  # "Rusianya": a name with a clitic is still capitalised
            if record.acronym and written != written.upper():
                continue
            if i != j and not _spacing_allows(record, view, i, j, table):
                continue
            reasons: set[str] = set()
            if record.tier and not record.acronym and not text[start].isupper():
                # A known word in lower case is that word ("barat", "kerja sama"); a name of
                # several words, or a rarer one, is doubted ("koalisi merah putih").
                if record.tier == 3 or (record.tier == 2 and i == j):
                    continue
                if i != j and any(c.isupper() for c in written):
                    # Capitalised further in: "kementerian pertahanan Rusia", "partai NasDem".
                    kept.append(((start, end, rid, LOWER_START, True, None), record, False))
                    continue
                reasons.add(LOWER_CASE)
                if record.tier == 2:
                    reasons.add(COMMON_WORD)
            elif record.tier == 3:
                # A function word ("Di", "Yang", "Juga" as towns) is no name at the start of a
                # sentence, after a capitalised word ("Baca Juga:") or in title case.
                if sentence_initial(text, start):
                    reasons.update((SENTENCE_INITIAL, COMMON_WORD))
                else:
                    if names is None:
                        names = _names(walked, view, table)
                    if _after_capitalised_word(view, i, table, names) or _title_line(
                        view, i, j, table, names
                    ):
                        reasons.add(COMMON_WORD)
            if reasons:
                score, reason = doubted(reasons)
                kept.append(((start, end, rid, score, True, reason), record, False))
                continue
            # A known word capitalised by opening a sentence, with no more capitals in it,
            # needs the text's evidence (_settle_doubts) unless it names a renowned entity.
            doubtful = (
                record.tier == 2
                and rid not in index.renowned
                and sentence_initial(text, start)
                and not any(c.isupper() for c in text[start + 1 : end])
            )
            kept.append(((start, end, rid, FOLDED, True, None), record, doubtful))
    return _settle_doubts(kept)


def _settle_doubts(kept: list[tuple[Hit, AliasRecord, bool]]) -> list[Hit]:
    # A known word whose capital only comes from opening a sentence ("Baca juga", "Sumber:
    # AFP", "Perak untuk") is a name only if the text also names that entity elsewhere, inside
    # a sentence ("Rusia" in "Pernyataan Rusia"; a name inside a longer name does not count:
    # "Utara" in "Afrika Utara"); else it is doubted: `sentence-initial`. (Names of renowned
    # entities are not doubted: exact_hits.)
    doubtful = {record.key for _, record, doubt in kept if doubt}
    if not doubtful:
        return [hit for hit, _, _ in kept]
    spans = [(hit[0], hit[1]) for hit, _, _ in kept]
    evidence = set()
    for hit, record, doubt in kept:
        if doubt or hit[3] < SHOWN or record.key not in doubtful or record.key in evidence:
            continue
        start, end = hit[0], hit[1]
        if not any(s <= start and end <= e and e - s > end - start for s, e in spans):
            evidence.add(record.key)
    score, reason = doubted({SENTENCE_INITIAL})
    return [
        hit if not doubt or record.key in evidence else (*hit[:3], score, True, reason)
        for hit, record, doubt in kept
    ]
