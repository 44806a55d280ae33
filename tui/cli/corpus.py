"""`telaah import`, `stats`, `demo` and `articles ...`: the corpus from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tui.cli.context import (
    ARTICLE_STATUSES,
    data,
    err,
    fail_if,
    interactive,
    note,
    out,
    problem,
    settings,
)

if TYPE_CHECKING:
    from store.ingest.articles import ImportReport


articles_app = typer.Typer(help="List and show articles.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the corpus commands to the root command."""
    from tui.cli.matching import match_command

    app.command("import")(import_command)
    app.command("match")(match_command)
    app.command("stats")(stats_command)
    app.command("demo")(demo_command)


def import_command(
    ctx: typer.Context,
    paths: Annotated[
        list[Path],
        typer.Argument(help="Files (.txt, .jsonl, .csv) or folders to import.", show_default=False),
    ],
    encoding: Annotated[
        str | None,
        typer.Option(help="Encoding of the files when not UTF-8 (e.g. cp1252, latin-1)."),
    ] = None,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help="No progress bar and no notes; problems and summary only."
        ),
    ] = False,
    match: Annotated[
        bool,
        typer.Option(help="Match the new articles against the gazetteer (--no-match skips it)."),
    ] = True,
    format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="Annotated data: jsonl, brat, conll or doccano (spans become "
            "accepted mentions, origin import).",
        ),
    ] = None,
    as_candidates: Annotated[
        bool,
        typer.Option("--as-candidates", help="With --format: spans become pending candidates."),
    ] = False,
    create_entities: Annotated[
        bool, typer.Option("--create-entities", help="With --format: create unknown entity keys.")
    ] = False,
    offsets: Annotated[
        str | None,
        typer.Option("--offsets", help="With --format doccano: utf16 (default) or codepoint."),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="With --format: what telaah cannot store (a note on a brat attribute, a "
            "Prodigy text category...) fails the import (status 1) instead of a note.",
        ),
    ] = False,
    label_map: Annotated[
        str | None,
        typer.Option(
            "--map",
            metavar="OLD=NEW,...|@FILE",
            help="With --format: rename labels and fact types before they are checked against "
            "the schema (@FILE: one OLD=NEW a line); two names mapped to one are merged.",
        ),
    ] = None,
) -> None:
    """Import articles, then match the new ones; bad files or records are reported one line
    each, the rest go on. With --format, import annotated data instead.

    Exit status 0 when nothing failed, 1 when the import was partial.
    """
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from store.formats.articles import encoding_exists
    from store.ingest.articles import import_articles, total_bytes
    from store.ingest.sink import ImportHooks
    from tui.cli.annotated import import_annotated_files
    from tui.cli.facts import propose_facts
    from tui.cli.matching import match_ids

    if label_map is not None and format is None:
        raise typer.BadParameter("--map needs --format (annotated data)", param_hint="--map")
    if format is not None:
        import_annotated_files(
            settings(ctx),
            format,
            paths,
            as_candidates=as_candidates,
            create_entities=create_entities,
            offsets=offsets,
            quiet=quiet,
            strict=strict,
            label_map=label_map,
        )
        return
    if encoding and not encoding_exists(encoding):
        raise typer.BadParameter(f"unknown encoding {encoding!r}", param_hint="--encoding")
    current = settings(ctx)
    reviewer_id = current.reviewer_id()
    on_note = (lambda _line: None) if quiet else note
    if interactive() and not quiet:
        columns = (TextColumn("importing"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
        with Progress(*columns, console=err, transient=True) as progress:
            task = progress.add_task("import", total=total_bytes(paths))
            hooks = ImportHooks(
                on_problem=problem, on_note=on_note, on_progress=lambda n: progress.advance(task, n)
            )
            report = import_articles(
                current.engine(), paths, reviewer_id=reviewer_id, encoding=encoding, hooks=hooks
            )
    else:
        hooks = ImportHooks(on_problem=problem, on_note=on_note)
        report = import_articles(
            current.engine(), paths, reviewer_id=reviewer_id, encoding=encoding, hooks=hooks
        )
    _summarise(report)
    if match and report.imported:
        out.print(data(match_ids(current, report.article_ids, quiet=quiet).summary))
        propose_facts(current, report.article_ids, quiet=quiet)
    fail_if(report.failed)


def _summarise(report: ImportReport) -> None:
    if report.controls_removed:
        out.print(data(f"removed {report.controls_removed} control characters"))
    out.print(data(report.summary))


def stats_command(ctx: typer.Context) -> None:
    """Articles by status, entities, aliases, mentions by state and origin, facts by state;
    mentions and facts of the shared layer, then each reviewer's own layer (blind review)."""
    from rich.table import Table

    from store.corpus.stats import corpus_stats

    with settings(ctx).session() as session:
        stats = corpus_stats(session=session)
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_column()

    def row(name: str, counts: dict[str, int]) -> None:
        detail = ", ".join(f"{k} {v}" for k, v in counts.items())
        table.add_row(name, str(sum(counts.values())), data(detail))

    row("articles", stats.articles)
    table.add_row("entities", str(stats.entities), data(f"redirects {stats.redirects}"))
    table.add_row("aliases", str(stats.aliases), "")
    row("mentions", stats.mentions_by_state)
    table.add_row(
        "",
        "",
        data("by origin: " + ", ".join(f"{k} {v}" for k, v in stats.mentions_by_origin.items())),
    )
    row("facts", stats.facts)
    for name, counts in stats.layers.items():  # blind review: each reviewer's own copies
        row(f"layer {name}", counts)
    out.print(table)


def demo_command(
    ctx: typer.Context,
    no_open: Annotated[
        bool, typer.Option("--no-open", help="Prepare the demo database but do not open the app.")
    ] = False,
) -> None:
    """Create (or reopen) the demo database with the sample corpus, gazetteer and schema."""
    from store.corpus.demo import prepare_demo
    from store.paths import demo_db_url

    current = settings(ctx)
    if ctx.find_root().params.get("db") is None:
        current.db_url = demo_db_url()
    report = prepare_demo(current.engine(), reviewer_id=current.reviewer_id())
    if report.gazetteer is not None:
        for line in report.gazetteer.problems:
            problem(line)
        out.print(data(f"gazetteer: {report.gazetteer.summary}"))
    if report.articles is not None:
        out.print(data(f"articles: {report.articles.summary}"))
    if report.matched is not None:
        out.print(data(report.matched.summary))
    if report.facts is not None:
        out.print(data(f"proposed {report.facts} fact candidates"))
    out.print(data(f"demo database: {current.db_url}"))
    if not no_open:
        from tui.app import run_app

        run_app(current.db_url, reviewer=current.reviewer)


@articles_app.command("list")
def list_command(
    ctx: typer.Context,
    status: Annotated[
        str | None,
        typer.Option(help=f"Only articles of this status ({', '.join(ARTICLE_STATUSES)})."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many to show.")] = 50,
    offset: Annotated[int, typer.Option(min=0, help="How many to skip.")] = 0,
    sort: Annotated[str, typer.Option(help="id, title, published, source or status.")] = "id",
) -> None:
    """List articles: id, external id, status, date, source, title."""
    from rich.table import Table

    from store.corpus.articles import count_articles, list_articles

    if status is not None and status not in ARTICLE_STATUSES:
        raise typer.BadParameter(
            f"choose one of {', '.join(ARTICLE_STATUSES)}", param_hint="--status"
        )
    with settings(ctx).session() as session:
        rows = list_articles(session=session, status=status, limit=limit, offset=offset, sort=sort)
        total = count_articles(session=session, status=status)
    table = Table("id", "external id", "status", "published", "source", "title", box=None)
    for r in rows:
        table.add_row(
            str(r.id),
            data(r.external_id),
            r.status,
            data(r.published),
            data(r.source or ""),
            data(r.title),
        )
    out.print(table)
    out.print(data(f"{len(rows)} of {total} articles"))


@articles_app.command("show")
def show_command(
    ctx: typer.Context,
    article: Annotated[str, typer.Argument(help="Article id, or external id.")],
) -> None:
    """Print one article's metadata and text."""
    from store.corpus.articles import get_article

    with settings(ctx).session() as session:
        if article.isdigit():
            view = get_article(session=session, article_id=int(article))
        else:
            view = get_article(session=session, external_id=article)
    for name, value in (
        ("id", view.id),
        ("external id", view.external_id),
        ("title", view.title),
        ("source", view.source),
        ("url", view.url),
        ("published", view.published),
        ("status", view.status),
        ("sha256", view.sha256),
    ):
        out.print(data(f"{name}: {'' if value is None else value}"))
    out.print()
    out.print(data(view.text))
