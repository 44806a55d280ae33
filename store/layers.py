"""Per-reviewer layers: what a reviewer sees of an article, and which row a decision changes.

Every mention and fact is in a layer (`layer`): NULL is the shared layer (the matcher's
candidates, the work of a single reviewer, later the adjudicated gold); a reviewer's id is
that reviewer's own layer. **Blind mode** (`[team] blind`, on by default) applies to an article
with two or more assignees: there a reviewer's decision never changes a shared row but their
own copy of it (copy-on-write: `derived_from` names the shared row; a span they mark is a new
row of their layer), and what they see is the overlay: the shared pending candidates not yet
copied into their layer, and their own layer's rows; never another reviewer's layer.
Anywhere else (one assignee or none, `blind = false`) everyone sees and changes the shared
layer, as before teams.

This module is the one place that says so: the review screen's reads (`list_mentions`,
`list_facts`), the queue's counts, `d`'s count, decisions single and in bulk, links, spans,
facts and exports take their condition (`mentions_seen`, `facts_seen`, `seen_by`) and their
row (`own_mention`, `own_fact`) from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from store.config import load_config
from store.errors import StaleDecision, TelaahError
from store.models import Article, Assignment, Fact, FactArgument, Mention
from store.versioning import Row, describe_change

BLIND_FROM = 2  # assignees an article needs for blind mode


def blind_enabled() -> bool:
    """`[team] blind` in the config file (true by default)."""
    return load_config().blind


def is_blind(session: Session, article_id: int, *, blind: bool | None = None) -> bool:
    """Whether the article is reviewed blind: it has two assignees and the setting is on (the
    config file is read only for such an article)."""
    count = session.execute(
        select(func.count()).where(col(Assignment.article_id) == article_id)
    ).scalar_one()
    if int(count) < BLIND_FROM:
        return False
    return blind_enabled() if blind is None else blind


def layer_of(
    session: Session, article_id: int, reviewer_id: int | None, *, blind: bool | None = None
) -> int | None:
    """The layer `reviewer_id` works in on the article: theirs in blind mode, else None (the
    shared layer)."""
    if reviewer_id is None or not is_blind(session, article_id, blind=blind):
        return None
    return reviewer_id


# --- what a reviewer sees --------------------------------------------------------------------


def overlay(row: Any, layer: int) -> Any:
    """The rows of `row`'s table (Mention or Fact) a reviewer sees in blind mode: their own
    layer's, and the shared pending ones not copied into it (a copy names its shared row in
    `derived_from`; a mention copy at the same boundaries hides it too, so a re-matched
    candidate never shows beside the reviewer's decision of it)."""
    own = aliased(row)
    copied = own.derived_from == row.id
    if row is Mention:
        copied = or_(copied, and_(own.start == row.start, own.end == row.end))
    taken = exists().where(own.layer == layer, own.article_id == row.article_id, copied)
    return or_(row.layer == layer, and_(row.layer.is_(None), row.state == "pending", ~taken))


def mentions_seen(layer: int | None) -> Any:
    """The SQL condition on `Mention` of what a reviewer working in `layer` sees (one
    article's layer from `layer_of`)."""
    return col(Mention.layer).is_(None) if layer is None else overlay(Mention, layer)


def facts_seen(layer: int | None) -> Any:
    """The SQL condition on `Fact` of what a reviewer working in `layer` sees."""
    return col(Fact.layer).is_(None) if layer is None else overlay(Fact, layer)


def seen_by(row: Any, reviewer_id: int | None, *, blind: bool | None = None) -> Any:
    """What `reviewer_id` sees of the rows of `row` (Mention or Fact) over many articles (the
    queue's counts, an export of their layer): the overlay in the articles reviewed blind, the
    shared layer elsewhere. No reviewer, or blind mode off: the shared layer."""
    shared = row.layer.is_(None)
    if reviewer_id is None or not (blind_enabled() if blind is None else blind):
        return shared
    several = (
        select(func.count()).where(col(Assignment.article_id) == row.article_id).scalar_subquery()
    ) >= BLIND_FROM
    return or_(and_(~several, shared), and_(several, overlay(row, reviewer_id)))


def blind_anywhere(session: Session) -> bool:
    """Whether blind mode is on and some article has two assignees (else every reader can
    take the shared layer, as fast as before teams)."""
    if not blind_enabled():
        return False
    found = session.execute(
        select(col(Assignment.article_id))
        .group_by(col(Assignment.article_id))
        .having(func.count() >= BLIND_FROM)
        .limit(1)
    ).first()
    return found is not None


@dataclass(frozen=True, slots=True)
class Team:
    """A reviewer's view of many articles (the queue): what they see, their done state."""

    reviewer_id: int
    assigned: bool  # they have assignments: theirs come first in the queue
    blind: bool  # blind mode is on and some article has several assignees

    def several(self) -> Any:
        """The condition "the article (`Article`, correlated) has two assignees or more":
        with blind mode on, it is reviewed blind."""
        return (
            select(func.count())
            .where(col(Assignment.article_id) == col(Article.id))
            .scalar_subquery()
        ) >= BLIND_FROM

    def status(self) -> Any:
        """An article's status as this reviewer has it: done once they marked it done; in an
        article reviewed blind, in progress once their layer has a row, else todo."""
        mine = and_(
            col(Assignment.article_id) == col(Article.id),
            col(Assignment.reviewer_id) == self.reviewer_id,
        )
        done = exists().where(mine, col(Assignment.done_at).is_not(None))
        if not self.blind:
            return case((done, "done"), else_=col(Article.status))
        several = self.several()
        started = exists().where(
            col(Mention.article_id) == col(Article.id), col(Mention.layer) == self.reviewer_id
        )
        return case(
            (done, "done"),
            (and_(several, started), "in_progress"),
            (several, "todo"),
            else_=col(Article.status),
        )


