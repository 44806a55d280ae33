"""Golden files: the golden corpus exported as jsonl, brat and facts-csv, compared byte for byte.

After a deliberate format change: `TELAAH_UPDATE_GOLDEN=1 pytest tests/golden`, then review the
diff of tests/golden/files/ before committing it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.golden.corpus import assert_golden, export_golden


@pytest.mark.parametrize(
    "format, name",
    [("jsonl", "sample.jsonl"), ("brat", "sample_brat"), ("facts-csv", "sample_facts.csv")],
)
def test_golden_export(golden: Engine, tmp_path: Path, format: str, name: str) -> None:
    out = tmp_path / name
    report = export_golden(golden, format, out)
    assert report.articles == 4
    assert_golden(out, name)
