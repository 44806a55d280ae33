"""brat standoff export: a folder of NAME.txt + NAME.ann, with annotation.conf and tools.conf.

Per article: `T` lines for its spans (offsets are code points of the .txt, which holds the exact
stored text), `N` lines linking them to gazetteer entities (`Reference T1 telaah:KEY`), `E` lines
for facts (the evidence span is the trigger, a `T` of the fact's type; repeated roles are
numbered `item2`), or `R` lines for facts of two-role types, `A` lines for review states and
`#` lines for notes. A span that crosses a line break is never written (brat would need a
discontinuous span): it is reported in the manifest like everything else left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from store.export.model import ExportDoc, ExportFact
from store.export.writer import ExportContext
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


def annotation_conf(schema: Schema) -> str:
    """brat's annotation.conf for the schema: labels as entities, facts as events or
    relations, the State and NeedsReview attributes."""
    lines = ["# Generated by telaah from the annotation schema.", "", "[entities]", ""]
    lines += [label.name for label in schema.labels]
    lines += ["", "[relations]", "", "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>"]
    lines += [
        f"{t.name}\t" + ", ".join(f"{r.name}:{_allowed(r)}" for r in t.roles)
        for t in schema.fact_types
        if is_relation(t)
    ]
    lines += ["", "[events]", ""]
    lines += [
        f"{t.name}\t" + ", ".join(f"{r.name}{_arity(r)}:{_allowed(r)}" for r in t.roles)
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
