"""Read brat standoff: `NAME.ann` beside `NAME.txt` (offsets in code points of the exact .txt).

T lines are spans, except the triggers of E lines (their span is the fact's evidence); N lines
link a span to an entity (the id after the database name: `telaah:KG`, `Wikidata:Q813`);
E and R lines become facts (`Item2:T7` is a second filler of `Item`; R's `Arg1`/`Arg2` are
placed on the fact type's roles in schema order); an A line `State` sets a fact's or span's
state (`NeedsReview` marks a fact); an `AnnotatorNotes` line on a fact is its note. Files
renamed by a telaah export get their article id back from the export's manifest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from store.export.model import ExportDoc, ExportFact, ExportSpan
from store.formats.problems import Problem, decode_error
from store.ingest.annotated import Item, ReadDoc

_T = re.compile(r"(T\d+)\t(\S+) (\d+) (\d+)\t(.*)")
_ROLE = re.compile(r"([^:\s]+):([TE]\d+)")
_NUMBERED = re.compile(r"(.+?)(\d+)")
STATES = ("accepted", "rejected", "pending")


@dataclass(slots=True)
class _Ann:
    spans: dict[str, tuple[int, int, str, str, int]] = field(default_factory=dict)
    events: dict[str, tuple[str, str, list[tuple[str, str]], int]] = field(default_factory=dict)
    relations: dict[str, tuple[str, list[tuple[str, str]], int]] = field(default_factory=dict)
    links: dict[str, tuple[str, str]] = field(default_factory=dict)  # T -> key, name
    states: dict[str, str] = field(default_factory=dict)
    review: set[str] = field(default_factory=set)  # facts marked NeedsReview
    notes: dict[str, str] = field(default_factory=dict)


def read_brat(path: Path) -> Iterator[Item]:
    """The document of one `.ann` file (with its `.txt`), and a problem for each bad line."""
    txt = path.with_suffix(".txt")
    try:
        raw_text, raw_ann = txt.read_bytes(), path.read_bytes()
    except OSError as exc:
        yield Problem(path, None, f"cannot read {exc.filename or txt}: {exc.strerror or exc}")
        return
    try:
        text = raw_text.decode("utf-8")
    except UnicodeDecodeError as exc:
        yield decode_error(txt, exc)
        return
    try:
        lines = raw_ann.decode("utf-8").split("\n")
    except UnicodeDecodeError as exc:
        yield decode_error(path, exc)
        return
    ann = _Ann()
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        problem = _parse_line(ann, line, number)
        if problem:
            yield Problem(path, number, problem)
    yield from _document(path, text, ann)


def _parse_line(ann: _Ann, line: str, number: int) -> str | None:
    kind = line[0]
    ident, _, rest = line.partition("\t")
    if kind == "T":
        match = _T.fullmatch(line)
        if match is None:
            return (
                "not a brat text-bound line (`T1<TAB>LABEL START END<TAB>text`; "
                "discontinuous spans are not supported)"
            )
        ann.spans[ident] = (int(match[3]), int(match[4]), match[2], match[5], number)
    elif kind in "ER":
        head, *args = rest.split(" ")
        pairs = [_ROLE.fullmatch(a) for a in args if a]
        if not head or any(p is None for p in pairs):
            return "not a brat event or relation line"
        roles = [(p[1], p[2]) for p in pairs if p is not None]
        if kind == "E":
            fact_type, _, trigger = head.partition(":")
            ann.events[ident] = (fact_type, trigger, roles, number)
        else:
            ann.relations[ident] = (head, roles, number)
    elif kind == "N":
        fields = rest.split("\t")
        parts = fields[0].split(" ")
        if len(parts) != 3 or ":" not in parts[2]:
            return "not a brat normalisation line (`N1<TAB>Reference T1 DB:ID<TAB>name`)"
        ann.links[parts[1]] = (parts[2].split(":", 1)[1], fields[1] if len(fields) > 1 else "")
    elif kind == "A" or kind == "M":
        parts = rest.split(" ")
        if len(parts) == 3 and parts[0].lower() == "state" and parts[2] in STATES:
            ann.states[parts[1]] = parts[2]
        elif len(parts) == 2 and parts[0] == "NeedsReview":
            ann.review.add(parts[1])
    elif kind == "#":
        fields = rest.split("\t", 1)
        parts = fields[0].split(" ")
        if len(parts) == 2 and len(fields) == 2:
            ann.notes[parts[1]] = fields[1]
    else:
        return f"unknown brat annotation {ident!r}"
    return None


def _document(path: Path, text: str, ann: _Ann) -> Iterator[Item]:
    triggers = {trigger for _type, trigger, _roles, _n in ann.events.values()}
    spans: list[ExportSpan] = []
    numbers: dict[str, int] = {}
    span_lines: dict[int, int] = {}
    for ident, (start, end, label, surface, number) in sorted(
        ann.spans.items(), key=lambda item: (item[1][0], -item[1][1], item[1][4])
    ):
        if ident in triggers:
            continue
        key, name = ann.links.get(ident, (None, None))
        numbers[ident] = len(spans)
        span_lines[len(spans)] = number
        spans.append(
            ExportSpan(
                id=len(spans),
                start=start,
                end=end,
                text=surface,
                label=label,
                entity_key=key or None,
                entity_name=name or None,
                state=ann.states.get(ident, "accepted"),
                origin="import",
            )
        )
    facts: list[ExportFact] = []
    fact_lines: dict[int, int] = {}
    problems: list[Problem] = []
    entries = [
        (ident, fact_type, trigger, roles, number)
        for ident, (fact_type, trigger, roles, number) in ann.events.items()
    ]
    entries += [
        (ident, fact_type, "", _positional(roles), number)
        for ident, (fact_type, roles, number) in ann.relations.items()
    ]
    for ident, fact_type, trigger, roles, number in sorted(entries, key=lambda e: e[4]):
        evidence = None
        if trigger:
            if trigger not in ann.spans:
                problems.append(Problem(path, number, f"trigger {trigger} is not a T line"))
                continue
            evidence = ann.spans[trigger][:2]
        filled: dict[str, list[int]] = {}
        missing = next((t for _role, t in roles if t not in numbers), None)
        if missing is not None:
            problems.append(Problem(path, number, f"argument {missing} is not a span"))
            continue
        for role, target in roles:
            filled.setdefault(_role_name(role, filled), []).append(numbers[target])
        fact_lines[len(facts)] = number
        facts.append(
            ExportFact(
                id=len(facts),
                type=fact_type,
                state=ann.states.get(ident, "accepted"),
                roles=filled,
                evidence=evidence,
                note=ann.notes.get(ident),
                needs_review=ident in ann.review,
            )
        )
    yield from problems
    yield ReadDoc(
        path,
        None,
        ExportDoc(
            id=0,
            external_id=_external_id(path),
            title="",
            text=text,
            spans=tuple(spans),
            facts=tuple(facts),
        ),
        span_lines,
        fact_lines,
    )


def _external_id(path: Path) -> str:
    """The article id a telaah export renamed to this file name (its manifest's `files`), else
    the file name."""
    found = _renamed(path.parent).get(path.stem)
    return found if isinstance(found, str) and found else path.stem


@lru_cache(maxsize=8)
def _renamed(folder: Path) -> dict[str, Any]:
    try:
        files = json.loads((folder / "manifest.json").read_text(encoding="utf-8")).get("files")
    except (OSError, ValueError, AttributeError):
        return {}
    return files if isinstance(files, dict) else {}


def _positional(roles: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """brat's `Arg1`/`Arg2` name no role of ours: keep their order only."""
    if all(re.fullmatch(r"Arg\d+", role) for role, _t in roles):
        return [(f"#{role[3:]}", target) for role, target in roles]
    return roles


def _role_name(role: str, filled: dict[str, list[int]]) -> str:
    """`Item2` is the second filler of `Item` (brat numbers repeated event roles)."""
    match = _NUMBERED.fullmatch(role)
    if match and match[1] in filled and not role.startswith("#"):
        return match[1]
    return role
