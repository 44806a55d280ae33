"""Linking a mention to an entity, or to a new entity made from its text: one decision each."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session, col, select

from store import audit
from store.audit import Action
from store.errors import Conflict, NotFound, TelaahError
from store.facts.repository import mark_for_review
from store.gazetteer.change import GazetteerChange
from store.gazetteer.entities import create_entity, key_problem
from store.layers import layer_of, mentions_seen, own_mention
from store.models import Entity, Label, Mention, utcnow
from store.review.mentions import MentionView, _start_article, _state, decide_many, get_mention
from store.textnorm import norm_key
from store.versioning import claim_mention, raise_version

_SLUG = re.compile(r"[^a-z0-9]+")
SLUG_MAX = 40
KEY_BATCH = 64  # numbered keys looked up at once by `fresh_key`


def link_mention(
    *,
    session: Session,
    mention_id: int,
    entity_key: str,
    reviewer_id: int | None,
    label: str | None = None,
    expected_version: int | None = None,
    entity_label: bool = False,
) -> MentionView:
    """Link a mention to an entity and accept it: one committed, audited decision.

    A redirect's key links to the entity it was merged into. The label is `label` if given,
    else with `entity_label` the entity's type (when the schema has that label), else the
    mention keeps its own. The audit entry is a "mention.decide" like any other decision, so
    undo and redo take the link back and forth. The article becomes in_progress.

    Raises:
        NotFound: no such mention or entity.
        StaleDecision: the mention is not at `expected_version` (the one the reviewer saw).
    """
    mention = own_mention(
        session,
        claim_mention(session, mention_id, expected_version),
        reviewer_id,
        expected_version,
    )
    entity = _target(session, entity_key)
    if label is None and entity_label:
        label = session.exec(select(Label.name).where(Label.name == entity.type)).first()
    _link(session, mention, entity, reviewer_id, label)
    session.commit()
    assert mention.id is not None
    return get_mention(session=session, mention_id=mention.id)


@dataclass(frozen=True, slots=True)
class CreatedLink:
    """A mention linked to the entity made for it, and the gazetteer change the creation made
    (its aliases, and the mention's article): re-matching it proposes the entity elsewhere."""

    mention: MentionView
    change: GazetteerChange

    @property
    def own(self) -> GazetteerChange:
        """The mention's article alone (matched whole: its new names are looked for again
        around the mention now decided): re-matched first, it shows the entity's other
        mentions there at once; then `change`, with that article left out
        (`rematch(..., already=own.articles)`)."""
        return GazetteerChange(self.change.key, articles=(self.mention.article_id,))


def surface_of(text: str) -> str:
    """A mention's text as an alias: its whitespace runs made single spaces."""
    return " ".join(text.split())


def create_and_link(
    *,
    session: Session,
    mention_id: int,
    label: str,
    reviewer_id: int | None,
    key: str | None = None,
    name: str | None = None,
    expected_version: int | None = None,
) -> CreatedLink:
    """Make a new entity from a mention and link the mention to it, in one transaction.

    The entity's name is `name` (by default the surface text); the surface is an alias at
    once, and so is the name when it differs. Its type is `label`, its key `key` or one made
    from the label and the name (`org:rosoboronexport`, `-2` added if taken). Undo takes the
    link back and leaves the entity in the gazetteer (its creation is audited too).

    Returns:
        The linked mention, and the change to re-match (`store.review.rematch.rematch`): the
        new aliases, and the mention's article.

    Raises:
        NotFound: no such mention.
        Conflict: `key` is taken, empty or has spaces.
        TelaahError: `label` is not in the schema, or the surface or the name has no letters
            or digits.
        StaleDecision: the mention is not at `expected_version` (the one the reviewer saw).
    """
    mention = own_mention(
        session,
        claim_mention(session, mention_id, expected_version),
        reviewer_id,
        expected_version,
    )
    surface = surface_of(mention.text)
    name = surface_of(name) if name is not None else surface
    for text in (surface, name):
        if not norm_key(text):
            raise TelaahError(f"{text!r} has no letters or digits to name an entity")
    if key is not None:
        problem = key_problem(session=session, key=key)
        if problem is not None:
            raise Conflict(problem)
    change = create_entity(
        session=session,
        key=key.strip() if key is not None else fresh_key(session, label, name),
        name=name,
        aliases=[surface],
        type=label,
        reviewer_id=reviewer_id,
        origin="reviewer",
        commit=False,
    )
    entity = _target(session, change.key)
    _link(session, mention, entity, reviewer_id, label)
    session.commit()
    assert mention.id is not None
    view = get_mention(session=session, mention_id=mention.id)
    # The mention's article is matched whole: its new names are looked for again around the
    # mention now decided (a splice would give its entity candidates, not those).
    return CreatedLink(view, change + GazetteerChange(change.key, articles=(view.article_id,)))


def fresh_key(session: Session, label: str, name: str) -> str:
    """An entity key not yet taken, made from a label and a name: `gpe:moskow`, `gpe:moskow-2`.

    Looked up by equality (the key's unique index), a batch of numbered keys at a time: as
    fast with 100,000 keys sharing the prefix as with none (the form asks on every key)."""
    slug = _SLUG.sub("-", norm_words(name)).strip("-")[:SLUG_MAX].strip("-") or "entity"
    base = f"{label.lower()}:{slug}"
    n = 1
    while True:
        batch = [base if i == 1 else f"{base}-{i}" for i in range(n, n + KEY_BATCH)]
        taken = set(session.exec(select(Entity.key).where(col(Entity.key).in_(batch))).all())
        free = next((key for key in batch if key not in taken), None)
        if free is not None:
            return free
        n += KEY_BATCH


def norm_words(text: str) -> str:
    """`text` lower-cased, without diacritics, its words separated by spaces (ASCII kept)."""
    words = (norm_key(word) for word in text.split())
    return " ".join(w for w in words if w).encode("ascii", "ignore").decode()


def _target(session: Session, key: str) -> Entity:
    """The entity `key`, or the end of its chain of redirects."""
    entity = session.exec(select(Entity).where(Entity.key == key)).first()
    if entity is None:
        raise NotFound(f"no entity {key!r}")
    seen = {entity.id}
    while entity.merged_into is not None and entity.merged_into not in seen:
        target = session.get(Entity, entity.merged_into)
        if target is None:
            break
        seen.add(target.id)
        entity = target
    return entity


def _link(
    session: Session, mention: Mention, entity: Entity, reviewer_id: int | None, label: str | None
) -> None:
    """Set the entity and accept, in the session's transaction, audited as a decision.

    The mention was claimed (read under the write lock, its version raised)."""
    before = _state(mention)
    raise_version(session, mention)
    if before["entity_id"] is not None and before["entity_id"] != entity.id:
        mark_for_review(
            session, [mention.id or 0], f"{mention.text!r} was relinked to {entity.key}"
        )
    mention.entity_id = entity.id
    mention.state = "accepted"
    if label is not None:
        mention.label = label
    mention.reviewer_id = reviewer_id
    mention.decided_at = utcnow()
    session.add(mention)
    _start_article(session, mention.article_id)
    audit.record(
        session,
        action=Action.DECIDE,
        reviewer_id=reviewer_id,
        target="mention",
        target_id=mention.id,
        before=before,
        after=_state(mention),
    )


def relink_similar(
    *,
    session: Session,
    mention_id: int,
    old_entity_key: str | None,
    reviewer_id: int | None,
    expected_version: int | None = None,
) -> list[int]:
    """Give the link `mention_id` has now to the article's other pending mentions with its
    surface that are still linked to `old_entity_key` (None: to no entity): accepted, with its
    entity and label. One committed transaction and one audit entry (`mention.decide_many`),
    so a single undo takes them all back. Returns the ids relinked (none: nothing written).

    The mention is claimed at `expected_version` (the version its link returned); the others
    are read under the write lock, and only those still pending then are relinked.

    Raises:
        NotFound: no such mention.
        TelaahError: the mention is not linked to an entity.
        StaleDecision: the mention is not at `expected_version` any more.
    """
    linked = claim_mention(session, mention_id, expected_version)
    if linked.entity_id is None:
        raise TelaahError(f"{linked.text!r} is not linked to an entity")
    old_id = None
    if old_entity_key is not None:
        old = session.exec(select(Entity).where(col(Entity.key) == old_entity_key)).first()
        if old is None:
            return []
        old_id = old.id
    surface = norm_key(linked.text)
    others = [
        m
        for m in session.exec(
            select(Mention).where(
                col(Mention.article_id) == linked.article_id,
                col(Mention.state) == "pending",
                col(Mention.id) != linked.id,
                col(Mention.entity_id) == old_id
                if old_id is not None
                else col(Mention.entity_id).is_(None),
                mentions_seen(layer_of(session, linked.article_id, reviewer_id)),
            )
        ).all()
        if norm_key(m.text) == surface and m.id != linked.derived_from
    ]
    if not others:
        return []
    return decide_many(
        session,
        [own_mention(session, m, reviewer_id) for m in others],
        state="accepted",
        reviewer_id=reviewer_id,
        label=linked.label,
        entity_id=linked.entity_id,
    )
