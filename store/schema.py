"""The annotation schema: labels and fact types, read from TOML and kept in the database."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, delete, select

from store import audit
from store.audit import Action
from store.errors import TelaahError
from store.models import Entity, FactRole, FactType, Label, Mention

# Names as real corpora write them (`Transfer-money`, `Pos-Reg`, `Life:Die`, `B.1`, doccano's
# numeric `1`): letters, digits, `-`, `_`, `.`, `:`; never whitespace, never empty.
NAME = re.compile(r"[\w.:-]+")  # \w: Unicode letters and digits, and `_`
NAME_RULE = "letters, digits, `-`, `_`, `.` and `:` only"


def valid_name(name: str) -> bool:
    """Whether `name` can be a label, fact type or role name (see `NAME_RULE`)."""
    return NAME.fullmatch(name) is not None


_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class SchemaError(TelaahError):
    """A schema file that cannot be used; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class LabelSpec:
    """An entity type: its name, keyboard key, colour and description."""

    name: str
    colour: str
    key: str | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class RoleSpec:
    """A role of a fact type and the labels that may fill it (a fact type named there: a
    fact of that type may fill it, as an event fills a role of another in brat)."""

    name: str
    labels: tuple[str, ...]
    required: bool = True
    multiple: bool = False


@dataclass(frozen=True, slots=True)
class FactTypeSpec:
    """A fact type: roles and the trigger words that propose it."""

    name: str
    roles: tuple[RoleSpec, ...]
    triggers: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class Schema:
    """Labels in schema order and fact types."""

    labels: tuple[LabelSpec, ...] = ()
    fact_types: tuple[FactTypeSpec, ...] = field(default_factory=tuple)

    @property
    def label_names(self) -> set[str]:
        """The names of the labels."""
        return {label.name for label in self.labels}


def parse_schema(path: Path) -> Schema:
    """Read and check a schema file.

    Raises:
        SchemaError: one line naming the file, the line and what is wrong.
    """
    try:
        source = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise SchemaError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise SchemaError(f"{path}: not valid UTF-8 at byte offset {exc.start}") from None
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        # tomllib says "... (at line L, column C)": lead with path:L like every other error.
        line = re.search(r"\bline (\d+)", str(exc))
        where = f"{path}:{line.group(1)}" if line else str(path)
        raise SchemaError(f"{where}: {exc}") from None
    except RecursionError:
        raise SchemaError(f"{path}: arrays or tables nested too deep") from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise SchemaError(f"{path}: a value cannot be read: {str(exc).split(':')[0]}") from None
    return _Checker(path, source).check(data)


