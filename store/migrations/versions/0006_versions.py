"""a version on every mention and fact, so a change made on a stale view is refused

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

Each change states the version it was made on and raises it by one; a change whose version is
no longer the row's (another reviewer, another window or a bulk action changed it meanwhile) is
refused instead of silently overwriting.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: Union[str, Sequence[str], None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


# The trigger of migration 0005 names both tables: SQLite refuses to rebuild either under it.
TRIGGER = (
    "CREATE TRIGGER factargument_gone AFTER DELETE ON factargument "
    "WHEN (old.mention_id IS NOT NULL "
    "AND NOT EXISTS (SELECT 1 FROM mention WHERE id = old.mention_id)) "
    "OR (old.filler_fact_id IS NOT NULL "
    "AND NOT EXISTS (SELECT 1 FROM fact WHERE id = old.filler_fact_id)) BEGIN "
    "UPDATE fact SET needs_review = 1, "
    "review_reason = CASE WHEN old.mention_id IS NOT NULL "
    "THEN 'the mention filling ' || old.role || ' was deleted' "
    "ELSE 'the fact filling ' || old.role || ' was deleted' END "
    "WHERE id = old.fact_id; END"
)


def upgrade() -> None:
    """Add the version columns, 1 for every row there is."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS factargument_gone")
    for table in ("mention", "fact"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False,
                                          server_default="1"))
    if sqlite:
        op.execute(TRIGGER)


def downgrade() -> None:
    """Drop the version columns."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS factargument_gone")
    for table in ("mention", "fact"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("version")
    if sqlite:
        op.execute(TRIGGER)
