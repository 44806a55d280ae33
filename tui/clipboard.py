"""Copy text: to the system clipboard through pyperclip, else the terminal's (OSC 52)."""

from __future__ import annotations

import subprocess
from typing import Any

import pyperclip
from textual.app import App

from store.corpus.articles import ArticleView
from store.review.citation import mention_line, sentence_citation
from store.review.mentions import MentionView
from store.textnorm import shorten

SYSTEM = "system clipboard"
TERMINAL = "terminal clipboard (OSC 52)"
PREVIEW_MAX = 100  # characters of the copied text shown in the notification


def copy(app: App[Any], text: str) -> str:
    """Copy `text` and say which way it went: `SYSTEM` or `TERMINAL`.

    pyperclip is asked afresh each time which mechanism this environment has (xclip, xsel,
    wl-copy, pbcopy, ...), not once per process: a tmux session outlives the SSH or X session it
    was started in, and DISPLAY comes and goes. The copy is read back, because xclip with a
    DISPLAY that is gone fails without an error pyperclip could see. Where there is no system
    clipboard (no display, over SSH) the text goes to the terminal as an OSC 52 sequence through
    Textual, which the terminal (and tmux with `set-clipboard on`) puts on its clipboard.
    """
    if _system_copy(text):
        return SYSTEM
    app.copy_to_clipboard(text)
    # A failing clipboard tool may have written its error over the screen: draw it all again.
    app.refresh()
    return TERMINAL


def _system_copy(text: str) -> bool:
    try:
        system_copy, system_paste = pyperclip.determine_clipboard()
        system_copy(text)
        pasted = system_paste()
    except (pyperclip.PyperclipException, OSError, subprocess.SubprocessError, ValueError):
        return False
    return isinstance(pasted, str) and _same(pasted, text)


def _same(pasted: str, text: str) -> bool:
    """Whether the clipboard holds `text` (some tools add a final newline or write CRLF)."""
    return pasted.replace("\r\n", "\n").rstrip("\n") == text.replace("\r\n", "\n").rstrip("\n")


def copy_mention(app: App[Any], article: ArticleView, mention: MentionView | None) -> None:
    """`c`: copy the mention as `surface<TAB>label<TAB>entity key<TAB>article id:start-end`."""
    if mention is None:
        app.notify("No mention", timeout=2, markup=False)
        return
    _copy_and_tell(app, mention_line(mention, article.id))


def copy_sentence(app: App[Any], article: ArticleView, mention: MentionView | None) -> None:
    """`C`: copy the mention's sentence with its citation (title, source, date, offsets)."""
    if mention is None:
        app.notify("No mention", timeout=2, markup=False)
        return
    _copy_and_tell(app, sentence_citation(article, mention))


def _copy_and_tell(app: App[Any], text: str) -> None:
    way = copy(app, text)
    preview = shorten(text.replace("\t", "  "), PREVIEW_MAX)
    app.notify(f"Copied to the {way}: {preview}", timeout=4, markup=False)
