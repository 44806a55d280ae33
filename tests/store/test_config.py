"""The config file: reviewer and keymap read leniently, every problem one line with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.config import load_config, unknown_bindings
from store.paths import config_file
from store.reviewers import default_reviewer_name

KNOWN = {"review.accept", "review.reject", "review.next", "app.help"}


def write(text: str) -> Path:
    """Write the config file where `store.paths` looks for it (the test's config dir)."""
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file_gives_defaults() -> None:
    config = load_config()
    assert config.path == config_file()
    assert (config.reviewer, config.keymap, config.problems) == (None, {}, [])


def test_reviewer_and_keymap_are_read(tmp_path: Path) -> None:
    assert config_file() == tmp_path / "config" / "config.toml"  # TELAAH_CONFIG_DIR
    write(
        'reviewer = "ayu"\n\n[keymap]\n"review.accept" = "y"\n'
        '"review.reject" = "n, delete"\n"app.help" = ["question_mark", "f1"]\n'
        '[keymap.review]\nnext = "j"\n'
    )
    config = load_config()
    assert config.problems == []
    assert config.reviewer == "ayu"
    assert config.keymap == {
        "review.accept": "y",
        "review.reject": "n,delete",
        "app.help": "question_mark,f1",
        "review.next": "j",
    }
    assert unknown_bindings(config, KNOWN) == config.keymap
    assert config.problems == []


def test_every_problem_is_one_line_with_its_line_and_the_rest_applies() -> None:
    path = write(
        'reviewer = "ayu"\n'  # 1
        'colour = "red"\n'  # 2 unknown setting
        "\n"  # 3
        "[keymap]\n"  # 4
        '"review.accept" = "y"\n'  # 5
        '"review.acept" = "z"\n'  # 6 unknown id
        '"review.reject" = 5\n'  # 7 wrong type
        "this is not toml\n"  # 8 syntax
        '"review.next" = "j,down"\n'  # 9
        '"app.help" = ""\n'
    )  # 10 empty keys
    config = load_config()
    keymap = unknown_bindings(config, KNOWN)
    assert config.reviewer == "ayu"
    assert keymap == {"review.accept": "y", "review.next": "j,down"}
    lines = [problem.split(": ", 1)[0] for problem in config.problems]
    assert lines == [f"{path}:{n}" for n in (2, 6, 7, 8, 10)]
    assert all("\n" not in problem for problem in config.problems)
    assert "did you mean review.accept?" in config.problems[1]
    assert "Expected '='" in config.problems[3]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("reviewer = 3\n", ":1: reviewer must be a non-empty string"),
        ('reviewer = "x"\nkeymap = "y"\n', ":2: keymap must be a table"),
        ('[keymap\n"review.accept" = "y"\n', ":1: "),
        ('reviewer = "\n', ":1: "),
    ],
)
def test_bad_values_are_reported_not_raised(text: str, expected: str) -> None:
    path = write(text)
    config = load_config()
    assert config.problems and config.problems[0].startswith(str(path))
    assert expected in config.problems[0]


def test_unreadable_file_is_a_problem_not_a_crash() -> None:
    path = config_file()
    path.parent.mkdir(parents=True)
    path.write_bytes(b'reviewer = "caf\xe9"\n')
    config = load_config()
    assert config.reviewer is None
    assert config.problems[0].startswith(f"{path}: cannot read")


def test_reviewer_order_env_then_config_then_login(monkeypatch: pytest.MonkeyPatch) -> None:
    write('reviewer = "from-config"\n')
    assert default_reviewer_name() == "tester"  # TELAAH_REVIEWER, set for every test
    monkeypatch.delenv("TELAAH_REVIEWER")
    assert default_reviewer_name() == "from-config"
    write("")
    monkeypatch.setattr("getpass.getuser", lambda: "login-name")
    assert default_reviewer_name() == "login-name"


def test_export_pending_in_done_is_reject_unless_told_keep() -> None:
    assert load_config().pending_in_done == "reject"
    write('[export]\npending_in_done = "keep"\n')
    config = load_config()
    assert (config.pending_in_done, config.problems) == ("keep", [])
    path = write('reviewer = "ayu"\n[export]\npending_in_done = "maybe"\nnope = 1\n')
    config = load_config()
    assert config.pending_in_done == "reject"
    assert config.problems == [
        f"{path}:3: pending_in_done must be 'reject' or 'keep'; ignored",
        f"{path}:4: unknown export setting 'nope' (known: pending_in_done); ignored",
    ]
