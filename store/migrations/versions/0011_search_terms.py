"""article search: the index's terms, listed fast (SQLite), for longer prefixes

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04

FTS5 uses its prefix index (migration 0010, `prefix='3'`) only for a prefix of exactly three
characters: `meng*` merges the entries of every term it starts (160 words at 1M articles:
1.5 to 3 s) before it gives a first row, while the same terms ORed one by one stream in
rowid order (a page in a millisecond, 10,000 matches counted in 15 ms). Listing those terms
from `article_fts_vocab` reads their entries too (0.8 s). `article_fts_terms` holds the same
terms at a tiny cost: a contentless FTS5 table without positions (`detail='none'`) where each
2,000 articles indexed are one row (their titles and texts run together), so a term has one
entry per row it appears in (500 at most for 1M articles) and `article_fts_terms_vocab` lists
the terms of a prefix in a millisecond (`store.corpus.search.prefix_terms`).

It is filled here from the indexed articles, 2,000 at a time (about 35 s a million articles);
later by `store.corpus.search.index_pending` with each step, and by a trigger when an indexed
article's title or text is edited. It may hold terms no article holds any more (a deleted or
edited article): a term matching nothing costs a search nothing.

PostgreSQL: nothing to do. Its `article_fts_vocab` is a table keyed by term.
"""
from typing import Sequence, Union

from alembic import op

from store.migrate import tell

revision: str = "0011"
down_revision: Union[str, Sequence[str], None] = "0010"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TELL_FROM = 100_000  # articles: past this the filling takes long enough to say so first
STEP = 2_000  # articles per row (as `store.corpus.search.TERMS_STEP`)

CREATE = (
    "CREATE VIRTUAL TABLE article_fts_terms USING fts5(body, content='', detail='none', "
    "tokenize='unicode61 remove_diacritics 2')",
    "INSERT INTO article_fts_terms(article_fts_terms, rank) VALUES ('hashsize', 67108864)",
    "CREATE VIRTUAL TABLE article_fts_terms_vocab USING fts5vocab(article_fts_terms, 'row')",
    "CREATE TRIGGER article_fts_terms_update AFTER UPDATE OF title, text ON article "
    "WHEN old.id IN (SELECT id FROM article_fts_docsize) BEGIN "
    "INSERT INTO article_fts_terms(body) VALUES (coalesce(new.title, '') || ' ' || new.text); END",
)
FILL = (
    "INSERT INTO article_fts_terms(body) SELECT group_concat(coalesce(title, '') || ' ' || text, "
    "' ') FROM article WHERE id > {lo} AND id <= {hi} HAVING count(*) > 0"
)


def upgrade() -> None:
    """Make the terms' table and fill it from the indexed articles."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for statement in CREATE:
        op.execute(statement)
    upto = bind.exec_driver_sql("SELECT coalesce(max(id), 0) FROM article_fts_docsize")
    last = int(upto.scalar_one())
    if last >= TELL_FROM:
        tell(
            f"telaah: listing the search index's terms of {last:,} articles "
            "(once: about half a minute a million articles)"
        )
    for lo in range(0, last, STEP):
        op.execute(FILL.format(lo=lo, hi=min(lo + STEP, last)))


def downgrade() -> None:
    """Drop the terms' table."""
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER IF EXISTS article_fts_terms_update")
    op.execute("DROP TABLE IF EXISTS article_fts_terms_vocab")
    op.execute("DROP TABLE IF EXISTS article_fts_terms")
