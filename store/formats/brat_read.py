"""brat standoff, read: `NAME.ann` beside `NAME.txt` (offsets in code points of the exact .txt).

Every line type of the standoff format is read (T, R, E, A, M, N, *, #); fields are
whitespace-separated, so the tab brat writes after relations is accepted. T lines are spans,
except the triggers of E lines (their span is the fact's evidence); N lines link a span to an
entity: `telaah:KG` (our own database) to the key `KG`, any other `DB:ID` to the key `DB:ID`
whole (`Wikipedia:64488`); E and R lines become facts (`Item2:T7` is a second filler of `Item`;
R's `Arg1`/`Arg2` are placed on the fact type's roles in schema order); an event argument
that is an event (`Theme:E1`, in any line order) is a fact filling the role (`fact_roles`), and
events that are arguments of each other (a cycle) are refused with a problem.

An A or M line `State` sets a fact's or span's state (`NeedsReview` marks a fact); every other
attribute of a span or a fact is kept (`A1 Negated E1`: a flag, value None; `A2 Confidence E2
L1`: a value). A `#` note on a span or a fact is kept with its kind (`AnnotatorNotes`); a
fact's first `AnnotatorNotes` is its `note` (what the facts screen edits), the others follow
in `notes`. `*` equivalences (`*<TAB>Equiv T1 T2`) are kept as sets of spans. What telaah
cannot store is reported, one note a line (`Note.kind`): attributes and notes on an event
trigger, on an attribute, a normalisation or a note; a second normalisation of a span. Files
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
from store.formats.reading import Item, Note, ReadDoc

NORM_DB = "telaah"
FIRST_NOTE = "AnnotatorNotes"  # the kind of note that is a fact's `note`
_T = re.compile(r"(T\d+)\t(\S+) (\d+) (\d+)\t(.*)")
_ROLE = re.compile(r"(\S+):([TE]\d+)")  # a role name may hold ":" (the last one splits)
_NUMBERED = re.compile(r"(.+?)(\d+)")
STATES = ("accepted", "rejected", "pending")

Args = list[tuple[str, str]]  # (role as written, T or E id)


@dataclass(slots=True)
class _Ann:
    spans: dict[str, tuple[int, int, str, str, int]] = field(default_factory=dict)
    events: dict[str, tuple[str, str, Args, int]] = field(default_factory=dict)
    relations: dict[str, tuple[str, Args, int]] = field(default_factory=dict)
    links: list[tuple[str, str, str, int]] = field(default_factory=list)  # T, key, name, line
    attributes: list[tuple[str, str, str, int]] = field(default_factory=list)  # name, id, value
    notes: list[tuple[str, str, str, int]] = field(default_factory=list)  # kind, id, text, line
    equivalences: list[tuple[str, list[str], int]] = field(default_factory=list)


def read_brat(path: Path) -> Iterator[Item]:
    """The document of one `.ann` file (with its `.txt`), a problem for each bad line and a
    note for each construct that telaah cannot store."""
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
    problems: list[Problem | Note] = []
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        problem = _parse_line(ann, line, number)
        if problem:
            problems.append(Problem(path, number, problem))
    yield from _document(path, text, ann, problems)


def _parse_line(ann: _Ann, line: str, number: int) -> str | None:
    """Read one line into `ann`; what is wrong with it, if anything.

    Fields after the annotation are whitespace-separated, so the trailing tab (or spaces) that
    brat writes after relations and attributes is accepted.
    """
    kind = line[0]
    ident, _, rest = line.partition("\t")
    head = rest.split("\t", 1)[0].split()
    if kind == "T":
        match = _T.fullmatch(line)
        if match is None:
            return (
                "not a brat text-bound line (`T1<TAB>LABEL START END<TAB>text`; "
                "discontinuous spans are not supported)"
            )
        ann.spans[ident] = (int(match[3]), int(match[4]), match[2], match[5], number)
    elif kind in "ER":
        pairs = [_ROLE.fullmatch(a) for a in head[1:]]
        if not head or any(p is None for p in pairs):
            return "not a brat event or relation line"
        roles = [(p[1], p[2]) for p in pairs if p is not None]
        if kind == "E":
            fact_type, _, trigger = head[0].rpartition(":")
            ann.events[ident] = (fact_type, trigger, roles, number)
        else:
            ann.relations[ident] = (head[0], roles, number)
    elif kind == "N":
        if len(head) != 3 or ":" not in head[2]:
            return "not a brat normalisation line (`N1<TAB>Reference T1 DB:ID<TAB>name`)"
        fields = rest.split("\t")
        ann.links.append(
            (head[1], _link_key(head[2]), fields[1] if len(fields) > 1 else "", number)
        )
    elif kind in "AM":
        if len(head) not in (2, 3):
            return "not a brat attribute line (`A1<TAB>NAME ID [VALUE]`)"
        ann.attributes.append((head[0], head[1], head[2] if len(head) == 3 else "", number))
    elif kind == "#":
        if len(head) != 2:
            return "not a brat note line (`#1<TAB>AnnotatorNotes ID<TAB>text`)"
        text = rest.split("\t", 1)[1] if "\t" in rest else ""
        ann.notes.append((head[0], head[1], text, number))
    elif ident == "*":
        if len(head) < 3 or not all(re.fullmatch(r"T\d+", t) for t in head[1:]):
            return "not a brat equivalence line (`*<TAB>Equiv T1 T2 ...`)"
        ann.equivalences.append((head[0], head[1:], number))
    else:
        return f"unknown brat annotation {ident!r}"
    return None


def _link_key(reference: str) -> str:
    """The entity key of a normalisation: `KG` for our own `telaah:KG`, else the whole
    `DB:ID` (`Wikipedia:64488`), so that ids of different databases never meet."""
    database, _, key = reference.partition(":")
    return key if database == NORM_DB else reference


def _skip(path: Path, number: int, kind: str, what: str) -> Note:
    return Note(Problem(path, number, f"not stored: {what}"), kind)


@dataclass(slots=True)
class _Extras:
    """What the A, M and # lines say about the spans and facts of one file."""

    states: dict[str, str] = field(default_factory=dict)
    review: set[str] = field(default_factory=set)
    attributes: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)
    notes: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    first_note: dict[str, str] = field(default_factory=dict)  # a fact's `note`


