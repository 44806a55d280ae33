"""`telaah gazetteer import|export|list|show`: entities and their aliases."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from tui.cli.context import data, err, fail_if, out, problem, settings
from tui.cli.matching import rematch

app = typer.Typer(help="Import, export and inspect the gazetteer.", no_args_is_help=True)


@app.command("import")
def import_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A .csv (id,name,type,alias) or .jsonl file.")],
    rematch_articles: Annotated[
        bool,
        typer.Option(
            "--match/--no-match",
            help="Re-match the articles the new aliases reach (--no-match skips it).",
        ),
    ] = True,
) -> None:
    """Import entities and aliases; bad rows are reported by line, good ones are kept.

    Known entities gain the file's new aliases; re-importing a file changes nothing.
    """
    from store.gazetteer.files import import_gazetteer

    current = settings(ctx)
    reviewer_id = current.reviewer_id()
    with current.session() as session:
        report = import_gazetteer(session=session, path=path, reviewer_id=reviewer_id)
    for line in report.problems:
        problem(line)
    out.print(data(report.summary))
    if rematch_articles and (report.new_aliases or report.redirected):
        rematch(current, report.change)
    fail_if(report.failed)


@app.command("export")
def export_command(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(help="File to write, or - for standard output.")] = "-",
    format: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help="csv or jsonl (default: from the file's suffix, else csv)."
        ),
    ] = None,
) -> None:
    """Export the whole gazetteer in the format `gazetteer import` reads."""
    from store.formats.gazetteer import FORMATS
    from store.gazetteer.files import export_gazetteer

    fmt = format or (Path(path).suffix.lstrip(".").lower() if path != "-" else "csv")
    if fmt not in FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(FORMATS)}", param_hint="--format")
    with settings(ctx).session() as session:
        if path == "-":
            count = export_gazetteer(session=session, handle=sys.stdout, fmt=fmt)
        else:
            with open(path, "w", encoding="utf-8", newline="") as handle:
                count = export_gazetteer(session=session, handle=handle, fmt=fmt)
    err.print(data(f"exported {count} entities"))


@app.command("list")
def list_command(
    ctx: typer.Context,
    type: Annotated[str | None, typer.Option("--type", "-t", help="Only this type.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many to show.")] = 100,
    offset: Annotated[int, typer.Option(min=0, help="How many to skip.")] = 0,
    redirects: Annotated[bool, typer.Option(help="Include merged entities.")] = False,
) -> None:
    """List entities by key: key, type, name, alias count."""
    from rich.table import Table

    from store.gazetteer.entities import list_entities

    with settings(ctx).session() as session:
        rows = list_entities(
            session=session, type=type, limit=limit, offset=offset, include_redirects=redirects
        )
    table = Table("key", "type", "name", "aliases", box=None)
    for r in rows:
        name = data(r.name if r.merged_into is None else f"{r.name} -> {r.merged_into}")
        table.add_row(data(r.key), data(r.type), name, str(r.aliases))
    out.print(table)


@app.command("show")
def show_command(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="The entity's key.")],
) -> None:
    """Show one entity: name, type, description, external ids, aliases with their precision."""
    from rich.table import Table

    from store.gazetteer.entities import get_entity
    from store.review.precision import alias_precision

    with settings(ctx).session() as session:
        entity = get_entity(session=session, key=key)
        decided = alias_precision(session, key)
    for name, value in (
        ("key", entity.key),
        ("name", entity.name),
        ("type", entity.type),
        ("description", entity.description or ""),
        ("merged into", entity.merged_into or ""),
    ):
        out.print(data(f"{name}: {value}"))
    for system, ident in sorted(entity.external_ids.items()):
        out.print(data(f"{system}: {ident}"))
    table = Table("alias", "origin", "added by", "precision", box=None)
    for alias in entity.aliases:
        shown = decided[alias.text].shown if alias.text in decided else "—"
        table.add_row(data(alias.text), alias.origin, data(alias.added_by or ""), shown)
    out.print(table)
