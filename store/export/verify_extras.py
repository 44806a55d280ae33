"""The part of an export's check that compares attributes, notes, equivalences and facts
filling roles (`store.export.verify`, for the formats that carry them: jsonl and brat)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from store.export.model import ExportDoc, ExportFact, ExportSpan

_BREAKS = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\t]")
_SPACE = re.compile(r"\s")

Attributes = tuple[tuple[str, str | None], ...]
Notes = tuple[tuple[str, str], ...]


def compare_extras(
    want: ExportDoc,
    got: ExportDoc,
    kept: Sequence[ExportSpan],
    got_spans: Sequence[ExportSpan],
    *,
    brat: bool,
) -> tuple[list[str], int]:
    """The differences (one line each) between the extras meant and read back, and how many
    spans, facts and equivalence sets were compared. `brat`: as brat writes them (a note on one
    line; an attribute or note kind holding whitespace cannot be written, and is counted in
    the manifest's `not_carried` by the writer)."""
    if not (_has_extras(want) or _has_extras(got)):
        return [], 0  # the usual case: nothing to compare, and no time spent on it
    lines: list[str] = []
    place = {s.id: (s.start, s.end) for s in kept}
    got_place = {s.id: (s.start, s.end) for s in got_spans}
    wanted = Counter((s.start, s.end, s.label, *_span_extras(s, brat)) for s in kept)
    found = Counter((s.start, s.end, s.label, *_span_extras(s, brat)) for s in got_spans)
    shared = {key[:3] for key in found} & {key[:3] for key in wanted}
    for key in sorted((wanted - found).elements(), key=repr):
        if key[:3] in shared:
            lines.append(f"span {key[0]}-{key[1]} {key[2]}: attributes or notes differ")
    compared = sum(1 for s in kept if s.attributes or s.notes)
    want_facts = _fact_keys(want.facts, place, brat)
    got_facts = _fact_keys(got.facts, got_place, brat)
    for base, extras in got_facts.items():
        meant = want_facts.get(base, Counter())
        if extras - meant or (sum(extras.values()) == sum(meant.values()) and meant - extras):
            lines.append(f"fact {base[0]}: attributes, notes or facts filling roles differ")
    compared += sum(1 for f in want.facts if f.attributes or f.notes or f.fact_roles)
    sets_wanted = _equivalences(want, place)
    sets_found = _equivalences(got, got_place)
    for type_, members in sorted((sets_wanted - sets_found).elements()):
        lines.append(f"equivalence {type_} of {len(members)} spans missing")
    for type_, members in sorted((sets_found - sets_wanted).elements()):
        lines.append(f"equivalence {type_} of {len(members)} spans not meant")
    return lines, compared + sum(sets_wanted.values())


def _has_extras(doc: ExportDoc) -> bool:
    return bool(
        doc.equivalences
        or any(s.attributes or s.notes for s in doc.spans)
        or any(f.attributes or f.notes or f.fact_roles for f in doc.facts)
    )


def _span_extras(span: ExportSpan, brat: bool) -> tuple[Attributes, Notes]:
    return _attributes(span.attributes, brat), _notes(span.notes, brat)


def _attributes(attributes: Attributes, brat: bool) -> Attributes:
    if brat:
        attributes = tuple(
            (name, value)
            for name, value in attributes
            if name and not _SPACE.search(name) and value != "" and not _SPACE.search(value or "")
        )
    return tuple(sorted(attributes, key=repr))


def _notes(notes: Notes, brat: bool) -> Notes:
    if brat:
        notes = tuple(
            (kind, " ".join(_BREAKS.sub(" ", text).split("\t")))
            for kind, text in notes
            if kind and not _SPACE.search(kind)
        )
    return notes


FactBase = tuple[str, tuple[tuple[str, tuple[tuple[int, int], ...]], ...]]


def _fact_keys(
    facts: Sequence[ExportFact], place: dict[int, tuple[int, int]], brat: bool
) -> dict[FactBase, Counter[tuple[object, ...]]]:
    """Each fact by its type and role offsets, with its extras: attributes, notes (the `note`
    first) and the facts filling its roles (by their own type and role offsets)."""
    base: dict[int, FactBase] = {}
    for fact in facts:
        base[fact.id] = (
            fact.type,
            tuple(
                sorted(
                    (role, tuple(sorted(place.get(i, (-1, -1)) for i in ids)))
                    for role, ids in fact.roles.items()
                )
            ),
        )
    result: dict[FactBase, Counter[tuple[object, ...]]] = {}
    for fact in facts:
        notes = ((("AnnotatorNotes", fact.note),) if fact.note else ()) + tuple(fact.notes)
        fillers = tuple(
            sorted(
                (role, tuple(sorted((base.get(i, ("?", ())) for i in ids), key=repr)))
                for role, ids in fact.fact_roles.items()
            )
        )
        extras = (_attributes(fact.attributes, brat), _notes(notes, brat), fillers)
        result.setdefault(base[fact.id], Counter())[extras] += 1
    return result


def _equivalences(
    doc: ExportDoc, place: dict[int, tuple[int, int]]
) -> Counter[tuple[str, tuple[tuple[int, int], ...]]]:
    sets: Counter[tuple[str, tuple[tuple[int, int], ...]]] = Counter()
    for type_, members in doc.equivalences:
        offsets = tuple(sorted(place[m] for m in members if m in place))
        if len(offsets) >= 2:
            sets[(type_, offsets)] += 1
    return sets
