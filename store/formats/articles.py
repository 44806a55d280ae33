"""Article input: `.txt` files, `.jsonl` (one article a line) and `.csv` with a `text` column."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from store.formats import limits, safejson
from store.formats.csvrows import CsvHeaderError, CsvTable
from store.formats.problems import Problem, decode_error

SUFFIXES = (".txt", ".jsonl", ".csv")
OPTIONAL_FIELDS = ("id", "title", "source", "url", "published")


@dataclass(slots=True)
class ArticleRecord:
    """One article as read, before normalisation; `line` is None for a whole file."""

    path: Path
    line: int | None
    text: str
    external_id: str
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    size: int = 0  # bytes of input this record consumed, for progress


@dataclass(frozen=True, slots=True)
class Consumed:
    """Bytes read without producing a record (blank lines, skipped input), for progress."""

    size: int


Item = ArticleRecord | Problem | Consumed


def find_files(paths: Iterable[Path]) -> Iterator[Path | Problem]:
    """Every importable file under `paths`, in sorted order; a problem for each bad path."""
    for path in paths:
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
            )
            if not found:
                yield Problem(path, None, "no .txt, .jsonl or .csv files in this folder")
            yield from found
        elif path.is_file():
            if path.suffix.lower() in SUFFIXES:
                yield path
            else:
                yield Problem(path, None, "unknown file type (expected .txt, .jsonl or .csv)")
        else:
            yield Problem(path, None, "no such file or folder")


def read_file(path: Path, *, encoding: str | None = None) -> Iterator[Item]:
    """Records and problems of one file, by its suffix."""
    suffix = path.suffix.lower()
    if encoding is not None and not encoding_exists(encoding):
        yield Problem(path, None, f"unknown encoding {encoding!r}")
        return
    try:
        if suffix == ".txt":
            yield from _read_txt(path, encoding)
        elif suffix == ".jsonl":
            yield from _read_jsonl(path, encoding)
        else:
            yield from _read_csv(path, encoding)
    except OSError as exc:
        yield Problem(path, None, f"cannot read: {exc.strerror or exc}")


def _decode(data: bytes, encoding: str | None) -> str:
    # utf-8-sig drops a BOM; any other named encoding is taken as given.
    return data.decode(encoding or "utf-8-sig")


def _skipped(data: bytes, exc: UnicodeDecodeError) -> int:
    """Bytes of `data` before `exc.object` (the BOM utf-8-sig drops before decoding)."""
    return len(data) - len(exc.object)


def _read_txt(path: Path, encoding: str | None) -> Iterator[Item]:
    data = path.read_bytes()
    try:
        text = _decode(data, encoding)
    except UnicodeDecodeError as exc:
        yield decode_error(path, exc, offset=_skipped(data, exc), encoding=encoding or "UTF-8")
        yield Consumed(len(data))
        return
    yield ArticleRecord(path, None, text, external_id=path.stem, size=len(data))


def _read_jsonl(path: Path, encoding: str | None) -> Iterator[Item]:
    offset = 0
    records = 0
    with path.open("rb") as handle:
        for number, raw, size in limits.lines(handle):
            if raw is None:
                yield Problem(path, number, limits.current().line_error(size))
                yield Consumed(size)
                offset += size
                records += 1
                continue
            codec = encoding or ("utf-8-sig" if number == 1 else "utf-8")
            try:
                line = raw.decode(codec)
            except UnicodeDecodeError as exc:
                yield decode_error(
                    path,
                    exc,
                    offset=offset + _skipped(raw, exc),
                    line=number,
                    encoding=encoding or "UTF-8",
                )
                yield Consumed(size)
                offset += size
                records += 1
                continue
            offset += size
            if number == 1:
                line = line.removeprefix("\ufeff")
            if not line.strip():
                yield Consumed(size)
                continue
            records += 1
            yield _record_from_json(path, number, line, size)
    if not records:
        yield Problem(path, None, "no articles in this file")


def _record_from_json(path: Path, number: int, line: str, size: int) -> Item:
    try:
        obj = safejson.loads(line)
    except json.JSONDecodeError as exc:
        return Problem(path, number, f"malformed JSON: {exc.msg} at column {exc.colno}")
    except safejson.JsonValueError as exc:
        return Problem(path, number, str(exc))
    if not isinstance(obj, dict):
        return Problem(path, number, "expected a JSON object with a `text` field")
    return _record_from_mapping(path, number, obj, size, f"{path.stem}-{number}")


def _record_from_mapping(
    path: Path, number: int, obj: dict[str, Any], size: int, default_id: str
) -> Item:
    text = obj.get("text")
    if not isinstance(text, str):
        what = "missing" if text is None else f"not a string ({type(text).__name__})"
        return Problem(path, number, f"`text` is {what}")
    values: dict[str, str | None] = {}
    for name in OPTIONAL_FIELDS:
        value = obj.get(name)
        if value is None or value == "":
            values[name] = None
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            values[name] = str(value)
        else:
            return Problem(path, number, f"`{name}` must be a string, not {type(value).__name__}")
    meta = obj.get("meta") or {}
    if isinstance(meta, str):
        try:
            meta = safejson.loads(meta)
        except json.JSONDecodeError:
            return Problem(path, number, "`meta` is not a JSON object")
        except safejson.JsonValueError as exc:
            return Problem(path, number, f"`meta`: {exc}")
    if not isinstance(meta, dict):
        return Problem(path, number, "`meta` must be an object")
    return ArticleRecord(
        path,
        number,
        text,
        external_id=values["id"] or default_id,
        title=values["title"],
        source=values["source"],
        url=values["url"],
        published=values["published"],
        meta=meta,
        size=size,
    )


def _read_csv(path: Path, encoding: str | None) -> Iterator[Item]:
    data = path.read_bytes()
    try:
        content = _decode(data, encoding)
    except UnicodeDecodeError as exc:
        yield decode_error(path, exc, offset=_skipped(data, exc), encoding=encoding or "UTF-8")
        yield Consumed(len(data))
        return
    try:
        table = CsvTable(content)
    except CsvHeaderError as exc:
        yield Problem(path, exc.line, str(exc))
        yield Consumed(len(data))
        return
    if "text" not in table.header:
        yield Problem(path, table.header_line, "no `text` column in the header")
        yield Consumed(len(data))
        return
    per_row = max(1, len(data) // max(1, content.count("\n") or 1))
    records = 0
    for row in table.rows():
        records += 1
        if row.values is None:
            yield Problem(path, row.line, row.error or "bad row")
            continue
        yield _record_from_mapping(
            path, row.line, dict(row.values), per_row, f"{path.stem}-{row.line}"
        )
    if not records:
        yield Problem(path, None, "no articles in this file")
    yield Consumed(0)


def encoding_exists(name: str) -> bool:
    """Whether Python knows an encoding of this name."""
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True
