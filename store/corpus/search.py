"""The article search index: filled after imports, queried for affected articles.

SQLite: FTS5 (`article_fts`, its vocabulary `article_fts_vocab`). PostgreSQL: its own
full-text search over the same tokens (`store.corpus.index_tokens.fts_tokens`: FTS5's own
unicode61 tokenizer, diacritics removed): `article_fts(id, doc tsvector)` under a GIN index, and
`article_fts_vocab(term, doc)` counting the articles holding each term (migration 0002).
Queries are tsquery (`'term':*` for a prefix, `<->` for a phrase) on PostgreSQL, FTS5 MATCH
on SQLite; both answer the same.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from sqlalchemy import (
    Boolean,
    Connection,
    Engine,
    Integer,
    Join,
    bindparam,
    cast,
    column,
    literal,
    literal_column,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.ext.compiler import compiles
from sqlmodel import Session

from store.corpus.index_tokens import fts_tokens
from store.dialect import POSTGRESQL, SQLITE, dialect_name, per_dialect
from store.errors import TelaahError

# Shorter tokens say too little about which articles hold a name to be worth a fuzzy look-up.
MIN_FUZZY_TOKEN = 5


def has_search_index(session_or_engine: Session | Engine) -> bool:
    """Whether the database has the FTS5 index (SQLite databases at revision 0002 or later)."""
    bind = (
        session_or_engine.get_bind()
        if isinstance(session_or_engine, Session)
        else session_or_engine
    )
    return bind.dialect.name in (SQLITE, POSTGRESQL)


def index_new_articles(engine: Engine) -> int:
    """Add every article not yet in the search index, then merge what this or an earlier
    (interrupted) bulk import left unmerged (`merge_index`); return how many were added.

    The articles go in as an import's step does (`bulk`): with FTS5's usual settings, a write
    finding the many segments of a killed import would merge them all in its transaction.
    """
    if not has_search_index(engine):
        return 0
    with engine.begin() as connection:
        added = index_pending(connection, bulk=True)
    merge_index(engine)
    return added


# How FTS5 writes and merges its index (kept in `article_fts_config`, set by the first indexing
# that finds them otherwise). An import indexes 10,000 articles at a time (`store.ingest.sink`);
# `hashsize` (1 MB by default) is how much FTS5 holds in memory before writing a segment: at
# 64 MB, each step is one segment instead of ~35. `automerge` (4) merges that many segments of
# a level into one of the next: every merge rewrites its pages, once per level, and at 4 a
# million articles stack seven levels whose largest merges come every ~300,000 articles as
# bursts (the slowest slices of an import). At 16, a million articles take two levels: each
# page is written, then merged once. `crisismerge` (16) must stay above `automerge`, or a level
# reaching 16 segments would be merged all at once (bench/README.md, scale_bench.py).
# `usermerge`: the fewest segments of a level that `merge_index` merges (as `automerge`).
FTS5_SETTINGS = {
    "hashsize": 64 * 1024 * 1024,
    "automerge": 16,
    "crisismerge": 32,
    "usermerge": 16,
}
# While an import indexes its steps (`index_pending(..., bulk=True)`), FTS5 merges nothing:
# each step adds one segment and the import's slices all cost the same (merged as they went,
# a merge of 16 segments fell every 160,000 articles: the slow slices of bench/README.md);
# `merge_index` merges them once at the end, in bounded steps. `crisismerge` caps the segments
# a level may hold (FTS5 allows 2,000 in all): 10 million articles in one import.
BULK_SETTINGS = {**FTS5_SETTINGS, "automerge": 0, "crisismerge": 1000}
# Pages (~4 KB) of merging per transaction of `merge_index`: the write-ahead log stays bounded.
MERGE_STEP = 10_000


def _fts5_settings(connection: Connection, settings: dict[str, int]) -> None:
    """Put `settings` in the index's configuration, where they differ (one look-up)."""
    rows = connection.execute(text("SELECT k, v FROM article_fts_config")).all()
    current = {str(row[0]): row[1] for row in rows}
    for key, value in settings.items():
        if current.get(key) != value:
            connection.execute(
                text("INSERT INTO article_fts(article_fts, rank) VALUES (:key, :value)"),
                {"key": key, "value": value},
            )


