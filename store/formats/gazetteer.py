"""Gazetteer files: CSV `id,name,type,alias` (one row per alias) and JSONL (one entity a line)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from store.formats import limits, safejson
from store.formats.csvrows import CsvHeaderError, CsvTable
from store.formats.problems import Problem, decode_error

REQUIRED_COLUMNS = ("id", "name", "type", "alias")
KNOWN_COLUMNS = (*REQUIRED_COLUMNS, "description", "merged_into")
FORMATS = ("csv", "jsonl")


@dataclass(slots=True)
class EntityRecord:
    """One entity as a file gives it; `line` is where it is first defined."""

    key: str
    name: str
    type: str
    line: int
    aliases: list[str] = field(default_factory=list)
    description: str | None = None
    external_ids: dict[str, Any] = field(default_factory=dict)
    merged_into: str | None = None

    def add_alias(self, text: str) -> None:
        """Add a surface form unless it is already there."""
        if text not in self.aliases:
            self.aliases.append(text)


class _Collector:
    """Gathers entities by id and refuses one id given two names or types."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entities: dict[str, EntityRecord] = {}
        self.problems: list[Problem] = []

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def entity(self, line: int, key: str, name: str, type: str) -> EntityRecord | None:
        for column, value in (("id", key), ("name", name), ("type", type)):
            if not value:
                self.problem(line, f"empty {column}")
                return None
        known = self.entities.get(key)
        if known is None:
            known = EntityRecord(key, name, type, line, aliases=[name])
            self.entities[key] = known
            return known
        if known.name != name or known.type != type:
            self.problem(
                line,
                f"id {key!r} was given as {known.name!r} ({known.type}) on line "
                f"{known.line}, here as {name!r} ({type})",
            )
            return None
        return known


def read_gazetteer(path: Path) -> tuple[list[EntityRecord], list[Problem]]:
    """Entities and problems of a `.csv` or `.jsonl` gazetteer file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return [], [Problem(path, None, f"cannot read: {exc.strerror or exc}")]
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # utf-8-sig decodes what follows a BOM: count the BOM in the offset.
        return [], [
            decode_error(
                path,
                exc,
                offset=len(data) - len(exc.object),
                encoding="UTF-8",
                hint="save the file as UTF-8",
            )
        ]
    collector = _Collector(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        _read_csv(content, collector)
    elif suffix == ".jsonl":
        _read_jsonl(content, collector)
    else:
        return [], [Problem(path, None, "unknown gazetteer format (expected .csv or .jsonl)")]
    return list(collector.entities.values()), collector.problems


def _read_csv(content: str, collector: _Collector) -> None:
    try:
        table = CsvTable(content)
    except CsvHeaderError as exc:
        collector.problem(exc.line, str(exc))
        return
    missing = [c for c in REQUIRED_COLUMNS if c not in table.header]
    if missing:
        collector.problem(
            table.header_line,
            f"missing column(s): {', '.join(missing)} "
            f"(the header must have {','.join(REQUIRED_COLUMNS)})",
        )
        return
    extra = [c for c in table.header if c not in KNOWN_COLUMNS]
    for row in table.rows():
        if row.values is None:
            collector.problem(row.line, row.error or "bad row")
            continue
        _csv_row(collector, row.line, row.values, extra)


def _csv_row(collector: _Collector, line: int, row: dict[str, str], extra: list[str]) -> None:
    values = {k: (v or "").strip() for k, v in row.items()}
    for column in REQUIRED_COLUMNS:
        values.setdefault(column, "")
    record = collector.entity(line, values["id"], values["name"], values["type"])
    if record is None:
        return
    if not values["alias"]:
        collector.problem(line, "empty alias")
        return
    record.add_alias(values["alias"])
    description = values.get("description")
    if description:
        if record.description and record.description != description:
            collector.problem(
                line, f"id {record.key!r} has another description on line {record.line}"
            )
        record.description = record.description or description
    if values.get("merged_into"):
        record.merged_into = values["merged_into"]
    for column in extra:
        if values[column]:
            record.external_ids[column] = values[column]


def _read_jsonl(content: str, collector: _Collector) -> None:
    max_line = limits.current().max_line_length
    for line, raw in enumerate(content.split("\n"), start=1):
        if not raw.strip():
            continue
        if len(raw) > max_line:
            collector.problem(line, limits.current().line_error(len(raw)))
            continue
        try:
            obj = safejson.loads(raw)
        except json.JSONDecodeError as exc:
            collector.problem(line, f"malformed JSON: {exc.msg} at column {exc.colno}")
            continue
        except safejson.JsonValueError as exc:
            collector.problem(line, str(exc))
            continue
        if not isinstance(obj, dict):
            collector.problem(line, "expected a JSON object")
            continue
        _jsonl_entity(collector, line, obj)


def _jsonl_entity(collector: _Collector, line: int, obj: dict[str, Any]) -> None:
    fields = {}
    for name in ("id", "name", "type"):
        value = obj.get(name)
        if value is not None and not isinstance(value, str | int):
            collector.problem(line, f"`{name}` must be a string")
            return
        fields[name] = str(value).strip() if value is not None else ""
    aliases = obj.get("aliases", [])
    external_ids = obj.get("external_ids", {})
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        collector.problem(line, "`aliases` must be a list of strings")
        return
    if not isinstance(external_ids, dict):
        collector.problem(line, "`external_ids` must be an object")
        return
    record = collector.entity(line, fields["id"], fields["name"], fields["type"])
    if record is None:
        return
    for alias in aliases:
        if not alias.strip():
            collector.problem(line, "empty alias")
            continue
        record.add_alias(alias.strip())
    if isinstance(obj.get("description"), str) and obj["description"].strip():
        record.description = obj["description"].strip()
    record.external_ids.update(external_ids)
    if isinstance(obj.get("merged_into"), str) and obj["merged_into"].strip():
        record.merged_into = obj["merged_into"].strip()


def write_gazetteer(records: Iterable[EntityRecord], handle: IO[str], fmt: str) -> int:
    """Write entities in `fmt` (csv or jsonl) so that reading them gives them back; count them."""
    records = list(records)
    if fmt == "csv":
        _write_csv(records, handle)
    elif fmt == "jsonl":
        for r in records:
            obj: dict[str, Any] = {
                "id": r.key,
                "name": r.name,
                "type": r.type,
                "aliases": [a for a in r.aliases if a != r.name],
            }
            if r.description:
                obj["description"] = r.description
            if r.external_ids:
                obj["external_ids"] = r.external_ids
            if r.merged_into:
                obj["merged_into"] = r.merged_into
            handle.write(json.dumps(obj, ensure_ascii=False) + "\n")
    else:
        raise ValueError(f"unknown gazetteer format {fmt!r}")
    return len(records)


def _write_csv(records: list[EntityRecord], handle: IO[str]) -> None:
    extra = sorted({k for r in records for k in r.external_ids})
    columns = [*REQUIRED_COLUMNS, "description", *extra]
    if any(r.merged_into for r in records):
        columns.append("merged_into")
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(columns)
    for r in records:
        ordered = [r.name, *(a for a in r.aliases if a != r.name)]
        for index, alias in enumerate(ordered):
            first = index == 0
            row = [r.key, r.name, r.type, alias, (r.description or "") if first else ""]
            row += [str(r.external_ids.get(k, "")) if first else "" for k in extra]
            if "merged_into" in columns:
                row.append((r.merged_into or "") if first else "")
            writer.writerow(row)
