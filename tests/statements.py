"""The statements a piece of code sends to the database, as a test records them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event


@dataclass(frozen=True, slots=True)
class Sent:
    """One statement as SQLAlchemy hands it to the driver (`many`: an executemany)."""

    statement: str
    params: Any
    many: bool


@contextmanager
def statements_sent(engine: Engine) -> Iterator[list[Sent]]:
    """Every statement sent through `engine` inside the block, in order (COPY, sent on the
    driver's own cursor, is not among them)."""
    sent: list[Sent] = []

    def record(_c: Any, _cursor: Any, statement: str, params: Any, _x: Any, many: bool) -> None:
        sent.append(Sent(statement, params, many))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)
