"""brat standoff: a folder of NAME.txt + NAME.ann, written and read.

Writing: a folder of NAME.txt + NAME.ann, with annotation.conf and tools.conf.

Per article: `T` lines for its spans (offsets are code points of the .txt, which holds the exact
stored text), `N` lines linking them to gazetteer entities (`Reference T1 telaah:KEY`), `E` lines
for facts (the evidence span is the trigger, a `T` of the fact's type; repeated roles are
numbered `item2`), or `R` lines for facts of two-role types, `A` lines for review states and
`#` lines for notes. A span that crosses a line break is never written (brat would need a
discontinuous span): it is reported in the manifest like everything else left out. brat
separates an event's type from its trigger and a role from its argument with `:`, so a fact
whose event type or role name holds one is reported too (annotation.conf names it in a comment).

Reading: `NAME.ann` beside `NAME.txt` (offsets in code points of the exact .txt).

Every line type of the standoff format is read (T, R, E, A, M, N, *, #); fields are
whitespace-separated, so the tab brat writes after relations is accepted. T lines are spans,
except the triggers of E lines (their span is the fact's evidence); N lines link a span to an
entity: `telaah:KG` (our own database) to the key `KG`, any other `DB:ID` to the key `DB:ID`
whole (`Wikipedia:64488`); E and R lines become facts (`Item2:T7` is a second filler of `Item`;
R's `Arg1`/`Arg2` are placed on the fact type's roles in schema order); an A or M line `State`
sets a fact's or span's state (`NeedsReview` marks a fact); an `AnnotatorNotes` line on a fact
is its note. What telaah cannot store yet is reported, one note a line (`Note.kind`): other
attributes, notes on spans, equivalences (`*`), events as arguments of events (the fact is
kept without them), a second normalisation of a span. Files renamed by a telaah export get
their article id back from the export's manifest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from store.export.model import ExportContext, ExportDoc, ExportFact, ExportSpan
from store.formats.problems import Problem, decode_error
from store.formats.reading import Item, Note, ReadDoc
from store.schema import FactTypeSpec, RoleSpec, Schema

NORM_DB = "telaah"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
# Windows device names: a file called `con.txt` cannot be opened there.
_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(10)),
    *(f"lpt{i}" for i in range(10)),
}
_BREAKS = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
MAX_NAME = 120


def safe_name(external_id: str) -> str:
    """A file name stem for an article id that cannot leave the export folder.

    ASCII letters, digits, `.`, `_` and `-` are kept, anything else becomes `_`; no leading or
    trailing dot (no `..`, no hidden files), no Windows device names, never empty.
    """
    name = _UNSAFE.sub("_", external_id)[:MAX_NAME].strip(".")
    if not name:
        return "article"
    if name.split(".")[0].lower() in _RESERVED:
        return f"_{name}"
    return name


class FileNames:
    """Unique safe names for the articles of one export (case-insensitively unique, as file
    systems on macOS and Windows compare them); a repeat gets `~2`, `~3`..."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        self.renamed: dict[str, str] = {}

    def name(self, external_id: str) -> str:
        """The stem to use for `external_id`."""
        base = candidate = safe_name(external_id)
        number = 1
        while candidate.lower() in self.used:
            number += 1
            candidate = f"{base}~{number}"
        self.used.add(candidate.lower())
        if candidate != external_id:
            self.renamed[candidate] = external_id
        return candidate


def is_relation(spec: FactTypeSpec | None) -> bool:
    """Whether facts of this type are written as brat relations: two roles, one filler each."""
    return spec is not None and len(spec.roles) == 2 and not any(r.multiple for r in spec.roles)


