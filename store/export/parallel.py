"""Big exports in parallel: worker processes export ranges of articles to part files, which are
joined in article order (for formats whose files can simply be concatenated).

Tokenising and formatting 100,000 articles is CPU-bound Python; each worker reads its own range
from the database (no documents are pickled across processes) and the parent only joins files.
Workers are spawned, not forked, so none inherits the parent's database connection.

Each worker checks its own part as soon as it is written (`store.export.verify`: the part read
back with the format's reader, compared with its articles read again from the database), so the
check runs on every core instead of in one process after the join; the parent merges the
outcomes. The parent checks the join itself: the CRC-32 of each part as it copies it must be
the CRC-32 of that part's bytes read back from the joined file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Engine

from store.db import make_engine, session_scope
from store.errors import TelaahError
from store.export.leftovers import temp_prefix
from store.export.model import ExportContext
from store.export.report import ExportReport, counted
from store.export.selection import Selection, iter_docs
from store.export.verify import Verification, verify_output
from store.formats.registry import Format, get_format
from store.schema import read_schema
from store.workers import die_with_parent

PARTS_PER_WORKER = 4  # smaller parts: steadier progress, and a slow part delays less
PART_MAX = 5_000  # articles a part at most: progress, memory and temporary files stay small
CHUNK = 1 << 20  # bytes copied (and read back) at a time when joining parts


@dataclass(frozen=True, slots=True)
class _Task:
    url: str
    format: str
    selection: Selection
    options: dict[str, str]
    id_range: tuple[int, int]
    path: str
    verify: bool = True


@dataclass(slots=True)
class _Part:
    """What a worker did with one part: its counts, and its check (None: not checked)."""

    report: ExportReport
    verification: Verification | None
    not_carried: dict[str, int]


def split(ids: Iterable[int], count: int, parts: int) -> list[tuple[int, int]]:
    """Consecutive (first id, last id) ranges of about equal numbers of `ids` (sorted, about
    `count` of them), read once as they stream: only the ranges are held."""
    size = max(1, -(-count // max(1, parts)))
    ranges: list[tuple[int, int]] = []
    first = last = None
    for index, article_id in enumerate(ids):
        if index % size == 0 and first is not None and last is not None:
            ranges.append((first, last))
            first = None
        if first is None:
            first = article_id
        last = article_id
    if first is not None and last is not None:
        ranges.append((first, last))
    return ranges


def parts_for(count: int, workers: int) -> int:
    """How many parts an export of `count` articles is split into: `PARTS_PER_WORKER` a
    worker, more for a big export so that no part holds more than `PART_MAX` articles."""
    return max(workers * PARTS_PER_WORKER, -(-count // PART_MAX))


def export_parts(
    engine: Engine,
    *,
    fmt: Format,
    selection: Selection,
    options: dict[str, str],
    ids: Iterable[int],
    count: int,
    target: Path,
    report: ExportReport,
    workers: int,
    on_progress: Callable[[int], None] | None = None,
    verify: bool = True,
    out: Path | None = None,
) -> Verification | None:
    """Export the articles `ids` (about `count`, streamed) in `fmt` to `target` with `workers`
    processes; each part is checked by the worker that wrote it (`verify`), and the outcomes
    merged (returned; None when not checked).

    Part files go to a temporary folder beside `target` that is always removed; the counts and
    skipped items of every part are merged into `report`, and what the writer could not carry
    (`ExportContext.lose`) into `not_carried` of the result. `out`: the output, as errors name
    it (default: `target`).

    Raises:
        TelaahError: a part read back from the joined file is not the part that was written.
    """
    ranges = split(ids, count, parts_for(count, workers))
    folder = Path(tempfile.mkdtemp(prefix=temp_prefix(target), suffix=".parts", dir=target.parent))
    url = engine.url.render_as_string(hide_password=False)
    tasks = [
        _Task(url, fmt.name, selection, dict(options), id_range, str(folder / f"{i:05d}"), verify)
        for i, id_range in enumerate(ranges)
    ]
    merged: Verification | None = None
    lost: dict[str, int] = {}
    try:
        with (
            get_context("spawn").Pool(
                workers, initializer=die_with_parent, initargs=(os.getpid(),)
            ) as pool,
            target.open("w+b") as joined,
        ):
            for task, part in zip(tasks, pool.imap(_export_part, tasks), strict=True):
                _join(Path(task.path), joined, out or target)
                report.merge(part.report)
                for kind, count in part.not_carried.items():
                    lost[kind] = lost.get(kind, 0) + count
                if part.verification is not None:
                    if merged is None:
                        merged = part.verification
                    else:
                        merged.merge(part.verification)
                if on_progress is not None:
                    on_progress(part.report.articles)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if merged is not None:
        merged.not_carried.update(lost)
    return merged


def _join(part: Path, joined: BinaryIO, out: Path) -> None:
    """Append the file `part` to `joined` (and remove it), then read what was appended back
    from `joined`: its CRC-32 must be the part's.

    Raises:
        TelaahError: the bytes read back differ (nothing is published).
    """
    start = joined.seek(0, os.SEEK_END)
    with part.open("rb") as source:
        written = _append(source, joined)
    part.unlink()
    joined.flush()
    joined.seek(start)
    read = 0
    while chunk := joined.read(CHUNK):
        read = zlib.crc32(chunk, read)
    if read != written:
        raise TelaahError(
            f"export to {out} failed its check: part {part.name} read back from the joined "
            "output differs from the part written; nothing was written"
        )


def _append(source: BinaryIO, joined: BinaryIO) -> int:
    """Copy `source` to the end of `joined`; the CRC-32 of what was copied."""
    crc = 0
    while chunk := source.read(CHUNK):
        crc = zlib.crc32(chunk, crc)
        joined.write(chunk)
    return crc


def _export_part(task: _Task) -> _Part:
    fmt = get_format(task.format)
    path = Path(task.path)
    report = ExportReport(fmt.name, path, path)
    verification = None
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
            if task.verify:  # this part, read back, against its articles read again
                verification = verify_output(
                    fmt,
                    path,
                    iter_docs(session=session, selection=task.selection, id_range=task.id_range),
                    report.skipped,
                    skipped_complete=report.skipped_total == len(report.skipped),
                    options=context.options,
                )
    finally:
        engine.dispose()
    return _Part(report, verification, dict(context.extras.get("not_carried", {})))
