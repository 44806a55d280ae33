"""How fast headless commands start: `telaah --help` and `telaah stats` against `python -c pass`.

    .venv/bin/python bench/cli_start_bench.py              # 9 runs of each
    .venv/bin/python bench/cli_start_bench.py --runs 25    # steadier figures

Each command runs in a fresh interpreter, from this checkout's root and on its code, with data
and config folders in a temporary directory; `stats` reads a demo database made first by
`telaah demo --no-open`, not timed. The baseline, the interpreter's own start (`python -c
pass`), is measured in the same run, interleaved with the commands, and every figure is also
given over it. Target: `--help` under 300 ms over the interpreter's start. Stdlib only; prints
figures, never asserts (timings on a shared machine are noisy: compare the rows of one run, not
runs of different days).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 300.0


def timed(argv: list[str], env: dict[str, str]) -> float:
    """Wall-clock milliseconds of one run of `argv`; it must exit 0."""
    start = time.perf_counter()
    subprocess.run(
        argv, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    return (time.perf_counter() - start) * 1000


def main() -> None:
    """Parse the options, make the demo database, time each command and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="runs of each command (9)")
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory(prefix="telaah-start-") as tmp:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "TELAAH_DATA_DIR": str(Path(tmp) / "data"),
            "TELAAH_CONFIG_DIR": str(Path(tmp) / "config"),
            "COLUMNS": "100",
        }
        db = str(Path(tmp) / "demo.db")
        telaah = [sys.executable, "-m", "tui"]
        subprocess.run(
            [*telaah, "--db", db, "demo", "--no-open"],
            cwd=ROOT,  # `python -m` puts the working directory first on sys.path
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "telaah --help": [*telaah, "--help"],
            "telaah stats": [*telaah, "--db", db, "stats"],
        }
        for argv in commands.values():  # warm the page cache and the .pyc files
            timed(argv, env)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(runs):  # interleaved, so that load on the machine hits all alike
            for name, argv in commands.items():
                times[name].append(timed(argv, env))
    base = statistics.median(times["python -c pass"])
    print(f"{runs} runs each, milliseconds; over: median minus the interpreter's median start")
    print(f"{'command':<16} {'min':>7} {'median':>7} {'max':>7} {'over':>7}")
    for name, values in times.items():
        median = statistics.median(values)
        print(
            f"{name:<16} {min(values):7.1f} {median:7.1f} {max(values):7.1f} {median - base:7.1f}"
        )
    over = statistics.median(times["telaah --help"]) - base
    verdict = "met" if over < TARGET_MS else "NOT met"
    print(f"target: --help under {TARGET_MS:.0f} ms over the interpreter start: {verdict}")


if __name__ == "__main__":
    main()
