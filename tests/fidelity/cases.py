"""The fidelity cases: one row per real file shape, what its import must store, and the exports
each goes through. Add a row for a new shape; the tests take every row through every export.

Fixtures live in tests/fixtures/<format>/ (each folder's README names its source).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

SCHEMA = "tests/fidelity/schema.toml"
BRAT_SCHEMA = "tests/fixtures/brat/schema.toml"


@dataclass(frozen=True)
class Case:
    """A fixture and what importing it must give.

    Attributes:
        paths: files or folders under tests/fixtures, read as `format`.
        label_map: `--map` of the import (doccano 1.x labels are numbers).
        articles, spans, links, facts: how many the database holds after the import
            (accepted spans and facts; links: spans with an entity).
        surfaces: (text, label) pairs that must be stored spans: the hard cases of the file.
        not_stored: the import summary's `not stored:` counts by kind; None: not checked
            (constructs another part of issue 12 is making storable).
        overlapping: spans nest or overlap, so CoNLL and the DocBin must list some as skipped;
            otherwise no export may skip a single span.
    """

    id: str
    format: str
    paths: tuple[str, ...]
    articles: int
    spans: int
    links: int = 0
    facts: int = 0
    surfaces: tuple[tuple[str, str], ...] = ()
    schema: str = SCHEMA
    label_map: str | None = None
    not_stored: Mapping[str, int] | None = field(default_factory=dict)
    overlapping: bool = False


CASES = (
    Case(
        "prodigy-ner-manual",
        "jsonl",
        ("prodigy/ner_manual.jsonl",),
        articles=2,  # the third line is a rejected answer
        spans=10,
        surfaces=(
            ("Uber", "ORG"),
            ("U.S.", "GPE"),
            ("San Francisco", "GPE"),
            ("MOSKOW", "GPE"),
            ("Kazakhstan", "GPE"),
            ("S-300", "WEAPON"),
            ("Februari 2021", "DATE"),
        ),
    ),
    Case(
        "prodigy-spans-kb-id",
        "jsonl",
        ("prodigy/spans.jsonl",),
        articles=2,
        spans=8,
        links=2,
        surfaces=(("Bank Indonesia", "ORG"), ("Indonesia", "GPE"), ("Bank Sentral Rusia", "ORG")),
        overlapping=True,
    ),
    Case(
        "prodigy-rel-manual",
        "jsonl",
        ("prodigy/rel_manual.jsonl",),
        articles=1,
        spans=4,
        facts=2,
        surfaces=(("Sergei Shoigu", "PERSON"), ("Astana", "GPE")),
    ),
    Case(
        "prodigy-nel",
        "jsonl",
        ("prodigy/nel.jsonl",),
        articles=2,
        spans=2,
        links=2,
        surfaces=(("Putin", "PERSON"), ("Moskow", "GPE")),
    ),
    Case(
        "conll-2003-iob1",
        "conll",
        ("conll/eng_iob1.conll",),
        articles=2,
        spans=15,
        surfaces=(("EU", "ORG"), ("U.N.", "ORG"), ("Dutch", "MISC"), ("Uber", "ORG")),
    ),
    Case(
        "conll-2003-iob2",
        "conll",
        ("conll/eng_iob2.conll",),
        articles=2,
        spans=15,
        surfaces=(("Peter Blackburn", "PER"), ("European Commission", "ORG"), ("German", "MISC")),
    ),
    Case(
        "conll-tab-crlf",
        "conll",
        ("conll/id_news_tab_crlf.conll",),
        articles=2,
        spans=12,
        surfaces=(
            ("es krim", "FNB"),
            ("Partai Keadilan Sejahtera", "ORG"),
            ("(PKS)", "ORG"),
            ("Rusia", "GPE"),
            ("Sergei Shoigu", "PER"),
        ),
    ),
    Case(
        "doccano-label",
        "doccano",
        ("doccano/sequence_labeling.jsonl",),
        articles=3,
        spans=9,
        surfaces=(
            ("EU", "ORG"),
            ("Rusia", "GPE"),  # inside `Rusianya`: a token of its own only once cut there
            ("Kementerian Pertahanan Rusia-Kazakhstan", "ORG"),
            ("Kazakhstan", "GPE"),
            ("Astana", "GPE"),
        ),
        overlapping=True,
    ),
    Case(
        "doccano-entities-relations",
        "doccano",
        ("doccano/relation_extraction.jsonl",),
        articles=2,
        spans=8,
        facts=4,
        surfaces=(("September 4, 1998", "DATE"), ("S-300", "WEAPON"), ("Sergei Shoigu", "PERSON")),
    ),
    Case(
        "doccano-v1-annotations",
        "doccano",
        ("doccano/v1_annotations.jsonl",),
        articles=1,
        spans=3,
        surfaces=(("Peter Blackburn", "PER"), ("BRUSSELS", "LOC"), ("Belgia", "LOC")),
        label_map="3=PER,4=LOC",
        not_stored={"per-user layer": 1},
    ),
    Case(
        "doccano-data-key",
        "doccano",
        ("doccano/data_key.jsonl",),
        articles=1,
        spans=3,
        surfaces=(("Kyrgyzstan", "GPE"), ("Vladimir Putin", "PERSON")),
    ),
    Case(
        "brat-news-tutorial",
        "brat",
        ("brat",),
        articles=3,
        spans=38,
        links=1,
        facts=15,
        surfaces=(
            ("Orville Wright", "Person"),
            ("Google", "Organization"),
            ("J. K. Rowling", "Person"),
        ),
        schema=BRAT_SCHEMA,
        not_stored=None,
    ),
)

# Every export format, with its options; the doccano export twice (UTF-16 and code points).
EXPORTS: dict[str, tuple[str, dict[str, str]]] = {
    "jsonl": ("jsonl", {}),
    "brat": ("brat", {}),
    "conll": ("conll", {}),
    "doccano": ("doccano", {}),
    "doccano-codepoint": ("doccano", {"offsets": "codepoint"}),
    "spacy": ("spacy", {}),
    "facts-csv": ("facts-csv", {}),
}


def pairs() -> list[tuple[Case, str]]:
    """Every case with every export (the facts CSV only where there are facts)."""
    return [
        (case, export)
        for case in CASES
        for export in EXPORTS
        if export != "facts-csv" or case.facts
    ]
