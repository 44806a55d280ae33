"""The fuzzy pass: misspelt aliases, anchored on a text token, verified on the whole key.

A text token that could be part of a misspelt name (written with a capital or a digit first,
or joined by a hyphen or apostrophe to a capitalised token; not a common word) is looked up in
the deletion index: the alias tokens ("units") within one edit of it (two for long ones) give
the aliases it may be a misspelt token of. A token that is itself a unit or an alias is that
word, not a misspelling: it only anchors the longer aliases it belongs to, if few (FANOUT), for
edits in their other tokens ("Upson Couty"). For each alias, the text window with as many
tokens as the alias, the anchor token at its place, is compared with the alias key by
rapidfuzz's optimal string alignment distance (Levenshtein, with a transposition of two
neighbours one edit: "Bnadung", "Leabnon"), at most the edits the alias allows, and passes the
word gates token by token. Scores are 100 * (1 - distance / longer length), within 50-89
(scores.fuzzy_score); a misspelling written in lower case of a name of several words or a rare
name is proposed doubted (`lower case`, under 50).
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA

from store.matching.exact import case_allows
from store.matching.index import Anchor, Groups, Index, deletions
from store.matching.normalise import (
    HARD,
    PUNCT_MARK,
    SOFT,
    clitic_stem,
    digits,
    has_space,
    sentence_initial,
)
from store.matching.scores import COMMON_WORD, LOWER_CASE, doubted, fuzzy_score
from store.matching.tokens import Entry
from store.matching.view import Hit, TextView
from store.matching.words import COMMON, KNOWN

# A lower-case text token of at least this length that is no word of the language may be a
# misspelt name written in lower case ("koalisi merah putuh"): proposed doubted.
LOWER_TOKEN = 6

# Text tokens of at least this length are looked up with two deletions; shorter ones with one.
# A shorter token is within two edits of a unit of TWO_EDITS (8) characters or more only by
# letters the unit has and it lacks: the unit's own deletions reach it, one deletion of the
# token's at most (the prefix cut).
TWO_DELETIONS = 7
# Shorter text tokens do not anchor fuzzy matches (units have at least four characters).
MIN_TOKEN = 3
# A correctly spelt token anchors the aliases it belongs to (their edits are in other tokens:
# "Pletersk Cosmodrome" is anchored on "Cosmodrome") only when it belongs to at most this many:
# "Oblast" or "Sergei" would fan out to hundreds of aliases; their misspellings still anchor.
FANOUT = 24
# A misspelt token anchors at most this many aliases, nearest units first ("Repubika" is near
# "republika", "republik" and "republica", each in hundreds of official names).
MAX_ANCHORS = 1024

# Groups larger than this are compared with a window in one rapidfuzz call.
BATCH = 16

# A window of text tokens: first token, token count, key, start and end offsets in the text,
# whether its last token is a clitic's stem.
_Window = tuple[int, int, str, int, int, bool]


# The anchors of a token that anchors nothing (the empty tuple: one object in CPython; were an
# empty tuple another object, the token would only be looked at in vain).
_NOTHING: Groups = ()
_SCORES: dict[tuple[int, int], float] = {}  # (distance, length) -> scores.fuzzy_score
_WITHIN: dict[str, Any] = {"scorer": OSA.distance, "score_cutoff": 2, "limit": None}


def depth(token: str) -> int:
    """How many deletions of a text token are looked up (see TWO_DELETIONS)."""
    return 2 if len(token) >= TWO_DELETIONS else 1


def word_allows(text_word: str, alias_word: str, table: dict[str, float]) -> bool:
    """Whether a text token may be a misspelling of an alias token.

    A known word of the text is only taken for a variant of a more common name ("Moskow" 4.0
    for "Moscow" 4.4), never of a rare one ("An" is no misspelt "Ali"), never of a common word.
    """
    zipf = table.get(text_word, 0.0)
    return zipf < KNOWN or zipf < table.get(alias_word, 0.0) < COMMON


def anchors_of(index: Index, token: str, table: dict[str, float], alias: bool) -> Groups:
    """The aliases `token` may anchor, grouped by where it would be in them.

    `alias` says the token is itself an alias key: then it is that alias, not a misspelling,
    and only anchors the longer aliases it is a token of ("Upson" in "Upson Couty"), if few.
    """
    cut = clitic_stem(token)
    stem = token[:cut] if cut and table.get(token[:cut], 0.0) < COMMON else ""
    # ("Karenanya" is "karena" + "nya", a common word: no stem)
    for word in (token, stem):
        uid = index.unit_ids.get(word) if word else None
        if uid is not None or (alias and word == token):
            # A word of the gazetteer is that word, not a misspelling of a neighbour
            # ("Republica" is no misspelt "Republika"): it anchors the longer aliases it
            # belongs to, if few (their edits are in other tokens).
            if uid is None or len(index.unit_anchors[uid]) > FANOUT:
                return ()
            groups = index.unit_groups(uid)  # (sorted: a group of one token comes first)
            return groups[1:] if groups and groups[0][0] == 1 else groups
    lookup = map(index.deletions.get, deletions(token, depth(token)))
    found = [units for units in lookup if units is not None]
    if not found:
        return ()
    spelt = {units for units in found if units.__class__ is str}
    for units in found:
        if units.__class__ is list:
            spelt.update(units)
    near: list[tuple[int, int, int]] = []  # distance, fan-out, unit
    unit_ids, budgets, unit_anchors = index.unit_ids, index.unit_edits, index.unit_anchors
    known = table.get(token, 0.0) >= KNOWN
    candidates = list(spelt)
    distances = [(d, k) for _, d, k in process.extract(token, candidates, **_WITHIN)]
    if stem:  # a clitic's stem: for the units the token is not near
        distances += [(d, k) for _, d, k in process.extract(stem, candidates, **_WITHIN)]
    done: set[int] = set()
    for distance, k in distances:
        uid = unit_ids[candidates[k]]
        if distance > budgets[uid] or uid in done:
            continue  # (the token's own distance first: the stem's only where it is too far)
        done.add(uid)
        if known and not word_allows(token, candidates[k], table):
            continue  # (a word of the language is only a variant of a more common name)
        near.append((distance, len(unit_anchors[uid]), uid))
    if not near:
        return ()
    near.sort()
    if len(near) == 1 or near[0][1] + near[1][1] > MAX_ANCHORS:
        return index.unit_groups(near[0][2]) if near[0][1] <= MAX_ANCHORS else ()
    parts: list[Groups] = []
    taken = 0
    for _, fanout, uid in near:
        if taken + fanout > MAX_ANCHORS:
            break
        taken += fanout
        parts.append(index.unit_groups(uid))
    return _merge(parts)


def _merge(parts: list[Groups]) -> Groups:
    """The groups of several units as one (a group's anchors in the order of the units)."""
    out: list[tuple[int, int, tuple[str, ...], tuple[int, ...]]] = []
    # (a stable sort: the groups of one place stay in the order of their units)
    for group in sorted([group for groups in parts for group in groups], key=_PLACE):
        last = out[-1] if out else None
        if last is not None and last[0] == group[0] and last[1] == group[1]:
            out[-1] = (last[0], last[1], last[2] + group[2], last[3] + group[3])
        else:
            out.append(group)
    return tuple(out)


_PLACE = itemgetter(0, 1)


def _window_keys(
    view: TextView, s: int, e: int, index: Index, table: dict[str, float], clitics: set[int]
) -> list[_Window]:
    """The key of tokens s..e, and of s..e with the last token's clitic cut off (`clitics`:
    the view's tokens ending in one)."""
    tokens, kinds = view.tokens, view.kinds
    if s == e:
        key = tokens[s]
    elif e == s + 1:
        key = tokens[s] + tokens[e] if kinds[s] == SOFT else tokens[s] + PUNCT_MARK + tokens[e]
    else:
        parts = []
        for k in range(s, e):
            parts.append(tokens[k])
            if kinds[k] != SOFT:
                parts.append(PUNCT_MARK)
        parts.append(tokens[e])
        key = "".join(parts)
    count = e - s + 1
    start, end = view.starts[s], view.ends[e]
    if e not in clitics:
        return [(s, count, key, start, end, False)]
    out: list[_Window] = []
    stem = tokens[e][:-3]
    if table.get(stem, 0.0) < COMMON:
        out.append((s, count, key[:-3], start, end - 3, True))
    if stem not in index.keys:  # "Bulgannya" is Bulgan + nya, not a misspelt Bulgariya
        out.append((s, count, key, start, end, False))
    return out


def _eligible(view: TextView, i: int, zipf: float) -> bool:
    """Whether text token i may anchor a fuzzy match (its frequency is `zipf`): a capitalised
    one, or one joined to a capitalised one, or a long lower-case one that is no word."""
    text = view.text
    start = view.starts[i]
    first = text[start]
    if first.isupper() or first.isdigit():
        # A known word capitalised only by opening a sentence is that word ("Kills" is no
        # misspelt "Hills"); a dateline in capitals is a name ("MOSKOW").
        return (
            zipf < KNOWN
            or text[start : view.ends[i]].isupper()
            or not sentence_initial(text, start)
        )
    # A lower-case token is part of a name when hyphenated or apostrophed onto a capitalised
    # one ("Wu-hsuah", "Clipperton-szigez", "M'onkhenladbakh").
    return (
        i > 0
        and text[view.starts[i - 1]].isupper()
        and view.kinds[i - 1] == SOFT
        and not has_space(view.gaps[i - 1])
    ) or (zipf < KNOWN and len(view.tokens[i]) >= LOWER_TOKEN)


def _tokens_allow(view: TextView, window: _Window, anchor: Anchor, table: dict[str, float]) -> bool:
    # Token by token, the window never turns a known word of the text into another word.
    tokens = view.tokens
    s, count, _, _, _, stem = window
    for k, alias_word in enumerate(anchor.tokens):
        word = tokens[s + k]
        if stem and k == count - 1:
            word = word[:-3]
        if word != alias_word and not word_allows(word, alias_word, table):
            return False
    return True


def _near(key: str, akeys: tuple[str, ...], ids: tuple[int, ...]) -> list[tuple[int, int]]:
    """(distance, anchor) for the keys within two edits of `key` (OSA: a transposition is one)
    that open with its letter (a misspelling keeps the first letter: "Lorgin" is no "Norgin")."""
    first = key[0]
    if len(akeys) > BATCH:
        return [
            (distance, ids[k])
            for _, distance, k in process.extract(
                key, akeys, scorer=OSA.distance, score_cutoff=2, limit=None
            )
            if akeys[k][0] == first
        ]
    near = []
    size = len(key)
    for k, akey in enumerate(akeys):
        if akey[0] == first and -2 <= len(akey) - size <= 2:
            distance = OSA.distance(key, akey, score_cutoff=2)
            if distance <= 2:
                near.append((distance, ids[k]))
    return near


def fuzzy_hits(
    index: Index, view: TextView, table: dict[str, float], entries: list[Entry]
) -> list[Hit]:
    """Every fuzzy match of an alias, with the precision gates applied (`entries`: the
    tokens', tokens.py; their anchors are worked out here the first time they are needed)."""
    text, tokens, kinds = view.text, view.tokens, view.kinds
    anchors, records, keys = index.anchors, index.records, index.keys
    zipf_of = table.get
    last = len(tokens) - 1
    hits: list[Hit] = []
    clitics = set(view.clitics)
    seen: dict[tuple[int, int], list[_Window]] = {}
    for i in [i for i, entry in enumerate(entries) if entry.anchors is not _NOTHING]:
        token = tokens[i]
        groups = entries[i].anchors
        if groups is None:
            if len(token) < MIN_TOKEN or token.isdigit() or zipf_of(token, 0.0) >= COMMON:
                groups = ()  # a common word is that word, not a misspelt name
            else:
                groups = anchors_of(index, token, table, token in keys)
            entries[i].anchors = groups
        if not groups or not _eligible(view, i, zipf_of(token, 0.0)):
            continue
        best: dict[int, tuple[int, int, int, _Window]] = {}  # anchor -> distance, start, -end
        for count, position, akeys, ids in groups:
            s = i - position
            e = s + count - 1
            if s < 0 or e > last or (count > 1 and HARD in kinds[s:e]):
                continue  # the alias would run out of the text or across a sentence
            windows = seen.get((s, e))  # (the tokens of a window may each anchor it)
            if windows is None:
                windows = seen[(s, e)] = _window_keys(view, s, e, index, table, clitics)
            for window in windows:
                start, end = window[3], window[4]
                marked = PUNCT_MARK in window[2]
                if len(akeys) == 1:  # (most groups: no call)
                    akey, key = akeys[0], window[2]
                    if akey[0] != key[0] or not -2 <= len(akey) - len(key) <= 2:
                        continue
                    distance = OSA.distance(key, akey, score_cutoff=2)
                    near = [(distance, ids[0])] if distance <= 2 else []
                else:
                    near = _near(window[2], akeys, ids)
                for distance, anchor_id in near:
                    anchor = anchors[anchor_id]
                    if distance > anchor.edits or (marked and PUNCT_MARK not in anchor.key):
                        # A name runs across a comma, a bracket or a spaced dash only where
                        # the alias has punctuation ("Sistan - Baluchestan" is two names).
                        continue
                    current = best.get(anchor_id)
                    if current is None or (distance, start, -end) < current[:3]:
                        best[anchor_id] = (distance, start, -end, window)
        for anchor_id, (distance, _, _, window) in best.items():
            if distance == 0:
                continue  # exact: the exact pass has it
            anchor = anchors[anchor_id]
            if not _tokens_allow(view, window, anchor, table):
                continue
            key, start, end = window[2], window[3], window[4]
            size = max(len(key), len(anchor.key))
            score = _SCORES.get((distance, size)) or _SCORES.setdefault(
                (distance, size), fuzzy_score(distance, size)
            )
            key_digits = digits(key)
            initial = text[start]
            lower = not (initial.isupper() or initial.isdigit())
            for rid in anchor.records:
                record = records[rid]
                if record.edits < distance or record.digits != key_digits:
                    continue
                if not lower or record.alias[:1].islower():
                    if case_allows(record, text, start):
                        hits.append((start, end, rid, score, False, None))
                elif (len(anchor.tokens) > 1 or record.tier == 0) and record.tier < 3:
                    # A name of several words, or a rare one, misspelt in lower case.
                    reasons = {LOWER_CASE, COMMON_WORD} if record.tier == 2 else {LOWER_CASE}
                    doubt, reason = doubted(reasons, fuzzy=True)
                    hits.append((start, end, rid, doubt, False, reason))
    return hits
