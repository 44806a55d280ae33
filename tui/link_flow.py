"""Linking a mention from any screen: the entity picker (a panel of the screen when it docks
one, `LinkDock`, else a dialog), then the store, then a notice."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from store.review.linking import CreatedLink, create_and_link, link_mention
from store.review.mentions import MentionView
from tui.modals.link import show_link
from tui.modals.new_entity import show_form
from tui.widgets.entity_form import NewEntity
from tui.widgets.link_dock import LinkDock
from tui.widgets.link_picker import LinkChoice

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
    """Open the entity picker for `mention`; store the choice (one undoable decision, on the
    version of `mention` shown) and call `done` with the linked mention. A refusal is the
    store's notification, and the screen reads what it shows again.

    A new entity (`ctrl+n`, its name, key and label edited in the form) is made with the
    surface (and the name) as aliases, and the articles they reach, this one among them, are
    re-matched in the screen's worker (`rematch_in_background`): its other mentions appear as
    candidates, and the screen reads its mentions again when that is done (`after_rematch`).

    With `entity_label` (a span just marked), linking to an entity gives the mention the
    entity's type as its label, unless the reviewer chose another label in the modal; the
    screen moves on from `done`.
    """
    telaah = screen.telaah

    dock = docked(screen)

    def chosen(choice: LinkChoice | None) -> None:
        if choice is None:
            if dock is not None:  # as back from a dialog: changed meanwhile, read again
                screen.refresh_if_changed()
            return
        reviewer = telaah.reviewer_id
        entity_key = choice.entity_key
        if entity_key is None:
            _create(screen, mention, choice, done)
            return

        def linked(view: MentionView) -> None:
            screen.notify(
                f"linked {view.text} → {view.entity_name} ({view.entity_key})",
                timeout=3,
                markup=False,
            )
            done(view)

        follow = entity_label and choice.label == mention.label  # no label chosen
        screen.write(
            lambda session: link_mention(
                session=session,
                mention_id=mention.id,
                entity_key=entity_key,
                label=None if follow else choice.label,
                reviewer_id=reviewer,
                expected_version=mention.version,
                entity_label=follow,
            ),
            title="Link not saved",
            done=linked,
        )

    if dock is not None:
        dock.reveal(mention.start, mention.end)
        dock.open_link(telaah.engine, mention, list(labels), dict(colours), chosen)
    else:
        show_link(screen.app, telaah.engine, mention, list(labels), dict(colours), chosen)


def create_with_form(
    screen: TelaahScreen[Any],
    mention: MentionView,
    labels: Sequence[str],
    colours: Mapping[str, str],
    done: Callable[[MentionView], None],
) -> None:
    """The new-entity form for `mention` (its surface and label prefilled), without the link
    search first; what it gives is created and linked like `ctrl+n` in the link modal."""

    dock = docked(screen)

    def made(new: NewEntity | None) -> None:
        if new is not None:
            choice = LinkChoice(None, new.label, name=new.name, key=new.key)
            _create(screen, mention, choice, done)
        elif dock is not None:  # as back from a dialog: changed meanwhile, read again
            screen.refresh_if_changed()

    engine = screen.telaah.engine
    if dock is not None:
        dock.reveal(mention.start, mention.end)
        dock.open_form(engine, mention.text, mention.label, list(labels), dict(colours), made)
    else:
        show_form(
            screen.app, engine, mention.text, mention.label, list(labels), dict(colours), made
        )


def docked(screen: TelaahScreen[Any]) -> LinkDock | None:
    """The panel `screen` shows the picker and the form in, if it has one (the review
    screen); the other screens open them as dialogs."""
    return next(iter(screen.query_children(LinkDock)), None)


def _create(
    screen: TelaahScreen[Any],
    mention: MentionView,
    choice: LinkChoice,
    done: Callable[[MentionView], None],
) -> None:
    """Store the new entity and the link (one transaction), then re-match what it reaches."""
    reviewer = screen.telaah.reviewer_id

    def create(session: Session) -> CreatedLink:
        return create_and_link(
            session=session,
            mention_id=mention.id,
            label=choice.label,
            reviewer_id=reviewer,
            key=choice.key,
            name=choice.name,
            expected_version=mention.version,
        )

    def created(made: CreatedLink) -> None:
        view = made.mention
        # Its article first (its other mentions of the entity appear with the move on), then
        # the others the aliases reach.
        screen.rematch_in_background(
            made.change,
            f"linked {view.text} → new entity: {view.entity_name} ({view.entity_key})",
            first=made.own,
        )
        done(view)

    screen.write(create, title="Entity not created", done=created)
