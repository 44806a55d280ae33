"""mention_tally: the mentions' counts by state and origin, kept by triggers

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04

`telaah stats` counted every mention by state and by origin: a scan of the whole table (10M
mentions: seconds). The counts are now kept as mentions are written, by triggers, whichever
code writes them (candidates, decisions, imports, undo, cascades from a deleted article):

- SQLite: one row per (state, origin), all nine made here; a row trigger adds or takes one.
- PostgreSQL: statement triggers add one row per (state, origin) a statement changed, from its
  transition tables (no row shared between writers, so no transaction waits on another's
  count); about one statement in fifty folds the committed rows into one per pair, skipping
  rows another transaction holds.

Only the shared layer is counted (`layer` NULL: the candidates, single reviewers' work, the
adjudicated gold); a reviewer's own copies in blind review (migration 0008) are counted by
`telaah stats` from their index, and a row never changes layer. A count is the sum of its
rows. A later migration that rebuilds `mention` in SQLite's batch mode drops its triggers: it
must create them again (`SQLITE_TRIGGERS` below).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: Union[str, Sequence[str], None] = "0008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

STATES = ("pending", "accepted", "rejected")
ORIGINS = ("gazetteer", "manual", "import")

_ADD = "UPDATE mention_tally SET n = n {sign} 1 WHERE state = {row}.state AND origin = {row}.origin;"
SQLITE_TRIGGERS = (
    "CREATE TRIGGER mention_tally_insert AFTER INSERT ON mention WHEN new.layer IS NULL BEGIN "
    + _ADD.format(sign="+", row="new")
    + " END",
    "CREATE TRIGGER mention_tally_delete AFTER DELETE ON mention WHEN old.layer IS NULL BEGIN "
    + _ADD.format(sign="-", row="old")
    + " END",
    "CREATE TRIGGER mention_tally_update AFTER UPDATE OF state, origin ON mention "
    "WHEN old.layer IS NULL AND (old.state IS NOT new.state OR old.origin IS NOT new.origin) "
    "BEGIN "
    + _ADD.format(sign="-", row="old")
    + " "
    + _ADD.format(sign="+", row="new")
    + " END",
)

_FOLD = (
    "CREATE FUNCTION mention_tally_fold() RETURNS void LANGUAGE sql AS $$ "
    "WITH gone AS (DELETE FROM mention_tally WHERE id IN "
    "(SELECT id FROM mention_tally FOR UPDATE SKIP LOCKED) RETURNING state, origin, n) "
    "INSERT INTO mention_tally (state, origin, n) "
    "SELECT state, origin, sum(n) FROM gone GROUP BY state, origin $$"
)
_FUNCTION = (
    "CREATE FUNCTION mention_tally_{name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO mention_tally (state, origin, n) SELECT state, origin, sum(n) FROM ({rows}) "
    "AS changed GROUP BY state, origin HAVING sum(n) <> 0; "
    "IF random() < 0.02 THEN PERFORM mention_tally_fold(); END IF; "
    "RETURN NULL; END $$"
)
_NEW = "SELECT state, origin, 1 AS n FROM new_rows WHERE layer IS NULL"
_OLD = "SELECT state, origin, -1 AS n FROM old_rows WHERE layer IS NULL"
POSTGRESQL = (
    _FOLD,
    _FUNCTION.format(name="insert", rows=_NEW),
    _FUNCTION.format(name="delete", rows=_OLD),
    _FUNCTION.format(name="update", rows=f"{_OLD} UNION ALL {_NEW}"),
    "CREATE TRIGGER mention_tally_insert AFTER INSERT ON mention "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION mention_tally_insert()",
    "CREATE TRIGGER mention_tally_delete AFTER DELETE ON mention "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION mention_tally_delete()",
    "CREATE TRIGGER mention_tally_update AFTER UPDATE ON mention "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION mention_tally_update()",
)


def upgrade() -> None:
    """Create the table, count the mentions there are, and add the triggers."""
    op.create_table(
        "mention_tally",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("origin", sa.String(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mention_tally")),
    )
    op.execute(
        "INSERT INTO mention_tally (state, origin, n) "
        "SELECT state, origin, count(*) FROM mention WHERE layer IS NULL GROUP BY state, origin"
    )
    if op.get_bind().dialect.name == "sqlite":
        for state in STATES:
            for origin in ORIGINS:
                op.execute(
                    "INSERT INTO mention_tally (state, origin, n) "
                    f"SELECT '{state}', '{origin}', 0 WHERE NOT EXISTS (SELECT 1 FROM "
                    f"mention_tally WHERE state = '{state}' AND origin = '{origin}')"
                )
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    else:
        for statement in POSTGRESQL:
            op.execute(statement)


def downgrade() -> None:
    """Drop the triggers and the table."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS mention_tally_{name}" + ("" if sqlite else " ON mention"))
        if not sqlite:
            op.execute(f"DROP FUNCTION IF EXISTS mention_tally_{name}()")
    if not sqlite:
        op.execute("DROP FUNCTION IF EXISTS mention_tally_fold()")
    op.drop_table("mention_tally")
