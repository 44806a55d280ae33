"""Import benchmark (issue 2): N synthetic articles of about W words, timed against a floor.

    python bench/import_bench.py                      # 100,000 articles of ~600 words, .jsonl
    python bench/import_bench.py --articles 5000      # quick run, projected to 100,000
    python bench/import_bench.py --format txt --keep  # one .txt per article, keep the folder

What it does, all in one run (timings on this machine are noisy, so the floor is measured in
the same run and the import is reported as a ratio to it):

1. generates a deterministic corpus (``random.Random(seed)``) into a temporary folder;
2. baseline: reads every file, parses it (one ``json.loads`` per line for .jsonl) and computes
   the sha256 of each text -- the floor no importer can beat;
3. import: ``store.ingest.articles.import_articles(engine, [folder], reviewer_id=None)``
   into a fresh
   SQLite file made with ``store.db.open_database``; then checks the article count.

Each measured phase runs in a fresh subprocess so that its peak RSS (``ru_maxrss``) is its own;
tracemalloc is not used because it slows allocation-heavy code severalfold and would distort the
timing. No figure is asserted: the script prints PASS/FAIL against the target and exits 0 unless
the import is wrong (count mismatch, failures), which exits 2.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from measure import maxrss_mib, vmhwm_mib  # bench/ is the script's folder

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_ARTICLES = 100_000
TARGET_SECONDS = 60.0
SMALL_RUN = 30_000  # below this a linear projection to TARGET_ARTICLES is too optimistic
PER_FILE = 1000  # articles per .jsonl file, and per sub-folder for .txt
MIB = 1024 * 1024
MB = 1_000_000

SOURCES = (
    "kompas.com",
    "detik.com",
    "tempo.co",
    "antaranews.com",
    "kontan.co.id",
    "cnnindonesia.com",
    "reuters.com",
    "bbc.com",
    "thejakartapost.com",
    "aljazeera.com",
)
FUNCTION_WORDS = (
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
    "atau",
    "karena",
    "telah",
    "sudah",
    "bahwa",
    "para",
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "is",
    "that",
    "for",
    "on",
    "with",
    "as",
    "was",
    "by",
    "said",
    "has",
    "have",
    "from",
    "at",
    "it",
    "be",
    "are",
    "were",
    "its",
    "but",
    "not",
)
ACCENTED = (
    "José",
    "Müller",
    "Gérard",
    "Zürich",
    "Hélène",
    "Düsseldorf",
    "André",
    "Jürgen",
    "Renée",
    "Köln",
    "Citroën",
    "Curaçao",
)


# --------------------------------------------------------------------------- corpus generation


def _vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """A few thousand Indonesian- and English-like tokens plus capitalised names, Zipf-weighted."""
    id_on = [
        "",
        "b",
        "c",
        "d",
        "g",
        "h",
        "j",
        "k",
        "l",
        "m",
        "n",
        "ng",
        "ny",
        "p",
        "r",
        "s",
        "t",
        "w",
        "y",
    ]
    id_co = ["", "", "", "", "n", "ng", "k", "r", "s", "t", "h", "l", "m"]
    id_pre = ["", "", "", "me", "mem", "men", "meng", "ber", "di", "ter", "pe", "per", "ke", "se"]
    id_suf = ["", "", "", "", "kan", "an", "nya", "i", "lah", "kah"]
    en_on = [
        "",
        "b",
        "c",
        "d",
        "f",
        "g",
        "h",
        "l",
        "m",
        "n",
        "p",
        "r",
        "s",
        "t",
        "w",
        "th",
        "st",
        "pr",
        "tr",
        "br",
        "cl",
        "gr",
        "sh",
        "ch",
        "pl",
        "str",
    ]
    en_vo = ["a", "e", "i", "o", "u", "ea", "ou", "ai", "ee", "oo", "ie"]
    en_co = ["", "t", "n", "s", "rd", "ng", "ck", "st", "nt", "r", "l", "ll", "ss", "m", "nd"]
    en_suf = ["", "", "", "ing", "ed", "er", "ly", "tion", "s", "ment", "ness"]

    def indonesian() -> str:
        stem = "".join(
            rng.choice(id_on) + rng.choice("aiueo") + rng.choice(id_co)
            for _ in range(rng.randint(1, 3))
        )
        return rng.choice(id_pre) + stem + rng.choice(id_suf)

    def english() -> str:
        stem = "".join(
            rng.choice(en_on) + rng.choice(en_vo) + rng.choice(en_co)
            for _ in range(rng.randint(1, 2))
        )
        return stem + rng.choice(en_suf)

    words: set[str] = set()
    while len(words) < 2400:
        word = indonesian() if rng.random() < 0.6 else english()
        if 2 <= len(word) <= 16:
            words.add(word)
    names: set[str] = set()
    while len(names) < 500:
        names.add((indonesian() if rng.random() < 0.5 else english()).capitalize())
    common = list(FUNCTION_WORDS)
    rest = sorted(words - set(common))
    rng.shuffle(rest)
    # Some tokens carry é or ü, as loan words do ("kafé", "Büro").
    for i in range(0, len(rest), 97):
        rest[i] = rest[i].replace("e", "é", 1) if "e" in rest[i] else rest[i] + "ü"
    named = sorted(names) + list(ACCENTED) + ["PBB", "TNI", "NATO", "DPR", "KPK", "ASEAN"]
    rng.shuffle(named)
    vocab = common + rest
    weights = [1.0 / (rank + 2.7) for rank in range(len(vocab))]  # Zipf-Mandelbrot
    # Names make about 6% of running words.
    name_weight = 0.06 * sum(weights) / len(named) / 0.94
    vocab += named
    weights += [name_weight] * len(named)
    return vocab, weights


class CorpusWriter:
    """Deterministic synthetic articles; `article(i)` returns the JSON object of article i."""

    def __init__(self, seed: int, words: int) -> None:
        self.rng = random.Random(seed)
        self.words = words
        vocab, weights = _vocabulary(self.rng)
        self.vocab = vocab
        self.cum: list[float] = []
        total = 0.0
        for weight in weights:
            total += weight
            self.cum.append(total)
        self.start = date(2015, 1, 1)

    def _sentence(self, tokens: list[str]) -> str:
        rng = self.rng
        if len(tokens) > 6 and rng.random() < 0.45:
            at = rng.randrange(2, len(tokens) - 2)
            tokens[at] += ","
        if rng.random() < 0.08:
            at = rng.randint(1, len(tokens))
            tokens.insert(at, f"({rng.randint(1, 31)}/{rng.randint(1, 12)})")  # (26/2)
        if rng.random() < 0.06:
            at = rng.randint(0, len(tokens))
            tokens.insert(at, f"{rng.randint(2, 9999):,}".replace(",", "."))  # 1.234
        sentence = " ".join(tokens)
        sentence = sentence[0].upper() + sentence[1:]
        end = "." if rng.random() < 0.92 else rng.choice(("?", "!", ":"))
        if rng.random() < 0.07:
            return f"\u201c{sentence}{end}\u201d"
        return sentence + end

    def article(self, i: int) -> dict[str, Any]:
        rng = self.rng
        n = rng.randint(self.words * 3 // 4, self.words * 5 // 4)
        tokens = rng.choices(self.vocab, cum_weights=self.cum, k=n)
        paragraphs: list[str] = []
        sentences: list[str] = []
        pos = 0
        per_paragraph = rng.randint(2, 5)
        while pos < n:
            length = rng.randint(6, 26)
            sentences.append(self._sentence(tokens[pos : pos + length]))
            pos += length
            if len(sentences) >= per_paragraph:
                paragraphs.append(" ".join(sentences))
                sentences = []
                per_paragraph = rng.randint(2, 5)
        if sentences:
            paragraphs.append(" ".join(sentences))
        source = rng.choice(SOURCES)
        paragraphs[0] = f"{source.split('.')[0].upper()} - {paragraphs[0]}"
        if rng.random() < 0.03:
            paragraphs[rng.randrange(len(paragraphs))] += " \U0001f914"
        text = "\n\n".join(paragraphs)
        roll = rng.random()
        if roll < 0.05:
            text = text.replace("\n", "\r\n")  # pasted from Windows
        elif roll < 0.06:
            text = text.replace("é", "e\u0301").replace("ü", "u\u0308")  # decomposed (NFD)
        elif roll < 0.065:
            text = text.replace("\n\n", "\n\x0c\n", 1)  # a stray form feed
        title_tokens = rng.choices(self.vocab, cum_weights=self.cum, k=rng.randint(6, 12))
        title = " ".join(title_tokens)
        day = self.start + timedelta(days=rng.randrange(3650))
        published = day.isoformat()
        if rng.random() < 0.1:
            published += f"T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00+07:00"
        return {
            "id": f"bench-{i:06d}",
            "title": title[0].upper() + title[1:],
            "source": source,
            "url": f"https://{source}/read/{i}",
            "published": published,
            "text": text,
        }


def generate(folder: Path, articles: int, words: int, fmt: str, seed: int) -> tuple[int, int]:
    """Write the corpus under `folder`; returns (files, bytes)."""
    writer = CorpusWriter(seed, words)
    files = 0
    size = 0
    folder.mkdir(parents=True, exist_ok=True)
    for chunk_start in range(0, articles, PER_FILE):
        chunk = range(chunk_start, min(articles, chunk_start + PER_FILE))
        if fmt == "jsonl":
            lines = [json.dumps(writer.article(i), ensure_ascii=False) for i in chunk]
            data = ("\n".join(lines) + "\n").encode("utf-8")
            (folder / f"articles-{chunk_start // PER_FILE:04d}.jsonl").write_bytes(data)
            files += 1
            size += len(data)
        else:
            sub = folder / f"part-{chunk_start // PER_FILE:04d}"
            sub.mkdir()
            for i in chunk:
                obj = writer.article(i)
                newline = "\r\n" if "\r\n" in obj["text"] else "\n"
                data = f"{obj['title']}{newline}{newline}{obj['text']}{newline}".encode()
                (sub / f"{obj['id']}.txt").write_bytes(data)
                files += 1
                size += len(data)
    return files, size


# --------------------------------------------------------------------------- measured phases


def _phase_baseline(corpus: Path) -> dict[str, Any]:
    rss_start = maxrss_mib()
    t0, c0 = time.perf_counter(), time.process_time()
    count = 0
    digest = hashlib.sha256()  # keeps the hashes "used" without a list of 100,000 strings
    for path in sorted(p for p in corpus.rglob("*") if p.is_file()):
        if path.suffix == ".jsonl":
            with path.open("rb") as handle:
                for raw in handle:
                    if raw.strip():
                        text = json.loads(raw)["text"]
                        digest.update(hashlib.sha256(text.encode("utf-8")).digest())
                        count += 1
        else:
            data = path.read_bytes()
            digest.update(hashlib.sha256(data).digest())
            count += 1
    seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "cpu": time.process_time() - c0,
        "articles": count,
        "rss_start": rss_start,
        "rss_peak": maxrss_mib(),
        "vmhwm": vmhwm_mib(),
        "digest": digest.hexdigest()[:12],
    }


def _phase_import(corpus: Path, db: Path, articles: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    from store.corpus.articles import count_articles
    from store.db import open_database, session_scope
    from store.ingest.articles import import_articles
    from store.ingest.sink import BATCH, ImportHooks

    t1 = time.perf_counter()
    engine = open_database(f"sqlite:///{db}")
    t2 = time.perf_counter()
    rss_start = maxrss_mib()
    # The progress hook (as the CLI passes one) marks the time of every slice of about a tenth
    # of the articles, whole batches, to show whether the per-article cost grows with the data.
    tenth = max(BATCH, articles // 10 // BATCH * BATCH)
    seen = [0]
    marks: list[float] = []

    def progress(_size: int) -> None:
        seen[0] += 1
        if seen[0] % tenth == 0:
            marks.append(time.perf_counter())

    c2 = time.process_time()
    report = import_articles(
        engine, [corpus], reviewer_id=None, hooks=ImportHooks(on_progress=progress)
    )
    t3 = time.perf_counter()
    cpu = time.process_time() - c2
    rss_peak = maxrss_mib()
    rates = [tenth / (b - a) for a, b in zip([t2, *marks], marks, strict=False) if b > a]
    with session_scope(engine) as session:
        count = count_articles(session=session)
    engine.dispose()  # closes the last connection: SQLite checkpoints and removes the WAL
    return {
        "seconds": t3 - t2,
        "cpu": cpu,
        "rates": rates,
        "slice": tenth,
        "import_modules": t1 - t0,
        "open_database": t2 - t1,
        "rss_start": rss_start,
        "rss_peak": rss_peak,
        "vmhwm": vmhwm_mib(),
        "count": count,
        "imported": report.imported,
        "duplicates": report.duplicates,
        "failed": report.failed,
        "controls_removed": report.controls_removed,
        "notes": len(report.notes),
        "problems": report.problems[:5],
    }


def _run_phase(phase: str, corpus: Path, db: Path, *extra: str) -> dict[str, Any]:
    """Run one phase in a fresh interpreter; its last stdout line is the JSON result."""
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--phase",
        phase,
        "--corpus",
        str(corpus),
        "--db",
        str(db),
        *extra,
    ]
    done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{phase} phase failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- report


def _line(label: str, phase: dict[str, Any], articles: int, size: int) -> str:
    seconds = phase["seconds"]
    return (
        f"{label:<9}{seconds:8.2f} s (cpu {phase['cpu']:6.2f} s) "
        f"{articles / seconds:8,.0f} articles/s {size / MB / seconds:7.1f} MB/s  "
        f"peak RSS {phase['rss_peak']:6.1f} MiB"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=TARGET_ARTICLES, help="default 100000")
    parser.add_argument("--words", type=int, default=600, help="mean words an article (600)")
    parser.add_argument("--format", choices=("jsonl", "txt"), default="jsonl")
    parser.add_argument("--seed", type=int, default=2, help="corpus seed (2)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--phase", choices=("generate", "baseline", "import"), help=argparse.SUPPRESS
    )
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.phase:  # child process
        if args.phase == "generate":
            t0 = time.perf_counter()
            files, size = generate(args.corpus, args.articles, args.words, args.format, args.seed)
            result = {"files": files, "bytes": size, "seconds": time.perf_counter() - t0}
        elif args.phase == "baseline":
            result = _phase_baseline(args.corpus)
        else:
            result = _phase_import(args.corpus, args.db, args.articles)
        print(json.dumps(result))
        return 0

    n = args.articles
    if n < 1:
        parser.error("--articles must be at least 1")
    work = Path(tempfile.mkdtemp(prefix="telaah-bench-"))
    corpus = work / "corpus"
    db = work / "bench.sqlite"
    try:
        print(
            f"import benchmark: {n:,} articles of ~{args.words} words, .{args.format}, "
            f"seed {args.seed}, python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
        )
        print(f"folder: {work}")
        gen = _run_phase(
            "generate",
            corpus,
            db,
            "--articles",
            str(n),
            "--words",
            str(args.words),
            "--format",
            args.format,
            "--seed",
            str(args.seed),
        )
        files, size = gen["files"], gen["bytes"]
        print(
            f"generated {files:,} files, {size / MB:,.1f} MB in {gen['seconds']:.1f} s "
            f"(not timed below; the files are in the page cache)"
        )

        base = _run_phase("baseline", corpus, db)
        imp = _run_phase("import", corpus, db, "--articles", str(n))
        db_size = sum(p.stat().st_size for p in work.glob("bench.sqlite*"))

        print()
        print(
            "baseline = read every file, parse it, sha256 of each text (the floor); "
            "import = import_articles only"
        )
        print(_line("baseline", base, base["articles"], size))
        print(_line("import", imp, n, size))
        print(
            f"ratio import/baseline: {imp['seconds'] / base['seconds']:.1f}x wall, "
            f"{imp['cpu'] / base['cpu']:.1f}x cpu"
            + (
                "  (wall well above cpu: other load or I/O wait)"
                if imp["seconds"] > 1.15 * imp["cpu"]
                else ""
            )
        )
        if imp["rates"]:
            print(
                f"import rate by slice of {imp['slice']:,} articles (articles/s): "
                + " ".join(f"{rate:,.0f}" for rate in imp["rates"])
            )
        print(
            f"peak memory: ru_maxrss of a fresh subprocess per phase (tracemalloc not used: it "
            f"would distort the timing); at phase start {base['rss_start']:.1f} MiB "
            f"(baseline), {imp['rss_start']:.1f} MiB (import, after imports and "
            f"open_database); parent {maxrss_mib():.1f} MiB"
            + (
                f"; VmHWM cross-check {base['vmhwm']:.1f} / {imp['vmhwm']:.1f} MiB"
                if imp.get("vmhwm") is not None
                else ""
            )
        )
        print(
            f"outside the timing: import store {imp['import_modules']:.2f} s, "
            f"open_database (migrations) {imp['open_database']:.2f} s"
        )
        print(f"database: {db_size / MB:,.1f} MB ({db_size / size:.2f}x the corpus)")
        print(
            f"report: imported {imp['imported']:,}, duplicates {imp['duplicates']}, "
            f"failed {imp['failed']}, controls removed {imp['controls_removed']}, "
            f"notes {imp['notes']}"
        )
        for problem in imp["problems"]:
            print(f"  problem: {problem}")

        ok = imp["count"] == n and imp["failed"] == 0 and base["articles"] == n
        print(
            f"verify: count_articles = {imp['count']:,} (expected {n:,}): {'OK' if ok else 'WRONG'}"
        )

        projected = imp["seconds"] * TARGET_ARTICLES / n
        verdict = "PASS" if projected < TARGET_SECONDS else "FAIL"
        how = (
            f"{projected:.1f} s"
            if n == TARGET_ARTICLES
            else f"{projected:.1f} s projected linearly from {n:,}"
        )
        print(f"target: {TARGET_ARTICLES} articles in < {TARGET_SECONDS:.0f} s: {verdict} ({how})")
        if n < SMALL_RUN:
            print(
                f"  caution: the per-article cost grows while the database is small, so a "
                f"projection from under {SMALL_RUN:,} articles is optimistic (up to ~2x)"
            )
        return 0 if ok else 2
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
