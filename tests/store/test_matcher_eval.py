"""Synthetic evaluation of the matcher: a generated gazetteer, generated articles of real
frequent Indonesian and English words, aliases injected exactly, in other case, with
punctuation changes, with one and two character edits, as hyphen compounds and with clitics.
Deterministic (random.Random with a fixed seed); `pytest -s` prints the figures."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

import pytest
from wordfreq import top_n_list, zipf_frequency

from store.config import MIN_SCORE
from store.matching import AliasEntry, Candidate, Matcher, alias_key

SEED = 20240611
ARTICLES = 240
WORDS = 260  # per article, about
MENTION_RATE = 0.07  # chance that a word slot holds a mention
DISTRACTOR_RATE = 0.03  # chance that it holds a capitalised name that is in no gazetteer
KINDS = ("exact", "case", "punct", "edit1", "edit2", "compound", "clitic")
KIND_WEIGHTS = (0.25, 0.15, 0.15, 0.2, 0.15, 0.05, 0.05)
MIN_RECALL = 0.97
MIN_PRECISION = 0.95  # of the candidates shown at the default threshold

ONSETS = (
    "b",
    "d",
    "g",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "z",
    "kh",
    "sh",
    "zh",
    "ch",
    "tr",
    "br",
    "gr",
    "st",
    "kr",
    "pl",
    "dr",
    "y",
    "j",
    "h",
    "ts",
)
VOWELS = ("a", "e", "i", "o", "u", "a", "o", "ya", "ie", "ou")
CODAS = ("", "", "", "n", "r", "s", "k", "l", "m", "t", "sk", "nd", "rg")
ENDINGS = (
    "ov",
    "ev",
    "in",
    "sky",
    "enko",
    "stan",
    "abad",
    "grad",
    "pur",
    "ija",
    "ovo",
    "ia",
    "ul",
    "ar",
    "ek",
    "an",
    "ino",
    "ese",
)
ACCENTED = {"a": "á", "e": "é", "o": "ö", "u": "ü", "i": "ī", "s": "ş", "c": "č", "z": "ž"}
ORG_ADJ = (
    "National",
    "Federal",
    "Central",
    "United",
    "Joint",
    "Regional",
    "Strategic",
    "Eastern",
    "Western",
    "Continental",
)
ORG_DOMAIN = (
    "Defence",
    "Energy",
    "Maritime",
    "Aerospace",
    "Missile",
    "Border",
    "Naval",
    "Nuclear",
    "Armaments",
    "Logistics",
    "Intelligence",
)
ORG_TYPE = (
    "Agency",
    "Council",
    "Command",
    "Corporation",
    "Bureau",
    "Institute",
    "Group",
    "Directorate",
    "Industries",
    "Holdings",
)
ID_ORG = ("Badan", "Komando", "Dewan", "Lembaga", "Direktorat", "Pusat")
WEAPON_PREFIX = ("Su", "Mi", "Ka", "Tu", "S", "BMP", "BTR", "T", "MiG", "Kh", "HQ", "PL")
WEAPON_SUFFIX = ("", "E", "M", "PS", "SM", "V5", "K", "MT", "F", "UB")
CLITICS = ("nya", "lah", "kah", "pun")


@dataclass
class Mention:
    start: int
    end: int
    key: str
    kind: str
    surface: str


def _word(rng: random.Random, table_words: set[str]) -> str:
    """A generated name word: not a word of Indonesian or English."""
    while True:
        syllables = "".join(
            rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS)
            for _ in range(rng.randint(1, 3))
        )
        word = (syllables + (rng.choice(ENDINGS) if rng.random() < 0.6 else "")).capitalize()
        if 4 <= len(word) <= 14 and word.lower() not in table_words:
            return word


def _accent(rng: random.Random, word: str) -> str:
    spots = [i for i, c in enumerate(word) if c in ACCENTED and i > 0]
    if not spots:
        return word
    i = rng.choice(spots)
    return word[:i] + ACCENTED[word[i]] + word[i + 1 :]


def build_gazetteer(rng: random.Random) -> list[tuple[str, str, str]]:
    """(key, alias, label): persons, places, organisations, weapons, towns named like common
    words, and a few names shared by two entities. About four thousand aliases."""
    known = {w for lang in ("id", "en") for w in top_n_list(lang, 50_000)}
    rows: list[tuple[str, str, str]] = []
    taken: set[str] = set()

    def add(key: str, alias: str, label: str) -> None:
        if alias_key(alias) not in taken:
            taken.add(alias_key(alias))
            rows.append((key, alias, label))

    given = [(_word(rng, known),) for _ in range(120)]
    variants = [(g[0], g[0][:-1] + ("y" if g[0][-1] in "iy" else "e")) for g in given]
    for n in range(1300):
        first = rng.choice(variants)
        surname = _word(rng, known)
        key = f"per:{n}"
        add(key, f"{first[0]} {surname}", "PERSON")
        if rng.random() < 0.4:
            add(key, f"{first[1]} {surname}", "PERSON")
        if rng.random() < 0.5:
            add(key, surname, "PERSON")
    for n in range(1300):
        key = f"geo:{n}"
        name = _word(rng, known)
        roll = rng.random()
        if roll < 0.15:
            name = f"{rng.choice(('Novo', 'Port', 'San', 'Kota'))} {name}"
        elif roll < 0.25:
            name = f"{name}-{_word(rng, known)}"
        elif roll < 0.4:
            name = _accent(rng, name)
        add(key, name, "GPE")
        if rng.random() < 0.3:
            add(key, _word(rng, known), "GPE")
    for n in range(500):
        key = f"org:{n}"
        if rng.random() < 0.7:
            name = f"{rng.choice(ORG_ADJ)} {rng.choice(ORG_DOMAIN)} {rng.choice(ORG_TYPE)}"
            name += f" of {_word(rng, known)}" if rng.random() < 0.5 else ""
        else:
            name = f"{rng.choice(ID_ORG)} {_word(rng, known)} Nasional"
        add(key, name, "ORG")
        acronym = "".join(w[0] for w in name.split() if w != "of")
        if rng.random() < 0.8 and len(acronym) >= 3:
            add(key, acronym.upper(), "ORG")
    for n in range(400):
        key = f"wpn:{n}"
        prefix = rng.choice(WEAPON_PREFIX)
        add(key, f"{prefix}-{rng.randint(2, 700)}{rng.choice(WEAPON_SUFFIX)}", "WEAPON")
        if rng.random() < 0.2:
            add(key, f"{_word(rng, known)}-{rng.choice('SMKE')}{rng.randint(1, 3)}", "WEAPON")
    commons = [
        w
        for w in top_n_list("id", 3000)[200:] + top_n_list("en", 3000)[200:]
        if w.isalpha() and len(w) >= 4
    ]
    for n, word in enumerate(rng.sample(commons, 60)):
        add(f"town:{n}", word.capitalize(), "GPE")
    places = [row for row in rows if row[2] == "GPE" and row[0].startswith("geo:")]
    for n, (_, alias, _) in enumerate(rng.sample(places, 25)):
        rows.append((f"twin:{n}", alias, "GPE"))  # a namesake: one span, two entities
    return rows


def _known(word: str) -> bool:
    """A word of Indonesian or English (Zipf 3 or more)."""
    return max(zipf_frequency(word, "id"), zipf_frequency(word, "en")) >= 3.0


def _common(alias: str) -> bool:
    """An alias made of words only ("Sumber", "National Defence Agency")."""
    return all(_known(word) for word in alias.lower().split())


class Corpus:
    def __init__(self, rows: list[tuple[str, str, str]], rng: random.Random) -> None:
        self.rng = rng
        self.rows = rows
        self.keys = {alias_key(alias) for _, alias, _ in rows}
        self.known = {w for lang in ("id", "en") for w in top_n_list(lang, 50_000)} | {
            alias.lower() for _, alias, _ in rows
        }
        self.common = {i for i, (_, alias, _) in enumerate(rows) if _common(alias)}
        # Filler: frequent words, the common words that are also town names among them (they
        # must stay words in lower-case prose), but no other alias.
        allowed = {alias_key(rows[i][1]) for i in self.common}
        self.filler = {
            lang: [
                w
                for w in top_n_list(lang, 3000)
                if w.isalpha() and (alias_key(w) not in self.keys or alias_key(w) in allowed)
            ]
            for lang in ("id", "en")
        }

    def _edited(self, alias: str, edits: int) -> str | None:
        rng = self.rng
        tokens = [(i, w) for i, w in enumerate(alias.split(" ")) if w.isalpha()]
        long = [t for t in tokens if len(t[1]) >= (9 if edits == 2 else 5)]
        if edits == 2 and not long:
            long = [t for t in tokens if len(t[1]) >= 5]
            if len(long) < 2:
                return None
            sites = rng.sample(long, 2)
            per_token = 1
        elif not long:
            return None
        else:
            sites = [rng.choice(long)]
            per_token = edits
        words = alias.split(" ")
        for index, word in sites:
            chars = list(word)
            for _ in range(per_token):
                at = rng.randrange(1, len(chars))
                op = rng.choice(("sub", "sub", "del", "ins"))
                if op == "sub":
                    pool = "aeiou" if chars[at].lower() in "aeiou" else "bdfgklmnprstvz"
                    chars[at] = rng.choice([c for c in pool if c != chars[at].lower()])
                elif op == "del" and len(chars) > 4:
                    del chars[at]
                else:
                    chars.insert(at, rng.choice("aeiourlnst"))
            new = "".join(chars)
            if _known(new.lower()) or alias_key(new) in self.keys:
                return None  # an edit into a word or another name is no misspelling
            words[index] = new
        out = " ".join(words)
        if alias_key(out) in self.keys or alias_key(out) == alias_key(alias):
            return None
        return out

    def _variant(self, kind: str, alias: str) -> str | None:
        rng = self.rng
        if kind == "exact":
            return alias
        if kind == "case":
            options = [alias.upper(), alias.title()]
            if not any(_known(w) for w in alias.lower().split()):
                options += [alias.lower()] * 2  # a known word needs its capital
            out = rng.choice(options)
            return out if out != alias else None
        if kind == "punct":
            sites = [i for i, c in enumerate(alias) if c in "- "]
            sites += [
                i for i in range(1, len(alias)) if alias[i - 1].isalpha() and alias[i].isdigit()
            ]
            if not sites:
                return None
            at = rng.choice(sites)
            if alias[at] == "-":
                return alias[:at] + rng.choice((" ", "")) + alias[at + 1 :]
            if alias[at] == " ":
                return alias[:at] + "-" + alias[at + 1 :]
            return alias[:at] + rng.choice(("-", " ")) + alias[at:]
        return self._edited(alias, 1 if kind == "edit1" else 2)

    def _pick(self, kind: str) -> int:
        rng = self.rng
        while True:
            i = rng.randrange(len(self.rows))
            _, alias, label = self.rows[i]
            if alias.isupper() and alias.isalpha() and kind != "exact":
                continue  # acronyms: exactly, in capitals
            if i in self.common and kind not in ("exact", "case", "punct"):
                continue  # words: never misspelt, hyphenated or with a clitic
            if kind in ("edit1", "edit2") and label == "WEAPON":
                continue  # another digit is another weapon; letters are too few
            if kind in ("compound", "clitic") and (" " in alias or label != "GPE"):
                continue
            return i

    def mention(self, lang: str) -> tuple[str, list[tuple[int, int, str, str]]] | None:
        rng = self.rng
        kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
        for _ in range(30):
            i = self._pick(kind)
            key, alias, _ = self.rows[i]
            surface = self._variant(kind if kind not in ("compound", "clitic") else "exact", alias)
            if surface is None:
                continue
            if kind == "clitic":
                return surface + rng.choice(CLITICS), [(0, len(surface), key, kind)]
            if kind == "compound":
                j = self._pick("compound")
                other_key, other, _ = self.rows[j]
                if j == i:
                    continue
                word = f"{surface}-{other}"
                if alias_key(word) in self.keys:
                    continue
                return word, [
                    (0, len(surface), key, kind),
                    (len(surface) + 1, len(word), other_key, kind),
                ]
            return surface, [(0, len(surface), key, kind)]
        return None

    def article(self) -> tuple[str, list[Mention]]:
        rng = self.rng
        lang = rng.choice(("id", "en"))
        parts: list[str] = []
        mentions: list[Mention] = []
        pos = 0
        count = 0
        while count < WORDS:
            length = rng.randint(6, 20)
            for k in range(length):
                if k:
                    parts.append(" ")
                    pos += 1
                roll = rng.random()
                found = self.mention(lang) if k and roll < MENTION_RATE else None
                if found is None:
                    word = rng.choice(self.filler[lang])
                    word = word.capitalize() if k == 0 else word
                    if roll > 1 - DISTRACTOR_RATE:  # another name: nothing to find there
                        word = _word(rng, self.known)
                    if k and rng.random() < 0.05:
                        word += ","
                    parts.append(word)
                    pos += len(word)
                    continue
                word, spans = found
                quoted = rng.random() < 0.1
                if quoted:
                    parts.append("(")
                    pos += 1
                for s, e, key, kind in spans:
                    mentions.append(Mention(pos + s, pos + e, key, kind, word[s:e]))
                parts.append(word)
                pos += len(word)
                if quoted:
                    parts.append(")")
                    pos += 1
            count += length
            end = ".\n\n" if rng.random() < 0.2 else ". "
            parts.append(end)
            pos += len(end)
        return "".join(parts).rstrip(), mentions


@pytest.fixture(scope="module")
def evaluation() -> dict[str, object]:
    rng = random.Random(SEED)
    rows = build_gazetteer(rng)
    matcher = Matcher.build(AliasEntry(key, alias, label) for key, alias, label in rows)
    corpus = Corpus(rows, rng)
    total: Counter[str] = Counter()
    hit: Counter[str] = Counter()
    right = wrong = 0
    misses: list[tuple[str, str]] = []
    false: list[tuple[str, str]] = []
    for _ in range(ARTICLES):
        text, mentions = corpus.article()
        gold = {(m.start, m.end): m for m in mentions}
        got: dict[tuple[int, int], Candidate] = {}
        for c in matcher.find_candidates(text):
            assert text[c.start : c.end] == c.text
            if c.score < MIN_SCORE:
                continue  # hidden at the default threshold
            got[(c.start, c.end)] = c
            m = gold.get((c.start, c.end))
            if m is not None and (c.key == m.key or m.key in c.alternatives):
                right += 1
            else:
                wrong += 1
                false.append((c.text, c.key))
        for span, m in gold.items():
            total[m.kind] += 1
            proposed = got.get(span)
            if proposed is not None and (proposed.key == m.key or m.key in proposed.alternatives):
                hit[m.kind] += 1
            else:
                misses.append((m.kind, m.surface))
    recall = {kind: hit[kind] / total[kind] for kind in KINDS}
    precision = right / (right + wrong)
    print(
        f"\nsynthetic evaluation: {len(rows)} aliases, {ARTICLES} articles, "
        f"{sum(total.values())} mentions"
    )
    for kind in KINDS:
        print(f"  recall {kind:9} {hit[kind]:4}/{total[kind]:<4} = {recall[kind]:.3f}")
    print(
        f"  recall overall {sum(hit.values())}/{sum(total.values())} = "
        f"{sum(hit.values()) / sum(total.values()):.3f}"
    )
    print(f"  precision {right}/{right + wrong} = {precision:.3f}")
    print(f"  misses (first 10): {misses[:10]}")
    print(f"  false candidates (first 10): {false[:10]}")
    return {"recall": recall, "precision": precision, "total": total, "rows": rows}


def test_the_gazetteer_is_a_few_thousand_aliases(evaluation: dict[str, object]) -> None:
    rows = evaluation["rows"]
    assert isinstance(rows, list) and 3000 <= len(rows) <= 6000


@pytest.mark.parametrize("kind", KINDS)
def test_recall_per_kind(evaluation: dict[str, object], kind: str) -> None:
    total = evaluation["total"]
    recall = evaluation["recall"]
    assert isinstance(total, Counter) and isinstance(recall, dict)
    assert total[kind] >= 60, "too few mentions of this kind to measure"
    assert recall[kind] >= MIN_RECALL


def test_precision(evaluation: dict[str, object]) -> None:
    precision = evaluation["precision"]
    assert isinstance(precision, float) and precision >= MIN_PRECISION
