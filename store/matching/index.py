"""The index built once from the gazetteer: alias records, exact keys, the deletion index.

Exact: a dict maps every alias key to the records that share it (one key can be an alias of
several entities), and the walk table tells, for a run of text tokens, which records it spells
and whether adding the next token can still spell a key.

Fuzzy: every token of four or more characters of an alias that may be matched fuzzily is a
"unit"; a SymSpell-style deletion index maps the strings obtained by deleting up to one
character (two for units of TWO_EDITS characters or more) from the unit's first PREFIX
characters to the unit. Two strings within d edits always share such a deletion string, prefix
cut included (d deletions from each side reach a common string), so looking up the deletions of
a misspelt text token finds every unit it could be a misspelling of; each alias holding the
unit is then verified on its whole key against the text around the token.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from store.matching.normalise import PUNCT_MARK, SOFT, digits, fold, gap_kind
from store.matching.types import AliasEntry
from store.matching.view import split
from store.matching.words import (
    COMMON,
    KNOWN,
    SENTENCE_START,
    VERY_COMMON,
    phrase_zipf,
    word_table,
)

# Fuzzy matching allows one edit from keys of this length ("Kabol" ~ "Kabul", 80/100) and two
# from TWO_EDITS ("Kyrgystan" ~ "Kyrgyzstan" is one edit; "Pletersk Cosmodrome" ~ "Plesetsk
# Cosmodrome" two); a transposition of neighbours is one edit ("Bnadung"). Shorter keys have
# too many one-edit neighbours among words and names. The same holds per token: a token of
# fewer than TWO_EDITS characters carries at most one edit (text tokens from six characters are
# looked up for two: fuzzy.TWO_DELETIONS).
ONE_EDIT = 5
TWO_EDITS = 8
# A name that is also a common word (wordfreq counts names: "Indonesia" 6.3, "Jakarta" 5.9)
# is a fuzzy target too when it is one word of at least this many characters: only a text
# token that is no word of the language, capitalised, is taken for its misspelling ("Jkarta",
# "Inonesia"). Shorter common words ("Barat", "Timur") and common phrases never are.
COMMON_NAME = 6
# Keys of at most SHORT characters are matched exactly only; alphabetic ones as one whole token
# (CIS, AS, Iran), while designations with digits may be spelt with or without a hyphen (S-300).
SHORT = 4
# All-capital aliases without digits up to this length are acronyms (CSTO, SCO, TASS, ASEAN):
# they match only text in capitals, so "as", "sco" or "Tass" in prose never produce them.
ACRONYM = 6
# An entity the gazetteer names in this many ways or more (translations, transliterations,
# official names: countries, capitals, regions, famous people) is well known: a known word that
# is one of its names is taken for it at the start of a sentence too ("Rusia dan Kazakhstan
# bertemu" names Russia by four names in the sample gazetteer), while a town named once like a
# word ("Baca", "Sumber") needs the text to name it inside a sentence as well.
RENOWNED = 4
# ... provided that another of its names is about as common (Zipf within EXPLAINED): the entity
# is famous enough to explain the word ("Rusia" 5.0 beside "Russia" 4.9), while a name that is
# far more common than the entity's others is common for another reason ("Mari", a name of
# Mali in one language, is 5.2 in Indonesian: "let's"; "Mali" is 3.5).
EXPLAINED = 0.5
# SymSpell prefix: only the first PREFIX characters of a unit are indexed (7, as in SymSpell);
# that keeps the index small and the lookup still finds every unit within the edits.
PREFIX = 7
# Units shorter than this are not indexed: a misspelt three-letter token is anyone's guess.
MIN_UNIT = 4
# An alias key shared by more entities than this proposes the first SHARED of them (by entity
# key): the work per occurrence, and a candidate's alternatives, stay bounded when thousands of
# entities share one alias ("al"); `telaah gazetteer lint` lists such aliases.
SHARED = 50


def edit_budget(length: int) -> int:
    """How many edits (OSA: a transposition is one) a key or token of `length` may carry."""
    return 0 if length < ONE_EDIT else 1 if length < TWO_EDITS else 2


class AliasRecord(NamedTuple):
    """One alias of one entity, with the gates that decide where it may match."""

    key: str  # the entity's key
    label: str
    alias: str  # as the gazetteer writes it
    akey: str  # alias_key(alias): folded tokens, concatenated
    single: bool  # a short alphabetic alias: one whole text token, exactly
    acronym: bool  # only text in capitals
    # 0: any case; 1: capitalised; 2: capitalised, and if only by opening a sentence, named
    # inside a sentence elsewhere in the text too (unless renowned); 3: capitalised, neither
    # opening a sentence nor in title case. See words.KNOWN, SENTENCE_START, VERY_COMMON.
    tier: int
    edits: int  # how many edits a fuzzy match of this alias may have (0: exact only)
    digits: str  # the digits of the key: a fuzzy match must keep them
    bounds: tuple[int, ...]  # where in akey the alias changes token or letters to digits
    joins: tuple[int, ...]  # where in akey the alias changes token
    zipf: float  # how common the alias is as a word or phrase


class Anchor(NamedTuple):
    """One way of spelling an alias key, by tokens, that fuzzy matches are verified against."""

    key: str  # the key, with PUNCT_MARK where the alias has punctuation between tokens
    tokens: tuple[str, ...]  # its folded tokens: a fuzzy window has as many
    edits: int  # the most edits any of its records allows
    records: tuple[int, ...]


def deletions(word: str, depth: int) -> set[str]:
    """`word` cut to PREFIX characters, and every string from deleting up to `depth` (1 or 2)
    of its characters."""
    word = word[:PREFIX]
    n = len(word)
    ones = [word[:i] + word[i + 1 :] for i in range(n)]
    found = set(ones)
    found.add(word)
    if depth > 1:  # deleting i, then j of what is left (j >= i): every pair once
        found.update([ones[i][:j] + ones[i][j + 1 :] for i, j in _PAIRS[n]])
    return found


# The (i, j) pairs of `deletions` by word length.
_PAIRS = [[(i, j) for i in range(n) for j in range(i, n - 1)] for n in range(PREFIX + 1)]


def parse_alias(alias: str) -> tuple[list[str], str]:
    """The folded tokens of an alias, and its key with PUNCT_MARK at punctuated gaps."""
    tokens, gaps, _, _ = split(fold(alias))
    if len(tokens) < 2:
        return tokens, "".join(tokens)
    parts = tokens[:1]
    for k in range(1, len(tokens)):
        if gap_kind(gaps[k - 1]) != SOFT:
            parts.append(PUNCT_MARK)
        parts.append(tokens[k])
    return tokens, "".join(parts)


def key_bounds(key: str, tokens: list[str], digits: bool = True) -> tuple[int, ...]:
    """Where in `key` (plain or punctuated) the tokens of its alias end, and (with `digits`)
    where letters change to digits and back: where a text may split the alias with a space or
    a hyphen."""
    if len(tokens) == 1 and key.isalpha():
        return ()
    found = set()
    offset = 0
    for k, token in enumerate(tokens):
        if k:
            found.add(offset)
            if key[offset] == PUNCT_MARK:
                offset += 1
        offset += len(token)
    if digits and not key.isalpha():
        found.update(
            n
            for n in range(1, len(key))
            if PUNCT_MARK not in key[n - 1 : n + 1] and key[n - 1].isdigit() != key[n].isdigit()
        )
    return tuple(sorted(found))


def make_record(
    key: str, alias: str, label: str, tokens: list[str], table: dict[str, float]
) -> AliasRecord:
    """The record of one alias (whose folded tokens are `tokens`, not none)."""
    akey = "".join(tokens)
    acronym = (
        len(akey) <= ACRONYM
        and akey.isalpha()
        and alias == alias.upper()
        and sum(c.isalpha() for c in alias) >= 2
    )
    # How common the alias is: as a phrase, and as one word ("La Gi" is spelt "lagi").
    zipf = (
        max(phrase_zipf(tokens, table), table.get(akey, 0.0))
        if len(tokens) > 1
        else table.get(akey, 0.0)
    )
    tier = (
        0
        if acronym
        else 3
        if zipf >= VERY_COMMON
        else 2
        if zipf >= SENTENCE_START
        else 1
        if zipf >= KNOWN
        else 0
    )
    # Common words are never fuzzy targets: the town "Barat" must be spelt "Barat" (but see
    # COMMON_NAME).
    fuzzy = (
        not acronym
        and len(akey) >= ONE_EDIT
        and (zipf < COMMON or (len(tokens) == 1 and len(akey) >= COMMON_NAME))
    )
    return AliasRecord(
        key=key,
        label=label,
        alias=alias,
        akey=akey,
        single=len(akey) <= SHORT and akey.isalpha(),
        acronym=acronym,
        tier=tier,
        edits=edit_budget(len(akey)) if fuzzy else 0,
        digits=digits(akey),
        bounds=key_bounds(akey, tokens),
        joins=key_bounds(akey, tokens, digits=False),
        zipf=zipf,
    )


# The aliases a text token may anchor, grouped by where the token would be in them: (token
# count, which token, their keys, their anchor ids), sorted by count and position. A group
# gives one window of the text (fuzzy.py).
Groups = tuple[tuple[int, int, tuple[str, ...], tuple[int, ...]], ...]


# What the exact pass looks up for a run of tokens spelling `s`: the records whose key is `s`
# (or None), and the characters that follow `s` in longer keys where their alias has a token
# boundary (or changes between letters and digits) right after `s`. A run is only extended to
# the next token when its first character can continue a key there ("S" + "300" for S-300 and
# S300, "Asia" + "Tengah"; "dan" + "Kabul" is not worth a lookup). One dict lookup answers
# both (a pyahocorasick trie needs a match() and a get() call, 0.24 us each from Python, for
# what costs about 0.1 us here).
Step = tuple[tuple[int, ...] | None, str]


def _follow(follow: dict[str, str], key: str, bounds: Iterable[int]) -> None:
    """Note in `follow` the characters that continue `key` after each of its boundaries."""
    for n in bounds:
        prefix, char = key[:n], key[n]
        chars = follow.get(prefix, "")
        if char not in chars:
            follow[prefix] = chars + char


def _renowned(records: list[AliasRecord]) -> frozenset[int]:
    """The records that are names of a renowned entity (see RENOWNED) and no more common than
    its other names (EXPLAINED)."""
    names: dict[str, dict[str, float]] = {}
    for record in records:
        names.setdefault(record.key, {})[record.akey] = record.zipf
    out = []
    for rid, record in enumerate(records):
        others = names[record.key]
        if len(others) >= RENOWNED and any(
            zipf >= record.zipf - EXPLAINED for akey, zipf in others.items() if akey != record.akey
        ):
            out.append(rid)
    return frozenset(out)


class Index:
    """Everything `find_candidates` looks up, built once; picklable."""

    def __init__(self, aliases: Iterable[AliasEntry], languages: tuple[str, ...]) -> None:
        self.languages = languages
        table = word_table(languages)
        self.records: list[AliasRecord] = []
        by_key: dict[str, list[int]] = {}  # plain and punctuated keys -> records
        follow: dict[str, str] = {}  # see Step
        spellings: dict[tuple[str, tuple[str, ...]], list[int]] = {}
        records = self.records
        shared: dict[str, int] = {}  # alias key -> how many records have it
        for key, alias, label in sorted({(e.key, e.alias, e.label) for e in aliases}):
            tokens, marked = parse_alias(alias)
            if not tokens:
                continue
            joined = "".join(tokens)
            if shared.get(joined, 0) >= SHARED:
                continue
            shared[joined] = shared.get(joined, 0) + 1
            rid = len(records)
            record = make_record(key, alias, label, tokens, table)
            records.append(record)
            akey = record.akey
            ids = by_key.get(akey)
            if ids is None:
                by_key[akey] = [rid]
            else:
                ids.append(rid)
            _follow(follow, akey, record.bounds)
            if marked != akey:
                by_key.setdefault(marked, []).append(rid)
                _follow(follow, marked, key_bounds(marked, tokens))
            if record.edits:
                spellings.setdefault((marked, tuple(tokens)), []).append(rid)

        self.keys: dict[str, tuple[int, ...]] = {akey: tuple(ids) for akey, ids in by_key.items()}
        self.renowned = _renowned(records)
        walk: dict[str, Step] = {prefix: (None, chars) for prefix, chars in follow.items()}
        for akey, found in self.keys.items():
            walk[akey] = (found, follow.get(akey, ""))
        self.walk = walk

        self.anchors: list[Anchor] = []
        self.units: list[str] = []
        # unit -> (anchor, which token of the anchor's alias the unit is)
        self.unit_anchors: list[list[tuple[int, int]]] = []
        self.unit_ids: dict[str, int] = {}
        unit_ids = self.unit_ids
        for (marked, spelt), ids in spellings.items():
            anchor_id = len(self.anchors)
            edits = records[ids[0]].edits if len(ids) == 1 else max(records[i].edits for i in ids)
            self.anchors.append(Anchor(marked, spelt, edits, tuple(ids)))
            for k, token in enumerate(spelt):
                if len(token) >= MIN_UNIT and not token.isdigit():
                    uid = unit_ids.get(token)
                    if uid is None:
                        uid = unit_ids[token] = len(self.units)
                        self.units.append(token)
                        self.unit_anchors.append([])
                    self.unit_anchors[uid].append((anchor_id, k))
        self.unit_edits = [max(1, edit_budget(len(unit))) for unit in self.units]

        self._groups: dict[int, Groups] = {}  # see unit_groups
        for uid in range(len(self.units)):  # (each one's first use would cost as much)
            self.unit_groups(uid)

        # A deletion string -> its unit, or a list of its units (most have one: the string
        # itself is smaller and quicker to store than a list; the unit's own string, not a
        # copy, so that a lookup reads the units' spellings at once).
        self.deletions: dict[str, str | list[str]] = {}
        lookup = self.deletions.get
        for uid, unit in enumerate(self.units):
            for variant in deletions(unit, self.unit_edits[uid]):
                units = lookup(variant)
                if units is None:
                    self.deletions[variant] = unit
                elif isinstance(units, str):
                    self.deletions[variant] = [units, unit]
                else:
                    units.append(unit)

    def unit_groups(self, uid: int) -> Groups:
        """The anchors holding unit `uid`, grouped by where the unit stands in them (their
        token count, its position), in the order of `unit_anchors`. Worked out when the index is
        built (after unpickling: on first use) and kept: a misspelt token near a unit of many
        aliases ("republika") reuses them."""
        groups = self._groups.get(uid)
        if groups is None:
            anchors = self.anchors
            found: dict[tuple[int, int], list[int]] = {}
            for anchor_id, position in self.unit_anchors[uid]:
                found.setdefault((len(anchors[anchor_id].tokens), position), []).append(anchor_id)
            groups = self._groups[uid] = tuple(
                (count, position, tuple(anchors[a].key for a in ids), tuple(ids))
                for (count, position), ids in sorted(found.items())
            )
        return groups

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state["_groups"] = {}  # rebuilt as it is used: a worker starts sooner
        return state
