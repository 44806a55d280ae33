"""article_tally: the articles' counts by status, kept by triggers

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06

The queue's header counted the articles by status at every reload, and the listing's count
without a search counted them all: two scans of the status index (55 and 39 ms at 1,000,000
articles on PostgreSQL, most of a reload). The counts are now kept as articles are written,
by triggers, whichever code writes them (imports, status changes, deletions), as
`mention_tally` keeps the mentions' (migration 0009):

- SQLite: one row per status, all three made here; a row trigger adds or takes one.
- PostgreSQL: statement triggers add one row per status a statement changed, from its
  transition tables (no row shared between writers: two import batches written at once never
  wait on each other's count); about one statement in fifty folds the committed rows into one
  per status, skipping rows another transaction holds.

A count is the sum of its rows. A later migration that rebuilds `article` in SQLite's batch
mode drops its triggers: it must create them again (`SQLITE_TRIGGERS` below).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = "0013"
down_revision: Union[str, Sequence[str], None] = "0012"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

STATUSES = ("todo", "in_progress", "done")

_ADD = "UPDATE article_tally SET n = n {sign} 1 WHERE status = {row}.status;"
SQLITE_TRIGGERS = (
    "CREATE TRIGGER article_tally_insert AFTER INSERT ON article BEGIN "
    + _ADD.format(sign="+", row="new")
    + " END",
    "CREATE TRIGGER article_tally_delete AFTER DELETE ON article BEGIN "
    + _ADD.format(sign="-", row="old")
    + " END",
    "CREATE TRIGGER article_tally_update AFTER UPDATE OF status ON article "
    "WHEN old.status IS NOT new.status BEGIN "
    + _ADD.format(sign="-", row="old")
    + " "
    + _ADD.format(sign="+", row="new")
    + " END",
)

_FOLD = (
    "CREATE FUNCTION article_tally_fold() RETURNS void LANGUAGE sql AS $$ "
    "WITH gone AS (DELETE FROM article_tally WHERE id IN "
    "(SELECT id FROM article_tally FOR UPDATE SKIP LOCKED) RETURNING status, n) "
    "INSERT INTO article_tally (status, n) SELECT status, sum(n) FROM gone GROUP BY status $$"
)
_FUNCTION = (
    "CREATE FUNCTION article_tally_{name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO article_tally (status, n) SELECT status, sum(n) FROM ({rows}) "
    "AS changed GROUP BY status HAVING sum(n) <> 0; "
    "IF random() < 0.02 THEN PERFORM article_tally_fold(); END IF; "
    "RETURN NULL; END $$"
)
_NEW = "SELECT status, 1 AS n FROM new_rows"
_OLD = "SELECT status, -1 AS n FROM old_rows"
POSTGRESQL = (
    _FOLD,
    _FUNCTION.format(name="insert", rows=_NEW),
    _FUNCTION.format(name="delete", rows=_OLD),
    _FUNCTION.format(name="update", rows=f"{_OLD} UNION ALL {_NEW}"),
    "CREATE TRIGGER article_tally_insert AFTER INSERT ON article "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION article_tally_insert()",
    "CREATE TRIGGER article_tally_delete AFTER DELETE ON article "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION article_tally_delete()",
    "CREATE TRIGGER article_tally_update AFTER UPDATE ON article "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION article_tally_update()",
)


def upgrade() -> None:
    """Create the table, count the articles there are, and add the triggers."""
    op.create_table(
        "article_tally",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_tally")),
    )
    op.execute(
        "INSERT INTO article_tally (status, n) SELECT status, count(*) FROM article GROUP BY status"
    )
    if op.get_bind().dialect.name == "sqlite":
        for status in STATUSES:
            op.execute(
                f"INSERT INTO article_tally (status, n) SELECT '{status}', 0 WHERE NOT EXISTS "
                f"(SELECT 1 FROM article_tally WHERE status = '{status}')"
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
        op.execute(f"DROP TRIGGER IF EXISTS article_tally_{name}" + ("" if sqlite else " ON article"))
        if not sqlite:
            op.execute(f"DROP FUNCTION IF EXISTS article_tally_{name}()")
    if not sqlite:
        op.execute("DROP FUNCTION IF EXISTS article_tally_fold()")
    op.drop_table("article_tally")