def index_pending(connection: Connection, *, bulk: bool = False) -> int:
    """Add the articles not yet in the search index, in the caller's transaction; how many.

    Articles are only ever appended, so the unindexed ones are those above the highest
    indexed id. An import runs this in each batch's transaction (a trigger per row is much
    slower, and one pass at the end makes one huge transaction) with `bulk`: nothing is merged
    until `merge_index` (on PostgreSQL the import indexes its batches with `index_known`).
    """
    name = connection.dialect.name
    if name == POSTGRESQL:
        return _index_postgresql(connection)
    if name != SQLITE:
        return 0
    _fts5_settings(connection, BULK_SETTINGS if bulk else FTS5_SETTINGS)
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
    _add_terms(connection, upto)
    return int(result.rowcount or 0)


# Articles per row of `article_fts_terms` (migration 0011): a row of 10,000 (an indexing step)
# took 80 MB more memory at its peak (its text run together) for no quicker listing.
TERMS_STEP = 2_000


def _add_terms(connection: Connection, upto: int) -> None:
    """Add the terms of the articles above `upto` to `article_fts_terms`, one row per
    `TERMS_STEP` articles (their titles and texts run together: only the terms are kept)."""
    if not _has_terms(connection):  # a database before migration 0011 (its tests)
        return
    last = connection.execute(text("SELECT coalesce(max(id), 0) FROM article")).scalar_one()
    for lo in range(upto, last, TERMS_STEP):
        connection.execute(
            text(
                "INSERT INTO article_fts_terms(body) "
                "SELECT group_concat(coalesce(title, '') || ' ' || text, ' ') FROM article "
                "WHERE id > :lo AND id <= :hi HAVING count(*) > 0"
            ),
            {"lo": lo, "hi": min(lo + TERMS_STEP, last)},
        )


def _has_terms(connection: Connection | Session) -> bool:
    """Whether the database has the term list of migration 0011 (SQLite only)."""
    if dialect_name(connection) != SQLITE:
        return False
    found = connection.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'article_fts_terms'")
    )
    return found.first() is not None


# A prefix covering more terms than this is left to FTS5 (`prefix_terms`). At 1M articles an
# OR of 983 terms (those of `ber`) counted 10,001 matches in 29 ms and read a page in 3 ms.
MAX_PREFIX_TERMS = 1_000


def prefix_terms(connection: Connection | Session, prefix: str) -> list[str] | None:
    """The index's terms starting with `prefix` (a token as `fts_tokens` makes it), from
    `article_fts_terms_vocab` (SQLite, a millisecond: migration 0011); None when there are more
    than `MAX_PREFIX_TERMS` or no such list (another database)."""
    if not _has_terms(connection):
        return None
    after = prefix[:-1] + chr(min(ord(prefix[-1]) + 1, 0x10FFFF))
    rows = connection.execute(
        text("SELECT term FROM article_fts_terms_vocab WHERE term >= :lo AND term < :hi LIMIT :n"),
        {"lo": prefix, "hi": after, "n": MAX_PREFIX_TERMS + 1},
    )
    terms = [str(term) for term in rows.scalars()]
    return terms if len(terms) <= MAX_PREFIX_TERMS else None


def merge_index(engine: Engine, *, on_step: Callable[[], None] = lambda: None) -> int:
    """Put FTS5's usual settings back and merge every level holding `usermerge` segments or
    more (what a bulk import left: one segment per indexing step), `MERGE_STEP` pages per
    transaction; how many steps wrote something. Nothing to do: one look-up. SQLite only.
    """
    if engine.dialect.name != SQLITE:
        return 0
    steps = 0
    while True:
        with engine.begin() as connection:
            _fts5_settings(connection, FTS5_SETTINGS)
            before = connection.exec_driver_sql("SELECT total_changes()").scalar_one()
            connection.execute(
                text("INSERT INTO article_fts(article_fts, rank) VALUES ('merge', :pages)"),
                {"pages": MERGE_STEP},
            )
            changed = connection.exec_driver_sql("SELECT total_changes()").scalar_one() - before
        # FTS5's advice: fewer than 2 rows changed means there was nothing left to merge.
        if changed < 2:
            return steps
        steps += 1
        on_step()


