"""Gazetteer edits at interactive speed (issue 14 point 5, issue 15 point 3), against today's paths.

    python bench/gazetteer_edit_bench.py                       # 100,000 articles, 100,000 aliases
    python bench/gazetteer_edit_bench.py --articles 20000 --skip-cli

Three parts, each beside its baseline in the same run (no figure is asserted):

1. **An alias reaching ~3,000 of N articles** (`--reach`, 3%): `add_alias` then `rematch` of its
   change with the live matcher built before (the review and gazetteer screens: updated in place,
   new candidates spliced in), in a cold process (the command line: `telaah gazetteer add-alias`
   as a subprocess, interpreter start included), and today's path: a matcher built again from
   the whole gazetteer, then `match_articles` over the articles the change reaches. The same for
   removing the alias, in two steps: the candidates of entities current (`candidates_current`),
   then the new names and their labels; beside it the removal in one step (the path before).
   Goal: candidates current in under 1 s.
2. **Gazetteer import**, aliases/s: `import_gazetteer` (bulk statements) on a CSV of the whole
   gazetteer into an empty database, against today's path (one `create_entity` a record, ORM
   round trips) on the first `--baseline-aliases` aliases. Goal: >= 20,000 aliases/s.
3. **Adversarial gazetteers**: N entities sharing the alias `al` (N = 1k, 3k, 10k): import,
   build and matching of 200 articles naming `Al` each, per N: the cost must grow linearly.

The database of part 1 is built once and kept in `--folder` (synthetic names: a syllable
generator, 2.5 aliases an entity; articles from the import benchmark's generator, each naming
a few gazetteer entries, one in 33 naming the alias added). Delete it to rebuild.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_bench import CorpusWriter  # noqa: E402
from sqlalchemy import Engine, func, insert, select  # noqa: E402
from sqlmodel import col  # noqa: E402

from store.corpus.search import index_new_articles  # noqa: E402
from store.db import open_database, session_scope  # noqa: E402
from store.formats.gazetteer import read_gazetteer  # noqa: E402
from store.gazetteer import entities as gazetteer  # noqa: E402
from store.gazetteer.files import import_gazetteer  # noqa: E402
from store.models import Article, Mention  # noqa: E402
from store.review import rematch as rematch_module  # noqa: E402
from store.review import withdraw as withdraw_module  # noqa: E402
from store.review.candidates import build_matcher, match_articles  # noqa: E402
from store.review.live import live_matcher  # noqa: E402
from store.review.rematch import affected_articles, rematch  # noqa: E402
from store.schema import load_schema, parse_schema  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "sample_corpus" / "schema.toml"
TYPES = ("PERSON", "ORG", "GPE", "LOC", "WEAPON")
SYLLABLES = [c + v for c in "bdgjklmnprstwy" for v in "aeiou"] + ["ng", "an", "ar", "en"]
NEW_ALIAS = "Nusa Kertaraja"
NEW_KEY = "E0"


def name(rng: random.Random) -> str:
    def word() -> str:
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()

    return " ".join(word() for _ in range(rng.choice((1, 2, 2, 3))))


def gazetteer_csv(path: Path, aliases: int, seed: int = 5) -> list[str]:
    """A CSV of about `aliases` aliases (2.5 an entity); returns every alias written."""
    rng = random.Random(seed)
    written: list[str] = []
    with path.open("w", encoding="utf-8") as handle:
        handle.write("id,name,type,alias\n")
        n = 0
        while len(written) < aliases:
            main = name(rng)
            kind = TYPES[n % len(TYPES)]
            for alias in dict.fromkeys([main, name(rng), *([name(rng)] * (n % 2))]):
                handle.write(f"E{n},{main},{kind},{alias}\n")
                written.append(alias)
            n += 1
    return written


def schema(engine: Engine) -> None:
    with session_scope(engine) as session:
        load_schema(session=session, schema=parse_schema(SCHEMA), reviewer_id=None)


def build(db: Path, articles: int, aliases: int, words: int, reach: float) -> None:
    """The part 1 database: gazetteer, articles, search index, candidates of the reached ones."""
    started = time.perf_counter()
    engine = open_database(f"sqlite:///{db}")
    schema(engine)
    csv_path = db.with_suffix(".csv")
    names = gazetteer_csv(csv_path, aliases)
    with session_scope(engine) as session:
        import_gazetteer(session=session, path=csv_path, reviewer_id=None)
    rng = random.Random(7)
    writer = CorpusWriter(11, words)
    every = max(1, round(1 / reach))
    for at in range(0, articles, 5_000):
        rows = []
        for i in range(at, min(articles, at + 5_000)):
            record = writer.article(i)
            paragraphs = record["text"].split("\n\n")
            for alias in rng.sample(names, 3):
                k = rng.randrange(len(paragraphs))
                paragraphs[k] += f" Menurut {alias}, hal itu benar."
            if i % every == 0:
                paragraphs[-1] += f" Pejabat dari {NEW_ALIAS} hadir dalam acara itu."
            rows.append(
                {
                    "external_id": record["id"],
                    "title": record["title"],
                    "text": "\n\n".join(paragraphs),
                    "sha256": f"{i:064x}",
                    "status": "todo",
                    "meta": {},
                }
            )
        with engine.begin() as connection:
            connection.execute(insert(Article), rows)
    index_new_articles(engine)
    reached = list(range(1, articles + 1, every))
    match_articles(engine, article_ids=reached)
    engine.dispose()
    print(f"  built {db} in {time.perf_counter() - started:.0f} s")


def fingerprint(engine: Engine, names: bool = True) -> int:
    """A hash of every pending candidate (span, entity, label, alias, score, reason): two paths
    that leave the same hash left the same candidates (`names`: new names included; a matcher
    built again labels them with hints of its own, see `names.hints_for`)."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                col(Mention.article_id),
                col(Mention.start),
                col(Mention.end),
                col(Mention.entity_id),
                col(Mention.label),
                col(Mention.matched_alias),
                col(Mention.score),
                col(Mention.reason),
            )
            .where(
                col(Mention.state) == "pending",
                *(() if names else (col(Mention.entity_id).is_not(None),)),
            )
            .order_by(col(Mention.article_id), col(Mention.start), col(Mention.end))
        ).all()
    return hash(tuple(tuple(row) for row in rows))


