"""Export benchmark (issue 7): 100,000 articles with 2,000,000 mentions to JSONL.

    .venv/bin/python bench/export_bench.py                     # the target: 100,000 x 20
    .venv/bin/python bench/export_bench.py --articles 10000    # quick run
    .venv/bin/python bench/export_bench.py --words 600         # longer articles
    .venv/bin/python bench/export_bench.py --articles 10000 --words 600 --mentions 10  # issue 17

Target: under 60 s with peak memory under 500 MB.

1. Builds a SQLite database with the real schema (`open_database`, the sample schema) by
   SQLAlchemy Core inserts: N articles (status done) of about W words each, M accepted mentions
   per article linked to 1,000 entities, one accepted fact per article with two roles. Not timed.
2. Exports it with `store.export.writer.run_export(..., fmt=jsonl, selection=Selection(),
   workers=W)` -- what `telaah export --format jsonl` runs, W worker processes (default: one per
   CPU, as the command) -- in a fresh subprocess, so that its `ru_maxrss` is the export's own
   peak RSS (Linux carries ru_maxrss over fork and exec, which is why the parent builds the
   database in a subprocess too). With workers, the memory figure is the parent's peak plus W
   times the largest worker's peak: an upper bound of the total.
   The export runs twice, each in its own subprocess: first with `verify=False` (the output
   is not read back), then as the command runs it, reading its output back and comparing it
   with the database before publishing (`store.export.verify`); the difference is what the
   check costs. `--no-baseline` skips the first run. The target applies to the checked run.
   Before both, the floor: every article row streamed and written as a JSON line of id, title
   and text in one process. Each run prints articles/s by wall-clock and by CPU time (its
   own and its workers': on a shared machine, what the export itself costs).
3. Checks the output in the parent: the line count, and for every line that each span slices
   the text and its tokens cover it.

No figure is asserted: PASS/MISS is printed; the exit status is 2 when the output is wrong.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from measure import maxrss_mib, vmhwm_mib  # bench/ is the script's folder

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 60.0
TARGET_MIB = 500.0
CHUNK = 5_000  # articles per insert batch while building
WORDS = (
    "yang",
    "dan",
    "di",
    "ke",
    "dari",
    "untuk",
    "dengan",
    "ini",
    "itu",
    "dalam",
    "pada",
    "tidak",
    "akan",
    "juga",
    "oleh",
    "sebagai",
    "pemerintah",
    "menyatakan",
    "kerja",
    "sama",
    "pertahanan",
    "militer",
    "kedua",
    "negara",
    "tahun",
    "mendatang",
    "(26/2)",
    "kata",
    "menurut",
    "sistem",
    "udara",
    "pasokan",
    "senjata",
    "perjanjian",
    "keamanan",
    "wilayah",
)
SURFACES = (
    ("Rusia", "GPE"),
    ("Kirgizstan", "GPE"),
    ("S-300", "WEAPON"),
    ("Moskow", "GPE"),
    ("Sergei Shoigu", "PERSON"),
    ("CSTO", "ORG"),
    ("Kazakhstan", "GPE"),
    ("Su-57E", "WEAPON"),
    ("Asia Tengah", "LOC"),
    ("Kementerian Pertahanan", "ORG"),
)
PUNCT = (",", ".", ".", ":")


def article_text(
    rng: random.Random,
    words: int,
    mentions: int,
) -> tuple[str, list[tuple[int, int, str, str, int]]]:
    """A text of about `words` words with `mentions` entity surfaces spread through it."""
    parts: list[str] = []
    spans = []
    position = 0
    every = max(1, words // max(1, mentions))
    for w in range(words):
        if w % every == every // 2 and len(spans) < mentions:
            index = rng.randrange(len(SURFACES))
            token, label = SURFACES[index]
            spans.append((position, position + len(token), token, label, index))
        else:
            token = rng.choice(WORDS)
            if rng.random() < 0.08:
                token += rng.choice(PUNCT)
        parts.append(token)
        position += len(token) + 1
    while len(spans) < mentions:  # short texts: add the rest at the end
        token, label = SURFACES[len(spans) % len(SURFACES)]
        spans.append((position, position + len(token), token, label, len(spans) % 10))
        parts.append(token)
        position += len(token) + 1
    if rng.random() < 0.03:
        parts.append("🤔")
    return " ".join(parts), spans


def build(url: str, articles: int, mentions: int, words: int, seed: int) -> None:
    """The benchmark database (real schema, Core inserts in batches)."""
    from sqlalchemy import insert

    from store.db import open_database, session_scope
    from store.models import Article, Entity, Fact, FactArgument, Mention, Reviewer
    from store.schema import load_schema, parse_schema

    engine = open_database(url)
    with session_scope(engine) as session:
        load_schema(
            session=session,
            schema=parse_schema(ROOT / "sample_corpus" / "schema.toml"),
            reviewer_id=None,
        )
    rng = random.Random(seed)
    decided = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    entities = 1_000
    with engine.begin() as connection:
        connection.execute(insert(Reviewer), [{"id": 1, "name": "bench"}])
        connection.execute(
            insert(Entity),
            [
                {
                    "id": e + 1,
                    "key": f"E{e}",
                    "name": f"{SURFACES[e % 10][0]} {e}",
                    "type": SURFACES[e % 10][1],
                    "external_ids": {},
                }
                for e in range(entities)
            ],
        )
    mention_id = fact_id = 0
    for first in range(0, articles, CHUNK):
        rows, spans, facts, arguments = [], [], [], []
        for a in range(first, min(articles, first + CHUNK)):
            text, found = article_text(rng, words, mentions)
            rows.append(
                {
                    "id": a + 1,
                    "external_id": f"bench-{a:06d}",
                    "title": f"Artikel {a}",
                    "text": text,
                    "sha256": f"{a:064x}",
                    "status": "done",
                    "source": "kompas.com",
                    "meta": {"n": a},
                }
            )
            ids = []
            for start, end, surface, label, index in found:
                mention_id += 1
                ids.append(mention_id)
                spans.append(
                    {
                        "id": mention_id,
                        "article_id": a + 1,
                        "start": start,
                        "end": end,
                        "text": surface,
                        "label": label,
                        "state": "accepted",
                        "origin": "gazetteer",
                        "entity_id": index + 1 + 10 * rng.randrange(entities // 10),
                        "matched_alias": surface,
                        "score": 100.0,
                        "method": "exact",
                        "alternatives": [],
                        "reviewer_id": 1,
                        "decided_at": decided,
                    }
                )
            fact_id += 1
            facts.append(
                {
                    "id": fact_id,
                    "article_id": a + 1,
                    "type": "MEETING",
                    "state": "accepted",
                    "origin": "manual",
                    "evidence_start": 0,
                    "evidence_end": found[-1][1] if found else 1,
                    "reviewer_id": 1,
                    "decided_at": decided,
                }
            )
            arguments += [
                {"fact_id": fact_id, "role": "participants", "mention_id": m} for m in ids[:2]
            ]
        with engine.begin() as connection:
            connection.execute(insert(Article), rows)
            connection.execute(insert(Mention), spans)
            connection.execute(insert(Fact), facts)
            if arguments:
                connection.execute(insert(FactArgument), arguments)
    engine.dispose()


def measure(url: str, out: Path, workers: int, verify: bool = True) -> dict[str, Any]:
    """The timed phase: the export as `telaah export --format jsonl` runs it (`verify=False`:
    without reading its output back)."""
    rss_start = maxrss_mib()
    t0 = time.perf_counter()
    from store.db import open_database
    from store.export.selection import Selection
    from store.export.writer import run_export
    from store.formats.registry import get_format

    engine = open_database(url)
    start = resource.getrusage(resource.RUSAGE_SELF)
    cpu_start = start.ru_utime + start.ru_stime
    t1 = time.perf_counter()
    report = run_export(
        engine,
        fmt=get_format("jsonl"),
        out=out,
        selection=Selection(),
        workers=workers,
        verify=verify,
    )
    t2 = time.perf_counter()
    mine = resource.getrusage(resource.RUSAGE_SELF)
    theirs = resource.getrusage(resource.RUSAGE_CHILDREN)  # the workers, ended with the pool
    children = theirs.ru_maxrss / 1024  # Linux: KiB
    return {
        "seconds": t2 - t1,
        "cpu": mine.ru_utime + mine.ru_stime + theirs.ru_utime + theirs.ru_stime - cpu_start,
        "startup": t1 - t0,
        "rss_start": rss_start,
        "rss_peak": maxrss_mib(),
        "vmhwm": vmhwm_mib(),
        "worker_peak": children,
        "workers": workers,
        "articles": report.articles,
        "spans": report.spans,
        "facts": report.facts,
        "skipped": report.skipped_total,
    }


def floor(url: str, out: Path) -> dict[str, Any]:
    """The floor: every article row streamed (`yield_per`) and written as one JSON line of id,
    title and text, in one process (what no export of the articles can beat)."""
    from sqlalchemy import select

    from store.db import open_database
    from store.models import Article

    engine = open_database(url)
    t = Article.__table__  # type: ignore[attr-defined]
    started, cpu = time.perf_counter(), time.process_time()
    count = 0
    with engine.connect() as connection, out.open("w", encoding="utf-8") as handle:
        rows = connection.execution_options(yield_per=1000).execute(
            select(t.c.external_id, t.c.title, t.c.text).order_by(t.c.id)
        )
        for external_id, title, body in rows:
            handle.write(json.dumps({"id": external_id, "title": title, "text": body}) + "\n")
            count += 1
    result = {
        "seconds": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "articles": count,
    }
    out.unlink()
    return result


def _rate(run: dict[str, Any]) -> str:
    """Articles a second by wall-clock and by CPU time (on a shared machine, the CPU time is
    what the run itself costs; with workers, theirs is added)."""
    return (
        f"{run['articles'] / run['seconds']:,.0f} articles/s "
        f"({run['articles'] / max(run['cpu'], 1e-9):,.0f} articles/s of CPU time: "
        f"{run['cpu']:.1f} s)"
    )


def check(out: Path) -> tuple[int, int, int]:
    """Lines, spans, tokens of the export, every span slicing its text and covered by tokens."""
    lines = spans = tokens = 0
    with out.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            text, toks = record["text"], record["tokens"]
            for span in record["spans"]:
                assert text[span["start"] : span["end"]] == span["text"], span
                assert toks[span["token_start"]]["start"] <= span["start"]
                assert span["end"] <= toks[span["token_end"]]["end"]
            lines += 1
            spans += len(record["spans"])
            tokens += len(toks)
    return lines, spans, tokens


def _phase(*args: str) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), *args]
    done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise SystemExit(f"phase {args[0]} failed (exit {done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--mentions", type=int, default=20, help="mentions per article")
    parser.add_argument("--words", type=int, default=300, help="words per article")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="export processes (as `telaah export` uses; 1: one process)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--no-baseline",
        action="store_true",
        help="skip the export without its check (run only the checked export)",
    )
    parser.add_argument("--unchecked", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--phase", choices=("build", "export", "floor"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "build":
        started = time.perf_counter()
        build(args.url, args.articles, args.mentions, args.words, args.seed)
        print(json.dumps({"seconds": time.perf_counter() - started}))
        return 0
    if args.phase == "export":
        print(json.dumps(measure(args.url, Path(args.out), args.workers, not args.unchecked)))
        return 0
    if args.phase == "floor":
        print(json.dumps(floor(args.url, Path(args.out))))
        return 0
    folder = Path(tempfile.mkdtemp(prefix="telaah-export-bench-"))
    url, out = f"sqlite:///{folder / 'bench.db'}", folder / "export.jsonl"
    common = [
        "--articles",
        str(args.articles),
        "--mentions",
        str(args.mentions),
        "--words",
        str(args.words),
        "--seed",
        str(args.seed),
        "--url",
        url,
    ]
    built = _phase("--phase", "build", *common)
    size = (folder / "bench.db").stat().st_size / 1e6
    print(
        f"database: {args.articles:,} articles of {args.words} words, "
        f"{args.articles * args.mentions:,} mentions, {args.articles:,} facts; "
        f"{size:,.0f} MB, built in {built['seconds']:.1f} s (not timed)"
    )
    export = ("--phase", "export", *common, "--out", str(out), "--workers", str(args.workers))
    base = _phase("--phase", "floor", *common, "--out", str(out))
    unchecked = None if args.no_baseline else _phase(*export, "--unchecked")
    result = _phase(*export)
    lines, spans, tokens = check(out)
    megabytes = out.stat().st_size / 1e6
    print(
        f"export: {result['articles']:,} articles, {result['spans']:,} spans, "
        f"{result['facts']:,} facts, {tokens:,} tokens -> {megabytes:,.0f} MB JSONL "
        f"in {result['seconds']:.1f} s, {_rate(result)}; imports and open_database "
        f"{result['startup']:.1f} s more"
    )
    print(f"floor (rows streamed as JSON, one process): {base['seconds']:.1f} s, {_rate(base)}")
    # The workers run at the same time: the bound on the total is the parent's peak plus
    # `workers` times the largest worker's peak (RUSAGE_CHILDREN gives the largest one).
    total = (
        result["rss_peak"] + result["workers"] * result["worker_peak"]
        if result["worker_peak"]
        else result["rss_peak"]
    )
    print(
        f"peak RSS: export process {result['rss_peak']:.0f} MiB (VmHWM "
        f"{result['vmhwm'] or 0:.0f} MiB); {result['workers']} worker(s), largest "
        f"{result['worker_peak']:.0f} MiB; total at most {total:.0f} MiB"
    )
    if unchecked is not None:
        cost = result["seconds"] - unchecked["seconds"]
        print(
            f"self-check: export without it {unchecked['seconds']:.1f} s, {_rate(unchecked)}; "
            f"with it {result['seconds']:.1f} s (as `telaah export` runs): the check costs "
            f"{cost:.1f} s ({100 * cost / unchecked['seconds']:+.0f}%), "
            f"{result['cpu'] - unchecked['cpu']:.1f} s of CPU time; peak RSS without it "
            f"{unchecked['rss_peak']:.0f} MiB"
        )
    ok = lines == result["articles"] == args.articles and spans == result["spans"]
    print(f"check: {lines:,} lines, {spans:,} spans slice their text: {'OK' if ok else 'WRONG'}")
    fast = result["seconds"] < TARGET_SECONDS
    small = total < TARGET_MIB
    print(
        f"target: {args.articles:,} articles x {args.mentions} mentions in < "
        f"{TARGET_SECONDS:.0f} s -> {'PASS' if fast else 'MISS'}; peak < {TARGET_MIB:.0f} MB "
        f"-> {'PASS' if small else 'MISS'}"
    )
    if args.keep:
        print(f"kept: {folder}")
    else:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    return 0 if ok else 2


if __name__ == "__main__":
    raise SystemExit(main())
