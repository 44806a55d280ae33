"""facts that need review: a flag and its reason, set when a role's mention changes or goes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

A trigger marks a fact when one of its role fillers is deleted (the argument row goes with its
mention: only then, not when the store replaces a fact's roles), so a fact never silently loses
a role; rejections and relinks are marked by the store. PostgreSQL runs the same trigger as a
function.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TRIGGER = (
    "CREATE TRIGGER factargument_gone AFTER DELETE ON factargument "
    "WHEN NOT EXISTS (SELECT 1 FROM mention WHERE id = old.mention_id) BEGIN "
    "UPDATE fact SET needs_review = 1, "
    "review_reason = 'the mention filling ' || old.role || ' was deleted' "
    "WHERE id = old.fact_id; END"
)
PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION factargument_gone() RETURNS trigger AS $$ BEGIN "
    "IF NOT EXISTS (SELECT 1 FROM mention WHERE id = OLD.mention_id) THEN "
    "UPDATE fact SET needs_review = true, "
    "review_reason = 'the mention filling ' || OLD.role || ' was deleted' "
    "WHERE id = OLD.fact_id; END IF; RETURN NULL; END $$ LANGUAGE plpgsql"
)
PG_TRIGGER = (
    "CREATE TRIGGER factargument_gone AFTER DELETE ON factargument "
    "FOR EACH ROW EXECUTE FUNCTION factargument_gone()"
)


def upgrade() -> None:
    """Add the columns and the trigger."""
    with op.batch_alter_table("fact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("needs_review", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("review_reason", sa.String(), nullable=True))
        batch_op.create_index(batch_op.f("ix_fact_needs_review"), ["needs_review"],
                              unique=False)
    if op.get_bind().dialect.name == "sqlite":
        op.execute(TRIGGER)
    elif op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)


def downgrade() -> None:
    """Drop the trigger and the columns."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS factargument_gone")
    elif op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS factargument_gone ON factargument")
        op.execute("DROP FUNCTION IF EXISTS factargument_gone()")
    with op.batch_alter_table("fact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fact_needs_review"))
        batch_op.drop_column("review_reason")
        batch_op.drop_column("needs_review")
