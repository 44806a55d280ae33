"""`telaah gazetteer add-alias|remove-alias|rename|retype|merge|delete|lint`: curation."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tui.cli.context import LINT_KINDS as KINDS
from tui.cli.context import data, out, settings

if TYPE_CHECKING:
    from store.gazetteer.change import GazetteerChange


Key = Annotated[str, typer.Argument(help="The entity's key.")]
NoMatch = Annotated[
    bool,
    typer.Option(
        "--match/--no-match", help="Re-match the affected articles (--no-match skips it)."
    ),
]


def register(app: typer.Typer) -> None:
    """Add the editing commands to `telaah gazetteer`."""
    app.command("add-alias")(add_alias)
    app.command("remove-alias")(remove_alias)
    app.command("rename")(rename)
    app.command("retype")(retype)
    app.command("merge")(merge)
    app.command("delete")(delete)
    app.command("lint")(lint)


def _edit(
    ctx: typer.Context, change: Callable[[Any, int], GazetteerChange], done: str, match: bool
) -> None:
    """Make one gazetteer edit, say so, and re-match what it reaches (unless --no-match)."""
    from tui.cli.matching import rematch

    current = settings(ctx)
    reviewer_id = current.reviewer_id()
    with current.session() as session:
        made = change(session, reviewer_id)
    out.print(data(done))
    if match:
        rematch(current, made)


def add_alias(
    ctx: typer.Context,
    key: Key,
    alias: Annotated[str, typer.Argument(help="The new surface form.")],
    match: NoMatch = True,
) -> None:
    """Add an alias to an entity and re-match the articles where it (or a variant) occurs."""
    from store.gazetteer import entities as gazetteer

    _edit(
        ctx,
        lambda s, r: gazetteer.add_alias(session=s, key=key, text=alias, reviewer_id=r),
        f"{key}: added alias {alias.strip()!r}",
        match,
    )


def remove_alias(
    ctx: typer.Context,
    key: Key,
    alias: Annotated[str, typer.Argument(help="The surface form to remove.")],
    match: NoMatch = True,
) -> None:
    """Remove an alias; the pending candidates it produced are withdrawn."""
    from store.gazetteer import entities as gazetteer

    _edit(
        ctx,
        lambda s, r: gazetteer.remove_alias(session=s, key=key, text=alias, reviewer_id=r),
        f"{key}: removed alias {alias!r}",
        match,
    )


def rename(
    ctx: typer.Context,
    key: Key,
    name: Annotated[str, typer.Argument(help="The new name (it becomes an alias).")],
    match: NoMatch = True,
) -> None:
    """Rename an entity; the old name stays an alias."""
    from store.gazetteer import entities as gazetteer

    _edit(
        ctx,
        lambda s, r: gazetteer.rename_entity(session=s, key=key, name=name, reviewer_id=r),
        f"{key}: renamed to {name.strip()!r}",
        match,
    )


def retype(
    ctx: typer.Context,
    key: Key,
    type: Annotated[str, typer.Argument(help="A label of the schema.")],
    match: NoMatch = True,
) -> None:
    """Change an entity's type; its pending candidates take the new label."""
    from store.gazetteer import entities as gazetteer

    _edit(
        ctx,
        lambda s, r: gazetteer.retype_entity(session=s, key=key, type=type, reviewer_id=r),
        f"{key}: type is now {type}",
        match,
    )


def merge(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="The entity that goes (it stays as a redirect).")],
    target: Annotated[str, typer.Argument(help="The entity that stays.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", "-n", help="Only say what the merge would change.")
    ] = False,
    match: NoMatch = True,
) -> None:
    """Merge SOURCE into TARGET: aliases move, mentions relink, SOURCE redirects to TARGET.

    What it changes (aliases, mentions by state, articles, redirects) is printed first.
    """
    from store.gazetteer.merge import merge_entities, plan_merge
    from tui.cli.matching import rematch

    current = settings(ctx)
    reviewer_id = current.reviewer_id()
    with current.session() as session:
        plan = plan_merge(session=session, source=source, target=target)
        out.print(data(("would " if dry_run else "") + plan.summary()))
        if dry_run:
            return
        change = merge_entities(
            session=session, source=source, target=target, reviewer_id=reviewer_id
        )
    if match:
        rematch(current, change)


def delete(ctx: typer.Context, key: Key, match: NoMatch = True) -> None:
    """Delete an entity (refused while it has accepted mentions or redirects point to it).

    Its pending candidates go: the articles they were in are re-matched.
    """
    from store.gazetteer import entities as gazetteer

    _edit(
        ctx,
        lambda s, r: gazetteer.delete_entity(session=s, key=key, reviewer_id=r),
        f"{key}: deleted",
        match,
    )


def lint(
    ctx: typer.Context,
    kind: Annotated[
        list[str] | None,
        typer.Option("--kind", "-k", help=f"Only these kinds ({', '.join(KINDS)}); repeatable."),
    ] = None,
    noisy_min: Annotated[
        int, typer.Option(min=1, help="Decisions an alias needs before it can be called noisy.")
    ] = 5,
) -> None:
    """List what a curator should look at: ambiguous, duplicate, noisy, short aliases, ...

    Exit status 1 when anything was found.
    """
    from store.gazetteer.lint import LintOptions, lint_gazetteer

    unknown = set(kind or ()) - set(KINDS)
    if unknown:
        raise typer.BadParameter(f"choose from {', '.join(KINDS)}", param_hint="--kind")
    with settings(ctx).session() as session:
        findings = lint_gazetteer(session=session, options=LintOptions(noisy_min=noisy_min))
    findings = [f for f in findings if not kind or f.kind in kind]
    for finding in findings:
        out.print(data(f"{finding.kind}: {finding.message}"))
    out.print(data(f"{len(findings)} findings"))
    if findings:
        raise typer.Exit(1)
