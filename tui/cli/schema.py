"""`telaah schema load|show`: labels and fact types."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tui.cli.context import data, out, settings

app = typer.Typer(help="Load and show the annotation schema.", no_args_is_help=True)


@app.command("load")
def load_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A schema TOML file.")],
) -> None:
    """Load a schema file, replacing the stored labels and fact types."""
    from store.schema import load_schema, parse_schema

    schema = parse_schema(path)
    current = settings(ctx)
    reviewer_id = current.reviewer_id()
    with current.session() as session:
        load_schema(session=session, schema=schema, reviewer_id=reviewer_id)
    out.print(
        data(
            f"loaded {len(schema.labels)} labels and "
            f"{len(schema.fact_types)} fact types from {path}"
        )
    )


@app.command("show")
def show_command(ctx: typer.Context) -> None:
    """Show the stored labels and fact types."""
    from rich.table import Table
    from rich.text import Text

    from store.schema import read_schema

    with settings(ctx).session() as session:
        schema = read_schema(session=session)
    if not schema.labels:
        out.print("no schema loaded: run `telaah schema load FILE`", markup=False)
        return
    labels = Table("key", "label", "colour", "description", box=None, title="labels")
    for label in schema.labels:
        labels.add_row(
            data(label.key or ""),
            Text(label.name, style=label.colour),
            data(label.colour),
            data(label.description),
        )
    out.print(labels)
    facts = Table("fact type", "role", "labels", "", box=None, title="fact types")
    for fact_type in schema.fact_types:
        for index, role in enumerate(fact_type.roles):
            flags = ("required" if role.required else "optional") + (
                ", multiple" if role.multiple else ""
            )
            facts.add_row(
                data(fact_type.name if index == 0 else ""),
                data(role.name),
                data(", ".join(role.labels)),
                flags,
            )
        facts.add_row("", data("triggers"), data(", ".join(fact_type.triggers)), "")
    out.print(facts)