def index_levels(connection: Connection) -> list[tuple[int, int, int]]:
    """FTS5's structure record: per level, (segments, segments being merged, leaf pages)."""
    row = connection.exec_driver_sql("SELECT block FROM article_fts_data WHERE id = 10").first()
    if row is None:
        return []
    data, levels = bytes(row[0]), []
    n_levels, i = _varint(data, 4)  # after the 4-byte cookie
    _n_segments, i = _varint(data, i)
    _writes, i = _varint(data, i)
    for _ in range(n_levels):
        merging, i = _varint(data, i)
        count, i = _varint(data, i)
        pages = 0
        for _ in range(count):
            _segid, i = _varint(data, i)
            first, i = _varint(data, i)
            last, i = _varint(data, i)
            pages += last - first + 1
        levels.append((count, merging, pages))
    return levels


def _varint(data: bytes, i: int) -> tuple[int, int]:
    """SQLite's varint at `i`: its value and the offset after it."""
    value = 0
    for k in range(9):
        byte = data[i]
        i += 1
        if k == 8:
            return (value << 8) | byte, i
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            break
    return value, i


# Articles tokenised per statement on PostgreSQL (their tokens are made here, in Python).
_INDEX_BATCH = 500


def index_known(connection: Connection, ids: Sequence[int], vectors: Vectors) -> int:
    """PostgreSQL: index the articles `ids` stored in the caller's transaction, with their
    `vectors`, and no other; how many. Two importers' transactions index at once (no table
    lock: each counts its own articles' terms, in the same order)."""
    _store_vectors(connection, ids, vectors)
    return len(ids)


def _index_postgresql(connection: Connection) -> int:
    """Index the articles above the highest indexed id: their tsvectors and the vocabulary's
    article counts (the lock, held to the end of the transaction, keeps two indexers from
    counting twice)."""
    added = 0
    connection.exec_driver_sql("LOCK TABLE article_fts IN EXCLUSIVE MODE")
    upto = connection.execute(text("SELECT coalesce(max(id), 0) FROM article_fts")).scalar_one()
    while True:
        rows = connection.execute(
            text("SELECT id, title, text FROM article WHERE id > :upto ORDER BY id LIMIT :n"),
            {"upto": upto, "n": _INDEX_BATCH},
        ).all()
        if not rows:
            return added
        ids = [int(row[0]) for row in rows]
        _store_vectors(connection, ids, vectors_of([(row[1], row[2] or "") for row in rows]))
        upto, added = rows[-1][0], added + len(rows)


class Vectors(NamedTuple):
    """What PostgreSQL's index stores of some articles: the tsvector literal of each, and how
    many of them hold each term (the vocabulary's counts)."""

    literals: list[str]
    counts: Counter[str]

    def only(self, kept: Sequence[int], texts: Sequence[tuple[str | None, str]]) -> Vectors:
        """These vectors of `texts` (title, text) with only the articles at `kept` (indexes,
        ascending): the others' terms are taken out of the counts."""
        if len(kept) == len(self.literals):
            return self
        counts, keep = Counter(self.counts), set(kept)
        for at, (title, body) in enumerate(texts):
            if at not in keep:
                counts.subtract({*fts_tokens(title or ""), *fts_tokens(body)})
        return Vectors([self.literals[at] for at in kept], +counts)


def vectors_of(texts: Sequence[tuple[str | None, str]]) -> Vectors:
    """The vectors of articles' (title, text): most of the interpreter's work of indexing
    (an import makes them in its reading thread)."""
    literals: list[str] = []
    counts: Counter[str] = Counter()
    for title, body in texts:
        literal, terms = _literal(fts_tokens(title or ""), fts_tokens(body))
        literals.append(literal)
        counts.update(terms)
    return Vectors(literals, counts)


def _store_vectors(connection: Connection, ids: Sequence[int], vectors: Vectors) -> None:
    """Insert the vectors of the articles `ids` and count their terms in the vocabulary."""
    connection.execute(
        text(
            "INSERT INTO article_fts (id, doc) SELECT id, CAST(doc AS tsvector) "
            "FROM unnest(CAST(:ids AS integer[]), CAST(:docs AS text[])) AS t(id, doc)"
        ),
        {"ids": list(ids), "docs": vectors.literals},
    )
    count_terms(connection, vectors.counts)


