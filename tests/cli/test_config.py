"""`telaah config` and the config file as the command line uses it: reviewer, keymap, problems."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from tests.cli.test_cli import run


def write_config(tmp_path: Path, text: str) -> Path:
    """The config file in the test's TELAAH_CONFIG_DIR."""
    path = tmp_path / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_config_path_follows_the_env(tmp_path: Path) -> None:
    result = run("config", "path")
    assert result.returncode == 0
    assert result.stdout.strip() == str(tmp_path / "config" / "config.toml")
    other = run("config", "path", env={"TELAAH_CONFIG_DIR": str(tmp_path / "elsewhere")})
    assert other.stdout.strip() == str(tmp_path / "elsewhere" / "config.toml")


def test_show_without_a_file_lists_defaults_and_an_example() -> None:
    result = run("config", "show")
    assert result.returncode == 0, result.stderr
    assert "not found: defaults apply" in result.stdout
    assert "reviewer: tester" in result.stdout  # TELAAH_REVIEWER
    lines = [" ".join(line.split()) for line in result.stdout.splitlines()]
    assert "review.accept a Accept" in lines
    assert "review.reject x Reject" in lines
    assert "app.quit q Quit" in lines
    assert '"review.accept" = "y"' in result.stdout  # the example


def test_show_marks_remapped_keys_and_reports_problems_by_line(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        'reviewer = "ayu"\n[keymap]\n"review.accept" = "y"\n"review.acept" = "z"\nbroken line\n',
    )
    result = run("config", "show")
    assert result.returncode == 1
    lines = [" ".join(line.split()) for line in result.stdout.splitlines()]
    assert "review.accept * y Accept" in lines
    assert "review.reject x Reject" in lines
    problems = result.stderr.strip().splitlines()
    assert len(problems) == 2, problems
    assert problems[0].startswith(f"{path}:4: unknown binding id 'review.acept'")
    assert problems[1].startswith(f"{path}:5: ")


def test_reviewer_flag_then_env_then_config_then_login(tmp_path: Path) -> None:
    write_config(tmp_path, 'reviewer = "ayu"\n')
    env = {k: v for k, v in os.environ.items() if k != "TELAAH_REVIEWER"}
    env["USER"] = env["LOGNAME"] = "login-name"

    def reviewer(*args: str, environ: dict[str, str]) -> str:
        result = run(*args, "config", "show", env=environ)
        return next(
            line.split(":", 1)[1].strip()
            for line in result.stdout.splitlines()
            if line.startswith("reviewer:")
        )

    # `run` merges os.environ, so TELAAH_REVIEWER=tester is overridden, not removed.
    assert reviewer(environ={**env, "TELAAH_REVIEWER": ""}) == "ayu"
    assert reviewer(environ={**env, "TELAAH_REVIEWER": "from-env"}) == "from-env"
    assert reviewer("--reviewer", "flag", environ={"TELAAH_REVIEWER": "from-env"}) == "flag"
    write_config(tmp_path, "")
    assert reviewer(environ={**env, "TELAAH_REVIEWER": ""}) == "login-name"


def test_decisions_of_headless_commands_name_the_config_reviewer(tmp_path: Path) -> None:
    write_config(tmp_path, 'reviewer = "ayu"\n')
    (tmp_path / "a.txt").write_text("Rusia memasok S-300.", encoding="utf-8")
    db = tmp_path / "c.db"
    result = run("--db", str(db), "import", str(tmp_path / "a.txt"), env={"TELAAH_REVIEWER": ""})
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(db) as connection:
        names = {row[0] for row in connection.execute("SELECT name FROM reviewer")}
    assert names == {"ayu"}


def test_headless_commands_report_config_problems_and_go_on(tmp_path: Path) -> None:
    path = write_config(tmp_path, 'reviewer = "ayu"\ncolour = "red"\n[keymap\n')
    result = run("locate")
    assert result.returncode == 0
    assert "database:" in result.stdout
    problems = result.stderr.strip().splitlines()
    assert [p.split(": ", 1)[0] for p in problems] == [f"{path}:2", f"{path}:3"]


def test_help_says_where_the_reviewer_comes_from() -> None:
    result = run("--help")
    text = " ".join(result.stdout.split())
    assert "$TELAAH_REVIEWER, else `reviewer` in the config file, else the login name" in text
