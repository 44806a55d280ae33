"""teams: reviewers' roles, assignments, and a layer per reviewer on mentions and facts

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

- `reviewer.role`: reviewer, curator or adjudicator.
- `assignment`: the articles given to each reviewer (`telaah assign`), with when that reviewer
  marked one done.
- `mention.layer`, `fact.layer`: NULL is the shared layer (the matcher's candidates, the work
  of a single reviewer); a reviewer's id is that reviewer's own decisions in blind mode, each
  a copy of the shared candidate it decides (`derived_from`) or a span they marked.

Plain Alembic operations, batch mode where SQLite rebuilds a table: the same revision runs on
PostgreSQL.
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: Union[str, Sequence[str], None] = "0007"
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
    """Add the role, the assignment table and the layer columns."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("reviewer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("role", sa.String(), nullable=False, server_default="reviewer")
        )
        batch_op.create_check_constraint(
            "role", "role IN ('reviewer', 'curator', 'adjudicator')"
        )
    op.create_table(
        "assignment",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("assigned_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("done_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["article_id"], ["article.id"],
                                name=op.f("fk_assignment_article_id_article"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reviewer_id"], ["reviewer.id"],
                                name=op.f("fk_assignment_reviewer_id_reviewer"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id", "reviewer_id", name=op.f("pk_assignment")),
    )
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assignment_reviewer_id"), ["reviewer_id"],
                              unique=False)
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS factargument_gone")
    for table in ("mention", "fact"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("layer", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("derived_from", sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f"ix_{table}_layer"), ["layer"], unique=False)
            batch_op.create_index(batch_op.f(f"ix_{table}_derived_from"), ["derived_from"],
                                  unique=False)
            batch_op.create_foreign_key(batch_op.f(f"fk_{table}_layer_reviewer"), "reviewer",
                                        ["layer"], ["id"], ondelete="CASCADE")
            batch_op.create_foreign_key(batch_op.f(f"fk_{table}_derived_from_{table}"), table,
                                        ["derived_from"], ["id"], ondelete="SET NULL")
    if sqlite:
        op.execute(TRIGGER)


def downgrade() -> None:
    """Drop the layers' rows and columns, the assignment table and the role."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS factargument_gone")
    op.execute("DELETE FROM fact WHERE layer IS NOT NULL")
    op.execute("DELETE FROM mention WHERE layer IS NOT NULL")
    for table in ("mention", "fact"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_derived_from_{table}"),
                                     type_="foreignkey")
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_layer_reviewer"),
                                     type_="foreignkey")
            batch_op.drop_index(batch_op.f(f"ix_{table}_derived_from"))
            batch_op.drop_index(batch_op.f(f"ix_{table}_layer"))
            batch_op.drop_column("derived_from")
            batch_op.drop_column("layer")
    if sqlite:
        op.execute(TRIGGER)
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignment_reviewer_id"))
    op.drop_table("assignment")
    with op.batch_alter_table("reviewer", schema=None) as batch_op:
        batch_op.drop_constraint("role", type_="check")
        batch_op.drop_column("role")