def ann_lines(doc: ExportDoc, context: ExportContext) -> list[str]:
    """The .ann lines of one article (without newlines); what cannot be written is reported."""
    types = {t.name: t for t in context.schema.fact_types}
    spans: list[str] = []
    links: list[str] = []
    states: list[str] = []
    notes: list[str] = []
    number: dict[int, str] = {}
    for span in doc.spans:
        if _BREAKS.search(span.text):
            context.skip_span(doc, span, "crosses a line break (brat needs one line a span)")
            continue
        tid = f"T{len(number) + 1}"
        number[span.id] = tid
        spans.append(f"{tid}\t{span.label} {span.start} {span.end}\t{span.text}")
        if span.entity_key is not None:
            if re.search(r"\s", span.entity_key):
                context.skip_span(doc, span, "entity key contains whitespace: no brat link")
            else:
                name = _one_line(span.entity_name or span.entity_key)
                links.append(
                    f"N{len(links) + 1}\tReference {tid} {NORM_DB}:{span.entity_key}\t{name}"
                )
        states.append(f"State {tid} {span.state}")
    triggers: dict[tuple[str, int, int], str] = {}
    trigger_lines: list[str] = []
    facts: list[str] = []
    for fact in doc.facts:
        line = _fact_line(
            doc, fact, types.get(fact.type), number, triggers, trigger_lines, len(number), context
        )
        if line is None:
            continue
        fid = f"{'R' if is_relation(types.get(fact.type)) else 'E'}{len(facts) + 1}"
        facts.append(f"{fid}\t{line}")
        if fid.startswith("E"):
            states.append(f"State {fid} {fact.state}")
            if fact.needs_review:
                states.append(f"NeedsReview {fid}")
        if fact.note:
            notes.append(f"#{len(notes) + 1}\tAnnotatorNotes {fid}\t{_one_line(fact.note)}")
    attributes = [f"A{i}\t{state}" for i, state in enumerate(states, start=1)]
    return [*spans, *trigger_lines, *facts, *links, *attributes, *notes]


def _fact_line(
    doc: ExportDoc,
    fact: ExportFact,
    spec: FactTypeSpec | None,
    number: dict[int, str],
    triggers: dict[tuple[str, int, int], str],
    trigger_lines: list[str],
    spans: int,
    context: ExportContext,
) -> str | None:
    """The middle of an E or R line (`TYPE:T9 role:T1 ...` or `TYPE role:T1 role:T2`)."""
    colon = _colon(fact.type, list(fact.roles), relation=is_relation(spec))
    if colon:
        context.skip_fact(doc, fact, colon)
        return None
    for role, ids in fact.roles.items():
        if any(m not in number for m in ids):
            context.skip_fact(doc, fact, f"role {role} is filled by a span brat cannot show")
            return None
    if is_relation(spec):
        assert spec is not None
        fillers = [(role.name, fact.roles.get(role.name, [])) for role in spec.roles]
        if any(len(ids) != 1 for _, ids in fillers):
            context.skip_fact(doc, fact, "a brat relation needs both of its arguments")
            return None
        return f"{fact.type} " + " ".join(f"{role}:{number[ids[0]]}" for role, ids in fillers)
    if fact.evidence is None:
        context.skip_fact(doc, fact, "no evidence span to be the brat event trigger")
        return None
    start, end = fact.evidence
    text = doc.text[start:end]
    if _BREAKS.search(text):
        context.skip_fact(doc, fact, "the evidence crosses a line break (brat trigger)")
        return None
    key = (fact.type, start, end)
    if key not in triggers:
        triggers[key] = f"T{spans + len(triggers) + 1}"
        trigger_lines.append(f"{triggers[key]}\t{fact.type} {start} {end}\t{text}")
    arguments = [f"{fact.type}:{triggers[key]}"]
    for role, ids in fact.roles.items():
        for i, mention_id in enumerate(ids):
            arguments.append(f"{role}{i + 1 if i else ''}:{number[mention_id]}")
    return " ".join(arguments)


def _one_line(value: str) -> str:
    return " ".join(_BREAKS.sub(" ", value).split("\t"))


def _colon(type: str, roles: list[str], *, relation: bool) -> str | None:
    """Why brat cannot write a fact of this type with these roles, or None: brat reads `:` as
    the separator of an event's type and trigger (`Life:Die:T4` is ambiguous) and of a role
    and its argument, so neither an event type nor a role name may hold one."""
    if not relation and ":" in type:
        return f"brat reads `:` in the event type {type!r} as its separator"
    named = next((role for role in roles if ":" in role), None)
    if named is not None:
        return f"brat reads `:` in the role name {named!r} as its separator"
    return None


