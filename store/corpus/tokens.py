"""The tokenisation an article arrived with (`ArticleTokens`): stored at import, read for export.

One row per article: the flat offsets [s0, e0, s1, e1, ...] (code points into the stored text)
and the source's other columns by name. Tokens that are telaah's own (a file telaah exported:
its tokenizer's, cut at the document's spans) and carry no columns are not stored: the export
makes them again. Rows that do not fit their article's text (a flat list
of odd length, a column of another length) are read as no tokens: the export then tokenises
the text itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

from sqlalchemy import delete, insert, select
from sqlmodel import Session

from store.export.model import ArrivalTokens, ExportSpan, document_offsets
from store.models import ArticleTokens

_T = ArticleTokens.__table__  # type: ignore[attr-defined]


def save_tokens(session: Session, article_id: int, tokens: ArrivalTokens) -> None:
    """Store `tokens` as the arrival tokens of the article (replacing any it had); not
    committed."""
    session.execute(delete(_T).where(_T.c.article_id == article_id))
    session.execute(
        insert(_T).values(
            article_id=article_id,
            source=tokens.source,
            offsets=list(chain.from_iterable(tokens.offsets)),
            columns={name: list(values) for name, values in tokens.columns.items()},
        )
    )


def worth_keeping(tokens: ArrivalTokens, text: str, spans: Sequence[ExportSpan]) -> bool:
    """Whether `tokens` say more than telaah's tokenizer would (cut at `spans`): columns, or
    other offsets."""
    return bool(tokens.columns) or list(tokens.offsets) != document_offsets(text, spans)


def has_tokens(session: Session, article_id: int) -> bool:
    """Whether the article has arrival tokens."""
    found = session.execute(select(_T.c.article_id).where(_T.c.article_id == article_id))
    return found.first() is not None


def load_tokens(session: Session, article_ids: Sequence[int]) -> dict[int, ArrivalTokens]:
    """The arrival tokens of the articles among `article_ids` that have them (one query)."""
    if not article_ids:
        return {}
    rows = session.execute(
        select(_T.c.article_id, _T.c.source, _T.c.offsets, _T.c.columns).where(
            _T.c.article_id.in_(list(article_ids))
        )
    )
    found: dict[int, ArrivalTokens] = {}
    for article_id, source, flat, columns in rows:
        tokens = _tokens(source, flat, columns)
        if tokens is not None:
            found[article_id] = tokens
    return found


def _tokens(source: str, flat: object, columns: object) -> ArrivalTokens | None:
    if not isinstance(flat, list) or len(flat) % 2 or not all(type(x) is int for x in flat):
        return None
    count = len(flat) // 2
    kept: dict[str, tuple[str, ...]] = {}
    if isinstance(columns, dict):
        for name, values in columns.items():
            if isinstance(values, list) and len(values) == count:
                kept[str(name)] = tuple(str(value) for value in values)
    pairs = iter(flat)
    return ArrivalTokens(source, tuple(zip(pairs, pairs, strict=True)), kept)
