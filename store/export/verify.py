"""Every export checks itself: read the written output back and compare it with what was meant.

`verify_output` streams the documents the export meant to write (read again from the database,
in the same order) beside what the format's reader gets back from the temporary output, one
document at a time (memory stays flat), and compares per document the spans (start, end,
label), the entity links and the facts (type, roles -> span offsets), each only where the
format can express it (`CAPABILITIES`) and leaving out what the export listed as skipped. What
the format cannot carry at all (links in CoNLL, facts in a DocBin...) is counted by kind for the
manifest (`not_carried`), so that no loss is silent.

Formats without a reader are checked by their own means: a spaCy DocBin is loaded back with
spaCy (entity char offsets, labels, links), a facts CSV is parsed with `csv` (facts). A format
that cannot be checked is reported as not verified, with the reason: never claimed verified.
"""

from __future__ import annotations

import csv
import itertools
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from store.export.model import ExportDoc, ExportSpan, Skipped
from store.export.verify_extras import compare_extras
from store.formats.conll import conll_tokens
from store.formats.reading import ReadDoc
from store.formats.registry import Format, read_paths

DIFFERENCES_SHOWN = 10  # differences named one a line; the rest are counted

SpanKey = tuple[int, int, str]
LinkKey = tuple[int, int, str, str]
FactKey = tuple[str, tuple[tuple[str, tuple[tuple[int, int], ...]], ...]]


@dataclass(frozen=True, slots=True)
class Capability:
    """What a format carries, so what its verification compares.

    Attributes:
        links: entity keys of spans.
        facts: "full" (type and named roles), "ordered" (type and fillers in order, role names
            not kept: doccano relations) or "" (none).
        tokens: the reader rebuilds the text from tokens (CoNLL): offsets are mapped back
            through the export's tokens.
        extras: attributes and notes of spans and facts, equivalences and facts filling
            roles: "exact" (jsonl), "brat" (as brat writes them: notes on one line, names
            and values without whitespace) or "" (not carried: counted in `not_carried`).
    """

    links: bool
    facts: str
    tokens: bool = False
    extras: str = ""


CAPABILITIES: dict[str, Capability] = {
    "jsonl": Capability(links=True, facts="full", extras="exact"),
    "brat": Capability(links=True, facts="full", extras="brat"),
    "conll": Capability(links=False, facts="", tokens=True),
    "doccano": Capability(links=False, facts="ordered"),
    "spacy": Capability(links=True, facts=""),
    "facts-csv": Capability(links=False, facts="full"),
}


@dataclass
class Verification:
    """The outcome of verifying one export."""

    verified: bool = False
    reason: str | None = None  # why not verified (not checked), when `verified` is false
    documents: int = 0
    spans: int = 0
    links: int = 0
    facts: int = 0
    differences: list[str] = field(default_factory=list)
    different: int = 0  # every difference, including those not listed
    extras: int = 0  # spans and facts whose attributes and notes were compared, equivalences
    not_carried: Counter[str] = field(default_factory=Counter)  # what the format cannot hold

    def differ(self, line: str) -> None:
        """Record one difference (the first `DIFFERENCES_SHOWN` are kept as lines)."""
        self.different += 1
        if len(self.differences) < DIFFERENCES_SHOWN:
            self.differences.append(line)

    @property
    def counts(self) -> dict[str, int]:
        """What was compared, for the manifest."""
        counts = {
            "documents": self.documents,
            "spans": self.spans,
            "links": self.links,
            "facts": self.facts,
        }
        if self.extras:
            counts["extras"] = self.extras
        return counts

    def merge(self, other: Verification) -> None:
        """Add the outcome of checking the next part of a parallel export (its differences
        after this one's): verified when every part is; the first reason a part was not."""
        self.verified = self.verified and other.verified
        self.reason = self.reason or other.reason
        self.documents += other.documents
        self.spans += other.spans
        self.links += other.links
        self.facts += other.facts
        self.extras += other.extras
        self.different += other.different
        room = DIFFERENCES_SHOWN - len(self.differences)
        self.differences += other.differences[: max(0, room)]
        self.not_carried.update(other.not_carried)

    def message(self, out: Path) -> str:
        """The error of a failed verification: one line per difference, then a count."""
        lines = [f"export to {out} failed its check: what was read back differs from what was"]
        lines[0] += f" meant ({self.different} difference{'s' if self.different != 1 else ''})"
        lines += [f"  {line}" for line in self.differences]
        if self.different > len(self.differences):
            lines.append(f"  ... and {self.different - len(self.differences)} more")
        lines.append("nothing was written")
        return "\n".join(lines)

    def to_manifest(self) -> dict[str, Any]:
        """The manifest keys: `verified`, and the counts compared or the reason; `not_carried`
        (kind -> count: what the format cannot express at all) when anything was."""
        found: dict[str, Any] = (
            {"verified": True, "verified_counts": self.counts}
            if self.verified
            else {"verified": False, "verified_reason": self.reason or "not checked"}
        )
        lost = {kind: n for kind, n in sorted(self.not_carried.items()) if n}
        if lost:
            found["not_carried"] = lost
        return found


