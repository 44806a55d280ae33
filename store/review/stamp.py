"""An article's review in one cheap read: a stamp that differs whenever reading its mentions and
facts again could show something else, so a screen coming back into view reads them again only
then (the review screen after a dialog closes, when nothing changed meanwhile).

The stamp is every mention's and fact's id, version, span, label, state and entity, joined by
the database (`aggregate_strings`: SQLite's group_concat, PostgreSQL's string_agg; no rows reach
Python), and the last audit entry (a gazetteer edit that renames an entity the mentions show
changes no mention row, but it is audited).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String, cast, func, select
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


def article_stamp(session: Session, article_id: int) -> tuple[str | None, str | None, int | None]:
    """(the mentions, the facts, the last audit entry) of `article_id`, as one value each."""
    mentions = session.execute(
        select(
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
    ).scalar()
    facts = session.execute(
        select(
            func.aggregate_strings(
                _joined(Fact.id, Fact.version, Fact.state, Fact.needs_review), ";"
            )
        ).where(col(Fact.article_id) == article_id)
    ).scalar()
    audit = session.execute(select(func.max(AuditEntry.id))).scalar()
    return mentions, facts, audit
