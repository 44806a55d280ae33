"""The matcher on real news (issue 14): telaah's candidates against a case-sensitive regex.

    python bench/eval_match_bench.py                   # ../shared/eval/idner-train
    python bench/eval_match_bench.py --eval DIR        # another folder of the same shape
    python bench/eval_match_bench.py --misses 40       # and list what each matcher missed

Builds a database the way the eval folder's README does (the sample schema, the eval
gazetteer, its articles) through the real `telaah` command, runs `telaah match --dump` at the
default threshold and at `--min-score 0`, and scores both dumps with the folder's
`score_candidates.py`. In the same run a case-sensitive regular expression over the aliases
(longest first, word boundaries: the baseline the issue names) writes a dump of the same shape,
scored the same way. Prints one table: matcher | alias recall | fuzzy recall | precision, and the
goals (alias recall >= 0.99, fuzzy recall >= 0.9, precision >= 0.98 at the default threshold).
Exit status 0 whatever the figures; 2 when a step failed.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
GOALS = {"alias": 0.99, "fuzzy": 0.9, "precision": 0.98}
_FIGURES = re.compile(r"recall alias ([\d.]+) fuzzy ([\d.]+) \((\d+)/(\d+)\) precision ([\d.]+)")
_COUNTS = re.compile(r"candidates=(\d+) false=(\d+)")
_MAIN = "import sys; from tui.cli import main; sys.argv[0] = 'telaah'; main()"


def default_eval() -> Path:
    """`../shared/eval/idner-train` from the repo (from a worktree in a subfolder, one up)."""
    for parent in (ROOT.parent, ROOT.parent.parent):
        if (parent / "shared" / "eval" / "idner-train").is_dir():
            return parent / "shared" / "eval" / "idner-train"
    return ROOT.parent / "shared" / "eval" / "idner-train"


def telaah(db: Path, *args: str) -> None:
    """Run `telaah --db DB ARGS` with this tree first on the path; raise when it fails."""
    command = [sys.executable, "-c", _MAIN, "--db", str(db), *args]
    done = subprocess.run(
        command, cwd=ROOT, env=_env(), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {done.stderr.strip() or done.stdout.strip()}")


def _env() -> dict[str, str]:
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def build_database(folder: Path, db: Path) -> None:
    """The eval README's database: schema, gazetteer, articles (matched on import)."""
    telaah(db, "schema", "load", str(ROOT / "sample_corpus" / "schema.toml"))
    telaah(db, "gazetteer", "import", str(folder / "gazetteer.csv"))
    telaah(db, "import", str(folder / "articles"), "--quiet")


def regex_dump(folder: Path, path: Path) -> None:
    """The baseline: every alias as written, longest first, between word boundaries."""
    aliases: dict[str, str] = {}  # alias -> the first entity that has it
    labels: dict[str, str] = {}
    with (folder / "gazetteer.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            for alias in (row["name"], *row["alias"].split("|")):
                if alias.strip():
                    aliases.setdefault(alias.strip(), row["id"])
                    labels[row["id"]] = row["type"]
    ordered = sorted(aliases, key=lambda a: (-len(a), a))
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, ordered)) + r")(?!\w)")
    with path.open("w", encoding="utf-8") as out:
        for file in sorted((folder / "articles").glob("*.txt")):
            text = file.read_text(encoding="utf-8")
            for match in pattern.finditer(text):
                key = aliases[match.group()]
                record = {
                    "article": file.stem,
                    "start": match.start(),
                    "end": match.end(),
                    "text": match.group(),
                    "entity": key,
                    "label": labels[key],
                    "score": 100.0,
                    "method": "regex",
                    "alternatives": [],
                }
                out.write(json.dumps(record, ensure_ascii=False) + "\n")


def score(folder: Path, dump: Path) -> tuple[dict[str, float], str]:
    """The figures score_candidates.py prints for `dump`, and its line of misses."""
    scorer = folder.parent / "score_candidates.py"
    done = subprocess.run(
        [sys.executable, str(scorer), str(dump), str(folder / "gold.jsonl")],
        capture_output=True,
        text=True,
        check=False,
    )
    figures = _FIGURES.search(done.stdout)
    counts = _COUNTS.search(done.stdout)
    if figures is None or counts is None:
        raise RuntimeError(f"score_candidates.py said: {done.stdout.strip()} {done.stderr.strip()}")
    alias, fuzzy, hit, total, precision = figures.groups()
    missed = next((line for line in done.stdout.splitlines() if line.startswith("missed:")), "")
    return {
        "alias": float(alias),
        "fuzzy": float(fuzzy),
        "fuzzy_hit": int(hit),
        "fuzzy_total": int(total),
        "precision": float(precision),
        "candidates": int(counts.group(1)),
        "false": int(counts.group(2)),
    }, missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, default=default_eval(), help="the eval folder")
    parser.add_argument("--misses", type=int, default=0, help="print the first misses of each")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    folder: Path = args.eval
    if not (folder / "gold.jsonl").is_file():
        print(f"{folder}: no gold.jsonl (give the eval folder with --eval)")
        return 2
    work = Path(tempfile.mkdtemp(prefix="telaah-eval-"))
    rows: list[tuple[str, dict[str, float], str]] = []
    try:
        db = work / "eval.db"
        build_database(folder, db)
        for name, extra in (("telaah (default threshold)", ()), ("telaah --min-score 0", ("0",))):
            dump = work / f"{len(rows)}.jsonl"
            option = ("--min-score", *extra) if extra else ()
            telaah(db, "match", "--dump", str(dump), *option)
            rows.append((name, *score(folder, dump)))
        dump = work / "regex.jsonl"
        regex_dump(folder, dump)
        rows.append(("case-sensitive regex over the aliases", *score(folder, dump)))
    except (RuntimeError, OSError) as error:
        print(f"a step failed: {error}")
        return 2
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    print(f"eval: {folder}\n")
    print("| matcher | alias recall | fuzzy recall | precision | candidates | false |")
    print("|---|---|---|---|---|---|")
    for name, figures, _ in rows:
        print(
            f"| {name} | {figures['alias']:.3f} | {figures['fuzzy']:.3f} "
            f"({figures['fuzzy_hit']}/{figures['fuzzy_total']}) | {figures['precision']:.3f} "
            f"| {figures['candidates']} | {figures['false']} |"
        )
    default = rows[0][1]
    print()
    for goal, target in GOALS.items():
        verdict = "PASS" if default[goal] >= target else "FAIL"
        print(f"goal at the default threshold: {goal} >= {target}: {default[goal]:.3f} {verdict}")
    if args.misses:
        for name, _, missed in rows:
            items = missed.removeprefix("missed:").strip()
            print(f"\n{name} missed: {items[: args.misses * 40]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