def count_terms(connection: Connection, counts: Mapping[str, int]) -> list[str]:
    """PostgreSQL: add `counts` (a term's articles, more or fewer) to the vocabulary's; the
    terms, in order. In the terms' order: two transactions counting the same terms lock their
    rows in the same order (the second waits for the first, neither for the other)."""
    terms = sorted(term for term, change in counts.items() if change)
    connection.execute(
        text(
            "INSERT INTO article_fts_vocab (term, doc) "
            "SELECT term, doc FROM unnest(CAST(:terms AS text[]), CAST(:docs AS integer[])) "
            "AS t(term, doc) ON CONFLICT (term) DO UPDATE "
            "SET doc = article_fts_vocab.doc + excluded.doc"
        ),
        {"terms": terms, "docs": [counts[term] for term in terms]},
    )
    return terms


def _literal(title_tokens: list[str], text_tokens: list[str]) -> tuple[str, Collection[str]]:
    """The tsvector literal of an article's title and text, and its distinct terms (once
    each, for the vocabulary's counts): `tsvector`'s, or for the usual
    article the same vector written faster, each lexeme once with its positions in the order
    of the text (`dari:2,3,11 ...`, when its terms are letters and digits: nothing to quote); the
    server's input sorts the lexemes and keeps a lexeme's first 256 positions as `tsvector`
    does. 110-130 us an article of the interpreter, and the server reads it in 100-136 us,
    where a position a token (`dari:2 dari:3 ...`, 75 us to write) took it 270, `tsvector`'s
    quoted lexemes 240 and 240 us to write, its own parser (`to_tsvector`) 370."""
    longest = max(max(map(len, title_tokens), default=0), max(map(len, text_tokens), default=0))
    if len(title_tokens) + len(text_tokens) + 2 > _MAX_POSITION or longest * 4 > _MAX_LEXEME:
        # (positions or a lexeme to cap)
        return tsvector(title_tokens, text_tokens), {*title_tokens, *text_tokens}
    at, then = _AT, _THEN
    found: dict[str, str] = {}
    get = found.get
    start = len(title_tokens) + 2
    for tokens, first in ((title_tokens, 1), (text_tokens, start)):
        for token, position in zip(tokens, range(first, first + len(tokens)), strict=True):
            known = get(token)
            found[token] = token + at[position] if known is None else known + then[position]
    literal = " ".join(found.values())
    # A term that is not all letters and digits (an emoji: FTS5 keeps them) is quoted.
    if len(literal) * 4 >= _MAX_VECTOR or not "".join(found).isalnum():
        literal = tsvector(title_tokens, text_tokens)
    return literal, found.keys()


# PostgreSQL keeps positions up to 16,383 (later words share the last one), 256 positions
# of a lexeme, lexemes of at most 2,047 bytes and vectors under 1 MB.
_MAX_POSITION = 16_383
_MAX_POSITIONS = 256
_MAX_LEXEME = 2_047
_MAX_VECTOR = 900_000  # bytes of the literal, kept under the limit of the stored vector
# A lexeme's first position in a tsvector literal (":1", ":2", ...) and its next ones (",1",
# ",2", ...), made once.
_AT = [f":{at}" for at in range(_MAX_POSITION + 1)]
_THEN = [f",{at}" for at in range(_MAX_POSITION + 1)]