def pending(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count()).select_from(Mention).where(col(Mention.state) == "pending")
            ).scalar_one()
        )


def edit(engine: Engine, add: bool) -> object:
    with session_scope(engine) as session:
        if add:
            return gazetteer.add_alias(
                session=session, key=NEW_KEY, text=NEW_ALIAS, reviewer_id=None
            )
        return gazetteer.remove_alias(
            session=session, key=NEW_KEY, text=NEW_ALIAS, reviewer_id=None
        )


def whole_texts_add(engine: Engine) -> float:
    """Seconds to add the alias with every reached text matched whole; the edit is undone."""
    windowed = rematch_module.lines_holding
    rematch_module.lines_holding = lambda _text, _pattern: None  # type: ignore[assignment]
    try:
        change = edit(engine, True)
        start = time.perf_counter()
        rematch(engine, change)
        seconds = time.perf_counter() - start
    finally:
        rematch_module.lines_holding = windowed
    rematch(engine, edit(engine, False))
    return seconds


def context_lines_remove(engine: Engine) -> tuple[float, int]:
    """Seconds to remove the alias with the new names' labels counted from the lines where
    their words stand, matched again (what an article with a decided mention takes; the stored
    candidates of the others are the matcher's), and the pending candidates it leaves; the edit
    is undone."""
    read = withdraw_module.read_chunk

    def decided_everywhere(connection, chunk, keys):  # type: ignore[no-untyped-def]
        spans, stored, _, texts, counted = read(connection, chunk, keys)
        return spans, stored, set(chunk), texts, counted

    withdraw_module.read_chunk = decided_everywhere  # type: ignore[assignment]
    try:
        change = edit(engine, False)
        start = time.perf_counter()
        rematch(engine, change)
        seconds = time.perf_counter() - start
    finally:
        withdraw_module.read_chunk = read
    left = fingerprint(engine)
    rematch(engine, edit(engine, True))
    return seconds, left


def one_step_remove(engine: Engine) -> tuple[float, float, int]:
    """Seconds (wall, CPU) to remove the alias with the new names of the lines worked out with
    the candidates of entities and written with them (the path before the two steps), and the
    pending candidates it leaves; the edit is undone."""
    first = rematch_module.withdraw_candidates

    def both(engine, matcher, ids, removed, report):  # type: ignore[no-untyped-def]
        additions, replaced, whole = withdraw_module.withdraw_lines(
            engine, matcher, ids, removed, report
        )
        return additions, replaced, whole, withdraw_module.Withdrawal([], [])

    rematch_module.withdraw_candidates = both  # type: ignore[assignment]
    try:
        change = edit(engine, False)
        start, cpu = time.perf_counter(), time.process_time()
        rematch(engine, change)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    finally:
        rematch_module.withdraw_candidates = first
    left = fingerprint(engine)
    rematch(engine, edit(engine, True))
    return seconds, cpu, left


