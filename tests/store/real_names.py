"""A schema with type names as real corpora write them, shared by the schema and import tests.

Sources: ACE 2005 (LDC2006T06, the English event annotation guidelines) names event types
`Life:Die` and `Transaction:Transfer-Money` with roles `Victim`, `Agent`, `Place`, and entity
types `PER`, `GPE`, `WEA`; event-extraction code that reads ACE writes them exactly so (for
example the type lists of OneIE and DEGREE). `Pos-Reg` is the BioNLP/GENIA short form of
Positive_regulation; `B.1` a numbered code-book category; doccano numbers labels it was given
without a name (`1`, `2`).
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from store.schema import load_schema, parse_schema

REAL_NAMES = """\
[[labels]]
name = "PER"
colour = "#e5c07b"

[[labels]]
name = "GPE"
colour = "#98c379"

[[labels]]
name = "Transfer-money"
colour = "#61afef"

[[labels]]
name = "Pos-Reg"
colour = "#c678dd"

[[labels]]
name = "B.1"
colour = "#56b6c2"

[[labels]]
name = "1"
colour = "#abb2bf"

[[labels]]
name = "Life:Die"
colour = "#e06c75"

[[fact_types]]
name = "Life:Die"
  [[fact_types.roles]]
  name = "Victim"
  labels = ["PER"]

  [[fact_types.roles]]
  name = "Place-Arg"
  labels = ["GPE"]
  required = false

[[fact_types]]
name = "Transaction:Transfer-Money"
  [[fact_types.roles]]
  name = "Giver.1"
  labels = ["PER", "GPE"]

  [[fact_types.roles]]
  name = "Recipient:2"
  labels = ["PER", "GPE"]
"""

LABELS = ["PER", "GPE", "Transfer-money", "Pos-Reg", "B.1", "1", "Life:Die"]


def load_real_names(session: Session, reviewer_id: int, folder: Path) -> None:
    """Write `REAL_NAMES` to `folder/schema.toml` and load it."""
    path = folder / "schema.toml"
    path.write_text(REAL_NAMES, encoding="utf-8")
    load_schema(session=session, schema=parse_schema(path), reviewer_id=reviewer_id)
