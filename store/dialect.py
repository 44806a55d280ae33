"""What SQL differs between SQLite and PostgreSQL, in one place.

The store writes portable SQL through SQLAlchemy; where the two databases need different SQL
(the full-text index, JSON stored as text, a list sent as one parameter), the statement holds
a `per_dialect` element, compiled to the form of the database it runs on, or one of the
helpers below. Code that must branch in Python asks `dialect_name(bind)`. (SQLite's PRAGMAs
and write lock stay in store/db.py and store/versioning.py, beside their PostgreSQL forms.)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    Engine,
    Integer,
    String,
    cast,
    func,
    literal,
    text,
    type_coerce,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeEngine

SQLITE = "sqlite"
POSTGRESQL = "postgresql"


def dialect_name(bind: Engine | Connection | OrmSession) -> str:
    """The dialect of an engine, a connection or a session's bind: "sqlite", "postgresql"."""
    if isinstance(bind, OrmSession):
        return bind.get_bind().dialect.name
    return bind.dialect.name


class PerDialect(ColumnElement[Any]):
    """An SQL expression written once per dialect, chosen when the statement is compiled."""

    inherit_cache = False  # the chosen form depends on the dialect, not on the element

    def __init__(self, type_: TypeEngine[Any], default: Any, **by_dialect: Any) -> None:
        self.type = type_
        self.default = default
        self.by_dialect = by_dialect


@compiles(PerDialect)
def _compile_per_dialect(element: PerDialect, compiler: Any, **kw: Any) -> str:
    chosen = element.by_dialect.get(compiler.dialect.name, element.default)
    return str(compiler.process(chosen, **kw))


def per_dialect(type_: TypeEngine[Any], *, sqlite: Any, postgresql: Any) -> PerDialect:
    """`sqlite` on SQLite, `postgresql` on PostgreSQL (and other server databases)."""
    return PerDialect(type_, postgresql, sqlite=sqlite)


def json_text(column: Any) -> PerDialect:
    """A JSON column as the text stored (SQLite keeps JSON as text; PostgreSQL casts it)."""
    return per_dialect(
        String(), sqlite=type_coerce(column, String), postgresql=cast(column, String)
    )


def json_rows(dialect: str, values: list[Any]) -> Any:
    """A table of the items of `values`, sent as one JSON parameter (thousands of bound
    parameters cost more to compile than the rows they save); its column is `value`."""
    if dialect == SQLITE:
        return func.json_each(json.dumps(values)).table_valued("value")
    return func.json_array_elements(literal(values, JSON)).table_valued("value")


def json_int(dialect: str, value: Any, index: int | None = None) -> Any:
    """An item of `json_rows` (or its element `index`, for rows that are arrays) as an
    integer."""
    if dialect == SQLITE:
        return value if index is None else func.json_extract(value, f"$[{index}]")
    item = value.op("->>")(index) if index is not None else cast(value, String)
    return cast(item, Integer)


# Planner settings `index_scans` turns off (a scan of every row, a plain index scan).
_ROW_BY_ROW = ("enable_seqscan", "enable_indexscan")


@contextmanager
def index_scans(session: OrmSession) -> Iterator[None]:
    """PostgreSQL: the statements run inside read their tables through index bitmaps (and
    index-only scans), never row by row with a condition tested on each row.

    For counting the matches of a search: PostgreSQL's planner costs a full-text condition as
    one operator, but testing it on a row reads the row's vector out of TOAST (~10 us), so
    for a common word it tests every row (1.1 s for 100,000 articles) where the GIN index's
    bitmap counts them in 37 ms. `SET LOCAL` lasts to the end of the transaction: the former
    values are put back after the block. SQLite: nothing.
    """
    if dialect_name(session) != POSTGRESQL:
        yield
        return
    names = ", ".join(f"current_setting('{name}')" for name in _ROW_BY_ROW)
    before = session.execute(text(f"SELECT {names}")).one()
    for name in _ROW_BY_ROW:
        session.execute(text(f"SET LOCAL {name} = off"))
    yield  # (an error rolls the transaction back, and the settings with it)
    for name, value in zip(_ROW_BY_ROW, before, strict=True):
        session.execute(
            text("SELECT set_config(:name, :value, true)"), {"name": name, "value": value}
        )
