"""`python -m tui` runs the `telaah` command."""

from tui.cli import run

run()
