"""PostgreSQL: article texts and search vectors compressed with lz4

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

PostgreSQL compresses a long value (an article's text, its search vector) before storing it
out of line, with pglz unless told otherwise; an import spends a good part of the server's
time there, and every read of a text decompresses it. lz4 (PostgreSQL 14 and later, when the
server was built with it, as Debian's and the official images are) compresses several times
faster for a few percent more bytes. Only new values are compressed this way (what is stored
stays as it is until it is written again). A server without lz4 keeps pglz: nothing changes.

SQLite: nothing to do.
"""
from typing import Sequence, Union

from alembic import op

revision: str = "0012"
down_revision: Union[str, Sequence[str], None] = "0011"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COLUMNS = (("article", "text"), ("article", "title"), ("article_fts", "doc"))


def _available(bind: object) -> bool:
    """Whether the server can compress with lz4 (PostgreSQL 14+, built with it)."""
    found = bind.exec_driver_sql(  # type: ignore[attr-defined]
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
    ).scalar()
    return bool(found)


def _compress(method: str) -> None:
    """Set the columns' compression to `method` (PostgreSQL with lz4 only)."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or not _available(bind):
        return
    for table, column in COLUMNS:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION {method}")


def upgrade() -> None:
    _compress("lz4")


def downgrade() -> None:
    _compress("default")
