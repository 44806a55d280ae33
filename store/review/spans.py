"""Manual spans: a reviewer marks a new mention or moves the boundaries of one."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from store import audit
from store.audit import Action
from store.errors import Conflict, NotFound, TelaahError
from store.layers import layer_of, mentions_seen, own_mention
from store.models import Article, Entity, Label, Mention, utcnow
from store.review.mentions import MentionView, _start_article, apply_decision, get_mention
from store.versioning import begin_write, claim_mention, raise_version


def add_mention(
    *,
    session: Session,
    article_id: int,
    start: int,
    end: int,
    label: str,
    reviewer_id: int | None,
    entity_key: str | None = None,
) -> MentionView:
    """Mark `text[start:end]` of the article as an accepted manual mention: one audited commit.

    Whitespace around the span is trimmed off. The article becomes in_progress.

    A pending candidate with exactly these boundaries (one the threshold hides, a `new name`)
    is accepted instead, with this label (and entity, when given): one audited decision.

    Raises:
        NotFound: no such article or entity.
        TelaahError: the span is empty or outside the text, or the label is unknown.
        Conflict: a decided mention with exactly these boundaries already exists.
    """
    begin_write(session)  # the duplicate check and the insert under one write lock
    article = session.get(Article, article_id)
    if article is None:
        raise NotFound(f"no article {article_id}")
    start, end = checked_span(article.text, start, end)
    labels = list(session.exec(select(Label.name)).all())
    if labels and label not in labels:
        raise TelaahError(f"unknown label {label!r}")
    entity_id = None
    if entity_key is not None:
        entity = session.exec(select(Entity).where(col(Entity.key) == entity_key)).first()
        if entity is None:
            raise NotFound(f"no entity {entity_key!r}")
        entity_id = entity.id
    layer = layer_of(session, article_id, reviewer_id)
    proposed = session.exec(
        select(Mention).where(
            col(Mention.article_id) == article_id,
            col(Mention.start) == start,
            col(Mention.end) == end,
            col(Mention.state) == "pending",
            mentions_seen(layer),
        )
    ).first()
    if proposed is not None:  # a candidate (maybe hidden under the threshold): accepted
        proposed = own_mention(session, proposed, reviewer_id)
        apply_decision(
            session,
            proposed,
            state="accepted",
            label=label,
            reviewer_id=reviewer_id,
            entity_id=entity_id,
        )
        session.commit()
        assert proposed.id is not None
        return get_mention(session=session, mention_id=proposed.id)
    _refuse_duplicate(session, article_id, start, end, None, layer)
    mention = Mention(
        article_id=article_id,
        start=start,
        end=end,
        text=article.text[start:end],
        label=label,
        entity_id=entity_id,
        state="accepted",
        origin="manual",
        reviewer_id=reviewer_id,
        decided_at=utcnow(),
        layer=layer,
    )
    session.add(mention)
    session.flush()
    _start_article(session, article_id)
    audit.record(
        session,
        action=Action.CREATE,
        reviewer_id=reviewer_id,
        target="mention",
        target_id=mention.id,
        before=None,
        after=mention_fields(mention),
    )
    session.commit()
    assert mention.id is not None
    return get_mention(session=session, mention_id=mention.id)


def set_span(
    *,
    session: Session,
    mention_id: int,
    start: int,
    end: int,
    reviewer_id: int | None,
    expected_version: int | None = None,
    accept: bool = False,
) -> MentionView:
    """Move a mention's boundaries (its text follows): one audited commit.

    With `accept`, a mention not yet accepted is accepted in the same step (one audit entry,
    one undo puts back both its boundaries and its state).

    Raises:
        NotFound: no such mention.
        TelaahError: the span is empty or outside the text.
        Conflict: another mention has exactly these boundaries.
        StaleDecision: the mention is not at `expected_version` (the one the reviewer saw).
    """
    claimed = claim_mention(session, mention_id, expected_version)
    article = session.get(Article, claimed.article_id)
    assert article is not None
    start, end = checked_span(article.text, start, end)
    if (start, end) == (claimed.start, claimed.end) and not (
        accept and claimed.state != "accepted"
    ):
        return get_mention(session=session, mention_id=mention_id)  # nothing to change
    # blind mode: the reviewer's copy
    mention = own_mention(session, claimed, reviewer_id, expected_version)
    assert mention.id is not None
    mention_id = mention.id
    accepting = accept and mention.state != "accepted"
    layer = layer_of(session, mention.article_id, reviewer_id)
    _refuse_duplicate(session, mention.article_id, start, end, mention_id, layer, also=claimed.id)
    before = span_fields(mention, decision=accepting)
    raise_version(session, mention)
    mention.start, mention.end, mention.text = start, end, article.text[start:end]
    if accepting:
        mention.state, mention.reviewer_id, mention.decided_at = "accepted", reviewer_id, utcnow()
    session.add(mention)
    _start_article(session, mention.article_id)
    audit.record(
        session,
        action=Action.SPAN,
        reviewer_id=reviewer_id,
        target="mention",
        target_id=mention_id,
        before=before,
        after=span_fields(mention, decision=accepting),
    )
    session.commit()
    return get_mention(session=session, mention_id=mention_id)


def checked_span(text: str, start: int, end: int) -> tuple[int, int]:
    """`start`, `end` with surrounding whitespace trimmed off, or TelaahError if unusable."""
    if not 0 <= start <= end <= len(text):
        raise TelaahError(f"span {start}-{end} is outside the text (0-{len(text)})")
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start >= end:
        raise TelaahError("the span is empty")
    return start, end


def _refuse_duplicate(
    session: Session,
    article_id: int,
    start: int,
    end: int,
    other_than: int | None,
    layer: int | None,
    also: int | None = None,
) -> None:
    """Refuse a span another mention the reviewer sees (`store.layers`) has already."""
    found = session.exec(
        select(Mention).where(
            col(Mention.article_id) == article_id,
            col(Mention.start) == start,
            col(Mention.end) == end,
            mentions_seen(layer),
        )
    ).all()
    for mention in found:
        if mention.id not in (other_than, also):
            raise Conflict(
                f"mention {mention.id} ({mention.text!r}, {mention.state}) already "
                f"has these boundaries {start}-{end}"
            )


def span_fields(mention: Mention, *, decision: bool = False) -> dict[str, Any]:
    """The boundaries of a mention as the audit log keeps them (and its version); with
    `decision`, its state too (a span edit that accepted it)."""
    fields: dict[str, Any] = {
        "start": mention.start,
        "end": mention.end,
        "text": mention.text,
        "version": mention.version,
    }
    if decision:
        fields["state"] = mention.state
        fields["reviewer_id"] = mention.reviewer_id
        fields["decided_at"] = mention.decided_at.isoformat() if mention.decided_at else None
    return fields


def mention_fields(mention: Mention) -> dict[str, Any]:
    """Everything needed to create `mention` again with the same id (for redo)."""
    return {
        "id": mention.id,
        "article_id": mention.article_id,
        "start": mention.start,
        "end": mention.end,
        "text": mention.text,
        "label": mention.label,
        "entity_id": mention.entity_id,
        "state": mention.state,
        "origin": mention.origin,
        "reviewer_id": mention.reviewer_id,
        "decided_at": mention.decided_at.isoformat() if mention.decided_at else None,
        "version": mention.version,
        "layer": mention.layer,
    }