def _extras(
    path: Path,
    ann: _Ann,
    entity_spans: set[str],
    facts: set[str],
    reported: list[Problem | Note],
) -> _Extras:
    """Sort the attributes and notes by what they annotate; report what cannot be stored."""
    found = _Extras()
    annotations = entity_spans | facts
    triggers = set(ann.spans) - entity_spans
    for name, target, value, number in ann.attributes:
        if name.lower() == "state" and value in STATES and target in annotations:
            found.states[target] = value
        elif name == "NeedsReview" and not value and target in facts:
            found.review.add(target)
        elif target in annotations:
            found.attributes.setdefault(target, []).append((name, value or None))
        elif target in triggers:
            what = f"attribute {name} of the event trigger {target}"
            reported.append(_skip(path, number, "attribute", f"{what} (set it on the event)"))
        else:
            reported.append(Problem(path, number, f"attribute {name} of {target}: no such span"))
    for kind, target, text, number in ann.notes:
        if target in facts and kind == FIRST_NOTE and target not in found.first_note:
            found.first_note[target] = text
        elif target in annotations:
            found.notes.setdefault(target, []).append((kind, text))
        elif target in triggers or target[:1] in ("A", "M", "N", "#"):
            what = "an event trigger" if target in triggers else "an attribute or normalisation"
            reported.append(_skip(path, number, "note", f"note on {target}, {what}"))
        else:
            reported.append(Problem(path, number, f"note on {target}: no such annotation"))
    return found


def _document(path: Path, text: str, ann: _Ann, problems: list[Problem | Note]) -> Iterator[Item]:
    triggers = {trigger for _type, trigger, _roles, _n in ann.events.values()}
    entity_spans = {ident for ident in ann.spans if ident not in triggers}
    reported: list[Problem | Note] = list(problems)
    links: dict[str, tuple[str, str]] = {}
    for target, key, name, number in ann.links:
        if target not in entity_spans:
            what = f"normalisation of {target}, which is not an entity span"
            reported.append(_skip(path, number, "normalisation", what))
        elif target in links:
            what = f"a second normalisation of {target} ({key}): a span links to one entity"
            reported.append(_skip(path, number, "normalisation", what))
        else:
            links[target] = (key, name)
    extras = _extras(path, ann, entity_spans, set(ann.events) | set(ann.relations), reported)
    spans: list[ExportSpan] = []
    numbers: dict[str, int] = {}
    span_lines: dict[int, int] = {}
    for ident, (start, end, label, surface, number) in sorted(
        ann.spans.items(), key=lambda item: (item[1][0], -item[1][1], item[1][4])
    ):
        if ident in triggers:
            continue
        key, name = links.get(ident, ("", ""))
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
                state=extras.states.get(ident, "accepted"),
                origin="import",
                attributes=tuple(extras.attributes.get(ident, ())),
                notes=tuple(extras.notes.get(ident, ())),
            )
        )
    facts, fact_lines = _facts(path, ann, numbers, extras, reported)
    equivalences = []
    for type_, members, number in ann.equivalences:
        missing = next((t for t in members if t not in numbers), None)
        if missing is not None:
            reported.append(Problem(path, number, f"equivalence member {missing} is not a span"))
            continue
        equivalences.append((type_, tuple(numbers[t] for t in members)))
    yield from sorted(reported, key=lambda item: _line_of(item) or 0)
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
            equivalences=tuple(equivalences),
        ),
        span_lines,
        fact_lines,
    )


