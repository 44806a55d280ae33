"""Linking a mention from any screen: the link modal, then the store, then a notice."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from store.review.linking import create_and_link, link_mention
from store.review.mentions import MentionView
from tui.modals.link import LinkChoice, LinkScreen

if TYPE_CHECKING:
    from store.db import Session
    from tui.screens.base import TelaahScreen


def link_with_modal(
    screen: TelaahScreen[Any],
    mention: MentionView,
    labels: Sequence[str],
    colours: Mapping[str, str],
    done: Callable[[MentionView], None],
    *,
    entity_label: bool = False,
) -> None:
    """Open the link modal for `mention`; store the choice (one undoable decision, on the
    version of `mention` shown) and call `done` with the linked mention (the screen moves on
    from there). A refusal is the store's notification, and the screen reads what it shows
    again. With `entity_label` (a span just marked), linking to an entity gives the mention
    the entity's type as its label, unless the reviewer chose another label in the modal."""
    telaah = screen.telaah

    def chosen(choice: LinkChoice | None) -> None:
        if choice is None:
            return
        reviewer = telaah.reviewer_id

        def link(session: Session) -> MentionView:
            if choice.entity_key is None:
                return create_and_link(
                    session=session,
                    mention_id=mention.id,
                    label=choice.label,
                    reviewer_id=reviewer,
                    expected_version=mention.version,
                )
            follow = entity_label and choice.label == mention.label  # no label chosen
            return link_mention(
                session=session,
                mention_id=mention.id,
                entity_key=choice.entity_key,
                label=None if follow else choice.label,
                reviewer_id=reviewer,
                expected_version=mention.version,
                entity_label=follow,
            )

        def linked(view: MentionView) -> None:
            made = "new entity: " if choice.entity_key is None else ""
            screen.notify(
                f"linked {view.text} → {made}{view.entity_name} ({view.entity_key})",
                timeout=3,
                markup=False,
            )
            done(view)

        screen.write(link, title="Link not saved", done=linked)

    screen.app.push_screen(LinkScreen(telaah.engine, mention, list(labels), dict(colours)), chosen)
