"""`telaah config ...`: where the config file is, and the reviewer and keymap in effect."""

from __future__ import annotations

import typer

from store.config import load_config
from store.paths import config_file
from tui.cli.context import data, fail_if, out, problem, settings

app = typer.Typer(
    help="The config file: reviewer name, keymap and export settings.", no_args_is_help=True
)

EXAMPLE = """reviewer = "ayu"

[keymap]  # binding id = "key" or "key1,key2" (ids: `telaah config show`)
"review.accept" = "y"
"review.reject" = "n,delete"

[export]  # pending mentions and facts of done articles: "reject" (default) or "keep"
pending_in_done = "reject"

[import]  # limits of one record: an article's text (code points), a JSONL line (bytes)
max_text_size = 10000000
max_line_length = 100000000
"""


@app.command("path")
def path() -> None:
    """Print the config file's path (TELAAH_CONFIG_DIR overrides its folder)."""
    out.print(data(config_file()))


@app.command("show")
def show(ctx: typer.Context) -> None:
    """Print the config file, the reviewer in effect and every key binding by id.

    Problems in the file are printed on stderr, one line each; the exit status is then 1.
    """
    from tui.commands import app_bindings, effective_keymap  # only this command needs Textual

    current = settings(ctx)
    config = current.config or load_config()
    bindings = app_bindings()
    keymap = effective_keymap(config, bindings)
    state = "" if config.path.is_file() else " (not found: defaults apply)"
    out.print(data(f"config:   {config.path}{state}"))
    out.print(data(f"reviewer: {current.reviewer}"))
    out.print(data(f"export:   pending_in_done = {config.pending_in_done}"))
    out.print(data(f"save_wait: {config.save_wait:g} s (a decision waiting for a locked database)"))
    out.print(
        data(
            f"import:   max_text_size = {config.limits.max_text_size} (code points), "
            f"max_line_length = {config.limits.max_line_length} (bytes)"
        )
    )
    out.print(data("keymap:   binding id, keys, what it does (* remapped by the config)"))
    width = max((len(info.id) for info in bindings), default=0)
    for info in bindings:
        keys = keymap.get(info.id, info.keys)
        mark = "*" if info.id in keymap else " "
        out.print(data(f"  {info.id:<{width}} {mark} {keys:<16} {info.description}"))
    if not config.path.is_file():
        out.print(data(f"\nexample {config.path}:\n{EXAMPLE}"))
    for line in config.problems:
        problem(line)
    fail_if(len(config.problems))
