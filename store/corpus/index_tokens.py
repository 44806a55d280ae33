"""The search index's tokens: those SQLite's FTS5 makes of a text (`unicode61
remove_diacritics 2`, the tokenizer of `article_fts`), made by FTS5's own tokenizer.

SQLite's index is made by FTS5 itself; a search's words, an alias looked up in the index's
vocabulary, and every PostgreSQL vector (`store.corpus.search.vectors_of`) are tokenised here,
so both databases hold and look up the same terms. APSW (`apsw`) calls the tokenizer of the
SQLite it ships, the same C code as the SQLite Python's `sqlite3` module opens: a pattern
(`\\w+` folded by `norm_key`) differed from it on 5% of the scale corpus's articles: marks left
after NFC split a word (`Sẹ̀nẹ̀gàl`: `se ne gal`, FTS5 `senegal`), `_` joined two (`Timor_Leste`:
`timorleste`, FTS5 `timor leste`), case folding went further (`Groß`: `gross`, FTS5 `groß`)
and emoji were dropped; a search for such a word found nothing on one database or the other.
It is also faster: 60 us an article of ~600 words, against 100-110.
"""

from __future__ import annotations

import threading

import apsw

_TOKENIZER = ("unicode61", ["remove_diacritics", "2"])  # as `article_fts`'s (migration 0002)


class _Local(threading.local):
    """A tokenizer for each thread: threads never share an APSW connection."""

    def __init__(self) -> None:
        self.connection = apsw.Connection(":memory:")
        self.tokenize = self.connection.fts5_tokenizer(*_TOKENIZER)


_local = _Local()


def fts_tokens(value: str) -> list[str]:
    """The terms FTS5 makes of `value`, in order (a word repeated is there each time)."""
    tokens = _local.tokenize(
        value.encode("utf-8", "replace"),
        apsw.FTS5_TOKENIZE_DOCUMENT,
        None,
        include_offsets=False,
        include_colocated=False,
    )
    return tokens  # type: ignore[return-value]  # (a list of str, without offsets)