def team_of(session: Session, reviewer_id: int | None) -> Team | None:
    """The reviewer's view of the queue, or None when it is the shared one (no reviewer, no
    assignment of theirs, no article reviewed blind)."""
    if reviewer_id is None:
        return None
    assigned = (
        session.execute(
            select(col(Assignment.article_id))
            .where(col(Assignment.reviewer_id) == reviewer_id)
            .limit(1)
        ).first()
        is not None
    )
    blind = blind_anywhere(session)
    if not assigned and not blind:
        return None
    return Team(reviewer_id, assigned, blind)


# --- which row a decision changes ------------------------------------------------------------

# What a reviewer's copy of a shared row takes from it (besides layer and derived_from).
_MENTION_COPIED = (
    "article_id",
    "start",
    "end",
    "text",
    "label",
    "entity_id",
    "state",
    "origin",
    "matched_alias",
    "score",
    "method",
    "reason",
)
_FACT_COPIED = (
    "article_id",
    "type",
    "state",
    "origin",
    "evidence_start",
    "evidence_end",
    "note",
    "needs_review",
    "review_reason",
)


def _row_to_change(
    session: Session,
    row: Row,
    reviewer_id: int | None,
    expected_version: int | None,
    copied: tuple[str, ...],
    **extra: Any,
) -> tuple[Row, int | None, bool]:
    """The row a change by `reviewer_id` to `row` makes (itself, their existing copy, or a new
    copy flushed now), the layer it is in, and whether the copy is new."""
    kind = type(row).__name__.lower()
    if row.layer is not None and row.layer != reviewer_id:
        raise TelaahError(f"{kind} {row.id} is in another reviewer's layer")
    layer = layer_of(session, row.article_id, reviewer_id)
    if layer is None or row.layer == layer:
        return row, layer, False
    model = type(row)
    found = session.execute(
        select(model).where(col(model.layer) == layer, col(model.derived_from) == row.id)
    ).scalar()
    if found is not None:
        return _unless_stale(session, found, expected_version), layer, False
    copy = model(
        **{name: getattr(row, name) for name in copied}, **extra, layer=layer, derived_from=row.id
    )
    session.add(copy)
    session.flush()
    return copy, layer, True


def own_mention(
    session: Session,
    mention: Mention,
    reviewer_id: int | None,
    expected_version: int | None = None,
) -> Mention:
    """The row a change by `reviewer_id` to `mention` makes: the mention itself in the shared
    layer (or in their own), else, in blind mode, their copy of the shared candidate (made
    now, pending as it was, when they have none; not committed). The caller claimed
    `mention` under the write lock; the copy is new, or theirs alone.

    Raises:
        TelaahError: the mention is in another reviewer's layer.
        StaleDecision: a version was stated (the reviewer was looking at the shared candidate)
            but they have a copy of it already (decided in another window meanwhile).
    """
    row, layer, new = _row_to_change(
        session,
        mention,
        reviewer_id,
        expected_version,
        _MENTION_COPIED,
        alternatives=list(mention.alternatives or ()),
    )
    if new:
        # The reviewer's facts naming the shared mention name their copy from now on.
        session.execute(
            update(FactArgument)
            .where(
                col(FactArgument.mention_id) == mention.id,
                col(FactArgument.fact_id).in_(select(col(Fact.id)).where(col(Fact.layer) == layer)),
            )
            .values(mention_id=row.id)
        )
    return row


def own_mentions(
    session: Session, mentions: list[Mention], reviewer_id: int | None
) -> list[Mention]:
    """`own_mention` of each (one article's), in order."""
    return [own_mention(session, m, reviewer_id) for m in mentions]


def own_fact(
    session: Session, fact: Fact, reviewer_id: int | None, expected_version: int | None = None
) -> Fact:
    """As `own_mention`, for a fact: the copy's roles name the reviewer's copies of the
    mentions where they have one, else the shared mentions (`own_mention` moves them to a
    copy made later)."""
    copy, layer, new = _row_to_change(session, fact, reviewer_id, expected_version, _FACT_COPIED)
    if not new:
        return copy
    assert copy.id is not None
    copies = dict(
        session.execute(
            select(col(Mention.derived_from), col(Mention.id)).where(
                col(Mention.layer) == layer, col(Mention.article_id) == fact.article_id
            )
        ).all()
    )
    for argument in session.execute(
        select(FactArgument).where(col(FactArgument.fact_id) == fact.id)
    ).scalars():
        mention_id = argument.mention_id
        session.add(
            FactArgument(
                fact_id=copy.id,
                role=argument.role,
                mention_id=copies.get(mention_id, mention_id) if mention_id else None,
                filler_fact_id=argument.filler_fact_id,
            )
        )
    session.flush()
    return copy


def _unless_stale(session: Session, copy: Row, expected_version: int | None) -> Row:
    """The reviewer's copy; refused (StaleDecision) when they stated the version of the shared
    row they saw: their view predates the copy (another window of theirs decided it)."""
    if expected_version is not None:
        raise StaleDecision(f"{describe_change(session, copy)} since you loaded it")
    return copy
