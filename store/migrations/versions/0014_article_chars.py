"""An article's length in characters, stored with it

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06

The queue shows each article's length; `length(text)` read the whole text for it (on
PostgreSQL out of TOAST and decompressed: 2-3 ms of a page of 200 rows when cached, a second
random read a row when not). An article's text never changes, so its length is stored when it
is imported (`store.ingest.sink.article_row`). Articles stored before keep NULL and are
measured as before (`coalesce`): filling them here would rewrite every article (on SQLite its
text with it).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: Union[str, Sequence[str], None] = "0013"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Add the nullable column (`ALTER TABLE ... ADD COLUMN` on both: no table rebuilt)."""
    op.add_column("article", sa.Column("chars", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Drop it."""
    op.drop_column("article", "chars")