def whole_articles_remove(engine: Engine) -> tuple[float, int]:
    """Seconds to remove the alias with every reached article matched whole by the live
    matcher (the path before `store/review/withdraw.py`), and the pending candidates it leaves;
    the edit is undone."""
    change = edit(engine, False)
    start = time.perf_counter()
    match_articles(
        engine, article_ids=affected_articles(engine, change), matcher=live_matcher(engine)
    )
    seconds = time.perf_counter() - start
    left = fingerprint(engine)
    rematch(engine, edit(engine, True))
    return seconds, left


def part_edit(args: argparse.Namespace) -> None:
    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / f"edit-{args.articles}-{args.aliases}-{args.words}.db"
    if not db.exists():
        build(db, args.articles, args.aliases, args.words, args.reach)
    url = f"sqlite:///{db}"
    engine = open_database(url)
    with engine.connect() as connection:
        n_articles = connection.execute(select(func.count()).select_from(Article)).scalar_one()
    print(
        f"1. an alias reaching ~{args.reach:.0%} of {n_articles:,} articles, "
        f"{args.aliases:,} aliases"
    )
    start = time.perf_counter()
    live_matcher(engine)
    print(
        "  live matcher built once (when a screen first re-matches)  "
        f"{time.perf_counter() - start:7.2f} s"
    )
    before = pending(engine)
    rows = []
    removed_live = -1
    current: list[tuple[float, float]] = []  # when the candidates of entities were current
    for add in (True, False):
        what = "add" if add else "remove"
        change = edit(engine, add)
        start, cpu = time.perf_counter(), time.process_time()
        report = rematch(
            engine,
            change,
            candidates_current=lambda _r, t=start, c=cpu: current.append(
                (time.perf_counter() - t, time.process_time() - c)
            ),
        )
        live_s = time.perf_counter() - start
        live_cpu = time.process_time() - cpu  # (the wall time of a shared machine varies)
        live_count = fingerprint(engine, names=False)
        if not add:
            removed_live = fingerprint(engine)
        # Back to the state before the edit, then today's path on the same edit.
        rematch(engine, edit(engine, not add))
        change = edit(engine, add)
        start = time.perf_counter()
        with session_scope(engine) as session:
            fresh = build_matcher(session=session)
        built = time.perf_counter() - start
        match_articles(engine, article_ids=affected_articles(engine, change), matcher=fresh)
        full_s = time.perf_counter() - start
        same = (
            "same candidates"
            if fingerprint(engine, names=False) == live_count
            else "DIFFERENT candidates"
        )
        rows.append((what, live_s, live_cpu, full_s, built, report.summary, same))
    # The same add, the touched entities matched in the whole texts (the path before windows).
    whole_s = whole_texts_add(engine)
    # The same removal, the reached articles matched whole (the path before withdraw.py).
    rematch(engine, edit(engine, True))
    one_s, one_cpu, one_left = one_step_remove(engine)
    lines_remove_s, lines_left = context_lines_remove(engine)
    whole_remove_s, whole_left = whole_articles_remove(engine)
    rematch(engine, edit(engine, False))
    for what, live_s, live_cpu, full_s, built, summary, same in rows:
        print(
            f"  {what:<6} in place {live_s:6.2f} s (CPU {live_cpu:.2f} s; goal < 1 s)   "
            f"rebuild + re-match {full_s:6.2f} s "
            f"(build {built:.2f} s)   {same}; {summary}"
        )
    (_, _), (current_s, current_cpu) = current
    print(
        f"  remove: candidates current {current_s:6.2f} s (CPU {current_cpu:.2f} s; goal < 1 s), "
        f"labels current (the new names of the lines, a second step) {rows[1][1]:6.2f} s "
        f"(CPU {rows[1][2]:.2f} s)"
    )
    print(
        f"  remove in one step {one_s:6.2f} s (CPU {one_cpu:.2f} s; the new names worked out "
        "and written with the candidates: the path before), "
        + ("same candidates" if one_left == removed_live else "DIFFERENT candidates")
    )
    print(
        f"  add    whole texts {whole_s:6.2f} s (the touched entities matched in each whole "
        "reached text, not in the lines their terms reach: the path before)"
    )
    print(
        f"  remove, labels from lines {lines_remove_s:6.2f} s (the new names' labels counted "
        "from the lines where their words stand, matched again, not from the stored "
        "candidates), " + ("same candidates" if lines_left == removed_live else "DIFFERENT")
    )
    print(
        f"  remove whole articles {whole_remove_s:6.2f} s (the reached articles matched whole "
        "by the live matcher: the path before), "
        + ("same candidates" if whole_left == removed_live else "DIFFERENT candidates")
    )
    assert pending(engine) == before
    if not args.skip_cli:
        for command in ("add-alias", "remove-alias"):
            start = time.perf_counter()
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "tui",
                    "--db",
                    str(db),
                    "gazetteer",
                    command,
                    NEW_KEY,
                    NEW_ALIAS,
                ],
                capture_output=True,
                text=True,
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                check=False,
            )
            line = (done.stdout.strip().splitlines() or ["?"])[-1]
            print(
                f"  telaah gazetteer {command:<12} {time.perf_counter() - start:6.2f} s "
                f"(a new process)  {line}"
            )
    engine.dispose()


