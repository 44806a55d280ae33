"""`telaah agree`: how well reviewers agree, per pair and label, from their layers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from store.errors import TelaahError
from tui.cli.context import data, out, settings
from tui.cli.facts import article_ids

if TYPE_CHECKING:
    from store.agreement.report import AgreementRow

EXTRA = "agreement needs the agree extra: pip install 'telaah[agree]'"


def register(app: typer.Typer) -> None:
    app.command("agree")(agree_command)
    app.command("adjudicate")(adjudicate_command)


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _table(rows: list[AgreementRow]) -> None:
    from rich.table import Table

    table = Table(
        "reviewers", "label", "articles", "spans", "exact F1", "overlap F1", "links",
        "kappa", "alpha", "gamma", box=None,
    )  # fmt: skip
    for row in rows:
        pair = "all reviewers" if row.first == "*" else f"{row.first} · {row.second}"
        table.add_row(
            data(pair),
            data("all labels" if row.label == "*" else row.label),
            str(row.articles),
            f"{row.spans_first}/{row.spans_second}" if row.first != "*" else str(row.spans_first),
            _figure(row.exact_f1),
            _figure(row.overlap_f1),
            f"{_figure(row.link_agreement)} ({row.links_compared})",
            f"{_figure(row.kappa)} ({row.decisions_compared})",
            _figure(row.alpha),
            _figure(row.gamma),
        )
    out.print(table)


def agree_command(
    ctx: typer.Context,
    reviewers: Annotated[
        str | None,
        typer.Option("--reviewers", "-r", help="Only these reviewers, comma-separated."),
    ] = None,
    article: Annotated[
        list[str] | None,
        typer.Option("--article", "-a", help="Only this article (id or external id); repeatable."),
    ] = None,
    by_label: Annotated[
        bool, typer.Option("--by-label/--no-by-label", help="A row per label too (default).")
    ] = True,
    with_gamma: Annotated[
        bool,
        typer.Option("--gamma/--no-gamma", help="Compute gamma (the slowest figure; default on)."),
    ] = True,
    out_path: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Also write the rows to FILE.csv or FILE.json."),
    ] = None,
    disagreements: Annotated[
        str | None,
        typer.Option("--disagreements", metavar="A,B", help="List where reviewers A and B differ."),
    ] = None,
) -> None:
    """Agreement between reviewers' layers, per pair of reviewers and per label.

    Span F1 (exact and overlapping), entity-link agreement, Cohen's kappa on the decisions of
    shared candidates, Krippendorff's alpha, and gamma for overlapping spans. Pairs are
    compared on the articles both annotated; counts in brackets are what a figure rests on.
    """
    current = settings(ctx)
    if out_path is not None and out_path.suffix.lower() not in {".csv", ".json"}:
        raise TelaahError(f"{out_path}: --out takes a .csv or .json file")
    names = [n.strip() for n in reviewers.split(",") if n.strip()] if reviewers else None
    ids = article_ids(current, article)
    from store.agreement.load import load_layers
    from store.agreement.report import (
        agreement_table,
        disagreements_of,
        write_csv,
        write_json,
    )

    with current.session() as session:
        layers = load_layers(session, article_ids=ids, reviewers=names)
    if disagreements is not None:
        pair = [n.strip() for n in disagreements.split(",")]
        if len(pair) != 2:
            raise TelaahError("--disagreements takes two reviewers: A,B")
        for item in disagreements_of(layers, pair[0], pair[1]):
            first = "-" if item.first is None else f"{item.first.label} {item.first.entity or ''}"
            second = (
                "-" if item.second is None else f"{item.second.label} {item.second.entity or ''}"
            )
            out.print(
                data(
                    f"article {item.article_id} {item.start}-{item.end} {item.kind}: "
                    f"{pair[0]} {first.strip()} | {pair[1]} {second.strip()}"
                )
            )
        return
    try:
        rows = agreement_table(layers, with_gamma=with_gamma, by_label=by_label)
    except ModuleNotFoundError as missing:
        raise TelaahError(f"{EXTRA} ({missing.name} is missing)") from missing
    if not rows:
        out.print(data("no article has layers of two reviewers: nothing to compare"))
        return
    _table(rows)
    if out_path is not None:
        (write_json if out_path.suffix.lower() == ".json" else write_csv)(rows, out_path)
        out.print(data(f"wrote {len(rows)} rows to {out_path}"))


def adjudicate_command(
    ctx: typer.Context,
    agreed: Annotated[
        bool,
        typer.Option("--agreed", help="Settle every unit all reviewers agree on (required)."),
    ] = False,
    article: Annotated[
        list[str] | None,
        typer.Option("--article", "-a", help="Only this article (id or external id); repeatable."),
    ] = None,
) -> None:
    """Settle disagreements in bulk: `--agreed` makes every unit that all reviewers' layers
    agree on the gold (one undo). Disagreements are settled one by one in the app (`ctrl+g`,
    then `enter`). Needs an adjudicator or curator (`--reviewer NAME`)."""
    if not agreed:
        raise TelaahError("say what to settle: --agreed (the rest is settled in the app: ctrl+g)")
    current = settings(ctx)
    ids = article_ids(current, article)
    from store.agreement.adjudicate import settle_agreed
    from store.agreement.load import load_layers

    reviewer_id = current.reviewer_id()
    with current.session() as session:
        if ids is None:
            ids = sorted({a.article_id for a in load_layers(session)})
        count = settle_agreed(session, article_ids=ids, reviewer_id=reviewer_id)
    out.print(data(f"settled {count} agreed units in {len(ids)} articles"))