def verify_output(
    fmt: Format,
    path: Path,
    expected: Iterable[ExportDoc],
    skipped: list[Skipped],
    *,
    skipped_complete: bool = True,
    options: dict[str, str] | None = None,
) -> Verification:
    """Read `path` (the export's temporary output) back and compare it with `expected`.

    Args:
        expected: the documents the export meant to write, in the order it wrote them.
        skipped: what the export listed as skipped (left out of the comparison).
        skipped_complete: whether `skipped` lists every skipped item; if not, the export
            cannot tell which spans it left out and is reported as not verified.
    """
    result = Verification()
    capability = CAPABILITIES.get(fmt.name)
    if capability is None:
        result.reason = f"no check is known for the {fmt.name} format"
        return result
    if not skipped_complete:
        result.reason = "more items were skipped than the manifest lists: cannot tell them apart"
        return result
    skips = _Skips(skipped)
    if not capability.extras:
        expected = _counting_losses(expected, capability, result.not_carried)
    if fmt.name == "spacy":
        return _verify_spacy(path, expected, skips, result)
    if fmt.name == "facts-csv":
        return _verify_facts_csv(path, expected, skips, result)
    if fmt.read is None:
        result.reason = f"the {fmt.name} format has no reader"
        return result
    if fmt.folder:
        pairs: Iterable[tuple[ExportDoc | None, ReadDoc | str | None]] = _read_folder(
            fmt, path, expected
        )
    else:
        pairs = itertools.zip_longest(
            expected, _read_file(fmt, path, (options or {}).get("offsets"))
        )
    for want, got in pairs:
        if want is None:
            name = got.doc.external_id if isinstance(got, ReadDoc) else got
            result.differ(f"{name}: a document read back that was not written")
            continue
        if got is None:
            result.differ(f"{want.external_id}: written but not read back")
            continue
        if isinstance(got, str):
            result.differ(f"{want.external_id}: {got}")
            continue
        _compare(want, got.doc, capability, skips, result)
    result.verified = result.different == 0
    return result


class _Skips:
    """The skipped spans and facts of an export, by article."""

    def __init__(self, items: list[Skipped]) -> None:
        self.spans: dict[str, set[tuple[int | None, int | None, str]]] = {}
        self.facts: dict[str, Counter[str]] = {}
        for item in items:
            if item.kind == "span":
                self.spans.setdefault(item.article, set()).add((item.start, item.end, item.label))
            else:
                self.facts.setdefault(item.article, Counter())[item.label] += 1

    def fact_count(self, article: str) -> int:
        """How many facts of `article` the export listed as skipped."""
        return sum(self.facts.get(article, Counter()).values())

    def span(self, article: str, span: ExportSpan) -> bool:
        """Whether the export listed this span as skipped."""
        return (span.start, span.end, span.label) in self.spans.get(article, ())


def _read_file(fmt: Format, path: Path, offsets: str | None) -> Iterator[ReadDoc | str]:
    """The documents of one written file, and a line for each problem the reader met."""
    from store.formats.problems import Problem

    for item in read_paths(fmt, [path], offsets):
        if isinstance(item, ReadDoc):
            yield item
        elif isinstance(item, Problem):
            yield f"the reader found a problem: {item.message}"


def _read_folder(
    fmt: Format, folder: Path, expected: Iterable[ExportDoc]
) -> Iterator[tuple[ExportDoc | None, ReadDoc | str | None]]:
    """Each expected document with what a brat folder holds for it, read file by file under
    the names the export gave them (one document held at a time)."""
    from store.formats.brat import FileNames
    from store.formats.problems import Problem

    assert fmt.read is not None
    names = FileNames()
    for doc in expected:
        path = folder / f"{names.name(doc.external_id)}.ann"
        found: ReadDoc | str = f"{path.name} was not read back"
        for item in fmt.read(path, None):
            if isinstance(item, ReadDoc):
                found = item
            elif isinstance(item, Problem):
                found = f"{path.name}: the reader found a problem: {item.message}"
                break
        yield doc, found


