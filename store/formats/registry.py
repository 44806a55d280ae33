"""Every annotated-data format by its `--format` name, once, with what telaah can do with it.

`telaah export --format` writes any of them (through `store.export.writer`); `telaah import
--format` reads those that have a reader (through `store.ingest.annotated`). The plain corpus
input (`articles`), the gazetteer files and the candidates dump have their own commands.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from store.errors import TelaahError
from store.export.model import Writer
from store.formats.brat import write_brat
from store.formats.brat_read import read_brat
from store.formats.conll import read_conll, write_conll
from store.formats.doccano import read_doccano, write_doccano
from store.formats.facts_csv import write_facts_csv
from store.formats.jsonl import read_jsonl, write_jsonl
from store.formats.problems import Problem
from store.formats.reading import Item
from store.formats.spacy import write_spacy

# A reader of one file; the second argument is the `--offsets` option (doccano's only).
Reader = Callable[[Path, str | None], Iterator[Item]]


@dataclass(frozen=True, slots=True)
class Format:
    """A registered format.

    Attributes:
        name: the `--format` name.
        write: writes the documents to a path (a file, or a folder when `folder` is true) that
            the export pipeline then renames into place.
        folder: whether the output is a folder (brat) rather than one file.
        parts: whether files written for consecutive ranges of articles can simply be joined
            (no header or trailer): then a big export may be written in parallel.
        suffix: the usual file suffix, for help texts.
        description: one line for `--help`.
        read: reads one file into documents, problems and notes; None: not importable.
        read_suffixes: the files a reader looks for in a folder.
    """

    name: str
    write: Writer
    folder: bool = False
    parts: bool = False
    suffix: str = ""
    description: str = ""
    read: Reader | None = None
    read_suffixes: tuple[str, ...] = ()


def _one_file(read: Callable[[Path], Iterator[Item]]) -> Reader:
    """A reader without options, as a `Reader`."""
    return lambda path, _offsets: read(path)


def _doccano(path: Path, offsets: str | None) -> Iterator[Item]:
    return read_doccano(path, offsets=offsets)


FORMATS: dict[str, Format] = {
    fmt.name: fmt
    for fmt in (
        Format(
            "jsonl",
            write_jsonl,
            parts=True,
            suffix=".jsonl",
            description="telaah's own, lossless; Prodigy/spaCy conventions",
            read=_one_file(read_jsonl),
            read_suffixes=(".jsonl",),
        ),
        Format(
            "brat",
            write_brat,
            folder=True,
            description="brat standoff: a folder of .txt/.ann, annotation.conf",
            read=_one_file(read_brat),
            read_suffixes=(".ann",),
        ),
        Format(
            "facts-csv",
            write_facts_csv,
            suffix=".csv",
            description="one row per fact: roles as entity keys, surfaces, offsets",
        ),
        Format(
            "conll",
            write_conll,
            suffix=".conll",
            description="CoNLL-2003 four columns, IOB2, -DOCSTART- per article",
            read=_one_file(read_conll),
            read_suffixes=(".conll", ".iob", ".iob2", ".bio", ".txt"),
        ),
        Format(
            "doccano",
            write_doccano,
            suffix=".jsonl",
            description="doccano JSONL: entities and relations, UTF-16 offsets",
            read=_doccano,
            read_suffixes=(".jsonl", ".json"),
        ),
        Format(
            "spacy",
            write_spacy,
            suffix=".spacy",
            description="spaCy DocBin for `spacy train` (needs telaah[spacy])",
        ),
    )
}

DEFAULT_FORMAT = "jsonl"
EXPORT_FORMATS = tuple(FORMATS)
# The order `telaah import --help` and its errors have always listed the readable formats in.
IMPORT_FORMATS = tuple(
    sorted(
        (name for name, fmt in FORMATS.items() if fmt.read is not None),
        key=("jsonl", "conll", "doccano", "brat").index,
    )
)


def get_format(name: str) -> Format:
    """The format called `name`, for an export.

    Raises:
        TelaahError: no such format (the message lists the known ones).
    """
    try:
        return FORMATS[name]
    except KeyError:
        raise TelaahError(
            f"unknown export format {name!r}: choose one of {', '.join(EXPORT_FORMATS)}"
        ) from None


def import_format(name: str) -> Format:
    """The format called `name`, for an import: one with a reader.

    Raises:
        TelaahError: no such format, or it cannot be read (the message lists those that can).
    """
    if name not in IMPORT_FORMATS:
        raise TelaahError(
            f"unknown import format {name!r}: choose one of {', '.join(IMPORT_FORMATS)}"
        )
    return FORMATS[name]


def read_paths(fmt: Format, paths: Iterable[Path], offsets: str | None = None) -> Iterator[Item]:
    """Everything `fmt`'s reader finds in `paths` (files, or folders searched for its
    suffixes), with a problem for a missing path or a folder without such files."""
    assert fmt.read is not None, f"{fmt.name} has no reader"
    for path in paths:
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in fmt.read_suffixes
            )
            if not found:
                yield Problem(path, None, f"no {'/'.join(fmt.read_suffixes)} files in this folder")
        elif path.is_file():
            found = [path]
        else:
            yield Problem(path, None, "no such file or folder")
            continue
        for file in found:
            yield from fmt.read(file, offsets)
