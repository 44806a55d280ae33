"""The cached corpus of the scale benchmarks (issue 17): up to 1,000,000 articles, written once.

    .venv/bin/python bench/scale_corpus.py --articles 1000000        # build (or finish) the cache
    .venv/bin/python bench/scale_corpus.py --articles 20000 --cache /tmp/scale

Layout of the cache folder (`/work/cache/scale/` by default):

- `gazetteer.csv`: 100,000 aliases from `match_data.build_gazetteer` in telaah's gazetteer
  CSV (`id,name,type,alias`, FORMATS.md), importable with `telaah gazetteer import`.
- `corpus/articles-NNNN.jsonl`: shard NNNN holds articles NNNN*1000 .. NNNN*1000+999, so a
  corpus of N articles is the first N/1000 shards and every size shares the same files.

Text is `import_bench.CorpusWriter`'s (~600 words, Zipf vocabulary, CRLF/NFD/form feeds) with
gazetteer aliases put in place of words: about one name in 60 words, drawn with Zipf weights
(a few names are everywhere, most are rare), 12% of them misspelt by one edit (never the
first letter). Shard k is drawn from `Random(f"{seed}:{k}")`, so each shard is reproducible
on its own: shards are made in parallel (one process per core), each written to a temporary
name and renamed, so an interrupted build goes on with the shards still missing.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from multiprocessing import Pool
from pathlib import Path
from random import Random
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_bench import CorpusWriter  # noqa: E402

DEFAULT_CACHE = Path("/work/cache/scale")
PER_SHARD = 1000
ALIASES = 100_000
NAMES_EVERY = 60  # words per injected name, on average
MISSPELT = 0.12
GAZETTEER_SEED = 3


def shard_path(cache: Path, shard: int) -> Path:
    return cache / "corpus" / f"articles-{shard:04d}.jsonl"


def shard_paths(cache: Path, articles: int) -> list[Path]:
    """The shard files of the first `articles` articles (a multiple of PER_SHARD)."""
    return [shard_path(cache, k) for k in range(-(-articles // PER_SHARD))]


def gazetteer_path(cache: Path) -> Path:
    return cache / "gazetteer.csv"


def ensure_gazetteer(cache: Path) -> Path:
    """Write `gazetteer.csv` unless it is there; its path."""
    path = gazetteer_path(cache)
    if path.exists():
        return path
    from match_data import build_gazetteer

    rows = build_gazetteer(ALIASES, seed=GAZETTEER_SEED)
    names: dict[str, str] = {}
    for key, alias, _label, _source in rows:
        names.setdefault(key, alias)
    cache.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".csv.part")
    with partial.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "name", "type", "alias"])
        for key, alias, label, _source in rows:
            writer.writerow([key, names[key], label, alias])
    partial.rename(path)
    return path


def read_aliases(cache: Path) -> list[str]:
    """The gazetteer's aliases, in the file's (shuffled) order."""
    with gazetteer_path(cache).open(encoding="utf-8", newline="") as handle:
        return [row["alias"] for row in csv.DictReader(handle)]


def misspell(alias: str, rng: Random) -> str:
    """`alias` with one edit in one of its longer words (never the first letter)."""
    words = alias.split(" ")
    long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not long:
        return alias
    i = rng.choice(long)
    chars = list(words[i])
    at = rng.randrange(1, len(chars))
    op = rng.choice(("sub", "sub", "del", "ins", "swap"))
    if op == "sub":
        chars[at] = rng.choice([c for c in "aeiounrst" if c != chars[at]])
    elif op == "del":
        del chars[at]
    elif op == "ins":
        chars.insert(at, chars[at])
    elif at + 1 < len(chars):
        chars[at], chars[at + 1] = chars[at + 1], chars[at]
    words[i] = "".join(chars)
    return " ".join(words)


class NamedWriter:
    """`CorpusWriter` articles with gazetteer aliases in place of some of their words."""

    def __init__(self, seed: int, words: int, aliases: list[str]) -> None:
        self.seed = seed
        self.writer = CorpusWriter(seed, words)
        self.aliases = aliases
        self.cum: list[float] = []
        total = 0.0
        for rank in range(len(aliases)):
            total += 1.0 / (rank + 20)
            self.cum.append(total)

    def shard(self, shard: int) -> bytes:
        rng = Random(f"{self.seed}:{shard}")
        self.writer.rng = rng
        lines = []
        for i in range(shard * PER_SHARD, (shard + 1) * PER_SHARD):
            article = self.writer.article(i)
            article["text"] = self._named(article["text"], rng)
            lines.append(json.dumps(article, ensure_ascii=False))
        return ("\n".join(lines) + "\n").encode("utf-8")

    def _named(self, text: str, rng: Random) -> str:
        tokens = text.split(" ")
        n = max(1, len(tokens) // NAMES_EVERY)
        names = rng.choices(self.aliases, cum_weights=self.cum, k=n)
        for name in names:
            at = rng.randrange(1, len(tokens))
            token = tokens[at]
            if not token.isalpha():  # keep newlines, numbers, quotes and punctuation
                continue
            tokens[at] = misspell(name, rng) if rng.random() < MISSPELT else name
        return " ".join(tokens)


_WORKER: NamedWriter | None = None


def _init(seed: int, words: int, cache: str) -> None:
    global _WORKER
    _WORKER = NamedWriter(seed, words, read_aliases(Path(cache)))


def _write_shard(job: tuple[str, int]) -> int:
    cache, shard = job
    assert _WORKER is not None
    data = _WORKER.shard(shard)
    path = shard_path(Path(cache), shard)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    partial.rename(path)
    return len(data)


def ensure_corpus(
    cache: Path, articles: int, *, seed: int = 2, words: int = 600, workers: int | None = None
) -> dict[str, Any]:
    """Write the shards of the first `articles` articles that are not cached yet."""
    ensure_gazetteer(cache)
    (cache / "corpus").mkdir(parents=True, exist_ok=True)
    wanted = range(-(-articles // PER_SHARD))
    missing = [k for k in wanted if not shard_path(cache, k).exists()]
    started = time.perf_counter()
    written = 0
    if missing:
        workers = workers or os.cpu_count() or 1
        with Pool(workers, initializer=_init, initargs=(seed, words, str(cache))) as pool:
            for size in pool.imap_unordered(
                _write_shard, [(str(cache), k) for k in missing], chunksize=4
            ):
                written += size
    return {
        "shards": len(wanted),
        "written": len(missing),
        "bytes": sum(shard_path(cache, k).stat().st_size for k in wanted),
        "seconds": time.perf_counter() - started,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--words", type=int, default=600)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    done = ensure_corpus(
        args.cache, args.articles, seed=args.seed, words=args.words, workers=args.workers
    )
    print(
        f"{done['shards']:,} shards ({done['written']:,} written now, in "
        f"{done['seconds']:.0f} s), {done['bytes'] / 1e9:.2f} GB under {args.cache / 'corpus'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
