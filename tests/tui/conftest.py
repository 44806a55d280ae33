"""Fixtures for app tests: real databases filled through the store."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from store.corpus.demo import prepare_demo
from store.ingest.articles import import_articles

Importer = Callable[[list[dict[str, Any]]], None]


@pytest.fixture
def demo(engine: Engine, reviewer_id: int) -> None:
    """The sample corpus, gazetteer and schema in the test database."""
    report = prepare_demo(engine, reviewer_id=reviewer_id)
    assert report.articles is not None and report.articles.imported == 5


@pytest.fixture
def import_records(tmp_path: Path, engine: Engine, reviewer_id: int) -> Importer:
    """Import article records (dicts with `text`, `title`, ...) through a JSONL file."""

    def run(records: list[dict[str, Any]]) -> None:
        path = tmp_path / f"batch{len(list(tmp_path.glob('batch*.jsonl')))}.jsonl"
        path.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
        )
        report = import_articles(engine, [path], reviewer_id=reviewer_id)
        assert report.failed == 0 and report.imported == len(records), report.problems

    return run
