"""`telaah gazetteer add-alias|remove-alias|rename|retype`: edits that re-match what they reach."""

from __future__ import annotations

from typing import Annotated

import typer

from store import gazetteer
from tui.cli.context import data, out, settings
from tui.cli.matching import rematch

Key = Annotated[str, typer.Argument(help="The entity's key.")]
NoMatch = Annotated[bool, typer.Option(
    "--match/--no-match", help="Re-match the affected articles (--no-match skips it).")]


def register(app: typer.Typer) -> None:
    """Add the editing commands to `telaah gazetteer`."""
    app.command("add-alias")(add_alias)
    app.command("remove-alias")(remove_alias)
    app.command("rename")(rename)
    app.command("retype")(retype)


def add_alias(ctx: typer.Context, key: Key,
              alias: Annotated[str, typer.Argument(help="The new surface form.")],
              match: NoMatch = True) -> None:
    """Add an alias to an entity and re-match the articles where it (or a variant) occurs."""
    current = settings(ctx)
    reviewer_id = current.reviewer_id()
    with current.session() as session:
        gazetteer.add_alias(session=session, key=key, text=alias, reviewer_id=reviewer_id)
    out.print(data(f"{key}: added alias {alias.strip()!r}"))
    if match:
        rematch(current, added=[alias.strip()])


def remove_alias(ctx: typer.Context, key: Key,
                 alias: Annotated[str, typer.Argument(help="The surface form to remove.")],
                 match: NoMatch = True) -> None:
    """Remove an alias; the pending candidates it produced are withdrawn."""
    current = settings(ctx)
    reviewer_id = current.reviewer_id()
    with current.session() as session:
        gazetteer.remove_alias(session=session, key=key, text=alias, reviewer_id=reviewer_id)
    out.print(data(f"{key}: removed alias {alias!r}"))
    if match:
        rematch(current, removed=[(key, alias)])


def rename(ctx: typer.Context, key: Key,
           name: Annotated[str, typer.Argument(help="The new name (it becomes an alias).")],
           match: NoMatch = True) -> None:
    """Rename an entity; the old name stays an alias."""
    current = settings(ctx)
    reviewer_id = current.reviewer_id()
    with current.session() as session:
        view = gazetteer.rename_entity(session=session, key=key, name=name,
                                       reviewer_id=reviewer_id)
    out.print(data(f"{key}: renamed to {view.name!r}"))
    if match:
        rematch(current, added=[view.name], entities=[key])


def retype(ctx: typer.Context, key: Key,
           type: Annotated[str, typer.Argument(help="A label of the schema.")],
           match: NoMatch = True) -> None:
    """Change an entity's type; its pending candidates take the new label."""
    current = settings(ctx)
    reviewer_id = current.reviewer_id()
    with current.session() as session:
        gazetteer.retype_entity(session=session, key=key, type=type, reviewer_id=reviewer_id)
    out.print(data(f"{key}: type is now {type}"))
    if match:
        rematch(current, entities=[key])
