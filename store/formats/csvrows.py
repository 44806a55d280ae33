"""CSV reading shared by the article and gazetteer readers: rows with the line they start on."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass


class CsvHeaderError(Exception):
    """The header could not be read; `line` is where."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One row by column name, or the error that stops reading; `line` is where it starts."""

    line: int
    values: dict[str, str] | None = None
    error: str | None = None


class CsvTable:
    """A CSV text's header and rows; blank lines are skipped but counted.

    csv.reader, not DictReader: DictReader skips blank lines, and the line a row starts on is
    only known by counting them.
    """

    def __init__(self, content: str) -> None:
        csv.field_size_limit(sys.maxsize)  # an article may be one 10 MB field
        self._reader = csv.reader(io.StringIO(content, newline=""))
        try:
            header = next(self._reader, None)
            while header == []:  # blank lines before the header
                header = next(self._reader, None)
        except csv.Error as exc:
            raise CsvHeaderError(
                self._reader.line_num or 1, f"malformed CSV header: {exc}"
            ) from None
        self.header: list[str] = header or []
        self.header_line = max(1, self._reader.line_num)

    def rows(self) -> Iterator[CsvRow]:
        """Every row; one with more or fewer fields than the header, or a malformed one, is an
        error."""
        while True:
            line = self._reader.line_num + 1  # where the next row starts
            try:
                fields = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield CsvRow(line, error=f"malformed CSV: {exc}")
                return
            if not fields:
                continue  # a blank line
            if len(fields) > len(self.header):
                yield CsvRow(line, error="more fields than the header has")
                continue
            if len(fields) < len(self.header):
                yield CsvRow(line, error="fewer fields than the header has")
                continue
            yield CsvRow(line, dict(zip(self.header, fields, strict=False)))