def annotation_conf(schema: Schema) -> str:
    """brat's annotation.conf for the schema: labels as entities, facts as events or
    relations, the State and NeedsReview attributes; a fact type brat cannot name (a `:` in
    an event type or role name) is a comment."""

    def line(t: FactTypeSpec, role: Callable[[RoleSpec], str]) -> str:
        colon = _colon(t.name, [r.name for r in t.roles], relation=is_relation(t))
        if colon:
            return f"# {t.name} is not written: {colon}"
        return f"{t.name}\t" + ", ".join(role(r) for r in t.roles)

    lines = ["# Generated by telaah from the annotation schema.", "", "[entities]", ""]
    lines += [label.name for label in schema.labels]
    lines += ["", "[relations]", "", "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>"]
    lines += [
        line(t, lambda r: f"{r.name}:{_allowed(r)}") for t in schema.fact_types if is_relation(t)
    ]
    lines += ["", "[events]", ""]
    lines += [
        line(t, lambda r: f"{r.name}{_arity(r)}:{_allowed(r)}")
        for t in schema.fact_types
        if not is_relation(t)
    ]
    lines += [
        "",
        "[attributes]",
        "",
        "State\tArg:<ENTITY>|<EVENT>, Value:pending|accepted|rejected",
        "NeedsReview\tArg:<EVENT>",
        "",
    ]
    return "\n".join(lines)


def _allowed(role: RoleSpec) -> str:
    return "|".join(role.labels) if role.labels else "<ENTITY>"


def _arity(role: RoleSpec) -> str:
    return {(True, False): "", (True, True): "+", (False, False): "?", (False, True): "*"}[
        (role.required, role.multiple)
    ]


def tools_conf() -> str:
    """brat's tools.conf: whitespace tokens, newline sentences, and the `telaah` normalisation
    database that the `N` lines name (build it from the gazetteer with brat's norm_db_init)."""
    return "\n".join(
        [
            "# Generated by telaah.",
            "",
            "[options]",
            "",
            "Validation\tvalidate:all",
            "Tokens\ttokenizer:whitespace",
            "Sentences\tsplitter:newline",
            "Annotation-log\tlogfile:<NONE>",
            "",
            "[normalization]",
            "",
            f"{NORM_DB}\tDB:{NORM_DB}",
            "",
        ]
    )


def write_brat(docs: Iterable[ExportDoc], folder: Path, context: ExportContext) -> None:
    """Write the brat folder: NAME.txt and NAME.ann per article, annotation.conf, tools.conf.

    Renamed ids (made safe for the file system) are recorded in the manifest under `files`.
    """
    names = FileNames()
    root = folder.resolve()
    for doc in docs:
        stem = names.name(doc.external_id)
        for path, content in _files(root, stem, doc, context):
            if path.resolve().parent != root:  # safe_name makes this impossible; stay sure
                raise ValueError(f"refusing to write outside the export folder: {path}")
            with path.open("w", encoding="utf-8", newline="") as handle:
                handle.write(content)
    (folder / "annotation.conf").write_text(annotation_conf(context.schema), encoding="utf-8")
    (folder / "tools.conf").write_text(tools_conf(), encoding="utf-8")
    context.extras["files"] = dict(sorted(names.renamed.items()))


def _files(
    root: Path, stem: str, doc: ExportDoc, context: ExportContext
) -> Iterator[tuple[Path, str]]:
    yield root / f"{stem}.txt", doc.text
    lines = ann_lines(doc, context)
    yield root / f"{stem}.ann", "".join(f"{line}\n" for line in lines)


# Reading

_T = re.compile(r"(T\d+)\t(\S+) (\d+) (\d+)\t(.*)")
_ROLE = re.compile(r"(\S+):([TE]\d+)")  # a role name may hold ":" (the last one splits)
_NUMBERED = re.compile(r"(.+?)(\d+)")
STATES = ("accepted", "rejected", "pending")


