"""`telaah match`: store the matcher's candidates; re-matching after gazetteer changes."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tui.cli.context import Settings, data, err, interactive, note, out, settings

if TYPE_CHECKING:
    from store.gazetteer.change import GazetteerChange
    from store.review.candidates import MatchReport


def with_progress(
    total: int,
    label: str,
    quiet: bool,
    run: Callable[[Callable[[int], None], Callable[[int], None]], MatchReport],
) -> MatchReport:
    """Run `run(on_progress, on_resumed)` under a progress bar (articles/s, time left) when on
    a terminal and not quiet; `on_resumed(n)`: n articles were done before (not counted in the
    rate)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        Task,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    if quiet or not interactive() or total == 0:
        return run(lambda _n: None, lambda _n: None)

    class Rate(ProgressColumn):
        def render(self, task: Task) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.0f} articles/s" if speed else "… articles/s")

    columns = (
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        Rate(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task(label, total=total)
        return run(
            lambda n: progress.advance(task, n),
            lambda n: progress.reset(task, total=total, completed=n),
        )


def peak_memory() -> str | None:
    """The peak memory of this process and of its largest worker, as one line."""
    try:
        import resource
    except ImportError:  # not on Windows
        return None
    unit = 1024 * 1024 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes there, else KiB
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / unit
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / unit
    line = f"peak memory: {own:,.0f} MiB"
    return line + (f", {workers:,.0f} MiB in the largest worker" if workers else "")


def match_ids(
    current: Settings,
    ids: list[int] | None,
    *,
    quiet: bool,
    resumable: bool = False,
    restart: bool = False,
) -> MatchReport:
    """Match these articles (all when None) with a progress bar (`resumable`, `restart`: as
    `match_articles`)."""
    from store.corpus.articles import count_articles
    from store.review.candidates import match_articles

    with current.session() as session:
        total = len(set(ids)) if ids is not None else count_articles(session=session)
    reviewer_id = current.reviewer_id()
    return with_progress(
        total,
        "matching",
        quiet,
        lambda on_progress, on_resumed: match_articles(
            current.engine(),
            article_ids=ids,
            reviewer_id=reviewer_id,
            on_progress=on_progress,
            on_resumed=on_resumed,
            resumable=resumable,
            restart=restart,
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
    restart: Annotated[
        bool,
        typer.Option(
            "--restart", help="Match every article again, even where an interrupted run stopped."
        ),
    ] = False,
) -> None:
    """Match articles against the gazetteer and store the candidates as pending mentions, then
    propose the fact candidates of those articles.

    Earlier pending candidates are replaced; accepted and rejected mentions are never touched,
    and a rejected candidate is not proposed again. Uses every core; an interrupted run (killed,
    ctrl+c) continues where it stopped when run again with the same gazetteer (--restart: from
    the first article). Prints the peak memory at the end.
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
    try:
        report = match_ids(current, ids, quiet=quiet, resumable=True, restart=restart)
    except KeyboardInterrupt:
        note("interrupted: `telaah match` again continues where it stopped")
        raise
    out.print(data(report.summary))
    memory = peak_memory()
    if memory is not None:
        note(memory)
    propose_facts(current, ids, quiet=quiet)
