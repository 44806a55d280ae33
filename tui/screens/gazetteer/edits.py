"""The gazetteer's edits: each says what it will change, then goes through the store.

Every edit is audited and committed by `store` (and undone by `u`). `EntityEdits` is told which
entity to change (method calls down) and posts `EntityEdits.Changed` up once the store has it;
the screen then re-lists, and re-matches the articles in a worker (`rematch_in_background`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar, cast

from textual.message import Message
from textual.widget import Widget

from store.db import Session
from store.gazetteer import entities as gazetteer
from store.gazetteer.change import GazetteerChange
from store.gazetteer.detail import EntityListRow, accepted_other_label
from store.gazetteer.merge import merge_entities, plan_merge
from store.review.concordance import decide_lines
from store.review.impact import (
    add_alias_impact,
    delete_impact,
    remove_alias_impact,
    rename_impact,
    retype_impact,
)
from store.review.linking import fresh_key
from tui.modals.confirm import ConfirmScreen
from tui.modals.prompt import ChoiceScreen, PromptScreen
from tui.screens.base import Stored, TelaahScreen

if TYPE_CHECKING:
    from tui.workbench import Workbench

T = TypeVar("T")


class EntityEdits(Widget):
    """Create, rename, retype, alias edits, delete and merge: asks, then calls the store."""

    class Changed(Message):
        """The store made an edit: list again with the cursor on `keep`, then settle it."""

        def __init__(self, done: str, keep: str | None, change: GazetteerChange | None) -> None:
            super().__init__()
            self.done = done
            self.keep = keep
            self.change = change

    class Creating(Message):
        """A new entity is about to be made: the search line is emptied first."""

    class MergeAnswered(Message):
        """The merge question was answered (yes or no): the merge mode ends."""

    @property
    def telaah(self) -> Workbench:
        """The app, with its engine and reviewer."""
        return cast("Workbench", self.app)

    def _store(self, call: Callable[[Session], T], title: str = "Not changed") -> Stored[T]:
        return cast("TelaahScreen[None]", self.screen).store(call, title=title)

    def _change(
        self,
        change: Callable[[Session], object],
        done: str,
        keep: str | None = None,
    ) -> bool:
        """Make one change in a session and post `Changed`; a refusal becomes a notice.

        When the store returns the `GazetteerChange` it made, the screen re-matches what it
        reaches (the one re-match policy, `store.review.rematch.rematch`).
        """
        made = self._store(change)
        if not made:
            return False
        reached = made.value if isinstance(made.value, GazetteerChange) else None
        self.post_message(self.Changed(done, keep, reached))
        return True

    def _after_yes(self, question: str, then: Callable[[], object]) -> None:
        """Show what an edit will change; make it on `y`."""

        def answered(yes: bool | None) -> None:
            if yes:
                then()

        self.app.push_screen(ConfirmScreen(question), answered)

    def _impact(self, measure: Callable[[Session], str]) -> str | None:
        return self._store(measure).value

    def create(self, labels: list[str], type: str | None) -> None:
        """A new entity: its name, then its type (among `labels`, `type` first offered)."""
        reviewer = self.telaah.reviewer_id

        def named(name: str | None) -> None:
            if not name or not name.strip():
                return

            def typed(label: str | None) -> None:
                if not label:
                    return

                def create(session: Session) -> GazetteerChange:
                    return gazetteer.create_entity(
                        session=session,
                        key=fresh_key(session, label, name),
                        name=name,
                        type=label,
                        reviewer_id=reviewer,
                        origin="reviewer",
                    )

                self.post_message(self.Creating())
                made = self._store(create)
                if made.value is not None:
                    done = f"created {name.strip()}"
                    self.post_message(self.Changed(done, made.value.key, made.value))

            self.app.push_screen(
                ChoiceScreen(f"Type of {name.strip()}", [(x, x) for x in labels], type), typed
            )

        self.app.push_screen(PromptScreen("Name of the new entity"), named)

    def rename(self, row: EntityListRow) -> None:
        """A new name (the old one stays an alias)."""

        def answered(name: str | None) -> None:
            if not name or not name.strip() or name.strip() == row.name:
                return
            question = self._impact(lambda s: rename_impact(session=s, key=row.key, name=name))
            if question:
                self._after_yes(
                    question,
                    lambda: self._change(
                        lambda s: gazetteer.rename_entity(
                            session=s, key=row.key, name=name, reviewer_id=self.telaah.reviewer_id
                        ),
                        f"{row.key} is now {name.strip()}",
                        keep=row.key,
                    ),
                )

        self.app.push_screen(PromptScreen(f"New name of {row.key}", row.name), answered)

    def retype(self, row: EntityListRow, labels: list[str]) -> None:
        """A new type: pending mentions follow; accepted ones are offered to follow too."""

        def chosen(label: str | None) -> None:
            if not label or label == row.type:
                return
            question = self._impact(lambda s: retype_impact(session=s, key=row.key, type=label))
            if question:
                self._after_yes(question, lambda: self._retype(row, label))

        self.app.push_screen(
            ChoiceScreen(f"New type of {row.key}", [(x, x) for x in labels], row.type), chosen
        )

    def _retype(self, row: EntityListRow, label: str) -> None:
        """Retype, then offer to relabel the accepted mentions with another label."""
        accepted = (
            self._store(lambda s: accepted_other_label(session=s, key=row.key, label=label)).value
            or []
        )
        if (
            not self._change(
                lambda s: gazetteer.retype_entity(
                    session=s, key=row.key, type=label, reviewer_id=self.telaah.reviewer_id
                ),
                f"{row.key} is now a {label}; its pending mentions too",
                keep=row.key,
            )
            or not accepted
        ):
            return

        def relabel(yes: bool | None) -> None:
            if yes:
                self._change(
                    lambda s: decide_lines(
                        session=s,
                        mention_ids=accepted,
                        state="accepted",
                        label=label,
                        reviewer_id=self.telaah.reviewer_id,
                    ),
                    f"relabelled {len(accepted)} accepted mentions",
                    keep=row.key,
                )

        self.app.push_screen(
            ConfirmScreen(
                f"{len(accepted)} accepted mentions of {row.key} have another label. "
                f"Relabel them all as {label}?"
            ),
            relabel,
        )

    def add_alias(self, row: EntityListRow) -> None:
        """A new alias; the articles where it occurs are re-matched."""

        def answered(text: str | None) -> None:
            if not text or not text.strip():
                return
            question = self._impact(
                lambda _s: add_alias_impact(self.telaah.engine, key=row.key, text=text)
            )
            if question:
                self._after_yes(
                    question,
                    lambda: self._change(
                        lambda s: gazetteer.add_alias(
                            session=s, key=row.key, text=text, reviewer_id=self.telaah.reviewer_id
                        ),
                        f"{row.key} has the alias {text.strip()}",
                        keep=row.key,
                    ),
                )

        self.app.push_screen(PromptScreen(f"New alias of {row.key}"), answered)

    def _choose_alias(
        self, row: EntityListRow, question: str, then: Callable[[str], object]
    ) -> None:
        aliases = self._store(
            lambda s: [
                a.text
                for a in gazetteer.get_entity(session=s, key=row.key).aliases
                if a.text != row.name
            ]
        ).value
        if aliases is None:
            return
        if not aliases:
            self.notify(f"{row.key} has no alias but its name", timeout=3, markup=False)
            return

        def chosen(text: str | None) -> None:
            if text:
                then(text)

        self.app.push_screen(ChoiceScreen(question, [(a, a) for a in aliases]), chosen)

    def remove_alias(self, row: EntityListRow) -> None:
        """Remove an alias; the pending candidates it produced are withdrawn."""

        def picked(text: str) -> None:
            question = self._impact(
                lambda s: remove_alias_impact(session=s, key=row.key, text=text)
            )
            if question:
                self._after_yes(
                    question,
                    lambda: self._change(
                        lambda s: gazetteer.remove_alias(
                            session=s, key=row.key, text=text, reviewer_id=self.telaah.reviewer_id
                        ),
                        f"{row.key} lost the alias {text}",
                        keep=row.key,
                    ),
                )

        self._choose_alias(row, f"Remove which alias of {row.key}?", picked)

    def edit_alias(self, row: EntityListRow) -> None:
        """Change an alias's text (the old text's pending candidates are withdrawn)."""

        def picked(old: str) -> None:
            def answered(new: str | None) -> None:
                if not new or not new.strip() or new.strip() == old:
                    return

                def change(session: Session) -> GazetteerChange:
                    reviewer = self.telaah.reviewer_id
                    added = gazetteer.add_alias(
                        session=session, key=row.key, text=new, reviewer_id=reviewer, commit=False
                    )
                    return added + gazetteer.remove_alias(
                        session=session, key=row.key, text=old, reviewer_id=reviewer
                    )

                question = self._impact(
                    lambda s: (
                        remove_alias_impact(session=s, key=row.key, text=old)
                        + " "
                        + add_alias_impact(self.telaah.engine, key=row.key, text=new)
                    )
                )
                if question:
                    self._after_yes(
                        question,
                        lambda: self._change(
                            change,
                            f"{row.key}: {old} → {new.strip()}",
                            keep=row.key,
                        ),
                    )

            self.app.push_screen(PromptScreen(f"Alias of {row.key}", old), answered)

        self._choose_alias(row, f"Edit which alias of {row.key}?", picked)

    def delete(self, row: EntityListRow) -> None:
        """Delete the entity (refused while it has accepted mentions), after a yes."""

        def answered(yes: bool | None) -> None:
            if yes:
                self._change(
                    lambda s: gazetteer.delete_entity(
                        session=s, key=row.key, reviewer_id=self.telaah.reviewer_id
                    ),
                    f"deleted {row.key}",
                )

        question = self._impact(lambda s: delete_impact(session=s, key=row.key))
        if question:
            self.app.push_screen(ConfirmScreen(question), answered)

    def merge(self, source: str, target: str) -> None:
        """Merge entity `source` into `target`, after a yes on the plan."""
        plan = self._store(
            lambda s: plan_merge(session=s, source=source, target=target), title="Cannot merge"
        ).value
        if plan is None:
            return

        def answered(yes: bool | None) -> None:
            self.post_message(self.MergeAnswered())
            if yes:
                self._change(
                    lambda s: merge_entities(
                        session=s, source=source, target=target, reviewer_id=self.telaah.reviewer_id
                    ),
                    f"merged {source} into {target}",
                    keep=target,
                )

        self.app.push_screen(
            ConfirmScreen(plan.summary()[0].upper() + plan.summary()[1:] + "."), answered
        )
