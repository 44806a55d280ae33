"""facts-csv export: one row per fact, roles as keys, surfaces and offsets that slice the text."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from store.db import session_scope
from store.export.selection import Selection
from store.export.writer import run_export
from store.formats.facts_csv import JOIN, header
from store.formats.registry import get_format
from store.models import Article
from store.schema import read_schema
from tests.golden.corpus import golden_corpus


@pytest.fixture
def golden(engine: Engine) -> Engine:
    golden_corpus(engine)
    return engine


def test_golden_facts_as_csv(golden: Engine, tmp_path: Path) -> None:
    out = tmp_path / "facts.csv"
    report = run_export(
        golden,
        fmt=get_format("facts-csv"),
        out=out,
        # Pending facts of done articles kept pending, so that every state is written.
        selection=Selection(articles="all", state="all", pending_in_done="keep"),
    )
    raw = out.read_bytes().decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(raw, newline="")))
    with session_scope(golden) as session:
        texts = dict(session.execute(select(Article.external_id, Article.text)).all())
        assert list(rows[0]) == header(read_schema(session=session))
    assert len(rows) == report.facts > 0
    assert {r["state"] for r in rows} == {"accepted", "rejected", "pending"}
    roles = [c[:-4] for c in rows[0] if c.endswith("_key")]
    assert roles[:4] == ["supplier", "recipient", "item", "date"]
    several = 0
    for row in rows:
        text = texts[row["article"]]
        if row["evidence_start"]:
            assert (
                text[int(row["evidence_start"]) : int(row["evidence_end"])] == row["evidence_text"]
            )
        for role in roles:
            if not row[f"{role}_text"]:
                continue
            surfaces = row[f"{role}_text"].split(JOIN)
            starts = row[f"{role}_start"].split(JOIN)
            ends = row[f"{role}_end"].split(JOIN)
            several += len(surfaces) > 1
            assert len(surfaces) == len(starts) == len(ends) == len(row[f"{role}_key"].split(JOIN))
            for surface, start, end in zip(surfaces, starts, ends, strict=True):
                assert text[int(start) : int(end)] == surface
    assert several > 0  # the sample has facts with several fillers of one role
    noted = [r for r in rows if r["note"]]
    assert noted and all(r["note"].startswith("checked against the source") for r in noted)