class _Checker:
    """Turns the parsed TOML into a Schema, naming the line of each table it complains about."""

    def __init__(self, path: Path, source: str) -> None:
        self.path = path
        self.headers: dict[str, list[int]] = {}
        for number, line in enumerate(source.splitlines(), start=1):
            match = re.match(r"\s*\[\[\s*([A-Za-z_.]+)\s*\]\]", line)
            if match:
                self.headers.setdefault(match.group(1), []).append(number)

    def fail(self, table: str, index: int, message: str) -> SchemaError:
        lines = self.headers.get(table, [])
        where = f"{self.path}:{lines[index]}" if index < len(lines) else str(self.path)
        return SchemaError(f"{where}: {message}")

    def check(self, data: dict[str, Any]) -> Schema:
        unknown = set(data) - {"labels", "fact_types", "version"}
        if unknown:
            raise SchemaError(
                f"{self.path}: unknown top-level key(s): {', '.join(sorted(unknown))}"
            )
        labels = tuple(self._label(i, raw) for i, raw in enumerate(data.get("labels", [])))
        if not labels:
            raise SchemaError(f"{self.path}: no [[labels]] defined")
        self._unique("labels", [label.name for label in labels], "label name")
        self._unique("labels", [label.key for label in labels], "label key")
        names = {label.name for label in labels}
        # A role may also name fact types: it is filled by facts of them (nested events).
        names |= {
            raw["name"].strip()
            for raw in data.get("fact_types", [])
            if isinstance(raw, dict) and isinstance(raw.get("name"), str)
        }
        role_index = 0
        fact_types = []
        for i, raw in enumerate(data.get("fact_types", [])):
            fact_type, role_index = self._fact_type(i, raw, names, role_index)
            fact_types.append(fact_type)
        self._unique("fact_types", [f.name for f in fact_types], "fact type name")
        return Schema(labels, tuple(fact_types))

    def _unique(self, table: str, values: Sequence[str | None], what: str) -> None:
        """Refuse a repeated value; `values` are by table index (None: not given, skipped)."""
        seen: set[str] = set()
        for index, value in enumerate(values):
            if value is None:
                continue
            if value in seen:
                raise self.fail(table, index, f"duplicate {what} {value!r}")
            seen.add(value)

    def _text(
        self, table: str, index: int, raw: dict[str, Any], key: str, required: bool = True
    ) -> str:
        value = raw.get(key, "")
        if not isinstance(value, str):
            raise self.fail(table, index, f"`{key}` must be a string")
        if required and not value.strip():
            raise self.fail(table, index, f"`{key}` is missing or empty")
        return value.strip()

    def _label(self, index: int, raw: Any) -> LabelSpec:
        if not isinstance(raw, dict):
            raise SchemaError(f"{self.path}: `labels` must be an array of tables ([[labels]])")
        name = self._text("labels", index, raw, "name")
        if not valid_name(name):
            raise self.fail("labels", index, f"label name {name!r}: {NAME_RULE}")
        colour = self._text("labels", index, raw, "colour")
        if not _COLOUR.match(colour):
            raise self.fail("labels", index, f"colour {colour!r} of {name} must look like #rrggbb")
        key = self._text("labels", index, raw, "key", required=False) or None
        if key is not None and len(key) != 1:
            raise self.fail("labels", index, f"key {key!r} of {name} must be one character")
        return LabelSpec(
            name,
            colour.lower(),
            key,
            self._text("labels", index, raw, "description", required=False),
        )

    def _fact_type(
        self, index: int, raw: Any, labels: set[str], role_index: int
    ) -> tuple[FactTypeSpec, int]:
        if not isinstance(raw, dict):
            raise SchemaError(f"{self.path}: `fact_types` must be an array of tables")
        name = self._text("fact_types", index, raw, "name")
        if not valid_name(name):
            raise self.fail("fact_types", index, f"fact type name {name!r}: {NAME_RULE}")
        triggers = raw.get("triggers", [])
        if not isinstance(triggers, list) or not all(
            isinstance(t, str) and t.strip() for t in triggers
        ):
            raise self.fail("fact_types", index, f"`triggers` of {name} must be a list of words")
        roles_raw = raw.get("roles", [])
        if not roles_raw:
            raise self.fail("fact_types", index, f"fact type {name} has no [[fact_types.roles]]")
        roles = []
        for raw_role in roles_raw:
            roles.append(self._role(role_index, raw_role, labels, name))
            role_index += 1
        seen: set[str] = set()
        for role in roles:
            if role.name in seen:
                raise self.fail("fact_types", index, f"{name} has two roles named {role.name!r}")
            seen.add(role.name)
        spec = FactTypeSpec(
            name,
            tuple(roles),
            tuple(t.strip().lower() for t in triggers),
            self._text("fact_types", index, raw, "description", required=False),
        )
        return spec, role_index

    def _role(self, index: int, raw: Any, labels: set[str], fact_type: str) -> RoleSpec:
        table = "fact_types.roles"
        if not isinstance(raw, dict):
            raise self.fail(table, index, f"roles of {fact_type} must be tables")
        name = self._text(table, index, raw, "name")
        if not valid_name(name):
            raise self.fail(table, index, f"role name {name!r} of {fact_type}: {NAME_RULE}")
        allowed = raw.get("labels")
        if (
            not isinstance(allowed, list)
            or not allowed
            or not all(isinstance(a, str) for a in allowed)
        ):
            raise self.fail(table, index, f"role {fact_type}.{name} needs a list of `labels`")
        for label in allowed:
            if label not in labels:
                raise self.fail(
                    table, index, f"role {fact_type}.{name} allows undefined label {label!r}"
                )
        required, multiple = raw.get("required", True), raw.get("multiple", False)
        if not isinstance(required, bool) or not isinstance(multiple, bool):
            raise self.fail(table, index, f"`required` and `multiple` of {name} must be true/false")
        return RoleSpec(name, tuple(allowed), required, multiple)


