"""Errors the core raises for users to read: one line, no traceback."""

from __future__ import annotations


class TelaahError(Exception):
    """An error whose message is meant for the user, printed as one line."""


class DatabaseTooNew(TelaahError):
    """The database was written by a newer telaah; it is left untouched."""


class NotFound(TelaahError):
    """A named article, entity or alias does not exist."""


class Conflict(TelaahError):
    """A change would break a rule of the data (a duplicate key, a referenced row)."""


class StaleDecision(Conflict):
    """A change was made on a view of a mention or fact that someone changed since.

    The message says what changed, who changed it and when; nothing was written.
    """


class NotSaved(TelaahError):
    """A write waited for the database's lock longer than it may; nothing was written."""
