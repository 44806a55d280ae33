"""The export formats by `--format` name: each a small module with a writer function.

telaah's own: "jsonl" (the default), "brat" (a folder), "facts-csv". Helper modules add
"conll", "doccano" and "spacy" here with one `ExportFormat(...)` line each.
"""

from __future__ import annotations

from store.errors import TelaahError
from store.export.brat import write_brat
from store.export.conll import write_conll
from store.export.doccano import write_doccano
from store.export.facts_csv import write_facts_csv
from store.export.jsonl import write_jsonl
from store.export.spacy_docbin import write_spacy
from store.export.writer import ExportFormat

FORMATS: dict[str, ExportFormat] = {
    fmt.name: fmt
    for fmt in (
        ExportFormat(
            "jsonl",
            write_jsonl,
            parts=True,
            suffix=".jsonl",
            description="telaah's own, lossless; Prodigy/spaCy conventions",
        ),
        ExportFormat(
            "brat",
            write_brat,
            folder=True,
            description="brat standoff: a folder of .txt/.ann, annotation.conf",
        ),
        ExportFormat(
            "facts-csv",
            write_facts_csv,
            suffix=".csv",
            description="one row per fact: roles as entity keys, surfaces, offsets",
        ),
        ExportFormat(
            "conll",
            write_conll,
            suffix=".conll",
            description="CoNLL-2003 four columns, IOB2, -DOCSTART- per article",
        ),
        ExportFormat(
            "doccano",
            write_doccano,
            suffix=".jsonl",
            description="doccano JSONL: entities and relations, UTF-16 offsets",
        ),
        ExportFormat(
            "spacy",
            write_spacy,
            suffix=".spacy",
            description="spaCy DocBin for `spacy train` (needs telaah[spacy])",
        ),
    )
}

DEFAULT_FORMAT = "jsonl"


def get_format(name: str) -> ExportFormat:
    """The format called `name`.

    Raises:
        TelaahError: no such format (the message lists the known ones).
    """
    try:
        return FORMATS[name]
    except KeyError:
        raise TelaahError(
            f"unknown export format {name!r}: choose one of {', '.join(FORMATS)}"
        ) from None
