"""`telaah match` at scale (issue 17): one core against two, peak memory, a resumed run.

    .venv/bin/python bench/scale_match_bench.py --articles 20000       # built once, cached
    .venv/bin/python bench/scale_match_bench.py --db /work/cache/scale/1000000.db
    .venv/bin/python bench/scale_match_bench.py --articles 20000 --limit 4000  # a quick run

With `--db` it matches an existing imported database (the gazetteer of `match_data.py`, 100,000
aliases, is loaded into it first when it has no aliases; the runs write candidates into it).
Without, it builds one of `--articles` articles (import_bench.py's generator, with names of the
gazetteer spliced into the texts, some misspelt) and caches it under /work/cache/match/.

Each run is a fresh subprocess (its own `ru_maxrss`, its children's apart), matching every
article with `store.review.candidates.match_articles` as `telaah match` does, its pending
candidates cleared first so that every run writes the same rows:

1. one worker (in process), 2. two workers, 3. two workers killed (SIGKILL) a little after
   their first checkpoint (2,000 articles), then the same command again, which resumes: its
   time for the articles left, and whether its rows equal run 2's.

Printed: articles/s of each, the two-core ratio, CPU seconds per article (user + system of the
process and its workers: on a shared machine the ratio is only fair when the machine is
otherwise quiet; CPU per article says whether two workers do more work than one), peak RSS of
the parent and of the biggest worker, and the matcher's build time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from random import Random
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
for _path in (str(ROOT), str(BENCH)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

CACHE = Path("/work/cache/match")
NAME_RATE = 1 / 40  # gazetteer names per word of text
MISSPELT = 0.15  # of those, one letter swapped with the next


# --------------------------------------------------------------------------- the database


def _spliced(text: str, names: list[str], rng: Random) -> str:
    """`text` with names of the gazetteer put in place of some of its words."""
    words = text.split(" ")
    for _ in range(max(1, round(len(words) * NAME_RATE))):
        at = rng.randrange(len(words))
        word = words[at]
        if not word[:1].isalpha() or not word[-1:].isalpha():
            continue  # keep punctuation, newlines and the dateline as they are
        name = rng.choice(names)
        if rng.random() < MISSPELT and len(name) >= 6:
            i = rng.randrange(1, len(name) - 2)
            if name[i].isalpha() and name[i + 1].isalpha():
                name = name[:i] + name[i + 1] + name[i] + name[i + 2 :]
        words[at] = name
    return " ".join(words)


def _generate(folder: Path, articles: int, words: int, names: list[str]) -> None:
    from import_bench import PER_FILE, CorpusWriter

    writer = CorpusWriter(2, words)
    rng = Random(17)
    folder.mkdir(parents=True, exist_ok=True)
    for chunk_start in range(0, articles, PER_FILE):
        lines = []
        for i in range(chunk_start, min(articles, chunk_start + PER_FILE)):
            article = writer.article(i)
            article["text"] = _spliced(article["text"], names, rng)
            lines.append(json.dumps(article, ensure_ascii=False))
        path = folder / f"articles-{chunk_start // PER_FILE:05d}.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _load_gazetteer(engine: Any, rows: list[tuple[str, str, str, str]]) -> int:
    """The gazetteer's entities and aliases into the database, when it has none; how many
    aliases it has."""
    from sqlalchemy import func, select

    from store.db import session_scope
    from store.gazetteer.bulk import create_entities
    from store.models import Alias

    with session_scope(engine) as session:
        have = int(session.execute(select(func.count()).select_from(Alias)).scalar_one())
        if have:
            return have
        entities: dict[str, tuple[str, str, list[str]]] = {}
        for key, alias, label, _source in rows:
            entities.setdefault(key, (alias, label, []))[2].append(alias)
        new: list[tuple[str, str, str, str | None, dict[str, Any], list[str]]] = [
            (k, name, label, None, {}, names) for k, (name, label, names) in entities.items()
        ]
        create_entities(session, new, None, {})
        session.commit()
        return int(session.execute(select(func.count()).select_from(Alias)).scalar_one())


def _gazetteer_rows(aliases: int) -> list[tuple[str, str, str, str]]:
    from match_data import build_gazetteer

    return build_gazetteer(aliases)


def built_database(articles: int, words: int, aliases: int) -> Path:
    """The cached database of `articles` generated articles and the gazetteer, built once."""
    from store.db import open_database
    from store.ingest.articles import import_articles

    CACHE.mkdir(parents=True, exist_ok=True)
    db = CACHE / f"match-{articles}-{words}w-{aliases}a.db"
    if db.exists():
        return db
    rows = _gazetteer_rows(aliases)
    names = sorted({alias for _key, alias, _label, _source in rows})
    started = time.perf_counter()
    partial = db.with_suffix(".building")
    partial.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="telaah-scale-match-") as tmp:
        _generate(Path(tmp), articles, words, names)
        engine = open_database(f"sqlite:///{partial}")
        import_articles(engine, [Path(tmp)], reviewer_id=None)
        _load_gazetteer(engine, rows)
        engine.dispose()
    partial.rename(db)
    print(f"built {db} in {time.perf_counter() - started:.0f} s", flush=True)
    return db


# --------------------------------------------------------------------------- one run


def _url(db: Path | str) -> str:
    """A SQLite file's URL, or a database URL as given (`scale_pg_bench.py`: PostgreSQL)."""
    return str(db) if "://" in str(db) else f"sqlite:///{db}"


