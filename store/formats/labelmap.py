"""Label mapping: rename entity labels, relation types and event/fact types on the way in
(`telaah import --map`) and on the way out (`telaah export --map`).

One namespace: a mapping `PERSON=PER` renames the label `PERSON` and the fact type `PERSON`
alike (a corpus rarely uses one name for both). Mapping two names to one merges them.

The option's value is either `OLD=NEW,OLD2=NEW2` or `@FILE`, a UTF-8 file of `OLD=NEW` lines
(blank lines and lines starting with `#` are ignored). Names follow the schema's rule
(`store.schema.valid_name`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from store.errors import TelaahError
from store.export.model import ExportDoc
from store.schema import NAME_RULE, FactTypeSpec, LabelSpec, RoleSpec, Schema, valid_name


@dataclass(frozen=True, slots=True)
class LabelMap:
    """Old name -> new name, in the order given; names not in it are kept as they are."""

    pairs: tuple[tuple[str, str], ...] = ()

    @property
    def mapping(self) -> dict[str, str]:
        """The mapping as a dict (old -> new)."""
        return dict(self.pairs)

    def label(self, name: str) -> str:
        """The new name of the entity label `name` (itself when not mapped)."""
        return self.mapping.get(name, name)

    def fact_type(self, name: str) -> str:
        """The new name of the fact, relation or event type `name` (itself when not mapped)."""
        return self.mapping.get(name, name)

    def merges(self) -> dict[str, list[str]]:
        """New name -> the old names mapped to it, for the new names two or more reach."""
        into: dict[str, list[str]] = {}
        for old, new in self.pairs:
            into.setdefault(new, []).append(old)
        return {new: sources for new, sources in into.items() if len(sources) > 1}

    def describe(self) -> str:
        """One line: `label map: PERSON->PER, GPE->LOC, FAC->LOC; merged GPE, FAC into LOC`."""
        line = "label map: " + ", ".join(f"{old}->{new}" for old, new in self.pairs)
        merged = self.merges()
        if merged:
            line += "; merged " + "; ".join(
                f"{', '.join(sources)} into {new}" for new, sources in merged.items()
            )
        return line

    def to_dict(self) -> dict[str, str]:
        """The mapping as a manifest records it."""
        return self.mapping

    def doc(self, doc: ExportDoc) -> ExportDoc:
        """`doc` with the labels of its spans and the types of its facts mapped."""
        if not self.pairs:
            return doc
        return replace(
            doc,
            spans=tuple(replace(s, label=self.label(s.label)) for s in doc.spans),
            facts=tuple(replace(f, type=self.fact_type(f.type)) for f in doc.facts),
        )

    def schema(self, schema: Schema) -> Schema:
        """`schema` with labels, fact types and the labels roles take mapped; merged names
        keep the first spec."""
        labels: dict[str, LabelSpec] = {}
        for spec in schema.labels:
            labels.setdefault(self.label(spec.name), replace(spec, name=self.label(spec.name)))
        types: dict[str, FactTypeSpec] = {}
        for fact_type in schema.fact_types:
            name = self.fact_type(fact_type.name)
            roles = tuple(
                RoleSpec(
                    r.name,
                    tuple(dict.fromkeys(self.label(label) for label in r.labels)),
                    r.required,
                    r.multiple,
                )
                for r in fact_type.roles
            )
            types.setdefault(name, replace(fact_type, name=name, roles=roles))
        return Schema(tuple(labels.values()), tuple(types.values()))


def parse_label_map(value: str) -> LabelMap:
    """A `--map` value: `OLD=NEW,OLD2=NEW2`, or `@FILE` (one `OLD=NEW` a line, `#` comments).

    Raises:
        TelaahError: one line naming what is wrong (a pair without `=`, a bad name, a name
            mapped twice to different names, a file that cannot be read).
    """
    if value.startswith("@"):
        path = Path(value[1:]).expanduser()
        try:
            lines = path.read_text(encoding="utf-8-sig").splitlines()
        except OSError as exc:
            raise TelaahError(f"--map: cannot read {path}: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:
            raise TelaahError(f"--map: {path} is not UTF-8 (byte {exc.start})") from None
        entries = [
            (f"{path}:{number}", line.strip())
            for number, line in enumerate(lines, 1)
            if line.strip() and not line.strip().startswith("#")
        ]
    else:
        entries = [("--map", part.strip()) for part in value.split(",") if part.strip()]
    if not entries:
        raise TelaahError("--map: no OLD=NEW pair given")
    pairs: dict[str, str] = {}
    for where, entry in entries:
        old, sep, new = entry.partition("=")
        old, new = old.strip(), new.strip()
        if not sep or not old or not new:
            raise TelaahError(f"{where}: {entry!r} is not OLD=NEW")
        for name in (old, new):
            if not valid_name(name):
                raise TelaahError(f"{where}: name {name!r}: {NAME_RULE}")
        if pairs.get(old, new) != new:
            raise TelaahError(f"{where}: {old} is mapped to both {pairs[old]} and {new}")
        pairs[old] = new
    return LabelMap(tuple(pairs.items()))
