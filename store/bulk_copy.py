"""Many rows into a PostgreSQL table in one statement: COPY.

A statement per row (the driver's executemany) costs PostgreSQL a parse, a plan, and each
statement-level trigger once per row: `mention_tally`'s triggers added a row to the tally per
statement, and writing a match's candidates took 107 us of server time a row, more than
matching them. A multi-row INSERT's parameters cost the interpreter as much again (150 us a
row in the import). COPY sends the rows as one stream; the triggers fire once.

Used where many rows are written at once on PostgreSQL: the import's articles
(`store.ingest.sink`), and through `write_rows` / `insert_rows` a match's candidates
(`store.review.candidates`), an annotated import's mentions (`store.ingest.annotated`), a
gazetteer import's entities, aliases and audit entries (`store.gazetteer.bulk`). SQLite has
no COPY: there the driver's executemany of one INSERT, which costs it little (no round trip,
no statement-level triggers), each value converted beforehand.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Dialect, Table
from sqlalchemy.exc import DBAPIError

from store.dialect import POSTGRESQL


def copy_rows(
    connection: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Write `rows` (values in the order of `columns`, as the driver takes them: `None` for
    NULL, psycopg's `Json` or a string for JSON) into `table` in the caller's transaction.

    A database error is raised as SQLAlchemy's (a unique value already stored: its
    `IntegrityError`; a deadlock: its `OperationalError`), as an INSERT's would be."""
    quote = connection.dialect.identifier_preparer.quote
    statement = f"COPY {quote(table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    dbapi = connection.dialect.loaded_dbapi
    raw = connection.connection.driver_connection
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
    except dbapi.Error as error:
        raise DBAPIError.instance(statement, None, error, dbapi.Error) from error


def driver_rows(
    dialect: Dialect, table: Table, columns: Sequence[str], rows: Iterable[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    """`rows` (dicts with every one of `columns`) as the database driver takes them: each
    column's own conversion (JSON, times) applied, in the order of `columns`. (A value that
    is the same object as the row before's, an import's one timestamp, is converted once.)"""
    convert = [
        (at, process)
        for at, name in enumerate(columns)
        if (process := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
    ]
    last: dict[int, tuple[Any, Any]] = {}
    converted = []
    for given in rows:
        row = [given[name] for name in columns]
        for at, process in convert:
            value = row[at]
            before = last.get(at)
            if before is not None and before[0] is value:
                row[at] = before[1]
            else:
                row[at] = process(value)
                last[at] = (value, row[at])
        converted.append(tuple(row))
    return converted


def write_rows(
    connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Write `driver_rows` into `table` in the caller's transaction, in one statement: COPY
    on PostgreSQL, the driver's executemany of one INSERT elsewhere."""
    if not rows:
        return
    if connection.dialect.name == POSTGRESQL:
        copy_rows(connection, table.name, columns, rows)
        return
    quote = connection.dialect.identifier_preparer.quote
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    connection.exec_driver_sql(
        f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, columns))}) "
        f"VALUES ({', '.join(mark for _ in columns)})",
        list(rows),
    )


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys) as `insert(table)` would (a column left out
    gets its Python default, else the server's), in one statement (`write_rows`)."""
    if not rows:
        return
    columns = list(rows[0])
    defaults = {
        column.name: column.default
        for column in table.c
        if column.name not in rows[0] and column.default is not None
    }
    if defaults:  # (a callable default of no argument: SQLAlchemy wraps it to take one)
        columns += list(defaults)
        made = {
            name: default.arg if default.is_scalar else default.arg(None)  # type: ignore[attr-defined]
            for name, default in defaults.items()
        }
        rows = [{**row, **made} for row in rows]
    write_rows(connection, table, columns, driver_rows(connection.dialect, table, columns, rows))
