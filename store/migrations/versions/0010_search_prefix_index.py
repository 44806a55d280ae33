"""article search: a prefix index of three characters (SQLite)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

Without a prefix index FTS5 answers `mem*` by merging the entries of every term that starts
with "mem" before it returns a first row (2.8 s at 1M articles, hundreds of common words start
so). With `prefix='3'` it keeps one more list per three-character prefix and streams it like
a word's. `store.corpus.search.MIN_PREFIX` refuses shorter prefixes, which no index serves; a
longer prefix merges only the terms it starts (bench/README.md, `scale_search_bench.py`).

The table is made again with the option and filled from the articles ('rebuild'): instant on
a new database, minutes on a big one (a line on stderr says so first). The triggers and the
vocabulary of migration 0002 are made again as they were.

PostgreSQL: nothing to do. GIN finds a tsquery prefix (`'mem':*`) by a range scan of its
sorted lexemes; there is no prefix index to add.
"""
from typing import Sequence, Union

from alembic import op

from store.migrate import tell

revision: str = "0010"
down_revision: Union[str, Sequence[str], None] = "0009"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# Past this many articles the rebuild takes long enough to say so first (~0.33 ms of CPU an
# article: 325 s for 1M, 20 minutes on the busy 2-core machine of bench/README.md).
TELL_FROM = 20_000

INDEXED = "old.id IN (SELECT id FROM article_fts_docsize)"
DROP = (
    "DROP TABLE IF EXISTS article_fts_vocab",
    "DROP TRIGGER IF EXISTS article_fts_update",
    "DROP TRIGGER IF EXISTS article_fts_delete",
    "DROP TABLE IF EXISTS article_fts",
)
CREATE = (
    "CREATE VIRTUAL TABLE article_fts USING fts5(title, text, content='article', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2'{prefix})"
)
AFTER = (
    f"CREATE TRIGGER article_fts_delete AFTER DELETE ON article WHEN {INDEXED} BEGIN "
    "INSERT INTO article_fts(article_fts, rowid, title, text) "
    "VALUES ('delete', old.id, old.title, old.text); END",
    f"CREATE TRIGGER article_fts_update AFTER UPDATE OF title, text ON article WHEN {INDEXED} "
    "BEGIN INSERT INTO article_fts(article_fts, rowid, title, text) "
    "VALUES ('delete', old.id, old.title, old.text); "
    "INSERT INTO article_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END",
    "INSERT INTO article_fts(article_fts) VALUES ('rebuild')",
    "CREATE VIRTUAL TABLE article_fts_vocab USING fts5vocab(article_fts, 'row')",
)


def _remake(prefix: str) -> None:
    """Make the index again with `prefix` (FTS5's option, or '') and fill it."""
    if op.get_bind().dialect.name != "sqlite":
        return
    articles = op.get_bind().exec_driver_sql("SELECT count(*) FROM article").scalar_one()
    if articles >= TELL_FROM:
        tell(
            f"telaah: rebuilding the search index of {articles:,} articles for prefix "
            "search (once: about 6 minutes a million articles, longer on a busy machine)"
        )
    for statement in DROP:
        op.execute(statement)
    op.execute(CREATE.format(prefix=f", prefix='{prefix}'" if prefix else ""))
    for statement in AFTER:
        op.execute(statement)


def upgrade() -> None:
    """Make the search index again with a prefix index of three characters."""
    _remake("3")


def downgrade() -> None:
    """Make the search index again without a prefix index."""
    _remake("")
