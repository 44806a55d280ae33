"""a reason on every candidate the matcher doubts, so precision is a threshold, not a loss

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

The matcher used to drop what its precision gates doubted (a common word opening a sentence, a
lower-case form). It now proposes such spans with a lower score and says why (`sentence-initial`,
`common word`, `lower case`, `new name` for a capitalised name the gazetteer lacks); the review
screen and `telaah match --dump` hide candidates under a threshold.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: Union[str, Sequence[str], None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Add the reason column (NULL: nothing doubted)."""
    op.add_column("mention", sa.Column("reason", sa.String(), nullable=True))


def downgrade() -> None:
    """Drop the reason column (SQLite 3.35+ drops a column in place: no table rebuild)."""
    op.drop_column("mention", "reason")
