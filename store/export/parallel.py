"""Big exports in parallel: worker processes export ranges of articles to part files, which are
joined in article order (for formats whose files can simply be concatenated).

Tokenising and formatting 100,000 articles is CPU-bound Python; each worker reads its own range
from the database (no documents are pickled across processes) and the parent only joins files.
Workers are spawned, not forked, so none inherits the parent's database connection.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from sqlalchemy import Engine

from store.db import make_engine, session_scope
from store.export.leftovers import temp_prefix
from store.export.model import ExportContext
from store.export.report import ExportReport, counted
from store.export.selection import Selection, iter_docs
from store.formats.registry import Format, get_format
from store.schema import read_schema
from store.workers import die_with_parent

PARTS_PER_WORKER = 4  # smaller parts: steadier progress, and a slow part delays less


@dataclass(frozen=True, slots=True)
class _Task:
    url: str
    format: str
    selection: Selection
    options: dict[str, str]
    id_range: tuple[int, int]
    path: str


def split(ids: Sequence[int], parts: int) -> list[tuple[int, int]]:
    """Consecutive (first id, last id) ranges of about equal numbers of `ids` (sorted)."""
    size = max(1, -(-len(ids) // max(1, parts)))
    return [(ids[i], ids[min(i + size, len(ids)) - 1]) for i in range(0, len(ids), size)]


def export_parts(
    engine: Engine,
    *,
    fmt: Format,
    selection: Selection,
    options: dict[str, str],
    ids: Sequence[int],
    target: Path,
    report: ExportReport,
    workers: int,
    on_progress: Callable[[int], None] | None = None,
) -> None:
    """Export the articles `ids` in `fmt` to `target` with `workers` processes.

    Part files go to a temporary folder beside `target` that is always removed; the counts and
    skipped items of every part are merged into `report`.
    """
    folder = Path(tempfile.mkdtemp(prefix=temp_prefix(target), suffix=".parts", dir=target.parent))
    url = engine.url.render_as_string(hide_password=False)
    tasks = [
        _Task(url, fmt.name, selection, dict(options), id_range, str(folder / f"{i:05d}"))
        for i, id_range in enumerate(split(ids, workers * PARTS_PER_WORKER))
    ]
    try:
        with (
            get_context("spawn").Pool(
                workers, initializer=die_with_parent, initargs=(os.getpid(),)
            ) as pool,
            target.open("ab") as joined,
        ):
            for task, part in zip(tasks, pool.imap(_export_part, tasks), strict=True):
                with open(task.path, "rb") as source:
                    shutil.copyfileobj(source, joined, 1 << 20)
                os.unlink(task.path)
                report.merge(part)
                if on_progress is not None:
                    on_progress(part.articles)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _export_part(task: _Task) -> ExportReport:
    fmt = get_format(task.format)
    path = Path(task.path)
    report = ExportReport(fmt.name, path, path)
    engine = make_engine(task.url)
    try:
        with session_scope(engine) as session:
            context = ExportContext(
                read_schema(session=session), dict(task.options), report.add_skipped
            )
            fmt.write(
                counted(
                    iter_docs(
                        session=session,
                        selection=task.selection,
                        on_skip=report.add_skipped,
                        id_range=task.id_range,
                    ),
                    report,
                    None,
                ),
                path,
                context,
            )
    finally:
        engine.dispose()
    return report
