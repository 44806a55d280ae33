"""The variants of a gazetteer import's added aliases in the vocabulary (what `rematch` and
`telaah gazetteer import` look up before re-matching), this code beside a revision before it.

    .venv/bin/python bench/variant_terms_bench.py --db postgresql+psycopg://HOST/DB --aliases 2000
    .venv/bin/python bench/variant_terms_bench.py --db articles.db --before HEAD~1 --rounds 2

The aliases are the first `--aliases` of `match_data.build_gazetteer` (real and generated
names, the scale benchmarks' gazetteer). Each side runs in a child from its own code (this
checkout, or a `git worktree` of `--before`, as `pg_import_bench.py` makes it): the
revision before looked the aliases up one at a time (`variant_terms(session, alias)`), this
code all at once (`variant_terms(session, aliases)`); with `--reach`, then the articles the
terms reach (`articles_with_terms`). Printed: seconds, ms an alias, statements, and whether
both found the same terms. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def child(db: str, aliases: int, reach: bool) -> None:
    """In a child: the look-up with the code it runs in (its working folder), as JSON."""
    code = Path.cwd()
    sys.path[:0] = [str(code), str(code / "bench"), str(HERE)]
    import inspect

    from match_data import build_gazetteer
    from sqlalchemy import event

    from store.corpus.search import articles_with_terms, variant_terms
    from store.db import make_engine, session_scope

    names = sorted({alias for _key, alias, _label, _source in build_gazetteer(aliases)})
    engine = make_engine(db)
    statements = [0]

    @event.listens_for(engine, "before_cursor_execute")
    def count(*_args: object) -> None:
        statements[0] += 1

    together = "aliases" in inspect.signature(variant_terms).parameters
    with session_scope(engine) as session:
        started = time.perf_counter()
        if together:
            terms = variant_terms(session, names)
        else:  # the revision before: one alias at a time
            terms = set()
            for name in names:
                terms |= variant_terms(session, name)
        seconds = time.perf_counter() - started
        reached, reach_seconds = -1, 0.0
        if reach:
            started = time.perf_counter()
            reached = len(articles_with_terms(session, terms))
            reach_seconds = time.perf_counter() - started
    digest = hashlib.sha256("\n".join(sorted(terms)).encode()).hexdigest()[:12]
    print(
        json.dumps(
            {
                "aliases": len(names),
                "seconds": seconds,
                "statements": statements[0],
                "terms": len(terms),
                "digest": digest,
                "reached": reached,
                "reach_seconds": reach_seconds,
            }
        )
    )


def side(code: Path, db: str, aliases: int, reach: bool) -> dict[str, object]:
    from pg_import_bench import side_json

    command = [str(Path(__file__)), "--child", "--db", db, "--aliases", str(aliases)]
    result: dict[str, object] = side_json(code, command + (["--reach"] if reach else []))
    return result


def main() -> int:
    sys.path.insert(0, str(HERE))
    from pg_import_bench import alternating, database_arg, revision_options, worktree

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    revision_options(parser, child=True)
    parser.add_argument("--aliases", type=int, default=2_000)
    parser.add_argument(
        "--reach", action="store_true", help="also the articles the terms reach (slow before)"
    )
    args = parser.parse_args()
    db = database_arg(args.db)
    if args.child:
        child(db, args.aliases, args.reach)
        return 0
    codes = {"before": worktree(args.before), "now": ROOT}
    print(f"{args.aliases:,} aliases of the scale gazetteer; {db}; {args.before} against now")
    digests = set()
    for label in alternating(["before", "now"], args.rounds):
        run = side(codes[label], db, args.aliases, args.reach)
        digests.add(run["digest"])
        seconds = float(run["seconds"])  # type: ignore[arg-type]
        print(
            f"  {label:<6} {seconds:8.2f} s  {1000 * seconds / float(run['aliases']):7.2f} "  # type: ignore[arg-type]
            f"ms an alias  {run['statements']:>7,} statements  {run['terms']:,} terms"
            + (
                f"; the articles they reach {run['reach_seconds']:.2f} s ({run['reached']:,})"
                if args.reach
                else ""
            ),
            flush=True,
        )
    print(f"  the same terms found by both: {len(digests) == 1}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
