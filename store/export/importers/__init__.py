"""Importers of annotated data: `telaah import --format jsonl|brat|conll|doccano PATH`.

Each reader turns files into `ReadDoc`s and `Problem`s; `common.load_docs` stores them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from sqlalchemy import Engine

from store.errors import TelaahError
from store.export.importers.brat import read_brat
from store.export.importers.conll import read_conll
from store.export.importers.doccano import read_doccano
from store.export.importers.jsonl import read_jsonl
from store.formats.problems import Problem
from store.ingest.annotated import AnnotatedReport, Item, LoadOptions, load_docs

# Format -> (file suffixes looked for in a folder, reader of one file).
READERS: dict[str, tuple[tuple[str, ...], Callable[[Path], Iterator[Item]]]] = {
    "jsonl": ((".jsonl",), read_jsonl),
    "conll": ((".conll", ".iob", ".iob2", ".bio", ".txt"), read_conll),
    "doccano": ((".jsonl", ".json"), read_doccano),
    "brat": ((".ann",), read_brat),
}
IMPORT_FORMATS = tuple(READERS)


def import_annotated(
    engine: Engine,
    format: str,
    paths: Iterable[Path],
    options: LoadOptions,
    *,
    offsets: str | None = None,
) -> AnnotatedReport:
    """Import the annotated files under `paths`, read as `format`.

    Args:
        offsets: doccano only: "utf16" or "codepoint" (default: the file's, else utf16).

    Raises:
        TelaahError: unknown format.
    """
    if format not in READERS:
        raise TelaahError(
            f"unknown import format {format!r}: choose one of {', '.join(IMPORT_FORMATS)}"
        )
    return load_docs(engine, _items(format, paths, offsets), options)


def _items(format: str, paths: Iterable[Path], offsets: str | None) -> Iterator[Item]:
    suffixes, reader = READERS[format]
    for path in paths:
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes
            )
            if not found:
                yield Problem(path, None, f"no {'/'.join(suffixes)} files in this folder")
        elif path.is_file():
            found = [path]
        else:
            yield Problem(path, None, "no such file or folder")
            continue
        for file in found:
            if format == "doccano":
                yield from read_doccano(file, offsets=offsets)
            else:
                yield from reader(file)
