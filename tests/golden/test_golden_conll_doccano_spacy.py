"""Golden files: the golden corpus exported as CoNLL, doccano and a spaCy DocBin, byte for byte.

The DocBin's bytes are not stable (spaCy stores its strings from a set), so its decoded docs
are compared instead, as JSON. Regenerate with `TELAAH_UPDATE_GOLDEN=1 pytest tests/golden`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import Engine

from store.export.selection import Selection
from store.export.writer import run_export
from store.formats.registry import get_format
from tests.golden.corpus import DECIDED_AT

FILES = Path(__file__).parent / "files"
UPDATE = bool(os.environ.get("TELAAH_UPDATE_GOLDEN"))


def check(name: str, data: bytes) -> None:
    golden = FILES / name
    if UPDATE:
        golden.write_bytes(data)
    assert data == golden.read_bytes(), f"{name} differs from its golden file"


def export(engine: Engine, fmt: str, out: Path, options: dict[str, str] | None = None) -> Path:
    run_export(
        engine, fmt=get_format(fmt), out=out, selection=Selection(), options=options, now=DECIDED_AT
    )
    return out


@pytest.mark.parametrize(
    ("fmt", "name", "options"),
    [
        ("conll", "golden.conll", None),
        ("doccano", "golden.doccano.jsonl", None),
        ("doccano", "golden.doccano-codepoint.jsonl", {"offsets": "codepoint"}),
    ],
)
def test_text_formats_match_their_golden_files(
    golden: Engine, tmp_path: Path, fmt: str, name: str, options: dict[str, str] | None
) -> None:
    out = export(golden, fmt, tmp_path / name, options)
    check(name, out.read_bytes())
    manifest = json.loads((tmp_path / f"{name}.manifest.json").read_text(encoding="utf-8"))
    check(
        f"{name}.skipped.json",
        (json.dumps(manifest["skipped"], ensure_ascii=False, indent=1) + "\n").encode("utf-8"),
    )


def test_the_spacy_docbin_matches_its_golden_docs(golden: Engine, tmp_path: Path) -> None:
    spacy = pytest.importorskip("spacy") if not os.environ.get("CI") else __import__("spacy")
    from spacy.tokens import DocBin

    out = export(golden, "spacy", tmp_path / "golden.spacy")
    docs = DocBin().from_disk(out).get_docs(spacy.blank("xx").vocab)
    decoded = [
        {
            "id": doc.user_data["telaah_id"],
            "text": doc.text,
            "words": [[t.text, t.whitespace_] for t in doc],
            "ents": [[e.start_char, e.end_char, e.label_, e.kb_id_] for e in doc.ents],
        }
        for doc in docs
    ]
    check(
        "golden.spacy.json",
        (json.dumps(decoded, ensure_ascii=False, indent=1) + "\n").encode("utf-8"),
    )
