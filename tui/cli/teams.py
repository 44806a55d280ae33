"""`telaah reviewers`, `telaah assign`, `telaah assignments`: a team's reviewers and their work."""

from __future__ import annotations

from typing import Annotated

import typer

from tui.cli.context import REVIEWER_ROLES, data, out, settings

reviewers_app = typer.Typer(help="Reviewers and their roles.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add `reviewers`, `assign` and `assignments` to the root command."""
    app.add_typer(reviewers_app, name="reviewers")
    app.command("assign")(assign_command)
    app.command("assignments")(assignments_command)


@reviewers_app.command("add")
def add_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The reviewer's name (as they pass --reviewer).")],
    role: Annotated[
        str, typer.Option("--role", help=f"One of {', '.join(REVIEWER_ROLES)}.")
    ] = "reviewer",
) -> None:
    """Add a reviewer with a role (an existing one gets the role)."""
    from store.teams import add_reviewer

    with settings(ctx).session() as session:
        view = add_reviewer(session=session, name=name, role=role)
    out.print(data(f"reviewer {view.name}: {view.role}"))


@reviewers_app.command("set-role")
def set_role_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The reviewer.")],
    role: Annotated[str, typer.Argument(help=f"One of {', '.join(REVIEWER_ROLES)}.")],
) -> None:
    """Give a reviewer another role."""
    from store.teams import set_role

    with settings(ctx).session() as session:
        view = set_role(session=session, name=name, role=role)
    out.print(data(f"reviewer {view.name}: {view.role}"))


@reviewers_app.command("list")
def list_command(ctx: typer.Context) -> None:
    """Every reviewer: name, role, articles assigned and marked done by them."""
    from store.teams import list_reviewers

    with settings(ctx).session() as session:
        rows = list_reviewers(session=session)
    for row in rows:
        out.print(data(f"{row.name}\t{row.role}\tassigned {row.assigned}\tdone {row.done}"))


def assign_command(
    ctx: typer.Context,
    reviewers: Annotated[
        str, typer.Option("--reviewers", metavar="A,B,...", help="The reviewers, comma-separated.")
    ],
    overlap: Annotated[
        float,
        typer.Option(
            "--overlap", min=0.0, max=1.0, help="The share of articles given to two reviewers."
        ),
    ] = 0.0,
    articles: Annotated[
        str | None,
        typer.Option(
            "--articles",
            metavar="QUERY",
            help="Only the articles matching this search (title and text, as the queue's /).",
        ),
    ] = None,
    status: Annotated[
        str, typer.Option("--status", help="all, or done (articles marked done), as in export.")
    ] = "all",
    seed: Annotated[
        int | None, typer.Option("--seed", help="Shuffle the articles repeatably.")
    ] = None,
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Assign again articles that have assignees already."),
    ] = False,
) -> None:
    """Give the selected articles to the reviewers in balanced shares, a share `--overlap` of
    them to two different reviewers. Articles assigned already are left as they are, unless
    --replace. Prints how many each reviewer got."""
    from store.export.selection import Selection, article_ids
    from store.teams import assign

    current = settings(ctx)
    names = [name.strip() for name in reviewers.split(",") if name.strip()]
    if not names:
        raise typer.BadParameter("name one reviewer at least", param_hint="--reviewers")
    selection = Selection(articles=status, state="all", search=articles)
    reviewer_id = current.reviewer_id()
    with current.session() as session:
        ids = article_ids(session=session, selection=selection)
        report = assign(
            session=session,
            article_ids=ids,
            reviewers=names,
            overlap=overlap,
            seed=seed,
            replace=replace,
            reviewer_id=reviewer_id,
        )
    out.print(data(report.summary))


def assignments_command(
    ctx: typer.Context,
    reviewer: Annotated[
        str | None, typer.Option("--reviewer", help="Only this reviewer's assignments.")
    ] = None,
) -> None:
    """Per reviewer: articles assigned, how many they marked done, candidates they still have
    pending in them (what they see in blind mode), and how many they share with another."""
    from store.config import load_config
    from store.teams import assignment_progress

    current = settings(ctx)
    threshold = (current.config or load_config()).min_score
    with current.session() as session:
        rows = assignment_progress(session=session, reviewer=reviewer, min_score=threshold)
    if not rows:
        out.print(data("no assignments (telaah assign gives articles to reviewers)"))
    for row in rows:
        out.print(
            data(
                f"{row.reviewer} ({row.role}): {row.articles} articles, done {row.done}, "
                f"pending {row.pending} candidates, shared with another reviewer {row.shared}"
            )
        )