def _fingerprint(engine: Any, through: int | None = None) -> tuple[int, str]:
    """How many shared-layer candidates are stored, and a digest of them all (of the articles
    up to id `through` when given)."""
    from sqlalchemy import select
    from sqlmodel import col

    from store.models import Mention

    digest = hashlib.sha256()
    count = 0
    with engine.connect() as connection:
        query = (
            select(
                col(Mention.article_id),
                col(Mention.start),
                col(Mention.end),
                col(Mention.entity_id),
                col(Mention.label),
                col(Mention.score),
                col(Mention.reason),
                col(Mention.matched_alias),
            )
            .where(col(Mention.layer).is_(None), col(Mention.state) == "pending")
            .order_by(col(Mention.article_id), col(Mention.start), col(Mention.end))
        )
        if through is not None:
            query = query.where(col(Mention.article_id) <= through)
        rows = connection.execute(query)
        for row in rows:
            digest.update(repr(tuple(row)).encode())
            count += 1
    return count, digest.hexdigest()[:16]


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _progress(total: int) -> Any:
    """A line on stderr every 5% of `total`: articles, seconds, articles/s, peak RSS."""
    started = time.perf_counter()
    state = {"done": 0, "next": max(1, total // 20)}

    def advance(n: int) -> None:
        state["done"] += n
        if state["done"] < state["next"]:
            return
        state["next"] += max(1, total // 20)
        seconds = time.perf_counter() - started
        kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(
            f"  {state['done']:>10,} of {total:,} articles  {seconds:7.0f} s  "
            f"{state['done'] / seconds:6,.0f} articles/s  peak RSS {kib:.0f} MiB "
            f"(workers {workers:.0f})  load {os.getloadavg()[0]:.1f}",
            file=sys.stderr,
            flush=True,
        )

    return advance


def _phase(
    db: Path | str, workers: int, fresh: bool, limit: int | None, through: int | None = None
) -> dict[str, Any]:
    from sqlalchemy import delete, select
    from sqlmodel import col

    from store.corpus.articles import count_articles
    from store.db import open_database, session_scope
    from store.models import Article, Mention
    from store.review.candidates import build_matcher, match_articles

    engine = open_database(_url(db))
    if fresh:  # every run writes the same rows
        with session_scope(engine) as session:
            session.execute(
                delete(Mention).where(
                    col(Mention.layer).is_(None),
                    col(Mention.state) == "pending",
                    col(Mention.origin) == "gazetteer",
                )
            )
            session.commit()
    ids = None
    with session_scope(engine) as session:
        total = count_articles(session=session)
        if limit is not None and limit < total:
            query = select(col(Article.id)).order_by(col(Article.id)).limit(limit)
            ids = list(session.execute(query).scalars())
            total = limit
    wall, cpu = time.perf_counter(), _cpu(resource.RUSAGE_SELF)
    with session_scope(engine) as session:
        matcher = build_matcher(session=session)
    build, build_cpu = time.perf_counter() - wall, _cpu(resource.RUSAGE_SELF) - cpu
    started = time.perf_counter()
    report = match_articles(
        engine,
        article_ids=ids,
        matcher=matcher,
        workers=workers,
        resumable=True,
        restart=fresh,
        on_progress=_progress(total),
    )
    seconds = time.perf_counter() - started
    cpu_self = _cpu(resource.RUSAGE_SELF) - cpu - build_cpu
    cpu_children = _cpu(resource.RUSAGE_CHILDREN)
    count, digest = _fingerprint(engine, through)
    engine.dispose()
    kib = 1024 if sys.platform != "darwin" else 1024 * 1024
    return {
        "workers": workers,
        "total": total,
        "articles": report.articles,
        "skipped": report.resumed,
        "added": report.added,
        "seconds": seconds,
        "build": build,
        "cpu": cpu_self + cpu_children,
        "rss_parent": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / kib,
        "rss_children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / kib,
        "rows": count,
        "digest": digest,
    }


def _command(
    db: Path | str, workers: int, limit: int | None, through: int | None = None
) -> list[str]:
    command = [sys.executable, __file__, "--phase", "--db", str(db), "--workers", str(workers)]
    command += ["--through", str(through)] if through else []
    return command + (["--limit", str(limit)] if limit else [])


def _run(
    db: Path | str, workers: int, fresh: bool, limit: int | None, through: int | None = None
) -> dict[str, Any]:
    command = _command(db, workers, limit, through)
    if fresh:
        command.append("--fresh")
    server = _server(db)
    cpu0 = server_cpu(server)
    # stdout: the figures; stderr (the progress lines) goes to the terminal as it comes
    done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    # (the server's CPU includes the run's set-up: clearing candidates, building the matcher)
    result["server_cpu"] = server_cpu(server) - cpu0
    return result


def _server(db: Path | str) -> int | None:
    """The PostgreSQL server's process id when `db` is on one running here (else None)."""
    if "://" not in str(db) or str(db).startswith("sqlite"):
        return None
    from scale_pg_bench import server_pid

    return server_pid(str(db))


def server_cpu(pid: int | None) -> float:
    """The server's CPU seconds so far (0 without one)."""
    if pid is None:
        return 0.0
    from scale_pg_bench import server_cpu as cpu

    return float(cpu(pid))


def _checkpoints(db: Path | str) -> int:
    import sqlite3

    sql = "SELECT count(*) FROM audit_log WHERE action = 'mentions.match.progress'"
    if "://" in str(db):
        from sqlalchemy import create_engine, text

        engine = create_engine(str(db))
        try:
            with engine.connect() as connection:
                return int(connection.execute(text(sql)).scalar_one())
        finally:
            engine.dispose()
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as connection:
        found = connection.execute(sql).fetchone()
    return int(found[0])


def _killed(db: Path | str, workers: int, limit: int | None, after: float | None = None) -> float:
    """A fresh run killed with SIGKILL a little after its first checkpoint (2,000 articles),
    the time of about 10% more articles after it; or `after` seconds after its start. Its
    seconds until the kill."""
    before = _checkpoints(db)
    launched = time.perf_counter()
    process = subprocess.Popen([*_command(db, workers, limit), "--fresh"], stdout=subprocess.PIPE)
    started = None
    wait = 0.0
    while process.poll() is None:
        time.sleep(0.5)
        if after is not None:
            if time.perf_counter() - launched > after:
                os.kill(process.pid, signal.SIGKILL)
                break
            continue
        if started is None and _checkpoints(db) > before:
            started = time.perf_counter()
            wait = (started - launched) * 0.1
        if started is not None and time.perf_counter() - started > wait:
            os.kill(process.pid, signal.SIGKILL)  # its workers die with it (store.workers)
            break
    process.wait()
    return time.perf_counter() - launched


def _line(label: str, run: dict[str, Any]) -> str:
    matched = run["articles"] - run["skipped"]  # a resumed run: what it matched itself
    rate = matched / run["seconds"] if run["seconds"] else 0.0
    cpu = 1000 * run["cpu"] / max(1, matched)
    server = 1000 * run.get("server_cpu", 0.0) / max(1, matched)
    return (
        f"{label:<22} {run['seconds']:8.1f} s {rate:8,.0f} articles/s  "
        f"CPU {cpu:6.2f} ms/article"
        + (f" (server {server:5.2f})" if run.get("server_cpu") else "")
        + f"  peak RSS parent {run['rss_parent']:5.0f} MiB, "
        f"worker {run['rss_children']:5.0f} MiB  ({run['rows']:,} candidates)"
    )


def _baseline_run(db: Path | str, workers: int, baseline: int, kill_after: float) -> int:
    """One worker on the first `baseline` articles; then `workers` on all of them, killed
    after `kill_after` seconds and run again (it resumes); the ratio of the rates, and whether
    the first articles' rows are the one worker's."""
    from sqlalchemy import select
    from sqlmodel import col

    from store.db import open_database, session_scope
    from store.models import Article

    engine = open_database(_url(db))
    with session_scope(engine) as session:
        ids = session.execute(select(col(Article.id)).order_by(col(Article.id)).limit(baseline))
        through = max(ids.scalars())
    engine.dispose()
    one = _run(db, 1, fresh=True, limit=baseline)
    print(f"{one['total']:,} articles, matcher built in {one['build']:.1f} s", flush=True)
    print(_line("1 worker", one), flush=True)
    killed = _killed(db, workers, None, after=kill_after)
    print(f"{workers} workers on every article, killed (SIGKILL) after {killed:.0f} s", flush=True)
    rest = _run(db, workers, fresh=False, limit=None, through=through)
    matched = rest["articles"] - rest["skipped"]
    print(_line(f"{workers} workers, resumed", rest), flush=True)
    print(f"{'':<22} {rest['skipped']:,} articles done before the kill skipped", flush=True)
    rate_one = one["articles"] / one["seconds"]
    rate_many = matched / rest["seconds"]
    cpu_ratio = (rest["cpu"] / max(1, matched)) / (one["cpu"] / one["articles"])
    total = rest["articles"]
    print(
        f"{total:,} articles in {killed + rest['seconds']:.0f} s with the kill and the "
        f"restart ({killed + rest['seconds'] + one['build']:.0f} s with a matcher build)\n"
        f"ratio {rate_many / rate_one:.2f}x one worker by wall-clock (the resumed run's "
        f"{matched:,} articles against the first {one['articles']:,} by one worker; CPU per "
        f"article {cpu_ratio:.2f}x); the first {one['articles']:,} articles' rows equal one "
        f"worker's: {rest['digest'] == one['digest']}",
        flush=True,
    )
    print(f"load average after the runs {os.getloadavg()[0]:.2f}")
    return 0 if rest["digest"] == one["digest"] else 2


def _positive(kind: Any) -> Any:
    """An argparse type: a number of `kind` above zero (else a one-line usage error)."""

    def parse(value: str) -> Any:
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
        if number <= 0:
            raise argparse.ArgumentTypeError(f"must be above 0: {value!r}")
        return number

    return parse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an imported database, a file or a URL (else one is built)")
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--words", type=int, default=600)
    parser.add_argument("--aliases", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2, help="the many-core run's workers")
    parser.add_argument("--limit", type=int, help="match only the first N articles")
    parser.add_argument(
        "--resume-only", action="store_true", help="only the killed run and its resumption"
    )
    parser.add_argument("--no-resume", action="store_true", help="skip the killed run")
    parser.add_argument(
        "--baseline",
        type=_positive(int),
        help="one worker on the first N articles only, then the workers on every article "
        "(killed after --kill-after seconds and resumed): for a corpus too big to match twice",
    )
    parser.add_argument(
        "--kill-after",
        type=_positive(float),
        default=600.0,
        help="with --baseline: seconds before the kill",
    )
    parser.add_argument("--through", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--phase", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--fresh", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        print(json.dumps(_phase(args.db, args.workers, args.fresh, args.limit, args.through)))
        return 0
    if args.db is not None:
        from store.db import open_database

        engine = open_database(_url(args.db))
        _load_gazetteer(engine, _gazetteer_rows(args.aliases))
        engine.dispose()
        db = args.db
    else:
        db = built_database(args.articles, args.words, args.aliases)
    load = os.getloadavg()[0]
    print(f"{db}: {os.cpu_count()} cores, load average {load:.2f} before the runs", flush=True)
    if args.baseline:
        return _baseline_run(db, args.workers, args.baseline, args.kill_after)
    if args.resume_only:
        _killed(db, args.workers, args.limit)
        resumed = _run(db, args.workers, fresh=False, limit=args.limit)
        print(_line("resumed after a kill", resumed))
        print(f"{'':<22} {resumed['skipped']:,} articles done before the kill skipped")
        return 0
    one = _run(db, 1, fresh=True, limit=args.limit)
    print(f"{one['total']:,} articles, matcher built in {one['build']:.1f} s", flush=True)
    print(_line("1 worker", one), flush=True)
    many = _run(db, args.workers, fresh=True, limit=args.limit)
    print(_line(f"{args.workers} workers", many), flush=True)
    rate_one = one["articles"] / one["seconds"]
    rate_many = many["articles"] / many["seconds"]
    cpu_ratio = (many["cpu"] / many["articles"]) / (one["cpu"] / one["articles"])
    print(
        f"ratio {rate_many / rate_one:.2f}x one worker (CPU per article {cpu_ratio:.2f}x); "
        f"same rows: {one['digest'] == many['digest']}",
        flush=True,
    )
    if not args.no_resume:
        _killed(db, args.workers, args.limit)
        resumed = _run(db, args.workers, fresh=False, limit=args.limit)
        print(
            _line("resumed after a kill", resumed)
            + f"\n{'':<22} {resumed['skipped']:,} articles done before the kill skipped; "
            f"same rows as an uninterrupted run: {resumed['digest'] == many['digest']}",
            flush=True,
        )
    print(f"load average after the runs {os.getloadavg()[0]:.2f}")
    return 0 if one["digest"] == many["digest"] else 2


if __name__ == "__main__":
    raise SystemExit(main())
