"""article search: an FTS5 index over article title and text (SQLite)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

The index is external-content (the text lives once, in `article`). Imports fill it in one pass
after storing (`store.corpus.search.index_new_articles`); triggers keep it right when an indexed
article's title or text changes or the article is deleted. Other databases get no index and
fall back to scanning (see store/corpus/search.py).
"""
from typing import Sequence, Union

from alembic import op

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

INDEXED = "old.id IN (SELECT id FROM article_fts_docsize)"
STATEMENTS = [
    "CREATE VIRTUAL TABLE article_fts USING fts5(title, text, content='article', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER article_fts_delete AFTER DELETE ON article WHEN {INDEXED} BEGIN "
    "INSERT INTO article_fts(article_fts, rowid, title, text) "
    "VALUES ('delete', old.id, old.title, old.text); END",
    f"CREATE TRIGGER article_fts_update AFTER UPDATE OF title, text ON article WHEN {INDEXED} "
    "BEGIN INSERT INTO article_fts(article_fts, rowid, title, text) "
    "VALUES ('delete', old.id, old.title, old.text); "
    "INSERT INTO article_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END",
    "INSERT INTO article_fts(rowid, title, text) SELECT id, title, text FROM article",
    # Every distinct indexed term, for finding spelling variants of a new alias in the corpus.
    "CREATE VIRTUAL TABLE article_fts_vocab USING fts5vocab(article_fts, 'row')",
]


def upgrade() -> None:
    """Create the search index (SQLite only) and index the articles already stored."""
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    """Drop the search index."""
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TABLE IF EXISTS article_fts_vocab")
    op.execute("DROP TRIGGER IF EXISTS article_fts_update")
    op.execute("DROP TRIGGER IF EXISTS article_fts_delete")
    op.execute("DROP TABLE IF EXISTS article_fts")
