"""The search index's tokens: FTS5's own tokenizer (`fts_tokens`, through APSW) beside the
pattern it replaced (`\\w+` folded by `norm_key`, kept in migration 0015), on the scale corpus
(issue 17).

    .venv/bin/python bench/index_tokens_bench.py --articles 20000 --before a4d8d6b

Prints, for the first N articles (title and text, NFC as stored): the interpreter's CPU an
article of each, alternating rounds, and of `fts_tokens` as the revision `--before` made it
(read from git: a4d8d6b's kept each chunk's tokens between calls); how many articles the
pattern and FTS5 tokenise differently (what migration 0015 makes again on PostgreSQL), and
the time the migration's test of an article takes (its odd chunks only). Nothing is
asserted: figures only.
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _path in (str(ROOT), str(HERE)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from scale_corpus import DEFAULT_CACHE, ensure_corpus, shard_paths  # noqa: E402


def articles(cache: Path, n: int) -> list[tuple[str, str]]:
    from store.textnorm import normalise_text

    found: list[tuple[str, str]] = []
    for path in shard_paths(cache, n):
        with path.open("rb") as handle:
            for raw in handle:
                if len(found) == n:
                    return found
                record = json.loads(raw)
                found.append((record["title"] or "", normalise_text(record["text"])[0]))
    return found


def tokens_at(revision: str) -> Callable[[str], list[str]]:
    """`fts_tokens` of `store/corpus/search.py` at `revision`."""
    source = subprocess.run(
        ["git", "show", f"{revision}:store/corpus/search.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    module = types.ModuleType("search_before")
    sys.modules[module.__name__] = module  # (its dataclasses look their module up)
    exec(compile(source, f"{revision}:store/corpus/search.py", "exec"), module.__dict__)
    return module.fts_tokens  # type: ignore[no-any-return]


def cpu_us(texts: list[tuple[str, str]], tokens: Callable[[str], list[str]]) -> float:
    start = time.process_time()
    for title, body in texts:
        tokens(title)
        tokens(body)
    return (time.process_time() - start) / len(texts) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", default="a4d8d6b", help="a revision with the pattern's")
    args = parser.parse_args()
    ensure_corpus(args.cache, args.articles)
    texts = articles(args.cache, args.articles)
    from store.corpus.index_tokens import fts_tokens

    migration = importlib.import_module("store.migrations.versions.0015_fts5_terms")
    pattern = migration.pattern_tokens
    revision = tokens_at(args.before)
    for tokens in (fts_tokens, pattern, revision):
        cpu_us(texts[:1000], tokens)  # (warm: the revision's keeps its chunks' tokens)
    now: list[float] = []
    before: list[float] = []
    plain: list[float] = []
    for _ in range(args.rounds):
        before.append(cpu_us(texts, revision))
        plain.append(cpu_us(texts, pattern))
        now.append(cpu_us(texts, fts_tokens))
    start = time.process_time()
    differ = sum(migration._differs(title, body, pattern, fts_tokens) for title, body in texts)
    test_us = (time.process_time() - start) / len(texts) * 1e6
    whole = sum(
        pattern(title) + pattern(body) != fts_tokens(title) + fts_tokens(body)
        for title, body in texts
    )
    print(f"{len(texts):,} scale articles (title and text), {args.rounds} rounds alternating")
    print(f"  {args.before}'s      {min(before):6.1f}-{max(before):6.1f} us an article")
    print(f"  the pattern alone {min(plain):6.1f}-{max(plain):6.1f} us an article (no cache)")
    print(f"  FTS5's (now)      {min(now):6.1f}-{max(now):6.1f} us an article"
          f"  ({min(now) / max(before):.2f}-{max(now) / min(before):.2f}x)")  # fmt: skip
    print(
        f"  tokenised differently: {differ:,} articles ({differ / len(texts):.1%});"
        f" by the whole token lists {whole:,} (the same: {differ == whole})"
    )
    print(f"  migration 0015's test of an article: {test_us:.1f} us")
    return 0


if __name__ == "__main__":
    sys.exit(main())