def old_import(session: object, path: Path) -> None:
    """Today's path before issue 14: one `create_entity` (ORM round trips) a record."""
    records, _ = read_gazetteer(path)
    for record in records:
        gazetteer.create_entity(
            session=session,  # type: ignore[arg-type]
            key=record.key,
            name=record.name,
            type=record.type,
            aliases=record.aliases,
            reviewer_id=None,
            commit=False,
            imported=True,
        )
    session.commit()  # type: ignore[attr-defined]


def part_import(args: argparse.Namespace, tmp: Path) -> None:
    print(f"2. gazetteer import, {args.aliases:,} aliases (CSV)")
    for label, aliases, run in (
        ("bulk statements", args.aliases, None),
        ("one entity at a time (before)", args.baseline_aliases, old_import),
    ):
        csv_path = tmp / f"import-{aliases}.csv"
        written = gazetteer_csv(csv_path, aliases)
        engine = open_database(f"sqlite:///{tmp / f'import-{aliases}-{label[:3]}.db'}")
        schema(engine)
        start = time.perf_counter()
        with session_scope(engine) as session:
            if run is None:
                import_gazetteer(session=session, path=csv_path, reviewer_id=None)
            else:
                run(session, csv_path)
        seconds = time.perf_counter() - start
        print(
            f"  {label:<30} {len(written):>8,} aliases in {seconds:6.2f} s: "
            f"{len(written) / seconds:>9,.0f} aliases/s (goal >= 20,000)"
        )
        engine.dispose()


def part_adversarial(tmp: Path) -> None:
    print("3. N entities sharing the alias `al`: import, build, match 200 articles naming `Al`")
    text = "Para wartawan bertemu dengan Al di kantor itu kemarin. " * 5
    for n in (1_000, 3_000, 10_000):
        engine = open_database(f"sqlite:///{tmp / f'shared-{n}.db'}")
        schema(engine)
        with engine.begin() as connection:
            connection.execute(
                insert(Article),
                [
                    {
                        "external_id": f"a{i}",
                        "title": "t",
                        "text": f"{i}. {text}",
                        "sha256": f"{i:064x}",
                        "status": "todo",
                        "meta": {},
                    }
                    for i in range(200)
                ],
            )
        csv_path = tmp / f"shared-{n}.csv"
        lines = ["id,name,type,alias"] + [f"P{i:05},Orang {i},PERSON,al" for i in range(n)]
        csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        times = []
        start = time.perf_counter()
        with session_scope(engine) as session:
            import_gazetteer(session=session, path=csv_path, reviewer_id=None)
        times.append(time.perf_counter() - start)
        start = time.perf_counter()
        with session_scope(engine) as session:
            matcher = build_matcher(session=session)
        times.append(time.perf_counter() - start)
        start = time.perf_counter()
        report = match_articles(engine, matcher=matcher, workers=1)
        times.append(time.perf_counter() - start)
        total = sum(times)
        print(
            f"  N={n:>6,}: import {times[0]:5.2f} s  build {times[1]:5.2f} s  "
            f"match {times[2]:5.2f} s  total {total:5.2f} s = {1e6 * total / n:6.0f} us an "
            f"entity  ({report.added} candidates)"
        )
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--aliases", type=int, default=100_000)
    parser.add_argument("--words", type=int, default=300, help="mean words an article (300)")
    parser.add_argument("--reach", type=float, default=0.03, help="share of articles reached")
    parser.add_argument("--baseline-aliases", type=int, default=10_000)
    parser.add_argument(
        "--folder", default=str(Path(tempfile.gettempdir()) / "telaah-gazetteer-edit-bench")
    )
    parser.add_argument("--skip-cli", action="store_true", help="no command-line runs")
    parser.add_argument("--only", choices=("edit", "import", "adversarial"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="telaah-gaz-bench-") as tmp:
        if args.only in (None, "edit"):
            part_edit(args)
        if args.only in (None, "import"):
            part_import(args, Path(tmp))
        if args.only in (None, "adversarial"):
            part_adversarial(Path(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
