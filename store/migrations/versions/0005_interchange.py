"""what real annotation files carry: arrival tokens, attributes, notes, equivalences, nested events

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

- `article_tokens`: the tokenisation an article arrived with and its extra token columns.
- `annotation_attribute`, `annotation_note`: brat `A`/`M` and `#` on mentions and facts.
- `equivalence`, `equivalence_member`: brat `*` sets of mentions.
- `factargument.filler_fact_id`: a fact filling a role of another fact (nested events); a role
  is filled by a mention or by a fact, never both. The trigger that marks a fact whose role
  filler was deleted learns the second kind.
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: Union[str, Sequence[str], None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OLD_TRIGGER = (
    "CREATE TRIGGER factargument_gone AFTER DELETE ON factargument "
    "WHEN NOT EXISTS (SELECT 1 FROM mention WHERE id = old.mention_id) BEGIN "
    "UPDATE fact SET needs_review = 1, "
    "review_reason = 'the mention filling ' || old.role || ' was deleted' "
    "WHERE id = old.fact_id; END"
)
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
# PostgreSQL: the trigger of migration 0003 calls this function; only its body changes.
PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION factargument_gone() RETURNS trigger AS $$ BEGIN "
    "IF (OLD.mention_id IS NOT NULL "
    "AND NOT EXISTS (SELECT 1 FROM mention WHERE id = OLD.mention_id)) "
    "OR (OLD.filler_fact_id IS NOT NULL "
    "AND NOT EXISTS (SELECT 1 FROM fact WHERE id = OLD.filler_fact_id)) THEN "
    "UPDATE fact SET needs_review = true, "
    "review_reason = CASE WHEN OLD.mention_id IS NOT NULL "
    "THEN 'the mention filling ' || OLD.role || ' was deleted' "
    "ELSE 'the fact filling ' || OLD.role || ' was deleted' END "
    "WHERE id = OLD.fact_id; END IF; RETURN NULL; END $$ LANGUAGE plpgsql"
)
OLD_PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION factargument_gone() RETURNS trigger AS $$ BEGIN "
    "IF NOT EXISTS (SELECT 1 FROM mention WHERE id = OLD.mention_id) THEN "
    "UPDATE fact SET needs_review = true, "
    "review_reason = 'the mention filling ' || OLD.role || ' was deleted' "
    "WHERE id = OLD.fact_id; END IF; RETURN NULL; END $$ LANGUAGE plpgsql"
)


def _target_columns() -> list[sa.Column]:
    return [
        sa.Column("mention_id", sa.Integer(), nullable=True),
        sa.Column("fact_id", sa.Integer(), nullable=True),
    ]


def _target_constraints(table: str) -> list[sa.Constraint]:
    return [
        sa.CheckConstraint(
            "(mention_id IS NULL) <> (fact_id IS NULL)", name=op.f(f"ck_{table}_one_target")
        ),
        sa.ForeignKeyConstraint(["fact_id"], ["fact.id"], name=op.f(f"fk_{table}_fact_id_fact"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["mention_id"], ["mention.id"],
                                name=op.f(f"fk_{table}_mention_id_mention"), ondelete="CASCADE"),
    ]


def upgrade() -> None:
    """Create the tables and the filler column."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "article_tokens",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("offsets", sa.JSON(), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["article.id"],
                                name=op.f("fk_article_tokens_article_id_article"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id", name=op.f("pk_article_tokens")),
    )
    op.create_table(
        "annotation_attribute",
        sa.Column("id", sa.Integer(), nullable=False),
        *_target_columns(),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        *_target_constraints("annotation_attribute"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annotation_attribute")),
    )
    op.create_table(
        "annotation_note",
        sa.Column("id", sa.Integer(), nullable=False),
        *_target_columns(),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        *_target_constraints("annotation_note"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annotation_note")),
    )
    for table in ("annotation_attribute", "annotation_note"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_fact_id"), ["fact_id"], unique=False)
            batch_op.create_index(batch_op.f(f"ix_{table}_mention_id"), ["mention_id"],
                                  unique=False)
    op.create_table(
        "equivalence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["article.id"],
                                name=op.f("fk_equivalence_article_id_article"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equivalence")),
    )
    with op.batch_alter_table("equivalence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_equivalence_article_id"), ["article_id"],
                              unique=False)
    op.create_table(
        "equivalence_member",
        sa.Column("equivalence_id", sa.Integer(), nullable=False),
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["equivalence_id"], ["equivalence.id"],
                                name=op.f("fk_equivalence_member_equivalence_id_equivalence"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["mention_id"], ["mention.id"],
                                name=op.f("fk_equivalence_member_mention_id_mention"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("equivalence_id", "mention_id",
                                name=op.f("pk_equivalence_member")),
    )
    with op.batch_alter_table("equivalence_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_equivalence_member_mention_id"), ["mention_id"],
                              unique=False)

    if sqlite:  # the table is rebuilt: its trigger goes with the old one
        op.execute("DROP TRIGGER IF EXISTS factargument_gone")
    with op.batch_alter_table("factargument", schema=None) as batch_op:
        batch_op.add_column(sa.Column("filler_fact_id", sa.Integer(), nullable=True))
        batch_op.alter_column("mention_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f("ix_factargument_filler_fact_id"), ["filler_fact_id"],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_factargument_filler_fact_id_fact"), "fact",
                                    ["filler_fact_id"], ["id"], ondelete="CASCADE")
        batch_op.create_unique_constraint(
            batch_op.f("uq_factargument_fact_id_role_filler_fact_id"),
            ["fact_id", "role", "filler_fact_id"],
        )
        batch_op.create_check_constraint(
            "one_filler", "(mention_id IS NULL) <> (filler_fact_id IS NULL)"
        )
        batch_op.create_check_constraint(
            "not_self", "filler_fact_id IS NULL OR filler_fact_id <> fact_id"
        )
    if sqlite:
        op.execute(TRIGGER)
    elif op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)


def downgrade() -> None:
    """Drop the filler column (and facts' nested fillers) and the tables."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS factargument_gone")
    op.execute("DELETE FROM factargument WHERE filler_fact_id IS NOT NULL")
    with op.batch_alter_table("factargument", schema=None) as batch_op:
        batch_op.drop_constraint("not_self", type_="check")
        batch_op.drop_constraint("one_filler", type_="check")
        batch_op.drop_constraint(batch_op.f("uq_factargument_fact_id_role_filler_fact_id"),
                                 type_="unique")
        batch_op.drop_constraint(batch_op.f("fk_factargument_filler_fact_id_fact"),
                                 type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_factargument_filler_fact_id"))
        batch_op.alter_column("mention_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("filler_fact_id")
    if sqlite:
        op.execute(OLD_TRIGGER)
    elif op.get_bind().dialect.name == "postgresql":
        op.execute(OLD_PG_FUNCTION)
    op.drop_table("equivalence_member")
    op.drop_table("equivalence")
    op.drop_table("annotation_note")
    op.drop_table("annotation_attribute")
    op.drop_table("article_tokens")
