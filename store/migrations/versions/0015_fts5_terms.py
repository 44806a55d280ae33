"""article search: PostgreSQL's vectors hold FTS5's own terms

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06

PostgreSQL's vectors and every search's words were tokenised by a pattern (`\\w+`, each token
folded by `norm_key`) meant to give SQLite's FTS5 terms; it did not on 5% of the scale
corpus's articles (marks left after NFC split a word, `_` joined two, `ß` became `ss`, emoji
were dropped), and such words were found on one database and not the other. The terms are now
FTS5's own (`store.corpus.index_tokens`). SQLite's index is FTS5's: nothing to do. On
PostgreSQL the vectors made by the pattern are made again, with the vocabulary's counts: only
for an article where a chunk between white spaces holding a character past ASCII or an `_`
(the only ones the two can differ on) has other tokens, the others keep theirs. The downgrade
makes them again by the pattern.
"""
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from typing import Sequence, Union

from alembic import op
from sqlalchemy import Connection, text

from store.corpus.index_tokens import fts_tokens
from store.corpus.search import count_terms, tsvector
from store.migrate import tell

revision: str = "0015"
down_revision: Union[str, Sequence[str], None] = "0014"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TELL_FROM = 100_000  # articles: past this the reading takes long enough to say so first
BATCH = 1_000
_ODD = "[^\\x01-\\x7f]|_"  # (PostgreSQL's pattern) the characters the tokenizers differ on
_BETWEEN = " telaahchunk "
_WORD = re.compile(r"\w+")
_ASCII_NOT_ALNUM = re.compile(r"[^a-z0-9]+")

Tokens = Callable[[str], list[str]]


def _pattern_key(value: str) -> str:
    """`store.textnorm.norm_key` as the pattern's tokens were folded (kept here as it was)."""
    if value.isascii():
        return _ASCII_NOT_ALNUM.sub("", value.lower())
    decomposed = unicodedata.normalize("NFKD", value)
    kept = (ch for ch in decomposed if not unicodedata.combining(ch))
    return "".join(ch for ch in "".join(kept).casefold() if ch.isalnum())


def pattern_tokens(value: str) -> list[str]:
    """The tokens the pattern made (PostgreSQL's vectors before this revision)."""
    return [key for key in map(_pattern_key, _WORD.findall(value)) if key]


def _differs(title: str, body: str, was: Tokens, now: Tokens) -> bool:
    """Whether `was` and `now` tokenise an article otherwise: its chunks between white spaces
    holding a character past ASCII or an `_` tokenised by each at once, a word both make the
    same between them (no token spans white space: the lists are the same if each chunk's
    are)."""
    odd = [chunk for chunk in f"{title}\n{body}".split() if "_" in chunk or not chunk.isascii()]
    joined = _BETWEEN.join(odd)
    return was(joined) != now(joined)


def remake(connection: Connection, was: Tokens, now: Tokens) -> int:
    """Make again the vectors `was` made where `now` makes others, and move the vocabulary's
    counts with them; how many articles."""
    after, remade = 0, 0
    while True:
        rows = connection.execute(
            text(
                "SELECT a.id, coalesce(a.title, ''), a.text FROM article a "
                "JOIN article_fts f ON f.id = a.id "
                "WHERE a.id > :after AND (a.title ~ :odd OR a.text ~ :odd) "
                "ORDER BY a.id LIMIT :n"
            ),
            {"after": after, "odd": _ODD, "n": BATCH},
        ).all()
        if not rows:
            return remade
        after = rows[-1][0]
        ids: list[int] = []
        docs: list[str] = []
        counts: Counter[str] = Counter()
        for article_id, title, body in rows:
            if not _differs(title, body, was, now):
                continue
            title_tokens, text_tokens = now(title), now(body)
            ids.append(article_id)
            docs.append(tsvector(title_tokens, text_tokens))
            counts.update({*title_tokens, *text_tokens})
            counts.subtract({*was(title), *was(body)})
        if not ids:
            continue
        remade += len(ids)
        connection.execute(
            text(
                "UPDATE article_fts SET doc = CAST(t.doc AS tsvector) "
                "FROM unnest(CAST(:ids AS integer[]), CAST(:docs AS text[])) AS t(id, doc) "
                "WHERE article_fts.id = t.id"
            ),
            {"ids": ids, "docs": docs},
        )
        terms = count_terms(connection, counts)
        connection.execute(
            text("DELETE FROM article_fts_vocab WHERE term = ANY(:terms) AND doc <= 0"),
            {"terms": terms},
        )


def _remake(was: Tokens, now: Tokens) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    held = bind.execute(text("SELECT count(*) FROM article_fts")).scalar_one()
    if held >= TELL_FROM:
        tell(
            f"telaah: reading the {held:,} articles of the search index for the words it "
            "holds otherwise than FTS5 (once: a few minutes a million articles)"
        )
    remake(bind, was, now)


def upgrade() -> None:
    """PostgreSQL: the vectors the pattern made otherwise than FTS5, made again."""
    _remake(pattern_tokens, fts_tokens)


def downgrade() -> None:
    """PostgreSQL: those vectors made by the pattern again."""
    _remake(fts_tokens, pattern_tokens)
