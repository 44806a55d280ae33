"""`telaah import --format jsonl|brat|conll|doccano`: annotated data into the database."""

from __future__ import annotations

from pathlib import Path

import typer

from tui.cli.context import Settings, data, fail_if, note, out, problem


def import_annotated_files(
    current: Settings,
    format: str,
    paths: list[Path],
    *,
    as_candidates: bool = False,
    create_entities: bool = False,
    offsets: str | None = None,
    quiet: bool = False,
    strict: bool = False,
    label_map: str | None = None,
) -> None:
    """Import annotated files: problems and notes one line each on stderr, then a summary.

    Exits with status 1 when anything failed (the import was partial), 2 for a bad option.
    With `strict`, what telaah cannot store (a note on a brat attribute...) is a failure.
    Named with `--reviewer`, the annotations of articles stored already (same id or same
    text) go to that reviewer's layer instead of being skipped as duplicates.
    `label_map` (`OLD=NEW,...` or `@FILE`) renames labels and fact types before they are
    checked against the schema; its description (merges included) is printed first.
    """
    from store.errors import TelaahError
    from store.formats.doccano import OFFSET_UNITS
    from store.formats.labelmap import parse_label_map
    from store.formats.registry import IMPORT_FORMATS
    from store.ingest.annotated import LoadOptions, import_annotated
    from store.ingest.sink import ImportHooks

    if format not in IMPORT_FORMATS:
        raise typer.BadParameter(
            f"choose one of {', '.join(IMPORT_FORMATS)}", param_hint="--format"
        )
    if offsets is not None and offsets not in OFFSET_UNITS:
        raise typer.BadParameter(f"choose one of {', '.join(OFFSET_UNITS)}", param_hint="--offsets")
    try:
        mapping = None if label_map is None else parse_label_map(label_map)
    except TelaahError as exc:
        raise typer.BadParameter(str(exc).removeprefix("--map: "), param_hint="--map") from None
    reviewer_id = current.reviewer_id()
    options = LoadOptions(
        reviewer_id=reviewer_id,
        # `telaah --reviewer b import ...`: onto stored articles, b's layer (store.layers)
        layer=reviewer_id if current.reviewer_given else None,
        as_candidates=as_candidates,
        create_entities=create_entities,
        strict=strict,
        label_map=mapping,
    )
    if mapping is not None and not quiet:
        out.print(data(mapping.describe()))
    hooks = ImportHooks(on_problem=problem, on_note=(lambda _line: None) if quiet else note)
    report = import_annotated(
        current.engine(), format, paths, options, offsets=offsets, hooks=hooks
    )
    out.print(data(report.summary))
    fail_if(report.failed)
