"""The article search index (SQLite FTS5): filled after imports, queried for affected articles."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from sqlalchemy import Engine, Integer, column, text
from sqlmodel import Session

from store.textnorm import norm_key

_WORD = re.compile(r"\w+")
# Shorter tokens say too little about which articles hold a name to be worth a fuzzy look-up.
MIN_FUZZY_TOKEN = 5


def has_search_index(session_or_engine: Session | Engine) -> bool:
    """Whether the database has the FTS5 index (SQLite databases at revision 0002 or later)."""
    bind = (
        session_or_engine.get_bind()
        if isinstance(session_or_engine, Session)
        else session_or_engine
    )
    return bind.dialect.name == "sqlite"


def index_new_articles(engine: Engine) -> int:
    """Add every article not yet in the search index; return how many were added.

    Articles are only ever appended, so the unindexed ones are those above the highest
    indexed id. Run after each import: one pass is much faster than a trigger per row.
    """
    if not has_search_index(engine):
        return 0
    with engine.begin() as connection:
        upto = connection.execute(
            text("SELECT coalesce(max(id), 0) FROM article_fts_docsize")
        ).scalar_one()
        result = connection.execute(
            text(
                "INSERT INTO article_fts(rowid, title, text) "
                "SELECT id, title, text FROM article WHERE id > :upto ORDER BY id"
            ),
            {"upto": upto},
        )
        return int(result.rowcount or 0)


def fts_tokens(value: str) -> list[str]:
    """The tokens FTS5's unicode61 tokenizer (diacritics removed) makes of `value`."""
    return [norm_key(token) for token in _WORD.findall(value) if norm_key(token)]


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def variant_terms(session: Session, alias: str, *, max_edits: int = 2) -> set[str]:
    """Terms of the corpus that an occurrence of `alias` (exact, fuzzy, with clitics) contains.

    The alias's longest token and the alias's tokens run together (S-300 -> s300) are looked
    up in the index's vocabulary with up to `max_edits` edits (among terms with the same first
    letter and a similar length: a first-letter typo is not found here).
    """
    tokens = fts_tokens(alias)
    if not tokens:
        return set()
    joined = "".join(tokens)
    terms = {joined, *tokens} if len(tokens) == 1 else {joined, max(tokens, key=len)}
    found = set(terms)
    for term in terms:
        if len(term) < MIN_FUZZY_TOKEN:
            continue
        rows = (
            session.execute(
                text(
                    "SELECT term FROM article_fts_vocab WHERE term >= :lo AND term < :hi "
                    "AND length(term) BETWEEN :short AND :long"
                ),
                {
                    "lo": term[0],
                    "hi": chr(ord(term[0]) + 1),
                    "short": len(term) - max_edits,
                    "long": len(term) + max_edits + 3,
                },  # + 3: a clitic such as -nya
            )
            .scalars()
            .all()
        )
        for match, _score, _index in process.extract(
            term, rows, scorer=Levenshtein.distance, score_cutoff=max_edits, limit=None
        ):
            found.add(match)
    return found


def articles_with_terms(session: Session, terms: Iterable[str]) -> set[int]:
    """Ids of the articles whose title or text has a token starting with one of `terms`."""
    terms = sorted(set(terms))
    ids: set[int] = set()
    for start in range(0, len(terms), 200):  # FTS5 queries grow with their terms
        query = " OR ".join(_quote(term) + "*" for term in terms[start : start + 200])
        rows = (
            session.execute(
                text("SELECT rowid FROM article_fts WHERE article_fts MATCH :q"), {"q": query}
            )
            .scalars()
            .all()
        )
        ids.update(int(r) for r in rows)
    return ids


def search_ids(query: str) -> Any:
    """A subquery of the ids of articles matching a full-text `query` over title and text.

    Words are ANDed; "quoted phrases" and prefix* work as in FTS5. Any other punctuation is
    taken as a word separator, so no user input can be an FTS5 syntax error.
    """
    terms = []
    for phrase, word in re.findall(r'"([^"]*)"|(\S+)', query):
        if phrase:
            tokens = fts_tokens(phrase)
            if tokens:
                terms.append(_quote(" ".join(tokens)))
        else:
            prefix = word.endswith("*")
            for index, token in enumerate(fts_tokens(word)):
                last = index == len(fts_tokens(word)) - 1
                terms.append(_quote(token) + ("*" if prefix and last else ""))
    match = " AND ".join(terms) or '""'
    return (
        text("SELECT rowid FROM article_fts WHERE article_fts MATCH :q")
        .bindparams(q=match)
        .columns(column("rowid", Integer))
    )


def articles_for_aliases(session: Session, aliases: Iterable[str]) -> set[int] | None:
    """Articles where any of `aliases` may occur (exactly or as a variant); None: unknown."""
    if not has_search_index(session):
        return None
    terms: set[str] = set()
    for alias in aliases:
        terms |= variant_terms(session, alias)
    return articles_with_terms(session, terms) if terms else set()