@lru_cache(maxsize=1 << 16)
def _lexeme(term: str) -> str:
    """`term` quoted for a tsvector literal (kept for the next: a corpus repeats its words)."""
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector(*columns: list[str]) -> str:
    """The tsvector literal of tokens, column after column, with their positions; a gap
    between columns, so that no phrase runs from the title into the text (as in FTS5).

    A text too big for a vector with positions (millions of words) keeps its lexemes only
    (a phrase in it is then found as its words), as many as fit.
    """
    positions: dict[str, list[int]] = {}
    position = 0
    for tokens in columns:
        if position + len(tokens) <= _MAX_POSITION:  # the usual text: no position capped
            for at, token in enumerate(tokens, position + 1):
                found = positions.get(token)
                if found is None:
                    if len(token) * 4 > _MAX_LEXEME and len(token.encode()) > _MAX_LEXEME:
                        continue
                    positions[token] = [at]
                elif len(found) < _MAX_POSITIONS:
                    found.append(at)
            position = min(position + len(tokens) + 1, _MAX_POSITION)
            continue
        for token in tokens:
            position = min(position + 1, _MAX_POSITION)
            if len(token) * 4 > _MAX_LEXEME and len(token.encode()) > _MAX_LEXEME:
                continue
            found = positions.setdefault(token, [])
            if len(found) < _MAX_POSITIONS and (not found or found[-1] != position):
                found.append(position)
        position = min(position + 1, _MAX_POSITION)
    lexeme = _lexeme
    full = " ".join(
        # (most terms of an article are there once)
        f"{lexeme(term)}:{where[0]}"
        if len(where) == 1
        else f"{lexeme(term)}:{','.join(map(str, where))}"
        for term, where in positions.items()
    )
    if len(full) * 4 < _MAX_VECTOR or len(full.encode()) < _MAX_VECTOR:
        return full
    kept, size = [], 0
    for term in positions:
        size += len(term.encode()) + 8
        if size > _MAX_VECTOR:
            break
        kept.append(_lexeme(term))
    return " ".join(kept)


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def variant_terms(session: Session, aliases: Collection[str], *, max_edits: int = 2) -> set[str]:
    """Terms of the corpus that an occurrence of any of `aliases` (exact, fuzzy, with
    clitics) contains.

    Each alias's longest token and its tokens run together (S-300 -> s300) are looked up in
    the index's vocabulary with up to `max_edits` edits (among terms with the same first
    letter and a similar length: a first-letter typo is not found here). The vocabulary is
    read once per first letter of them all: a gazetteer import read it once per alias
    (20,000 statements for 20,000 aliases, 43 ms each at 1M articles on PostgreSQL).
    """
    if isinstance(aliases, str):
        raise TypeError("variant_terms takes a collection of aliases, not one string")
    wanted: set[str] = set()
    for alias in aliases:
        tokens = fts_tokens(alias)
        if tokens:
            joined = "".join(tokens)
            wanted |= {joined, *tokens} if len(tokens) == 1 else {joined, max(tokens, key=len)}
    found = set(wanted)
    by_letter: dict[str, list[str]] = {}
    for term in wanted:
        if len(term) >= MIN_FUZZY_TOKEN:
            by_letter.setdefault(term[0], []).append(term)
    # SQLite: the term list (migration 0011); FTS5's own vocabulary reads every entry of the
    # terms it lists (every term of a first letter: seconds at 1M articles).
    vocab = "article_fts_terms_vocab" if by_letter and _has_terms(session) else "article_fts_vocab"
    for letter, terms in sorted(by_letter.items()):
        lengths = [len(term) for term in terms]
        rows = session.execute(
            text(
                f"SELECT term FROM {vocab} WHERE term >= :lo AND term < :hi "
                "AND length(term) BETWEEN :short AND :long"
            ),
            {
                "lo": letter,
                "hi": chr(ord(letter) + 1),
                "short": min(lengths) - max_edits,
                "long": max(lengths) + max_edits + 3,  # + 3: a clitic such as -nya
            },
        ).scalars()
        by_length: dict[int, list[str]] = {}
        for row in rows:
            by_length.setdefault(len(row), []).append(row)
        for term in terms:
            near = [
                other
                for size in range(len(term) - max_edits, len(term) + max_edits + 4)
                for other in by_length.get(size, ())
            ]
            for match, _score, _index in process.extract(
                term, near, scorer=Levenshtein.distance, score_cutoff=max_edits, limit=None
            ):
                found.add(match)
    return found


