"""What the readers of annotated files yield: documents with their place, problems and notes.

Every reader (jsonl, brat, conll, doccano) yields `ReadDoc`s (an `ExportDoc` whose span ids
are the file's own) and `Problem`s; `store.ingest.annotated` stores them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from store.export.model import ExportDoc
from store.formats.problems import Problem


@dataclass(frozen=True, slots=True)
class ReadDoc:
    """One document as a reader found it: where it came from, and its content."""

    path: Path
    line: int | None
    doc: ExportDoc
    span_lines: dict[int, int] = field(default_factory=dict)  # span id -> its own line
    fact_lines: dict[int, int] = field(default_factory=dict)  # fact id -> its own line


@dataclass(frozen=True, slots=True)
class Note:
    """Something a reader left out on purpose (not a failure), and where.

    `kind` names a construct of the file that telaah cannot store yet ("attribute", "note",
    "equivalence", "nested event argument", "normalisation"): the import counts these by kind
    in its summary, and `--strict` makes each a failure. None: a deliberate skip (e.g. a
    rejected answer), not a loss.
    """

    where: Problem
    kind: str | None = None


Item = ReadDoc | Problem | Note
