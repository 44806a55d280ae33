"""Many rows into a PostgreSQL table in one statement: COPY.

A statement per row (the driver's executemany) costs PostgreSQL a parse, a plan, and each
statement-level trigger once per row: `mention_tally`'s triggers added a row to the tally per
statement, and writing a match's candidates took 107 us of server time a row, more than
matching them. A multi-row INSERT's parameters cost the interpreter as much again (150 us a
row in the import). COPY sends the rows as one stream; the triggers fire once.

Used where many rows are written at once on PostgreSQL: the import's articles
(`store.ingest.sink`), a match's candidates (`store.review.candidates`). SQLite has no COPY:
its callers keep the driver's executemany, which costs it little (no round trip, no
statement-level triggers there).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError


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
