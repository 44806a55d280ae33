"""A gazetteer export after a curation session re-imports into an empty database, unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from store.corpus.demo import prepare_demo
from store.db import session_scope
from store.gazetteer import entities as gazetteer
from store.gazetteer.files import import_gazetteer
from store.gazetteer.merge import merge_entities
from tests.store.test_gazetteer import (
    aliases_by_entity,
    entity_rows,
    export,
    fresh_database,
    write,
)


def same_order(
    by_entity: list[tuple[str, list[tuple[str, str]]]],
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Aliases per entity, sorted (the order of ids is not part of the state)."""
    return [(key, sorted(aliases)) for key, aliases in by_entity]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_curated_gazetteer_round_trips(
    engine: Engine, reviewer_id: int, tmp_path: Path, fmt: str
) -> None:
    prepare_demo(engine, reviewer_id=reviewer_id)
    with session_scope(engine) as session:
        gazetteer.create_entity(
            session=session,
            key="X-KG",
            name="Kyrgystan",
            type="GPE",
            reviewer_id=reviewer_id,
            aliases=["Kirgiziya"],
            origin="reviewer",
        )
        merge_entities(session=session, source="X-KG", target="KG", reviewer_id=reviewer_id)
        gazetteer.rename_entity(
            session=session, key="G-MOSCOW", name="Moskwa (Moscow)", reviewer_id=reviewer_id
        )
        gazetteer.retype_entity(
            session=session, key="L-PLESETSK", type="GPE", reviewer_id=reviewer_id
        )
        gazetteer.add_alias(session=session, key="RU", text="Rusiya", reviewer_id=reviewer_id)
        gazetteer.remove_alias(
            session=session, key="RU", text="Federasi Rusia", reviewer_id=reviewer_id
        )
        gazetteer.delete_entity(session=session, key="W-SU57E", reviewer_id=reviewer_id)
        first = export(session, fmt)
        rows, aliases = entity_rows(session), same_order(aliases_by_entity(session))
    other = fresh_database(tmp_path / "fresh.db")
    try:
        with session_scope(other) as fresh:
            report = import_gazetteer(
                session=fresh, path=write(tmp_path / f"g.{fmt}", first), reviewer_id=None
            )
            assert report.problems == []
            assert entity_rows(fresh) == rows and same_order(aliases_by_entity(fresh)) == aliases
            assert gazetteer.get_entity(session=fresh, key="X-KG").merged_into == "KG"
            second = export(fresh, fmt)
    finally:
        other.dispose()
    assert second == first
    assert "Kyrgystan" in first and "Rusiya" in first and "W-SU57E" not in first
