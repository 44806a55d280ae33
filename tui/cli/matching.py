"""`telaah match`: store the matcher's candidates; re-matching after gazetteer changes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tui.cli.context import Settings, data, err, interactive, out, settings

if TYPE_CHECKING:
    from store.gazetteer.change import GazetteerChange
    from store.review.candidates import MatchReport


def with_progress(
    total: int, label: str, quiet: bool, run: Callable[[Callable[[int], None]], MatchReport]
) -> MatchReport:
    """Run `run(on_progress)` under a progress bar when on a terminal and not quiet."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    if quiet or not interactive() or total == 0:
        return run(lambda _n: None)
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task(label, total=total)
        return run(lambda n: progress.advance(task, n))


def match_ids(current: Settings, ids: list[int] | None, *, quiet: bool) -> MatchReport:
    """Match these articles (all when None) with a progress bar."""
    from store.corpus.articles import count_articles
    from store.review.candidates import match_articles

    with current.session() as session:
        total = len(ids) if ids is not None else count_articles(session=session)
    reviewer_id = current.reviewer_id()
    return with_progress(
        total,
        "matching",
        quiet,
        lambda on_progress: match_articles(
            current.engine(), article_ids=ids, reviewer_id=reviewer_id, on_progress=on_progress
        ),
    )


def rematch(current: Settings, change: GazetteerChange) -> MatchReport:
    """Re-match what a gazetteer change reaches and print what appeared and disappeared."""
    from store.review import rematch as rematching

    reviewer_id = current.reviewer_id()
    report = rematching.rematch(current.engine(), change, reviewer_id=reviewer_id)
    out.print(data(f"re-{report.summary}"))
    return report


def match_command(
    ctx: typer.Context,
    article: Annotated[
        list[str] | None,
        typer.Option("--article", "-a", help="Only this article (id or external id); repeatable."),
    ] = None,
    dump: Annotated[
        Path | None,
        typer.Option(
            help="Write the current candidates shown at the threshold (--min-score) to this "
            "JSONL file (- for stdout), each with its score and reason, and stop."
        ),
    ] = None,
    min_score: Annotated[
        float | None,
        typer.Option(
            "--min-score",
            min=0,
            max=100,
            help="With --dump: the lowest score written (default: the min_score setting, 50).",
        ),
    ] = None,
    new_names: Annotated[
        bool,
        typer.Option(
            "--new-names",
            help="With --dump: also names the gazetteer lacks (reason `new name`, entity null).",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Match articles against the gazetteer and store the candidates as pending mentions, then
    propose the fact candidates of those articles.

    Earlier pending candidates are replaced; accepted and rejected mentions are never touched,
    and a rejected candidate is not proposed again.
    """
    from store.formats.candidates import write_candidates
    from tui.cli.facts import article_ids, propose_facts

    current = settings(ctx)
    if dump is not None:
        from store.config import MIN_SCORE

        if min_score is None:
            min_score = current.config.min_score if current.config else MIN_SCORE
        with current.session() as session:
            if str(dump) == "-":
                import sys

                count = write_candidates(
                    session=session, handle=sys.stdout, min_score=min_score, new_names=new_names
                )
            else:
                with dump.open("w", encoding="utf-8") as handle:
                    count = write_candidates(
                        session=session, handle=handle, min_score=min_score, new_names=new_names
                    )
        err.print(data(f"wrote {count} candidates"))
        return
    ids = article_ids(current, article)
    out.print(data(match_ids(current, ids, quiet=quiet).summary))
    propose_facts(current, ids, quiet=quiet)
