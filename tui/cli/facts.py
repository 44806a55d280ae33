"""`telaah facts propose`: fact candidates from the command line (also run by `match` and
`import`, for the articles they matched)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Annotated

import typer

from tui.cli.context import Settings, data, err, interactive, out, settings

if TYPE_CHECKING:
    from collections.abc import Callable

app = typer.Typer(help="Fact candidates.", no_args_is_help=True)


def propose_facts(current: Settings, ids: list[int] | None, *, quiet: bool) -> Counter[str]:
    """Propose the fact candidates of these articles (all when None) and print how many, per
    type: a line with the total, then one line per fact type."""
    from store.corpus.articles import count_articles
    from store.facts.candidates import propose_all

    with current.session() as session:
        total = len(ids) if ids is not None else count_articles(session=session)

    def run(on_progress: Callable[[int], None]) -> Counter[str]:
        return propose_all(current.engine(), ids, on_progress)

    if quiet or not interactive() or total == 0:
        counts = run(lambda _n: None)
    else:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        columns = (TextColumn("proposing facts"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=err, transient=True) as progress:
            task = progress.add_task("facts", total=total)
            counts = run(lambda n: progress.advance(task, n))
    out.print(data(f"proposed {sum(counts.values())} fact candidates in {total} articles"))
    for name, count in sorted(counts.items()):
        out.print(data(f"  {name} {count}"))
    return counts


def article_ids(current: Settings, articles: list[str] | None) -> list[int] | None:
    """The ids of `--article` values (ids or external ids); None when there are none."""
    if not articles:
        return None
    from store.corpus.articles import get_article

    with current.session() as session:
        return [
            get_article(session=session, article_id=int(a)).id
            if a.isdigit()
            else get_article(session=session, external_id=a).id
            for a in articles
        ]


@app.command("propose")
def propose_command(
    ctx: typer.Context,
    article: Annotated[
        list[str] | None,
        typer.Option("--article", "-a", help="Only this article (id or external id); repeatable."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Propose fact candidates (pending facts) from the articles' mentions and trigger words.

    Undecided candidates are replaced; accepted, rejected, manual and marked facts are kept.
    Prints how many were proposed, per fact type.
    """
    current = settings(ctx)
    propose_facts(current, article_ids(current, article), quiet=quiet)