def load_schema(*, session: Session, schema: Schema, reviewer_id: int | None) -> None:
    """Replace the stored schema with `schema`, refusing to drop a label still in use."""
    before = read_schema(session=session)
    dropped = before.label_names - schema.label_names
    for name in sorted(dropped):
        used = session.exec(
            select(func.count()).select_from(Entity).where(Entity.type == name)
        ).one()
        used += session.exec(
            select(func.count()).select_from(Mention).where(Mention.label == name)
        ).one()
        if used:
            raise SchemaError(
                f"label {name} is used by {used} entities or mentions; "
                "keep it in the schema or retype them first"
            )
    session.exec(delete(FactType))
    session.exec(delete(Label))
    session.flush()
    for position, label in enumerate(schema.labels):
        session.add(
            Label(
                name=label.name,
                key=label.key,
                colour=label.colour,
                description=label.description,
                position=position,
            )
        )
    for position, spec in enumerate(schema.fact_types):
        fact_type = FactType(
            name=spec.name,
            description=spec.description,
            triggers=list(spec.triggers),
            position=position,
        )
        session.add(fact_type)
        session.flush()
        assert fact_type.id is not None
        for role_position, role in enumerate(spec.roles):
            session.add(
                FactRole(
                    fact_type_id=fact_type.id,
                    name=role.name,
                    labels=list(role.labels),
                    required=role.required,
                    multiple=role.multiple,
                    position=role_position,
                )
            )
    audit.record(
        session,
        action=Action.SCHEMA_LOAD,
        reviewer_id=reviewer_id,
        before=schema_to_dict(before),
        after=schema_to_dict(schema),
    )
    session.commit()


def read_schema(*, session: Session) -> Schema:
    """The stored schema (empty when none was loaded)."""
    labels = tuple(
        LabelSpec(row.name, row.colour, row.key, row.description)
        for row in session.exec(select(Label).order_by(col(Label.position))).all()
    )
    fact_types = []
    for ft in session.exec(select(FactType).order_by(col(FactType.position))).all():
        roles = session.exec(
            select(FactRole).where(FactRole.fact_type_id == ft.id).order_by(col(FactRole.position))
        ).all()
        fact_types.append(
            FactTypeSpec(
                ft.name,
                tuple(RoleSpec(r.name, tuple(r.labels), r.required, r.multiple) for r in roles),
                tuple(ft.triggers),
                ft.description,
            )
        )
    return Schema(labels, tuple(fact_types))


def schema_to_dict(schema: Schema) -> dict[str, Any]:
    """A JSON-ready form of the schema, for the audit log."""
    return {
        "labels": [
            {"name": x.name, "key": x.key, "colour": x.colour, "description": x.description}
            for x in schema.labels
        ],
        "fact_types": [
            {
                "name": f.name,
                "description": f.description,
                "triggers": list(f.triggers),
                "roles": [
                    {
                        "name": r.name,
                        "labels": list(r.labels),
                        "required": r.required,
                        "multiple": r.multiple,
                    }
                    for r in f.roles
                ],
            }
            for f in schema.fact_types
        ],
    }
