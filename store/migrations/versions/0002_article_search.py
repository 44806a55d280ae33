"""article search: an FTS5 index over article title and text (SQLite)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

The index is external-content (the text lives once, in `article`). Imports fill it in one pass
after storing (`store.corpus.search.index_new_articles`); triggers keep it right when an indexed
article's title or text changes or the article is deleted.

PostgreSQL: a table of tsvectors under a GIN index, made by `index_new_articles` from the
same tokens as FTS5's (diacritics removed), and the vocabulary with the number of articles
holding each term, as fts5vocab's `row` table gives it (see store/corpus/search.py). Deleting
an article deletes its vector; articles already stored are indexed when the database is next
opened (`store.db.open_database`).
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
POSTGRESQL = [
    "CREATE TABLE article_fts (id INTEGER PRIMARY KEY "
    "REFERENCES article (id) ON DELETE CASCADE, doc TSVECTOR NOT NULL)",
    "CREATE INDEX ix_article_fts_doc ON article_fts USING gin (doc)",
    'CREATE TABLE article_fts_vocab (term TEXT COLLATE "C" PRIMARY KEY, doc INTEGER NOT NULL)',
]


def upgrade() -> None:
    """Create the search index and, on SQLite, index the articles already stored."""
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for statement in POSTGRESQL:
            op.execute(statement)
    if dialect != "sqlite":
        return
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    """Drop the search index."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE IF EXISTS article_fts_vocab")
        op.execute("DROP TABLE IF EXISTS article_fts")
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TABLE IF EXISTS article_fts_vocab")
    op.execute("DROP TRIGGER IF EXISTS article_fts_update")
    op.execute("DROP TRIGGER IF EXISTS article_fts_delete")
    op.execute("DROP TABLE IF EXISTS article_fts")
