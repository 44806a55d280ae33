"""The concordance: every mention of an entity (or of one alias) across the corpus, in context.

Lines come grouped by surface form (normalised: case, diacritics and punctuation ignored),
groups with pending lines first, and each line carries a window of the article's text cut in SQL
so that an entity with 10,000 mentions does not load 10,000 articles.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlmodel import Session, col

from store.errors import NotFound, TelaahError
from store.gazetteer.entities import get_entity
from store.layers import blind_anywhere, own_mentions, seen_by
from store.models import Article, Entity, Mention
from store.review.mentions import decide_many
from store.textnorm import norm_key
from store.versioning import begin_write

WINDOW = 60  # characters of context on each side
STATE_ORDER = {"pending": 0, "accepted": 1, "rejected": 2}


@dataclass(frozen=True, slots=True)
class KwicLine:
    """One mention in its context: `left` + `text` + `right` is a slice of the article."""

    mention_id: int
    article_id: int
    title: str
    start: int
    end: int
    left: str
    text: str
    right: str
    state: str
    label: str
    alias: str | None
    version: int = field(default=1, compare=False)  # when read (a decision states it)


@dataclass(frozen=True, slots=True)
class SurfaceGroup:
    """The lines of one surface form (its most frequent spelling names it)."""

    surface: str
    lines: tuple[KwicLine, ...]

    @property
    def counts(self) -> dict[str, int]:
        """Lines by state."""
        return dict(Counter(line.state for line in self.lines))

    @property
    def pending(self) -> tuple[KwicLine, ...]:
        """The lines still to decide."""
        return tuple(line for line in self.lines if line.state == "pending")


def concordance(
    *,
    session: Session,
    key: str,
    alias: str | None = None,
    window: int = WINDOW,
    reviewer_id: int | None = None,
) -> list[SurfaceGroup]:
    """Every mention of entity `key` (only those matched by `alias`, if given), in context:
    those `reviewer_id` sees (`store.layers`; without a reviewer, the shared layer).

    Groups with pending lines come first (most pending first), then the others by size; inside
    a group, pending lines first, then by article and position.
    """
    entity = get_entity(session=session, key=key)
    left = case((col(Mention.start) > window, col(Mention.start) - window), else_=0)
    query = (
        select(
            col(Mention.id),
            col(Mention.article_id),
            col(Article.title),
            col(Mention.start),
            col(Mention.end),
            func.substr(Article.text, left + 1, col(Mention.start) - left),
            col(Mention.text),
            func.substr(Article.text, col(Mention.end) + 1, window),
            col(Mention.state),
            col(Mention.label),
            col(Mention.matched_alias),
            col(Mention.version),
        )
        .join(Article, col(Article.id) == col(Mention.article_id))
        .where(
            col(Mention.entity_id) == entity.id,
            seen_by(Mention, reviewer_id, blind=blind_anywhere(session)),
        )
    )
    if alias is not None:
        query = query.where(col(Mention.matched_alias) == alias)
    groups: dict[str, list[KwicLine]] = {}
    for row in session.execute(query).all():
        line = KwicLine(*row)
        groups.setdefault(norm_key(line.text), []).append(line)
    result = []
    for lines in groups.values():
        lines.sort(key=lambda x: (STATE_ORDER.get(x.state, 3), x.article_id, x.start))
        spelling = Counter(line.text for line in lines).most_common(1)[0][0]
        result.append(SurfaceGroup(spelling, tuple(lines)))
    result.sort(key=lambda g: (-len(g.pending), -len(g.lines), g.surface))
    return result


def decide_lines(
    *,
    session: Session,
    mention_ids: Sequence[int],
    state: str,
    reviewer_id: int | None,
    label: str | None = None,
    entity_key: str | None = None,
    versions: Mapping[int, int] | None = None,
) -> int:
    """Decide many mentions across articles at once: one transaction, one audit entry.

    `label` relabels and `entity_key` relinks them as well. Undo takes the whole set back
    (the entry has the same shape as `decide_similar`'s). Returns how many were decided.

    The mentions are read under the write lock; with `versions` (mention id -> the version the
    reviewer saw), those changed or deleted since are skipped (the count says how many were
    decided), so a bulk decision never overrides someone else's.
    """
    if state not in ("accepted", "rejected"):
        raise TelaahError(f"unknown decision {state!r}")
    if not mention_ids:
        return 0
    begin_write(session)
    entity_id = None
    if entity_key is not None:
        entity = session.execute(select(Entity).where(col(Entity.key) == entity_key)).scalar()
        if entity is None:
            raise NotFound(f"no entity {entity_key!r}")
        entity_id = entity.id
    mentions = list(
        session.execute(
            select(Mention)
            .where(col(Mention.id).in_(mention_ids))
            .order_by(col(Mention.id))
            .execution_options(populate_existing=True)
        ).scalars()
    )
    if versions is not None:
        mentions = [m for m in mentions if versions.get(m.id or 0) == m.version]
        if not mentions:
            return 0
    elif len(mentions) != len(set(mention_ids)):
        raise NotFound("some of those mentions no longer exist")
    by_id = {m.id: m for m in mentions}
    first = by_id.get(mention_ids[0], mentions[0])
    # In blind mode each goes to the reviewer's copy of it (store.layers).
    ordered = own_mentions(
        session, [first, *[m for m in mentions if m.id != first.id]], reviewer_id
    )
    return len(
        decide_many(
            session, ordered, state=state, reviewer_id=reviewer_id, label=label, entity_id=entity_id
        )
    )