def articles_with_terms(session: Session, terms: Iterable[str]) -> set[int]:
    """Ids of the articles whose title or text has a token starting with one of `terms`
    (a term shorter than `MIN_PREFIX`: the token itself, see `_exact`)."""
    terms = sorted(set(terms))
    ids: set[int] = set()
    postgresql = dialect_name(session) == POSTGRESQL
    if postgresql and terms and _most_of_them(session, terms):
        return set(session.execute(text("SELECT id FROM article")).scalars())
    for start in range(0, len(terms), 200):  # FTS5 queries grow with their terms
        chunk = terms[start : start + 200]
        if postgresql:
            query = " | ".join(_lexeme(term) + ("" if _exact(term) else ":*") for term in chunk)
            statement = "SELECT id FROM article_fts WHERE doc @@ CAST(:q AS tsquery)"
        else:
            query = " OR ".join(_quote(term) + ("" if _exact(term) else "*") for term in chunk)
            statement = "SELECT rowid FROM article_fts WHERE article_fts MATCH :q"
        rows = session.execute(text(statement), {"q": query}).scalars().all()
        ids.update(int(r) for r in rows)
    return ids


# Articles from which terms in half of them are taken to reach them all (`_most_of_them`):
# below, the exact search is quick, and re-matches no article it need not.
ALL_REACHED_FROM = 10_000


def _most_of_them(session: Session, terms: list[str]) -> bool:
    """PostgreSQL, `ALL_REACHED_FROM` articles or more: whether one of `terms` alone is in
    half the articles or more, by the vocabulary's counts. Their articles are then taken to
    be every article: a superset (a re-match of an article they do not reach changes
    nothing) read at once, where the OR of their prefixes through the GIN index read every
    posting list: the 10,465 variants of 200 aliases of a gazetteer import took 275 s at
    1,000,000 articles, to reach them all."""
    most = session.execute(
        text("SELECT coalesce(max(doc), 0) FROM article_fts_vocab WHERE term = ANY(:terms)"),
        {"terms": terms},
    ).scalar_one()
    stored = session.execute(text("SELECT coalesce(sum(n), 0) FROM article_tally")).scalar_one()
    return int(stored) >= ALL_REACHED_FROM and 2 * int(most) >= int(stored)


def _exact(term: str) -> bool:
    """Whether an alias's `term` is searched as the token itself: one shorter than the prefix
    index's (`MIN_PREFIX`), which no index serves (`as*` merged every term it starts: seconds
    at 1M articles, and reached most of them). Nothing is lost: a token is matched inside a
    longer one only as a clitic's stem (`store.matching.normalise.clitic_stem`: 4 letters at
    least) or run together with the alias's other tokens (their own term, `variant_terms`)."""
    return len(term) < MIN_PREFIX


# The shortest prefix a search takes (`mem*`): the length of FTS5's prefix index (migration
# 0010). A shorter one would merge the entries of every term it starts (seconds at 1M).
MIN_PREFIX = 3


def search_problem(query: str) -> str | None:
    """Why a full-text `query` is refused (one line), or None: a prefix too short to search."""
    for tokens, prefix in _terms(query):
        if prefix and len(tokens[-1]) < MIN_PREFIX:
            return (
                f"search: a prefix needs at least {MIN_PREFIX} letters before the *: "
                f"{tokens[-1]}* (write the whole word, or more of it)"
            )
    return None


def _parsed(query: str) -> list[tuple[list[str], bool]]:
    """A search's terms: (tokens of a phrase or a word, whether the last is a prefix).

    Raises:
        TelaahError: a prefix shorter than `MIN_PREFIX` (`search_problem`).
    """
    problem = search_problem(query)
    if problem is not None:
        raise TelaahError(problem)
    return _terms(query)


def _terms(query: str) -> list[tuple[list[str], bool]]:
    terms: list[tuple[list[str], bool]] = []
    for phrase, word in re.findall(r'"([^"]*)"|(\S+)', query):
        if phrase:
            tokens = fts_tokens(phrase)
            if tokens:
                terms.append((tokens, False))
        else:
            prefix = word.endswith("*")
            tokens = fts_tokens(word)
            last = len(tokens) - 1
            terms.extend(([token], prefix and i == last) for i, token in enumerate(tokens))
    return terms


class _DrivingJoin(Join):
    """A join SQLite runs in the order written (`CROSS JOIN`): the full-text index first, so
    that its matches stream in rowid order and a LIMIT stops them, whatever the planner
    guesses of the other conditions (else it may walk an article index and probe the full-text
    index once per article)."""

    inherit_cache = True


