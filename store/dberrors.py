"""Database errors as one line each: what happened to which database, and what to do.

The command line prints `describe(error, url)` instead of an internal error; an import that
fills the disk says how far it got (`DiskFull`).
"""

from __future__ import annotations

import os
import sqlite3

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from store.errors import TelaahError

POSTGRES_EXTRA = "PostgreSQL needs pip install 'telaah[postgres]'"
_DRIVERS = ("psycopg", "psycopg2", "asyncpg", "pg8000")


class DiskFull(TelaahError):
    """The disk filled up while importing; the message says how many articles were stored."""


def _message(error: BaseException) -> str:
    original = error.orig if isinstance(error, DBAPIError) else error
    return str(original).lower()


def is_disk_full(error: BaseException) -> bool:
    """Whether `error` is the database (or its disk) being full."""
    if isinstance(error, OSError) and getattr(error, "errno", None) == 28:  # ENOSPC
        return True
    return isinstance(error, DBAPIError | sqlite3.Error) and (
        "database or disk is full" in _message(error)
    )


def disk_full_while_importing(stored: int) -> DiskFull:
    """The one line of an import stopped by a full disk after storing `stored` articles."""
    what = "article was" if stored == 1 else "articles were"
    return DiskFull(
        f"disk full while importing: {stored} {what} stored, "
        "run the import again to continue (free some space first)"
    )


def _where(url: str | None) -> str:
    """The database file of `url`, or the URL without its password."""
    if not url:
        return "the database"
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        return parsed.database.removeprefix("file:").split("?")[0]
    return parsed.render_as_string(hide_password=True)


def _server(url: str | None) -> tuple[str, str, str]:
    """(host:port, user, database) of a server URL, as far as it says."""
    try:
        parsed = make_url(url or "")
    except ArgumentError:
        return "the server", "the user", "the database"
    host = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    return host, parsed.username or "the user", parsed.database or "the database"


_CHECK = "check --db or TELAAH_DB"


def _postgresql(message: str, url: str | None) -> str | None:
    """PostgreSQL's connection errors, each one line: unreachable, login refused, no database."""
    if not (url or "").startswith("postgres"):
        return None
    host, user, database = _server(url)
    if f'database "{database.lower()}" does not exist' in message:
        return (
            f"no database {database} on the PostgreSQL server {host}: create it "
            f"(createdb {database}, then telaah db upgrade) or {_CHECK}"
        )
    if (
        "password authentication failed" in message
        or "no password supplied" in message
        or ("role" in message and "does not exist" in message)
        or "no pg_hba.conf entry" in message
    ):
        return (
            f"the PostgreSQL server {host} refused the login of {user} (wrong password, no such "
            f"role, or not allowed from this host); check the user and password in --db, "
            "TELAAH_DB or ~/.pgpass"
        )
    if any(
        part in message
        for part in (
            "connection refused",
            "could not connect",
            "connection failed",
            "could not translate host name",
            "name or service not known",
            "timeout expired",
            "no route to host",
            "server closed the connection",
        )
    ):
        return (
            f"cannot reach the PostgreSQL server {host}: is it running and is the host and "
            f"port right? ({_CHECK})"
        )
    if "permission denied" in message:
        return (
            f"{user} may not do this on the PostgreSQL database {database}: grant the role "
            "the rights of the README's team setup"
        )
    return None


def _read_only(path: str) -> bool:
    """Whether the file `path` exists and this process may not write it."""
    return os.path.isfile(path) and not os.access(path, os.W_OK)


def describe(error: BaseException, url: str | None = None) -> str | None:
    """One line naming the cause of a database `error` and the fix, or None if it is not one
    this knows (the caller then reports an internal error)."""
    if isinstance(error, ModuleNotFoundError | NoSuchModuleError):
        name = (getattr(error, "name", None) or str(error)).lower()
        if any(driver in name for driver in _DRIVERS) or "postgres" in name:
            return POSTGRES_EXTRA
        return None
    if not isinstance(error, DBAPIError | sqlite3.Error):
        return (
            "disk full: free some space and run the command again"
            if (is_disk_full(error))
            else None
        )
    message = _message(error)
    where = _where(url)
    server = _postgresql(message, url)
    if server is not None:
        return server
    if "readonly" in message or "read-only" in message:
        return (
            f"cannot write: the database file is read-only ({where}); "
            "make it writable or copy it where you can write"
        )
    if "file is not a database" in message:
        return f"not a telaah database: {where} (not a SQLite file); check --db or TELAAH_DB"
    if "malformed" in message or "corrupt" in message:
        return (
            f"the database is damaged: {where} (corrupt or truncated); restore it from a backup "
            f"or rescue what is left with `sqlite3 {where} .recover`"
        )
    if "database or disk is full" in message:
        return f"disk full: {where} cannot grow; free some space and run the command again"
    if "unable to open database file" in message:
        if _read_only(where):
            return (
                f"cannot write: the database file is read-only ({where}); "
                "make it writable or copy it where you can write"
            )
        return (
            f"cannot open the database {where}: its folder is missing or not writable, "
            "or the file cannot be read"
        )
    if "disk i/o error" in message:
        return f"disk I/O error on {where}: check the disk, then run the command again"
    if "database is locked" in message or "database is busy" in message:
        return f"the database {where} is locked by another program; try again when it is done"
    return None
