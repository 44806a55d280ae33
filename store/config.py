"""The config file (TOML): the reviewer's name, the keymap and the export settings, read
leniently, problems listed."""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from store.paths import config_file

if TYPE_CHECKING:
    from store.formats.limits import Limits

KNOWN_KEYS = ("reviewer", "keymap", "export", "import", "team", "save_wait", "min_score")
# `[team] blind`: an article with two or more assignees is reviewed blind (each reviewer's
# decisions in their own layer, never another's shown); false: one shared layer for all.
TEAM_KEYS = ("blind",)
# `[export] pending_in_done`: what the pending mentions and facts of a done article are in
# exports. "reject" (the default): the reviewer marked the article done, so what they left
# pending is wrong, and the manifest says so; an unreviewed name never becomes `O` in CoNLL
# silently. "keep": they stay pending (left out of accepted-only exports, as pending in others).
PENDING_IN_DONE = ("reject", "keep")
EXPORT_KEYS = ("pending_in_done",)
# `[import] max_text_size` (code points of one article text) and `max_line_length` (bytes of one
# line of a JSON-lines file): a record over either is one problem, the rest is imported.
IMPORT_KEYS = ("max_text_size", "max_line_length")
SAVE_WAIT = 30.0  # seconds a decision waits for a locked database before it is not saved
MIN_SCORE = 50.0  # candidates scored under this are hidden until the reviewer shows them
MAX_SYNTAX_ERRORS = 20  # a file broken on every line is not worth more lines of errors
_AT_LINE = re.compile(r"\(at (?:line (\d+), column \d+|end of document)\)")


@dataclass
class Config:
    """What the config file says, and what was wrong with it.

    Attributes:
        path: The file read (it may not exist).
        reviewer: The reviewer's name, if the file gives one.
        keymap: Binding id -> comma-separated keys, as written (not checked against the app).
        pending_in_done: `[export] pending_in_done`: "reject" or "keep" (see PENDING_IN_DONE).
        save_wait: Seconds a write from the app waits for a locked database, then "not saved".
        min_score: Candidates scored under it (0-100) are hidden in the queue, the review screen
            and `telaah match --dump` until the reviewer shows them.
        max_text_size, max_line_length: `[import]`: the biggest article text (code points) and
            the longest line of a JSON-lines file (bytes) an import takes (`limits`).
        blind: `[team] blind`: articles with several assignees are reviewed blind.
        problems: One line per problem, `file:line: what`, in file order.
    """

    path: Path
    reviewer: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    pending_in_done: str = PENDING_IN_DONE[0]
    save_wait: float = SAVE_WAIT
    min_score: float = MIN_SCORE
    max_text_size: int | None = None  # None: store.formats.limits.MAX_TEXT_SIZE
    max_line_length: int | None = None  # None: store.formats.limits.MAX_LINE_LENGTH
    blind: bool = True
    problems: list[str] = field(default_factory=list)

    @property
    def limits(self) -> Limits:
        """The import limits these settings give (`store.formats.limits`)."""
        from store.formats.limits import DEFAULT  # not loaded for `telaah --help`

        return replace(
            DEFAULT,
            max_text_size=self.max_text_size or DEFAULT.max_text_size,
            max_line_length=self.max_line_length or DEFAULT.max_line_length,
        )