@compiles(_DrivingJoin, "sqlite")
def _compile_driving_join(element: _DrivingJoin, compiler: Any, **kw: Any) -> str:
    return str(compiler.visit_join(element, **kw)).replace(" JOIN ", " CROSS JOIN ", 1)


@dataclass(frozen=True, slots=True)
class SearchFrom:
    """How a listing reads the articles matching a search.

    `source`: what to select from (None: the article table itself, filtered by `condition`);
    `ident`: the column the listing orders and pages by for article ids (on SQLite the index's
    rowid, so that `ORDER BY` and `rowid > :last` go to FTS5 and never sort the matches);
    `index`: the index alone, for what needs no column of the article (a count: FTS5 answers
    it without reading an article row), None where there is no such shortcut.
    """

    source: Any
    condition: Any
    ident: Any
    index: Any = None


def search_from(session: Session, article: Any, query: str) -> SearchFrom:
    """The articles of the table `article` matching a full-text `query` (as
    `search_matches`), in the form a listing pages through fastest on the session's database:
    the index joined first (SQLite, PostgreSQL); elsewhere the condition on the article
    table."""
    name = dialect_name(session)
    if name == POSTGRESQL:
        # The vectors' table joined to the articles, paged by its id (its primary key: the
        # same ids); a count needs the vectors alone (every row has its article: a foreign
        # key), read through the GIN index (`store.dialect.index_scans`).
        vectors = table("article_fts", column("id", Integer), column("doc"))
        tsq = _tsquery(query)
        return SearchFrom(
            vectors.join(article, vectors.c.id == article.c.id),
            vectors.c.doc.op("@@")(cast(literal(tsq), TSQUERY)) if tsq else text("false"),
            vectors.c.id,
            vectors,
        )
    if name != SQLITE:
        return SearchFrom(None, search_matches(article.c.id, query), article.c.id)
    fts = table("article_fts", column("rowid", Integer))
    return SearchFrom(
        _DrivingJoin(fts, article, fts.c.rowid == article.c.id),
        literal_column("article_fts").op("MATCH")(
            literal(_fts5_query(query, lambda prefix: prefix_terms(session, prefix)))
        ),
        fts.c.rowid,
        fts,
    )


def _fts5_query(
    query: str, expand: Callable[[str], list[str] | None] = lambda _prefix: None
) -> str:
    """FTS5's MATCH expression of a search. A prefix word longer than the prefix index's
    (`MIN_PREFIX`) becomes the OR of the terms it starts (`expand`), when they are known:
    FTS5 streams those in rowid order, where it would merge their entries first (seconds for
    `meng*` at 1M articles)."""
    parts = []
    for tokens, prefix in _parsed(query):
        if prefix and len(tokens) == 1 and len(tokens[0]) > MIN_PREFIX:
            terms = expand(tokens[0])
            if terms:
                parts.append("(" + " OR ".join(map(_quote, terms)) + ")")
                continue
        parts.append(_quote(" ".join(tokens)) + ("*" if prefix else ""))
    return " AND ".join(parts) or '""'


# PostgreSQL: a search whose rarest word is held by fewer than this share of the articles
# is read through the GIN index (every match, then sorted: `store.dialect.index_scans`);
# a denser one by walking the vectors in id order, testing each, which finds a page's rows
# in a few thousand at most (the planner cannot tell them apart: it takes testing a row for
# one cheap operator, when it reads the row's vector out of TOAST, ~10 us).
DENSE = 0.05


def sparse_search(session: Session, query: str) -> bool:
    """PostgreSQL: whether a search is rare enough to be read through its index's bitmap
    (`DENSE` of the articles or fewer, by `search_share`). False elsewhere."""
    share = search_share(session, query)
    return share is not None and share < DENSE


def search_share(session: Session, query: str) -> float | None:
    """PostgreSQL: the share of the articles a search's rarest part is in, judged from the
    vocabulary's article counts (a word's; a prefix's most common word; a phrase's rarest
    word; the rarest of the words ANDed): the most of them it can match. None elsewhere and
    for nothing to search."""
    terms = _parsed(query)
    if dialect_name(session) != POSTGRESQL or not terms:
        return None
    held = []
    for tokens, prefix in terms:
        last = len(tokens) - 1
        counts = (_held(session, word, prefix and at == last) for at, word in enumerate(tokens))
        held.append(min(counts))
    articles = session.execute(text("SELECT coalesce(max(id), 0) FROM article_fts")).scalar()
    return min(held) / max(int(articles or 0), 1)