def _facts(
    path: Path,
    ann: _Ann,
    numbers: dict[str, int],
    extras: _Extras,
    reported: list[Problem | Note],
) -> tuple[list[ExportFact], dict[int, int]]:
    """The facts of the E and R lines, with events as arguments (`Theme:E1`) among them; a
    fact with a bad argument (no such span or event, a cycle of events) is refused with a
    problem, and so is each fact it fills."""
    entries: dict[str, tuple[str, tuple[int, int] | None, Args, int]] = {}
    for ident, (fact_type, trigger, roles, number) in ann.events.items():
        if trigger not in ann.spans:
            reported.append(Problem(path, number, f"trigger {trigger} is not a T line"))
            continue
        entries[ident] = (fact_type, ann.spans[trigger][:2], roles, number)
    for ident, (fact_type, roles, number) in ann.relations.items():
        if any(t.startswith("E") for _r, t in roles) and _is_positional(roles):
            message = f"{ident}: an event as a positional argument (Arg1/Arg2) has no role"
            reported.append(Problem(path, number, message))
            continue
        entries[ident] = (fact_type, None, _positional(roles), number)
    refused: dict[str, str] = {}
    for ident, (_type, _evidence, roles, _number) in entries.items():
        missing = next(
            (t for _r, t in roles if t not in (numbers if t[0] == "T" else entries)), None
        )
        if missing is not None:
            refused[ident] = (
                f"argument {missing} is not a {'span' if missing[0] == 'T' else 'fact'}"
            )
    for ident in _in_cycles(entries):
        refused.setdefault(ident, f"{ident} is its own argument, through events (a cycle)")
    changed = True
    while changed:  # a fact filled by a refused fact is refused too
        changed = False
        for ident, (_type, _evidence, roles, _number) in entries.items():
            bad = next((t for _r, t in roles if t in refused and ident not in refused), None)
            if bad is not None:
                refused[ident] = f"argument {bad} is not imported"
                changed = True
    for ident, reason in refused.items():
        reported.append(Problem(path, entries[ident][3] if ident in entries else None, reason))
    kept = sorted((e for e in entries if e not in refused), key=lambda e: entries[e][3])
    fact_ids = {ident: i for i, ident in enumerate(kept)}
    facts: list[ExportFact] = []
    fact_lines: dict[int, int] = {}
    for ident in kept:
        fact_type, evidence, roles, number = entries[ident]
        seen: set[str] = set()
        filled: dict[str, list[int]] = {}
        by_fact: dict[str, list[int]] = {}
        for role, target in roles:
            name = _role_name(role, seen)
            seen.add(name)
            if target.startswith("E"):
                by_fact.setdefault(name, []).append(fact_ids[target])
            else:
                filled.setdefault(name, []).append(numbers[target])
        fact_lines[len(facts)] = number
        facts.append(
            ExportFact(
                id=len(facts),
                type=fact_type,
                state=extras.states.get(ident, "accepted"),
                roles=filled,
                evidence=evidence,
                note=extras.first_note.get(ident),
                needs_review=ident in extras.review,
                attributes=tuple(extras.attributes.get(ident, ())),
                notes=tuple(extras.notes.get(ident, ())),
                fact_roles=by_fact,
            )
        )
    return facts, fact_lines


def _in_cycles(entries: dict[str, tuple[str, Any, Args, int]]) -> set[str]:
    """The facts that are, through events filling roles, arguments of themselves."""
    edges = {
        ident: [t for _r, t in roles if t in entries]
        for ident, (_t, _e, roles, _n) in entries.items()
    }
    state: dict[str, int] = {}  # 1: on the path, 2: done
    cyclic: set[str] = set()
    for root in edges:
        if root in state:
            continue
        stack: list[tuple[str, Iterator[str]]] = [(root, iter(edges[root]))]
        path = [root]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(child) == 1:
                cyclic.update(path[path.index(child) :])
            elif child not in state:
                state[child] = 1
                path.append(child)
                stack.append((child, iter(edges[child])))
    return cyclic


def _line_of(item: Problem | Note) -> int | None:
    return item.where.line if isinstance(item, Note) else item.line


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


def _is_positional(roles: Args) -> bool:
    return all(re.fullmatch(r"Arg\d+", role) for role, _t in roles)


def _positional(roles: Args) -> Args:
    """brat's `Arg1`/`Arg2` name no role of ours: keep their order only."""
    if _is_positional(roles):
        return [(f"#{role[3:]}", target) for role, target in roles]
    return roles


def _role_name(role: str, seen: set[str]) -> str:
    """`Item2` is the second filler of `Item` (brat numbers repeated event roles)."""
    match = _NUMBERED.fullmatch(role)
    if match and match[1] in seen and not role.startswith("#"):
        return match[1]
    return role