@dataclass(slots=True)
class _Ann:
    spans: dict[str, tuple[int, int, str, str, int]] = field(default_factory=dict)
    events: dict[str, tuple[str, str, list[tuple[str, str]], int]] = field(default_factory=dict)
    relations: dict[str, tuple[str, list[tuple[str, str]], int]] = field(default_factory=dict)
    links: list[tuple[str, str, str, int]] = field(default_factory=list)  # T, key, name, line
    attributes: list[tuple[str, str, str, int]] = field(default_factory=list)  # name, id, value
    notes: list[tuple[str, str, int]] = field(default_factory=list)  # target, text, line
    skipped: list[Note] = field(default_factory=list)  # constructs telaah cannot store


def read_brat(path: Path) -> Iterator[Item]:
    """The document of one `.ann` file (with its `.txt`), a problem for each bad line and a
    note for each construct that telaah cannot store (attributes other than its own, notes
    on anything but a fact, equivalences, events as arguments)."""
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
        problem = _parse_line(path, ann, line, number)
        if problem:
            problems.append(Problem(path, number, problem))
    yield from _document(path, text, ann, problems)


def _parse_line(path: Path, ann: _Ann, line: str, number: int) -> str | None:
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
        ann.notes.append((head[1], rest.split("\t", 1)[1] if "\t" in rest else "", number))
    elif ident == "*":
        if len(head) < 3:
            return "not a brat equivalence line (`*<TAB>Equiv T1 T2 ...`)"
        ann.skipped.append(
            _skip(
                path,
                number,
                "equivalence",
                f"equivalence {' '.join(head)}: telaah has no equivalence sets yet",
            )
        )
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


def _document(path: Path, text: str, ann: _Ann, problems: list[Problem | Note]) -> Iterator[Item]:
    triggers = {trigger for _type, trigger, _roles, _n in ann.events.values()}
    entity_spans = {ident for ident in ann.spans if ident not in triggers}
    facts_known = set(ann.events) | set(ann.relations)
    skipped = list(ann.skipped)
    links: dict[str, tuple[str, str]] = {}
    for target, key, name, number in ann.links:
        if target not in entity_spans:
            skipped.append(
                _skip(
                    path,
                    number,
                    "normalisation",
                    f"normalisation of {target}, which is not an entity span",
                )
            )
        elif target in links:
            skipped.append(
                _skip(
                    path,
                    number,
                    "normalisation",
                    f"a second normalisation of {target} ({key}): a span links to one entity",
                )
            )
        else:
            links[target] = (key, name)
    states: dict[str, str] = {}
    review: set[str] = set()
    stateful = entity_spans | facts_known
    for name, target, value, number in ann.attributes:
        if name.lower() == "state" and value in STATES and target in stateful:
            states[target] = value
        elif name == "NeedsReview" and not value and target in facts_known:
            review.add(target)
        else:
            skipped.append(
                _skip(
                    path,
                    number,
                    "attribute",
                    f"attribute {name} of {target}"
                    f"{f' ({value})' if value else ''}: telaah keeps only State and NeedsReview",
                )
            )
    fact_notes: dict[str, str] = {}
    for target, note, number in ann.notes:
        if target in facts_known and target not in fact_notes:
            fact_notes[target] = note
        else:
            skipped.append(
                _skip(
                    path,
                    number,
                    "note",
                    f"note on {target}: telaah keeps one note a fact, none on spans",
                )
            )
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
                state=states.get(ident, "accepted"),
                origin="import",
            )
        )
    facts: list[ExportFact] = []
    fact_lines: dict[int, int] = {}
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
        nested = [(role, t) for role, t in roles if t.startswith("E")]
        for role, target in nested:
            skipped.append(
                _skip(
                    path,
                    number,
                    "nested event argument",
                    f"argument {role}:{target} of "
                    f"{ident}: an event as an argument (the fact is stored without it)",
                )
            )
        roles = [(role, t) for role, t in roles if not t.startswith("E")]
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
                state=states.get(ident, "accepted"),
                roles=filled,
                evidence=evidence,
                note=fact_notes.get(ident),
                needs_review=ident in review,
            )
        )
    reported = [*problems, *skipped]
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
        ),
        span_lines,
        fact_lines,
    )


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
