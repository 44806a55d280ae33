"""`telaah export`: reviewed articles to gold-standard files, atomically, with a manifest."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from store.errors import TelaahError
from tui.cli.context import DEFAULT_EXPORT_FORMAT as DEFAULT_FORMAT
from tui.cli.context import EXPORT_FORMATS as FORMATS
from tui.cli.context import Settings, data, err, interactive, out, settings, shown

if TYPE_CHECKING:
    from store.export.report import ExportReport
    from store.export.selection import Selection


def register(app: typer.Typer) -> None:
    """Add `export` to the root command."""
    app.command("export")(export_command)


def _usage_error(message: str) -> typer.Exit:
    """One line on stderr and exit status 2, like every other bad argument."""
    err.print(Text(shown(f"telaah export: {message}"), style="red"))
    return typer.Exit(2)


def export_command(
    ctx: typer.Context,
    out_path: Annotated[
        str,
        typer.Option(
            "--out",
            "-o",
            metavar="PATH",
            help="File to write (a folder for brat); a manifest.json is written beside it.",
        ),
    ],
    format: Annotated[
        str, typer.Option("--format", "-f", help=f"One of {', '.join(FORMATS)}.")
    ] = DEFAULT_FORMAT,
    articles: Annotated[
        str, typer.Option("--articles", help="done (articles marked done) or all.")
    ] = "done",
    state: Annotated[
        str, typer.Option("--state", help="accepted (accepted spans and facts) or all.")
    ] = "accepted",
    reviewer: Annotated[
        str | None,
        typer.Option(
            "--reviewer",
            help="Only what this reviewer decided, in the articles they worked on.",
        ),
    ] = None,
    labels: Annotated[
        str | None, typer.Option("--labels", metavar="L,...", help="Only spans of these labels.")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="DATE",
            help="Only articles changed on or after DATE (YYYY-MM-DD).",
        ),
    ] = None,
    offsets: Annotated[
        str, typer.Option("--offsets", help="doccano offsets: utf16 (its browser's) or codepoint.")
    ] = "utf16",
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=0,
            help="Processes for big JSONL exports (0: one per CPU, at most 8).",
        ),
    ] = 0,
    label_map: Annotated[
        str | None,
        typer.Option(
            "--map",
            metavar="OLD=NEW,...|@FILE",
            help="Rename span labels and fact types in the output (@FILE: one OLD=NEW a line); "
            "the manifest records it. --labels names the stored labels.",
        ),
    ] = None,
    layer: Annotated[
        str,
        typer.Option(
            "--layer",
            metavar="gold|REVIEWER|all",
            help="gold (the shared layer), a reviewer's own layer, or all: one export per "
            "layer (REVIEWER's beside PATH as PATH.REVIEWER before its suffix).",
        ),
    ] = "gold",
    search: Annotated[
        str | None,
        typer.Option("--search", metavar="QUERY", help="Only articles matching this search."),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar; the summary and problems only.")
    ] = False,
) -> None:
    """Export reviewed articles with their spans and facts.

    The pending spans and facts of done articles count as rejected, unless the config file says
    `pending_in_done = "keep"` under `[export]`; the manifest records which. Writing is
    atomic: a failed export leaves nothing behind. Exit status 2 for a bad option, 1 when the
    output cannot be written.
    """
    from dataclasses import replace

    from store.config import load_config
    from store.export.selection import GOLD, Selection, layers_in, parse_labels, parse_since
    from store.export.writer import run_export
    from store.formats.labelmap import parse_label_map
    from store.formats.registry import get_format

    current = settings(ctx)
    try:
        mapping = None if label_map is None else parse_label_map(label_map)
        fmt = get_format(format)
        selection = Selection(
            articles=articles,
            state=state,
            reviewer=reviewer,
            labels=parse_labels(labels),
            since=parse_since(since) if since else None,
            label_map=mapping,
            pending_in_done=(current.config or load_config()).pending_in_done,
            search=search,
        )
        layers = [GOLD]
        if layer == "all":
            with current.session() as session:
                layers += layers_in(session)
        elif layer != GOLD:
            layers = [layer]
            from store.export.selection import layer_id

            with current.session() as session:
                layer_id(session, replace(selection, layer=layer))  # a reviewer, or refused
    except TelaahError as exc:
        raise _usage_error(str(exc)) from None
    if offsets not in ("utf16", "codepoint"):
        raise _usage_error(f"--offsets must be utf16 or codepoint, not {offsets!r}")
    base = Path(out_path).expanduser()
    options = {"offsets": offsets} if fmt.name == "doccano" else {}
    processes = workers or min(8, os.cpu_count() or 1)
    if mapping is not None and not quiet:
        out.print(data(mapping.describe()))
    for name in layers:
        target = base if layer != "all" or name == GOLD else layer_path(base, name)
        chosen = replace(selection, layer=name)
        if interactive() and not quiet:
            report = _with_progress(current, fmt.name, target, chosen, options, processes)
        else:
            report = run_export(
                current.engine(),
                fmt=fmt,
                out=target,
                selection=chosen,
                options=options,
                workers=processes,
            )
        prefix = f"layer {name}: " if layer == "all" else ""
        out.print(data(prefix + report.summary))


def layer_path(base: Path, layer: str) -> Path:
    """Where `--layer all` writes a reviewer's layer: `out.jsonl` -> `out.ana.jsonl`, a brat
    folder `out` -> `out.ana`. The name is made safe for a file name."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in layer) or "reviewer"
    if base.suffix:
        return base.with_name(f"{base.stem}.{safe}{base.suffix}")
    return base.with_name(f"{base.name}.{safe}")


def _with_progress(
    current: Settings,
    name: str,
    target: Path,
    selection: Selection,
    options: dict[str, str],
    workers: int,
) -> ExportReport:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from store.export.writer import run_export
    from store.formats.registry import get_format

    columns = (TextColumn("exporting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("export", total=None)
        return run_export(
            current.engine(),
            fmt=get_format(name),
            out=target,
            selection=selection,
            options=options,
            workers=workers,
            on_start=lambda total: progress.update(task, total=total),
            on_progress=lambda n: progress.advance(task, n),
        )