def _compare(
    want: ExportDoc, got: ExportDoc, capability: Capability, skips: _Skips, result: Verification
) -> None:
    """Compare one document as meant (`want`) and as read back (`got`)."""
    article = want.external_id
    result.documents += 1
    kept = [s for s in want.spans if not skips.span(article, s)]
    got_spans = list(got.spans)
    if capability.tokens:
        mapped = _map_tokens(want, got)
        if isinstance(mapped, str):
            result.differ(f"{article}: {mapped}")
            return
        got_spans = mapped
    elif got.text != want.text:
        pairs = zip(got.text, want.text, strict=False)
        at = next(
            (i for i, (a, b) in enumerate(pairs) if a != b), min(len(got.text), len(want.text))
        )
        result.differ(f"{article}: the text read back differs from the article's at {at}")
        return
    # A span the export listed as skipped may still be written (e.g. without its link).
    got_spans = [s for s in got_spans if not skips.span(article, s)]
    wanted = Counter((s.start, s.end, s.label) for s in kept)
    found = Counter((s.start, s.end, s.label) for s in got_spans)
    text = want.text
    for start, end, label in sorted((wanted - found).elements()):
        result.differ(f"{article}: span {start}-{end} {label} {text[start:end]!r} missing")
    for start, end, label in sorted((found - wanted).elements()):
        result.differ(f"{article}: span {start}-{end} {label} {text[start:end]!r} not meant")
    result.spans += sum(wanted.values())
    if not capability.links:
        result.not_carried["links"] += sum(1 for s in kept if s.entity_key)
    if not capability.facts:
        result.not_carried["facts"] += len(want.facts) - skips.fact_count(article)
    if capability.links:
        want_links = Counter(_link(s) for s in kept if s.entity_key)
        got_links = Counter(_link(s) for s in got_spans if s.entity_key)
        for start, end, label, key in sorted((want_links - got_links).elements()):
            result.differ(f"{article}: span {start}-{end} {label}: link to {key!r} missing")
        for start, end, label, key in sorted((got_links - want_links).elements()):
            result.differ(f"{article}: span {start}-{end} {label}: link to {key!r} not meant")
        result.links += sum(want_links.values())
    if capability.extras:
        lines, compared = compare_extras(
            want, got, kept, got_spans, brat=capability.extras == "brat"
        )
        for line in lines:
            result.differ(f"{article}: {line}")
        result.extras += compared
    if capability.facts:
        ordered = capability.facts == "ordered"
        _compare_facts(
            article,
            Counter(_fact_key(f.type, f.roles, want.spans, ordered) for f in want.facts),
            Counter(_fact_key(f.type, f.roles, got.spans, ordered) for f in got.facts),
            skips,
            result,
        )


def _compare_facts(
    article: str,
    wanted: Counter[FactKey],
    found: Counter[FactKey],
    skips: _Skips,
    result: Verification,
) -> None:
    """Compare the facts of one document; as many of a type as the export skipped may be
    missing (a skipped fact is named by its type only)."""
    allowed = Counter(skips.facts.get(article, Counter()))
    for key in sorted((wanted - found).elements()):
        if allowed[key[0]] > 0:
            allowed[key[0]] -= 1
            wanted[key] -= 1
            continue
        result.differ(f"{article}: fact {key[0]} {_roles_text(key)} missing")
    for key in sorted((found - wanted).elements()):
        result.differ(f"{article}: fact {key[0]} {_roles_text(key)} not meant")
    result.facts += sum(v for v in wanted.values() if v > 0)


def _counting_losses(
    docs: Iterable[ExportDoc], capability: Capability, lost: Counter[str]
) -> Iterator[ExportDoc]:
    """`docs`, counting what each holds that a format without extras cannot carry."""
    for doc in docs:
        for span in doc.spans:
            lost["attribute"] += len(span.attributes)
            lost["note"] += len(span.notes)
        for fact in doc.facts:
            lost["attribute"] += len(fact.attributes)
            lost["note"] += len(fact.notes)
        lost["equivalence"] += len(doc.equivalences)
        if capability.facts:
            lost["fact filling a role"] += sum(
                len(ids) for fact in doc.facts for ids in fact.fact_roles.values()
            )
        yield doc
    for kind in [kind for kind, count in lost.items() if not count]:
        del lost[kind]


def _link(span: ExportSpan) -> LinkKey:
    return (span.start, span.end, span.label, span.entity_key or "")


def _fact_key(
    type: str, roles: dict[str, list[int]], spans: Iterable[ExportSpan], ordered: bool
) -> FactKey:
    """A fact as compared: its type and each role's filler offsets (or, `ordered`, the
    fillers in order as #1, #2...: a format without role names)."""
    where = {s.id: (s.start, s.end) for s in spans}
    if ordered:
        fillers = [where.get(i, (-1, -1)) for ids in roles.values() for i in ids]
        return type, tuple((f"#{n}", (f,)) for n, f in enumerate(fillers, 1))
    return type, tuple(
        sorted(
            (role, tuple(sorted(where.get(i, (-1, -1)) for i in ids)))
            for role, ids in roles.items()
        )
    )


