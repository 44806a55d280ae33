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

Also per article: the attributes (`A`) and notes (`#`) of spans and facts, `*` equivalences, and
events filling a role of another event (`Theme:E1`); a fact filled by a fact brat cannot show
(a relation, or one left out) is left out and reported too. A note is written on one line
(line breaks and tabs become spaces); an attribute or note kind that brat cannot write
(whitespace in a name or value) and an equivalence left with fewer than two written spans are
counted in the manifest's `not_carried`. annotation.conf declares the attributes written, with
their values, so that brat shows them.

Reading: `store.formats.brat_read` (`read_brat`, imported here too).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from store.export.model import ExportContext, ExportDoc, ExportFact
from store.formats.brat_read import NORM_DB, read_brat
from store.schema import FactTypeSpec, RoleSpec, Schema

__all__ = ["NORM_DB", "FileNames", "ann_lines", "annotation_conf", "read_brat", "write_brat"]
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


def is_relation(spec: FactTypeSpec | None, fact_types: Collection[str] = ()) -> bool:
    """Whether facts of this type are written as brat relations: two roles, one filler each,
    neither taking a fact (one of `fact_types`: an event's argument, so the fact is an event)."""
    return (
        spec is not None
        and len(spec.roles) == 2
        and not any(r.multiple for r in spec.roles)
        and not any(label in fact_types for r in spec.roles for label in r.labels)
    )


# Attribute names brat's annotation.conf declares (name -> its values, what it annotates).
Declared = dict[str, tuple[set[str], set[str]]]
_OWN_ATTRIBUTES = ("State", "NeedsReview")


def ann_lines(
    doc: ExportDoc, context: ExportContext, declared: Declared | None = None
) -> list[str]:
    """The .ann lines of one article (without newlines); what cannot be written is reported.

    `declared` collects the attributes written, for annotation.conf.
    """
    types = {t.name: t for t in context.schema.fact_types}
    out = _Lines(context, {} if declared is None else declared)
    spans: list[str] = []
    links: list[str] = []
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
        out.states.append(f"State {tid} {span.state}")
        out.extras(tid, "<ENTITY>", span.attributes, span.notes)
    ids = _fact_ids(doc, types, number, context)
    triggers: dict[tuple[str, int, int], str] = {}
    trigger_lines: list[str] = []
    facts: list[str] = []
    for fact in doc.facts:
        fid = ids.get(fact.id)
        if fid is None:
            continue
        arguments = _arguments(fact, number, ids)
        if fid.startswith("R"):
            spec = types[fact.type]
            line = f"{fact.type} " + " ".join(
                f"{r.name}:{arguments[r.name][0]}" for r in spec.roles
            )
        else:
            assert fact.evidence is not None
            start, end = fact.evidence
            key = (fact.type, start, end)
            if key not in triggers:
                triggers[key] = f"T{len(number) + len(triggers) + 1}"
                text = doc.text[start:end]
                trigger_lines.append(f"{triggers[key]}\t{fact.type} {start} {end}\t{text}")
            line = " ".join(
                [f"{fact.type}:{triggers[key]}"]
                + [
                    f"{role}{i + 1 if i else ''}:{ref}"
                    for role, refs_ in arguments.items()
                    for i, ref in enumerate(refs_)
                ]
            )
            out.states.append(f"State {fid} {fact.state}")
            if fact.needs_review:
                out.states.append(f"NeedsReview {fid}")
        facts.append(f"{fid}\t{line}")
        if fact.note:
            out.notes.append(f"AnnotatorNotes {fid}\t{_one_line(fact.note)}")
        out.extras(
            fid, "<RELATION>" if fid.startswith("R") else "<EVENT>", fact.attributes, fact.notes
        )
    equivalences = []
    for type_, members in doc.equivalences:
        written = [number[m] for m in members if m in number]
        if len(written) >= 2 and not re.search(r"\s", type_):
            equivalences.append(f"*\t{type_} {' '.join(written)}")
        else:
            context.lose("equivalence")
    attributes = [f"A{i}\t{line}" for i, line in enumerate(out.states, start=1)]
    notes = [f"#{i}\t{line}" for i, line in enumerate(out.notes, start=1)]
    return [*spans, *trigger_lines, *facts, *links, *equivalences, *attributes, *notes]


@dataclass(slots=True)
class _Lines:
    """The A and # lines of one article as they are gathered (without their ids)."""

    context: ExportContext
    declared: Declared
    states: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def extras(
        self,
        ident: str,
        kind: str,
        attributes: tuple[tuple[str, str | None], ...],
        notes: tuple[tuple[str, str], ...],
    ) -> None:
        """The attributes and notes of the annotation `ident` (a `kind` of brat's)."""
        for name, value in attributes:
            if (
                re.search(r"\s", name)
                or (value is not None and re.search(r"\s", value))
                or not (name and value != "")
            ):
                self.context.lose("attribute")  # brat separates fields with whitespace
                continue
            self.states.append(f"{name} {ident}" if value is None else f"{name} {ident} {value}")
            if name not in _OWN_ATTRIBUTES:
                values, targets = self.declared.setdefault(name, (set(), set()))
                targets.add(kind)
                if value is not None:
                    values.add(value)
        for note_kind, text in notes:
            if re.search(r"\s", note_kind) or not note_kind:
                self.context.lose("note")
                continue
            self.notes.append(f"{note_kind} {ident}\t{_one_line(text)}")


