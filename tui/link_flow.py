"""Linking a mention from any screen: the link modal, then the store, then a notice."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from store.db import session_scope
from store.errors import TelaahError
from store.review.linking import create_and_link, link_mention
from store.review.mentions import MentionView
from tui.modals.link import LinkChoice, LinkScreen

if TYPE_CHECKING:
    from textual.screen import Screen

    from tui.app import TelaahApp


def link_with_modal(
    screen: Screen[Any],
    mention: MentionView,
    labels: Sequence[str],
    colours: Mapping[str, str],
    done: Callable[[MentionView], None],
) -> None:
    """Open the link modal for `mention`; store the choice (one undoable decision) and call
    `done` with the linked mention. Errors become notifications."""
    app = cast("TelaahApp", screen.app)

    def chosen(choice: LinkChoice | None) -> None:
        if choice is None:
            return
        try:
            with session_scope(app.engine) as session:
                if choice.entity_key is None:
                    linked = create_and_link(
                        session=session,
                        mention_id=mention.id,
                        label=choice.label,
                        reviewer_id=app.reviewer_id,
                    )
                else:
                    linked = link_mention(
                        session=session,
                        mention_id=mention.id,
                        entity_key=choice.entity_key,
                        label=choice.label,
                        reviewer_id=app.reviewer_id,
                    )
        except TelaahError as exc:
            screen.notify(str(exc), title="Link not saved", severity="error", markup=False)
            return
        made = "new entity: " if choice.entity_key is None else ""
        screen.notify(
            f"linked {linked.text} → {made}{linked.entity_name} ({linked.entity_key})",
            timeout=3,
            markup=False,
        )
        done(linked)

    app.push_screen(LinkScreen(app.engine, mention, list(labels), dict(colours)), chosen)
