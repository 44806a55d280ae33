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