def _arguments(
    fact: ExportFact, number: dict[int, str], ids: dict[int, str]
) -> dict[str, list[str]]:
    """Each role's arguments as brat ids: the spans (T) then the facts (E) filling it."""
    result: dict[str, list[str]] = {}
    for role, mention_ids in fact.roles.items():
        result.setdefault(role, []).extend(number[m] for m in mention_ids)
    for role, fact_ids in fact.fact_roles.items():
        result.setdefault(role, []).extend(ids[f] for f in fact_ids)
    return result


def _fact_ids(
    doc: ExportDoc,
    types: dict[str, FactTypeSpec],
    number: dict[int, str],
    context: ExportContext,
) -> dict[int, str]:
    """The brat id (`E1`, `R2`) of each fact that can be written; the others are reported.

    A fact filled by a fact that is not written, or by a relation (brat's arguments are spans
    and events), is not written either.
    """
    reasons = {
        fact.id: reason for fact in doc.facts if (reason := _fact_problem(doc, fact, types, number))
    }
    kinds = {fact.id: is_relation(types.get(fact.type), types) for fact in doc.facts}
    changed = True
    while changed:
        changed = False
        for fact in doc.facts:
            if fact.id in reasons:
                continue
            for role, fillers in fact.fact_roles.items():
                if any(f not in kinds or f in reasons for f in fillers):
                    reasons[fact.id] = f"role {role} is filled by a fact brat cannot show"
                elif any(kinds[f] for f in fillers):
                    reasons[fact.id] = f"role {role} is filled by a relation (brat: events only)"
                else:
                    continue
                changed = True
                break
    ids: dict[int, str] = {}
    for fact in doc.facts:
        if fact.id in reasons:
            context.skip_fact(doc, fact, reasons[fact.id])
        else:
            ids[fact.id] = f"{'R' if kinds[fact.id] else 'E'}{len(ids) + 1}"
    return ids


def _fact_problem(
    doc: ExportDoc, fact: ExportFact, types: dict[str, FactTypeSpec], number: dict[int, str]
) -> str | None:
    """Why brat cannot show this fact by itself (its fillers that are facts aside), or None."""
    spec = types.get(fact.type)
    roles = list(dict.fromkeys([*fact.roles, *fact.fact_roles]))
    colon = _colon(fact.type, roles, relation=is_relation(spec, types))
    if colon:
        return colon
    for role, ids in fact.roles.items():
        if any(m not in number for m in ids):
            return f"role {role} is filled by a span brat cannot show"
    if is_relation(spec, types):
        assert spec is not None
        for spec_role in spec.roles:
            name = spec_role.name
            if len(fact.roles.get(name, [])) + len(fact.fact_roles.get(name, [])) != 1:
                return "a brat relation needs both of its arguments"
        return None
    if fact.evidence is None:
        return "no evidence span to be the brat event trigger"
    start, end = fact.evidence
    if _BREAKS.search(doc.text[start:end]):
        return "the evidence crosses a line break (brat trigger)"
    return None


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


def annotation_conf(schema: Schema, declared: Declared | None = None) -> str:
    """brat's annotation.conf for the schema: labels as entities, facts as events or
    relations, the State and NeedsReview attributes and those `declared` (the attributes the
    export wrote: name -> values, what they annotate); a fact type brat cannot name (a `:` in
    an event type or role name) is a comment."""

    names = {t.name for t in schema.fact_types}

    def line(t: FactTypeSpec, role: Callable[[RoleSpec], str]) -> str:
        colon = _colon(t.name, [r.name for r in t.roles], relation=is_relation(t, names))
        if colon:
            return f"# {t.name} is not written: {colon}"
        return f"{t.name}\t" + ", ".join(role(r) for r in t.roles)

    lines = ["# Generated by telaah from the annotation schema.", "", "[entities]", ""]
    lines += [label.name for label in schema.labels]
    lines += ["", "[relations]", "", "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>"]
    lines += [
        line(t, lambda r: f"{r.name}:{_allowed(r)}")
        for t in schema.fact_types
        if is_relation(t, names)
    ]
    lines += ["", "[events]", ""]
    lines += [
        line(t, lambda r: f"{r.name}{_arity(r)}:{_allowed(r)}")
        for t in schema.fact_types
        if not is_relation(t, names)
    ]
    lines += [
        "",
        "[attributes]",
        "",
        "State\tArg:<ENTITY>|<EVENT>, Value:pending|accepted|rejected",
        "NeedsReview\tArg:<EVENT>",
    ]
    for name, (values, targets) in sorted((declared or {}).items()):
        declaration = f"{name}\tArg:{'|'.join(sorted(targets))}"
        lines.append(declaration + (f", Value:{'|'.join(sorted(values))}" if values else ""))
    lines.append("")
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
    declared: Declared = {}
    for doc in docs:
        stem = names.name(doc.external_id)
        for path, content in _files(root, stem, doc, context, declared):
            if path.resolve().parent != root:  # safe_name makes this impossible; stay sure
                raise ValueError(f"refusing to write outside the export folder: {path}")
            with path.open("w", encoding="utf-8", newline="") as handle:
                handle.write(content)
    (folder / "annotation.conf").write_text(
        annotation_conf(context.schema, declared), encoding="utf-8"
    )
    (folder / "tools.conf").write_text(tools_conf(), encoding="utf-8")
    context.extras["files"] = dict(sorted(names.renamed.items()))


def _files(
    root: Path, stem: str, doc: ExportDoc, context: ExportContext, declared: Declared
) -> Iterator[tuple[Path, str]]:
    yield root / f"{stem}.txt", doc.text
    lines = ann_lines(doc, context, declared)
    yield root / f"{stem}.ann", "".join(f"{line}\n" for line in lines)
