"""The export pipeline: selection -> format writer -> atomic rename, with a manifest beside it."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from sqlalchemy import Engine

from store.db import session_scope
from store.errors import TelaahError
from store.export.leftovers import remove_leftovers, temp_prefix
from store.export.model import ExportContext, ExportDoc
from store.export.parallel import export_parts
from store.export.report import ExportReport, counted
from store.export.selection import Selection, count_docs, iter_article_ids, iter_docs
from store.export.verify import Verification, verify_output
from store.formats.registry import Format
from store.schema import read_schema, schema_to_dict

MANIFEST = "manifest.json"
UNCHECKED = "not checked: the export ran with verify=False"
PARALLEL_MIN = 5_000  # articles below which starting worker processes costs more than it saves


def manifest_path(out: Path, folder: bool) -> Path:
    """Where the manifest of an export to `out` goes: inside a folder, else `OUT.manifest.json`."""
    return out / MANIFEST if folder else out.with_name(f"{out.name}.{MANIFEST}")


def telaah_version() -> str:
    """The installed telaah version."""
    try:
        return metadata.version("telaah")
    except metadata.PackageNotFoundError:
        return "unknown"


def run_export(
    engine: Engine,
    *,
    fmt: Format,
    out: Path,
    selection: Selection,
    options: dict[str, str] | None = None,
    on_start: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
    workers: int = 1,
    verify: bool = True,
) -> ExportReport:
    """Export the selected articles in `fmt` to `out`, atomically, with a manifest.

    Everything is written to temporary paths beside `out` and renamed into place at the end,
    so a failed or interrupted export leaves neither output nor temporary files; those of an
    earlier export killed before it could remove them are removed first
    (`store.export.leftovers`). An existing
    output folder is replaced only when it is an earlier telaah export (or empty).

    Args:
        on_start: called once with the number of articles to export.
        on_progress: called with the number of articles written, as they are written.
        now: the time recorded in the manifest (default: now, UTC).
        workers: processes for a big export in a format that can be written in parts
            (`Format.parts`); see `store.export.parallel`.
        verify: read the output back and compare it before publishing (`store.export.verify`).
            False only to measure what the check costs (`bench/export_bench.py`): the manifest
            then says `"verified": false` with the reason; no command turns the check off.

    Raises:
        TelaahError: `out` cannot be written (one line naming it).
    """
    out = Path(out)
    _check_target(out, fmt.folder)
    manifest = manifest_path(out, fmt.folder)
    remove_leftovers(out, manifest)  # of an earlier export to `out` that was killed
    report = ExportReport(fmt.name, out, manifest)
    with session_scope(engine) as session:
        schema = read_schema(session=session)
        if selection.label_map is not None:  # writers and the manifest see the mapped names
            schema = selection.label_map.schema(schema)
        total = count_docs(session=session, selection=selection)
        if on_start is not None:
            on_start(total)
        context = ExportContext(schema, dict(options or {}), report.add_skipped)
        docs = counted(
            iter_docs(session=session, selection=selection, on_skip=report.add_skipped),
            report,
            on_progress,
        )

        def check(tmp: Path) -> None:
            # Read the output back before it is published (store.export.verify).
            if not verify:
                context.extras.update(verified=False, verified_reason=UNCHECKED)
                return
            _verify(fmt, tmp, out, report, context, iter_docs(session=session, selection=selection))

        try:
            if workers > 1 and fmt.parts and total >= PARALLEL_MIN:
                with atomic_file(out) as tmp, atomic_file(manifest) as tmp_manifest:
                    # Each worker checks its own part as it writes it (store.export.parallel).
                    checked = export_parts(
                        engine,
                        fmt=fmt,
                        selection=selection,
                        options=context.options,
                        ids=iter_article_ids(session=session, selection=selection),
                        count=total,
                        target=tmp,
                        report=report,
                        workers=workers,
                        on_progress=on_progress,
                        verify=verify,
                        out=out,
                    )
                    if checked is None:
                        context.extras.update(verified=False, verified_reason=UNCHECKED)
                    else:
                        _record(checked, out, report, context)
                    _write_manifest(tmp_manifest, report, selection, context, now)
            elif fmt.folder:
                with atomic_dir(out) as tmp:
                    fmt.write(docs, tmp, context)
                    check(tmp)
                    _write_manifest(tmp / MANIFEST, report, selection, context, now)
            else:
                with atomic_file(out) as tmp, atomic_file(manifest) as tmp_manifest:
                    fmt.write(docs, tmp, context)
                    check(tmp)
                    _write_manifest(tmp_manifest, report, selection, context, now)
        except OSError as exc:
            raise TelaahError(f"cannot write {out}: {exc.strerror or exc}") from None
    return report


def _verify(
    fmt: Format,
    tmp: Path,
    out: Path,
    report: ExportReport,
    context: ExportContext,
    expected: Iterable[ExportDoc],
) -> None:
    """Check the temporary output `tmp` against the documents meant (`expected`, read again);
    record the outcome for the manifest, or fail so that nothing is published.

    Raises:
        TelaahError: what was read back differs (one line a difference, then a count).
    """
    result = verify_output(
        fmt,
        tmp,
        expected,
        report.skipped,
        skipped_complete=report.skipped_total == len(report.skipped),
        options=context.options,
    )
    _record(result, out, report, context)


def _record(result: Verification, out: Path, report: ExportReport, context: ExportContext) -> None:
    """Record the outcome of the check for the manifest, or fail so that nothing is published.

    Raises:
        TelaahError: what was read back differs (one line a difference, then a count).
    """
    if result.different:
        raise TelaahError(result.message(out))
    # What the writer itself could not carry (`ExportContext.lose`) joins what the check counted.
    result.not_carried.update(context.extras.pop("not_carried", {}))
    manifest = result.to_manifest()
    report.not_carried = manifest.get("not_carried", {})
    context.extras.update(manifest)


def _write_manifest(
    path: Path,
    report: ExportReport,
    selection: Selection,
    context: ExportContext,
    now: datetime | None,
) -> None:
    states: Counter[str] = Counter()
    for by_state in report.labels.values():
        states.update(by_state)
    when = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    data = {
        "telaah": telaah_version(),
        "format": report.format,
        "created": when.isoformat(timespec="seconds") + "Z",
        "output": report.out.name,
        "selection": selection.to_dict(),
        "options": dict(sorted(context.options.items())),
        "counts": {
            "articles": report.articles,
            "spans": report.spans,
            "facts": report.facts,
            "labels": {k: dict(sorted(v.items())) for k, v in sorted(report.labels.items())},
            "states": dict(sorted(states.items())),
            "fact_types": {
                k: dict(sorted(v.items())) for k, v in sorted(report.fact_types.items())
            },
        },
        "skipped": {
            "total": report.skipped_total,
            "reasons": dict(sorted(report.skipped_reasons.items())),
            "items": [item.to_dict() for item in report.skipped],
        },
        **context.extras,
        "schema": schema_to_dict(context.schema),
    }
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=2)
        handle.write("\n")


def _check_target(out: Path, folder: bool) -> None:
    parent = out.parent
    if not parent.is_dir():
        raise TelaahError(f"cannot write {out}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise TelaahError(f"cannot write {out}: folder {parent} is not writable")
    if folder:
        if out.exists() and not out.is_dir():
            raise TelaahError(f"cannot write {out}: it is a file, and this format writes a folder")
        if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
            raise TelaahError(
                f"cannot write {out}: the folder exists and is not a telaah "
                "export; choose a new --out"
            )
    elif out.is_dir():
        raise TelaahError(f"cannot write {out}: it is a folder, and this format writes a file")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_file(target: Path) -> Iterator[Path]:
    """A temporary path beside `target`, renamed to `target` when the block succeeds and
    removed when it fails."""
    handle, name = tempfile.mkstemp(prefix=temp_prefix(target), suffix=".tmp", dir=target.parent)
    os.close(handle)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


@contextlib.contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """A temporary folder beside `target`, put in its place when the block succeeds (replacing
    an earlier export there) and removed when it fails."""
    tmp = Path(tempfile.mkdtemp(prefix=temp_prefix(target), suffix=".tmp", dir=target.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())
        if target.exists():
            prefix = temp_prefix(target)
            old = Path(tempfile.mkdtemp(prefix=prefix, suffix=".old", dir=target.parent))
            os.replace(target, old / "x")
            try:
                os.replace(tmp, target)
            except BaseException:
                os.replace(old / "x", target)
                raise
            finally:
                shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
