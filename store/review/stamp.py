"""An article's review in one cheap read: a stamp that differs whenever reading its mentions and
facts again could show something else, so a screen coming back into view reads them again only
then (the review screen after a dialog closes, when nothing changed meanwhile).

The stamp is every mention's and fact's id, version, span, label, state and entity, joined by
the database (`aggregate_strings`: SQLite's group_concat, PostgreSQL's string_agg; no rows reach
Python), and the last audit entry (a gazetteer edit that renames an entity the mentions show
changes no mention row, but it is audited).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, String, bindparam, cast, func, select
from sqlmodel import Session, col

from store.models import AuditEntry, Fact, Mention


def _joined(*columns: Any) -> ColumnElement[str]:
    """The columns as text joined by commas (an empty field for NULL)."""
    parts: list[ColumnElement[str]] = [
        func.coalesce(cast(column, String), "") for column in columns
    ]
    row = parts[0]
    for part in parts[1:]:
        row = row + "," + part
    return row


@cache
def _statements() -> tuple[Select[Any], Select[Any], Select[Any]]:
    """The three reads, built once (building them took as long as running them): the
    article's id is a parameter."""
    article_id = bindparam("article_id", type_=Integer)
    mentions = select(
        func.aggregate_strings(
            _joined(
                Mention.id,
                Mention.version,
                Mention.start,
                Mention.end,
                Mention.label,
                Mention.state,
                Mention.entity_id,
            ),
            ";",
        )
    ).where(col(Mention.article_id) == article_id)
    facts = select(
        func.aggregate_strings(_joined(Fact.id, Fact.version, Fact.state, Fact.needs_review), ";")
    ).where(col(Fact.article_id) == article_id)
    audit = select(func.max(AuditEntry.id))
    return mentions, facts, audit


def article_stamp(session: Session, article_id: int) -> tuple[str | None, str | None, int | None]:
    """(the mentions, the facts, the last audit entry) of `article_id`, as one value each."""
    mentions, facts, audit = _statements()
    given = {"article_id": article_id}
    return (
        session.execute(mentions, given).scalar(),
        session.execute(facts, given).scalar(),
        session.execute(audit).scalar(),
    )