def _roles_text(key: FactKey) -> str:
    return ", ".join(
        f"{role}={'+'.join(f'{s}-{e}' for s, e in fillers)}" for role, fillers in key[1]
    )


def _map_tokens(want: ExportDoc, got: ExportDoc) -> list[ExportSpan] | str:
    """The spans read back from tokens (CoNLL: the text rebuilt from the tokens) moved to the
    article's offsets through the tokens the export wrote; a string when the tokens do not
    match."""
    tokens = [(t.start, t.end) for t in conll_tokens(want)]
    text = got.text
    if got.tokens is None:
        return "no tokens read back"
    read = got.tokens.offsets
    if len(read) != len(tokens):
        return f"{len(read)} tokens read back, {len(tokens)} written"
    for (start, end), (a, b) in zip(tokens, read, strict=True):
        if want.text[start:end] != text[a:b]:
            return f"token {want.text[start:end]!r} at {start} read back as {text[a:b]!r}"
    first = {a: i for i, (a, _b) in enumerate(read)}
    last = {b: i for i, (_a, b) in enumerate(read)}
    spans = []
    for span in got.spans:
        if span.start not in first or span.end not in last:
            return f"span {span.start}-{span.end} {span.label} read back off the tokens"
        start, end = tokens[first[span.start]][0], tokens[last[span.end]][1]
        spans.append(ExportSpan(span.id, start, end, want.text[start:end], span.label))
    return spans


def _verify_spacy(
    path: Path, expected: Iterable[ExportDoc], skips: _Skips, result: Verification
) -> Verification:
    """Load the DocBin back with spaCy and compare entities (char offsets, labels, links)."""
    try:
        import spacy
        from spacy.tokens import DocBin
    except ImportError:
        result.reason = "spaCy is not installed: the DocBin could not be loaded back"
        return result
    from store.formats.spacy import LANGUAGE

    vocab = spacy.blank(LANGUAGE).vocab
    loaded = DocBin().from_disk(path).get_docs(vocab)
    capability = CAPABILITIES["spacy"]
    for want, made in itertools.zip_longest(expected, loaded):
        if want is None:
            result.differ(f"{made.user_data.get('telaah_id')}: a document read back, not written")
            continue
        if made is None:
            result.differ(f"{want.external_id}: written but not read back")
            continue
        got = ExportDoc(
            id=0,
            external_id=want.external_id,
            title="",
            text=made.text,
            spans=tuple(
                ExportSpan(i, e.start_char, e.end_char, e.text, e.label_, e.kb_id_ or None)
                for i, e in enumerate(made.ents)
            ),
        )
        _compare(want, got, capability, skips, result)
    result.verified = result.different == 0
    return result


def _verify_facts_csv(
    path: Path, expected: Iterable[ExportDoc], skips: _Skips, result: Verification
) -> Verification:
    """Parse the CSV back and compare each article's facts (type, role offsets)."""
    from store.formats.facts_csv import JOIN

    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle)
        roles = [
            name[: -len("_start")] for name in rows.fieldnames or () if name.endswith("_start")
        ]
        roles = [r for r in roles if f"{r}_end" in (rows.fieldnames or ()) and r != "evidence"]
        groups = itertools.groupby(rows, key=lambda row: row["article"])
        pending = next(groups, None)
        for want in expected:
            article = want.external_id
            got: list[FactKey] = []
            if pending is not None and pending[0] == article:
                for row in pending[1]:
                    filled = []
                    for role in roles:
                        starts, ends = row[f"{role}_start"], row[f"{role}_end"]
                        if starts:
                            pairs = zip(starts.split(JOIN), ends.split(JOIN), strict=False)
                            filled.append((role, tuple(sorted((int(s), int(e)) for s, e in pairs))))
                    got.append((row["type"], tuple(sorted(filled))))
                pending = next(groups, None)
            result.documents += 1
            fillers = {i for f in want.facts for ids in f.roles.values() for i in ids}
            result.not_carried["spans"] += sum(
                1 for s in want.spans if s.id not in fillers and not skips.span(article, s)
            )
            _compare_facts(
                article,
                Counter(_fact_key(f.type, f.roles, want.spans, False) for f in want.facts),
                Counter(got),
                skips,
                result,
            )
        while pending is not None:
            result.differ(f"{pending[0]}: facts read back for an article not written")
            pending = next(groups, None)
    result.verified = result.different == 0
    return result
