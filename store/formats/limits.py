"""The limits every importer keeps: an article text's size, a line's length, JSON's depth.

The import commands set them from the config file (`[import] max_text_size`,
`max_line_length`) for the length of one import (`using`); readers and the article sink ask
`current()`. A record over a limit is one problem naming file and line; the rest goes on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import BinaryIO

MAX_TEXT_SIZE = 10_000_000  # code points of one article text
MAX_LINE_LENGTH = 100_000_000  # bytes of one line of a JSON-lines file
MAX_DEPTH = 100  # nesting of JSON arrays and objects in one record
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Limits:
    """How big one record may be."""

    max_text_size: int = MAX_TEXT_SIZE
    max_line_length: int = MAX_LINE_LENGTH
    max_depth: int = MAX_DEPTH

    def text_error(self, text: str) -> str | None:
        """Why `text` is too big to store as an article, or None."""
        if len(text) <= self.max_text_size:
            return None
        return (
            f"text of {len(text):,} characters is over the limit of {self.max_text_size:,} "
            "(raise it with `max_text_size` under [import] in the config file)"
        )

    def line_error(self, size: int) -> str:
        """The problem of a line of `size` bytes or more, over the limit."""
        return (
            f"line of {size:,} bytes or more is over the limit of {self.max_line_length:,} "
            "(raise it with `max_line_length` under [import] in the config file); skipped"
        )


DEFAULT = Limits()  # frozen: safe to share
_CURRENT: ContextVar[Limits] = ContextVar("telaah_import_limits", default=DEFAULT)


def current() -> Limits:
    """The limits of the import running in this context (the defaults outside one)."""
    return _CURRENT.get()


def apply(limits: Limits) -> None:
    """Use `limits` from now on in this context (the command line: for the whole command)."""
    _CURRENT.set(limits)


@contextmanager
def using(limits: Limits | None) -> Iterator[Limits]:
    """Run a block with `limits` (None: keep the current ones)."""
    if limits is None:
        yield current()
        return
    token = _CURRENT.set(limits)
    try:
        yield limits
    finally:
        _CURRENT.reset(token)


def lines(handle: BinaryIO) -> Iterator[tuple[int, bytes | None, int]]:
    """(line number, raw bytes, size in bytes) of each line of `handle`; the bytes are None
    for a line over `max_line_length`, which is skipped without being held in memory."""
    limit = current().max_line_length
    number = 0
    while True:
        raw = handle.readline(limit + 1)
        if not raw:
            return
        number += 1
        if len(raw) <= limit or raw.endswith(b"\n"):
            yield number, raw, len(raw)
            continue
        size = len(raw)
        while not raw.endswith(b"\n"):  # skip the rest of the line, a chunk at a time
            raw = handle.readline(_CHUNK)
            if not raw:
                break
            size += len(raw)
        yield number, None, size