def held_at_least(session: Session, query: str) -> int:
    """PostgreSQL: how many articles match a search at the least, by the vocabulary's article
    counts alone (no article read): a word's count, or a prefix's most common word's; 0 for
    a phrase, words ANDed (their matches may be none) and on SQLite. The queue's count of a
    common word or prefix stops there when it passes the cap: a bitmap of every match took
    130-190 ms at 1,000,000 articles (`mem*`, `meng*`)."""
    terms = _parsed(query)
    if dialect_name(session) != POSTGRESQL or len(terms) != 1 or len(terms[0][0]) != 1:
        return 0
    (token,), prefix = terms[0]
    return _held(session, token, prefix)


def _held(session: Session, token: str, prefix: bool) -> int:
    """The vocabulary's article count of a word, or (`prefix`) of the most common word it
    starts."""
    if prefix:
        sql = "SELECT max(doc) FROM article_fts_vocab WHERE term >= :t AND term < :u"
        after = token[:-1] + chr(min(ord(token[-1]) + 1, 0x10FFFF))
        found = session.execute(text(sql), {"t": token, "u": after}).scalar()
    else:
        sql = "SELECT doc FROM article_fts_vocab WHERE term = :t"
        found = session.execute(text(sql), {"t": token}).scalar()
    return int(found or 0)


def checked_by_row(session: Session, query: str) -> bool:
    """PostgreSQL: whether a search holds a phrase, whose matches the GIN index cannot tell
    (it holds no positions): each article its words share is checked on its row's vector,
    read out of TOAST. Counting the first matches of a common one (`sparse_search` False)
    then walks the rows in id order: through the index's bitmap it first builds the bitmap
    of every article holding its words (93 ms at 1,000,000 articles for "yang dan"), then
    checks the same rows. False elsewhere."""
    if dialect_name(session) != POSTGRESQL:
        return False
    return any(len(tokens) > 1 for tokens, _ in _parsed(query))


def _tsquery(query: str) -> str:
    """PostgreSQL's tsquery of a search (`<->` for a phrase, `:*` for a prefix); "" for
    nothing to search."""
    return " & ".join(
        "(" + " <-> ".join(_lexeme(token) for token in t) + (":*" if p else "") + ")"
        for t, p in _parsed(query)
    )


def search_matches(article_id: Any, query: str, session: Session | None = None) -> Any:
    """The condition that the article `article_id` (a column) matches a full-text `query`
    over title and text.

    Words are ANDed; "quoted phrases" and prefix* work as in FTS5. Any other punctuation is
    taken as a word separator, so no user input can be a syntax error of either database.
    With the `session` it will run in, a long prefix on SQLite is searched as the terms it
    starts (`_fts5_query`), as the queue searches it.
    """
    expand = None
    if session is not None and dialect_name(session) == SQLITE:
        expand = lambda prefix: prefix_terms(session, prefix)  # noqa: E731
    match = _fts5_query(query) if expand is None else _fts5_query(query, expand)
    tsquery = _tsquery(query)
    fts5 = text("SELECT rowid FROM article_fts WHERE article_fts MATCH :q").bindparams(
        bindparam("q", match)
    )
    postgresql = text("SELECT id FROM article_fts WHERE doc @@ CAST(:tsq AS tsquery)").bindparams(
        bindparam("tsq", tsquery)
    )
    return per_dialect(
        Boolean(),
        sqlite=article_id.in_(fts5.columns(column("rowid", Integer))),
        postgresql=article_id.in_(postgresql.columns(column("id", Integer)))
        if tsquery
        else text("false"),
    )


def articles_for_aliases(session: Session, aliases: Iterable[str]) -> set[int] | None:
    """Articles where any of `aliases` may occur (exactly or as a variant); None: unknown."""
    if not has_search_index(session):
        return None
    terms = variant_terms(session, list(aliases))
    return articles_with_terms(session, terms) if terms else set()
