"""Gazetteer import and export: files in, entities and aliases out, every change audited."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from sqlmodel import Session

from store.errors import TelaahError
from store.formats.gazetteer import EntityRecord, read_gazetteer, write_gazetteer
from store.formats.problems import Problem
from store.gazetteer import bulk
from store.gazetteer import entities as gazetteer
from store.gazetteer.change import GazetteerChange
from store.textnorm import norm_key, normalise_field, normalise_optional


@dataclass(slots=True)
class GazetteerReport:
    """What a gazetteer import changed, and what it refused."""

    created: int = 0
    updated: int = 0
    aliases_added: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)
    new_aliases: list[str] = field(default_factory=list)  # for re-matching what they reach
    redirected: list[str] = field(default_factory=list)  # keys that became redirects

    @property
    def failed(self) -> int:
        """How many rows or entities were refused."""
        return len(self.problems)

    @property
    def change(self) -> GazetteerChange:
        """What the import changed, for re-matching: the new aliases and the new redirects."""
        return GazetteerChange("", added=tuple(self.new_aliases), entities=tuple(self.redirected))

    @property
    def summary(self) -> str:
        """The closing line of a gazetteer import."""
        return (
            f"entities created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}; aliases added {self.aliases_added}; "
            f"failed {self.failed}"
        )


def import_gazetteer(*, session: Session, path: Path, reviewer_id: int | None) -> GazetteerReport:
    """Import a gazetteer file: new entities are created, known ones gain missing aliases.

    An entity already stored under another name or type is refused (rename or retype it). All
    good entities are written in one transaction; re-importing the same file changes nothing.
    """
    records, problems = read_gazetteer(path)
    report = GazetteerReport(problems=[str(p) for p in problems])
    labels = gazetteer.label_names(session=session)
    if records and not labels:
        report.problems.append(f"{path}: no schema is loaded: run `telaah schema load FILE` first")
        return report
    stored = bulk.stored_entities(session, [record.key for record in records])
    redirects: list[EntityRecord] = []
    new: list[tuple[str, str, str, str | None, dict[str, Any], list[str]]] = []
    added: list[tuple[int, str, str]] = []  # to entities already stored
    norms: dict[str, str] = {}  # alias -> its norm_key, computed once
    for record in map(_normalised, records):
        if record.type not in labels:
            report.problems.append(
                str(
                    Problem(path, record.line, f"type {record.type!r} is not defined in the schema")
                )
            )
            continue
        if not record.name:
            report.problems.append(str(Problem(path, record.line, "the name is only controls")))
            continue
        for text in record.aliases:
            if text not in norms:
                norms[text] = norm_key(text)
        aliases = [a for a in record.aliases if norms[a]]
        for bad in (a for a in record.aliases if not norms[a]):  # in file order
            report.problems.append(
                str(Problem(path, record.line, f"alias {bad!r} has no letters or digits"))
            )
        known = stored.get(record.key)
        if known is None:
            new.append(
                (
                    record.key,
                    record.name,
                    record.type,
                    record.description,
                    record.external_ids,
                    aliases,
                )
            )
            report.created += 1
            report.aliases_added += len(set(aliases))
            report.new_aliases.extend(dict.fromkeys([record.name, *aliases]))
        elif known.name != record.name or known.type != record.type:
            report.problems.append(
                str(
                    Problem(
                        path,
                        record.line,
                        f"id {record.key!r} is {known.name!r} ({known.type}) in the database, not "
                        f"{record.name!r} ({record.type}); rename or retype it first",
                    )
                )
            )
            continue
        else:
            _update(session, known, record, aliases, reviewer_id, report, added)
        if record.merged_into:
            redirects.append(record)
    session.flush()
    bulk.create_entities(session, new, reviewer_id, norms)
    bulk.add_aliases(session, added, reviewer_id, norms)
    for record in redirects:
        _redirect(session, path, record, reviewer_id, report)
    session.commit()
    return report


def _normalised(record: EntityRecord) -> EntityRecord:
    """The record's name, aliases and description as they will be stored (NFC, line endings,
    no control characters), so that a file imported again compares equal."""
    return replace(
        record,
        name=normalise_field(record.name).strip(),
        aliases=list(dict.fromkeys(normalise_field(a).strip() for a in record.aliases)),
        description=normalise_optional(record.description),
    )


def _update(
    session: Session,
    known: gazetteer.EntityView,
    record: EntityRecord,
    aliases: list[str],
    reviewer_id: int | None,
    report: GazetteerReport,
    new_aliases: list[tuple[int, str, str]],
) -> None:
    texts = {a.text for a in known.aliases}
    added = list(dict.fromkeys(a for a in aliases if a not in texts))
    new_aliases.extend((known.id, known.key, text) for text in added)
    changed = bool(added)
    description = record.description if record.description != known.description else None
    external_ids = known.external_ids | record.external_ids
    if description or external_ids != known.external_ids:
        gazetteer.update_entity(
            session=session,
            key=known.key,
            reviewer_id=reviewer_id,
            description=description,
            external_ids=external_ids if record.external_ids else None,
            commit=False,
            imported=True,
        )
        changed = True
    report.aliases_added += len(added)
    report.new_aliases.extend(added)
    if changed:
        report.updated += 1
    else:
        report.unchanged += 1


def _redirect(
    session: Session,
    path: Path,
    record: EntityRecord,
    reviewer_id: int | None,
    report: GazetteerReport,
) -> None:
    current = gazetteer.get_entity(session=session, key=record.key)
    if current.merged_into == record.merged_into:
        return
    try:
        gazetteer.set_redirect(
            session=session,
            key=record.key,
            target=record.merged_into,
            reviewer_id=reviewer_id,
            commit=False,
            imported=True,
        )
        report.redirected.append(record.key)
    except TelaahError as exc:  # an unknown target or a self-redirect, reported on its line
        report.problems.append(str(Problem(path, record.line, f"merged_into: {exc}")))


def export_gazetteer(*, session: Session, handle: IO[str], fmt: str) -> int:
    """Write the whole gazetteer as `fmt` (csv or jsonl); return how many entities."""
    records = [
        EntityRecord(
            v.key,
            v.name,
            v.type,
            0,
            aliases=[a.text for a in v.aliases],
            description=v.description,
            external_ids=v.external_ids,
            merged_into=v.merged_into,
        )
        for v in gazetteer.all_entities(session=session)
    ]
    return write_gazetteer(records, handle, fmt)