def load_config(path: Path | None = None) -> Config:
    """Read the config file; a missing file gives the defaults, a bad one its good parts.

    A TOML syntax error is reported and its line left out, and the file read again; unknown
    settings and values of the wrong type are reported and skipped. Nothing here raises.

    Args:
        path: The file to read; `store.paths.config_file()` by default.

    Returns:
        The settings found and the problems, one line each naming the file and line.
    """
    path = config_file() if path is None else path
    config = Config(path=path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return config
    except (OSError, UnicodeDecodeError) as exc:
        config.problems.append(f"{path}: cannot read the config file: {exc}")
        return config
    data = _parse(text, config)
    _read_settings(data, text, config)
    _sort(config)
    return config


def _parse(text: str, config: Config) -> dict[str, object]:
    """The TOML of `text`, leaving out (and reporting) each line with a syntax error."""
    lines = text.splitlines()
    for _ in range(MAX_SYNTAX_ERRORS):
        try:
            return tomllib.loads("\n".join(lines))
        except RecursionError:
            config.problems.append(f"{config.path}: nested too deep; the file is ignored")
            return {}
        except tomllib.TOMLDecodeError as exc:
            message = str(exc)
            found = _AT_LINE.search(message)
            reason = _AT_LINE.sub("", message).strip()
            if found is None:
                config.problems.append(f"{config.path}: {reason}; the file is ignored")
                return {}
            if found.group(1):
                number = int(found.group(1))
            else:  # at the end of the document: the last line that says anything
                number = max((n for n, line in enumerate(lines, 1) if line.strip()), default=0)
            config.problems.append(f"{config.path}:{number}: {reason}; line ignored")
            if not 1 <= number <= len(lines) or not lines[number - 1].strip():
                return {}  # nothing left to drop: give up rather than loop
            lines[number - 1] = ""
        except ValueError as exc:  # an integer of more than 4,300 digits
            reason = str(exc).split(":")[0]
            config.problems.append(f"{config.path}: {reason}; the file is ignored")
            return {}
    config.problems.append(f"{config.path}: too many errors; the file is ignored")
    return {}


def _read_settings(data: Mapping[str, object], text: str, config: Config) -> None:
    for key, value in data.items():
        if key == "reviewer":
            if isinstance(value, str) and value.strip():
                config.reviewer = value.strip()
            else:
                config.problems.append(
                    _where_in(config, text, key) + ("reviewer must be a non-empty string; ignored")
                )
        elif key == "keymap":
            if isinstance(value, dict):
                _read_keymap(value, text, config)
            else:
                config.problems.append(
                    _where_in(config, text, key)
                    + ('keymap must be a table of binding id = "keys"; ignored')
                )
        elif key == "export":
            if isinstance(value, dict):
                _read_export(value, text, config)
            else:
                config.problems.append(
                    _where_in(config, text, key) + "export must be a table ([export]); ignored"
                )
        elif key == "import":
            if isinstance(value, dict):
                _read_import(value, text, config)
            else:
                config.problems.append(
                    _where_in(config, text, key) + "import must be a table ([import]); ignored"
                )
        elif key == "team":
            if isinstance(value, dict):
                _read_team(value, text, config)
            else:
                config.problems.append(
                    _where_in(config, text, key) + "team must be a table ([team]); ignored"
                )
        elif key == "save_wait":
            if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
                config.save_wait = float(value)
            else:
                config.problems.append(
                    _where_in(config, text, key) + "save_wait must be a positive number; ignored"
                )
        elif key == "min_score":
            if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 100:
                config.min_score = float(value)
            else:
                config.problems.append(
                    _where_in(config, text, key)
                    + "min_score must be a number from 0 to 100; ignored"
                )
        else:
            config.problems.append(
                _where_in(config, text, key)
                + (f"unknown setting {key!r} (known: {', '.join(KNOWN_KEYS)}); ignored")
            )


def _read_export(table: Mapping[str, object], text: str, config: Config) -> None:
    for key, value in table.items():
        if key not in EXPORT_KEYS:
            config.problems.append(
                _where_in(config, text, key)
                + f"unknown export setting {key!r} (known: {', '.join(EXPORT_KEYS)}); ignored"
            )
        elif value in PENDING_IN_DONE:
            config.pending_in_done = str(value)
        else:
            config.problems.append(
                _where_in(config, text, key)
                + f"pending_in_done must be {' or '.join(map(repr, PENDING_IN_DONE))}; ignored"
            )


def _read_team(table: Mapping[str, object], text: str, config: Config) -> None:
    for key, value in table.items():
        if key not in TEAM_KEYS:
            config.problems.append(
                _where_in(config, text, key)
                + f"unknown team setting {key!r} (known: {', '.join(TEAM_KEYS)}); ignored"
            )
        elif isinstance(value, bool):
            config.blind = value
        else:
            config.problems.append(
                _where_in(config, text, key) + "blind must be true or false; ignored"
            )


def _read_import(table: Mapping[str, object], text: str, config: Config) -> None:
    for key, value in table.items():
        if key not in IMPORT_KEYS:
            config.problems.append(
                _where_in(config, text, key)
                + f"unknown import setting {key!r} (known: {', '.join(IMPORT_KEYS)}); ignored"
            )
        elif isinstance(value, int) and not isinstance(value, bool) and value > 0:
            setattr(config, key, value)
        else:
            config.problems.append(
                _where_in(config, text, key) + f"{key} must be a positive whole number; ignored"
            )


def _read_keymap(table: Mapping[str, object], text: str, config: Config) -> None:
    for binding_id, value in _flatten(table):
        keys = _keys(value)
        if keys is None:
            config.problems.append(
                _where_in(config, text, binding_id)
                + (f'keys for {binding_id!r} must be a string like "y" or "n,delete"; ignored')
            )
        else:
            config.keymap[binding_id] = keys


def _flatten(table: Mapping[str, object], prefix: str = "") -> Iterable[tuple[str, object]]:
    """Binding ids with their values; `review.accept = "y"` unquoted is a nested table in TOML."""
    for key, value in table.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _keys(value: object) -> str | None:
    """Comma-separated keys from a string or a list of strings, or None when neither."""
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        value = ",".join(value)
    if not isinstance(value, str):
        return None
    keys = [key.strip() for key in value.split(",")]
    if not all(keys):
        return None
    return ",".join(keys)


def unknown_bindings(config: Config, known: Iterable[str]) -> dict[str, str]:
    """Report the keymap's binding ids that are not in `known`; return the keymap without them.

    The store does not know the app's bindings, so the app calls this with its own ids.

    Args:
        config: A config read by `load_config`; its `problems` get one line per unknown id.
        known: Every binding id of the app.

    Returns:
        The keymap entries whose ids are known.
    """
    known_ids = set(known)
    kept: dict[str, str] = {}
    try:
        text = config.path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    for binding_id, keys in config.keymap.items():
        if binding_id in known_ids:
            kept[binding_id] = keys
            continue
        close = difflib.get_close_matches(binding_id, sorted(known_ids), n=2, cutoff=0.8)
        hint = f" (did you mean {' or '.join(close)}?)" if close else ""
        config.problems.append(
            _where_in(config, text, binding_id)
            + (
                f"unknown binding id {binding_id!r}{hint}; ignored (`telaah config show` lists "
                "them)"
            )
        )
    _sort(config)
    return kept


def _sort(config: Config) -> None:
    """Problems in line order (those without a line first)."""
    prefix = f"{config.path}:"

    def line(problem: str) -> int:
        number = problem[len(prefix) :].split(":", 1)[0] if problem.startswith(prefix) else ""
        return int(number) if number.isdigit() else 0

    config.problems.sort(key=line)


def where(config: Config, key: str) -> str:
    """`file:line: ` for the line of the config file that sets `key`, or `file: `.

    Args:
        config: A config read by `load_config`.
        key: A setting or binding id.
    """
    try:
        text = config.path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    return _where_in(config, text, key)


def _where_in(config: Config, text: str, key: str) -> str:
    """`file:line: ` for the line that sets `key` (dotted ids searched by their last part too)."""
    number = _line_of(text, key)
    return f"{config.path}:{number}: " if number else f"{config.path}: "


def _line_of(text: str, key: str) -> int | None:
    """The number of the first line that assigns `key` (bare, quoted or dotted) or opens it."""
    parts = [re.escape(part) for part in key.split(".")]
    quoted = "|".join([re.escape(key), *parts])
    pattern = re.compile(
        rf"^\s*(\[\s*)?(\"(?:{quoted})\"|'(?:{quoted})'|{'[.]'.join(parts)}|{parts[-1]})\s*[=\]]"
    )
    for number, line in enumerate(text.splitlines(), 1):
        if pattern.match(line):
            return number
    return None
