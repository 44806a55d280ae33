"""A problem with one place in an input file, reported as one line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Problem:
    """What went wrong, and where: a file and, when known, a line."""

    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else str(self.path)
        return f"{where}: {self.message}"


def decode_error(
    path: Path,
    exc: UnicodeDecodeError,
    *,
    offset: int = 0,
    line: int | None = None,
    encoding: str = "utf-8",
    hint: str = "pass --encoding to name the file's encoding",
) -> Problem:
    """A one-line problem naming the byte offset that could not be decoded.

    `offset` is where `exc.object` starts in the file, so that the offset named is the file's.
    """
    byte = exc.object[exc.start : exc.start + 1].hex()
    return Problem(
        path,
        line,
        f"not valid {encoding}: byte 0x{byte} at offset {offset + exc.start} ({hint})",
    )
