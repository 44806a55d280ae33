"""The gazetteer screen's edits: each says what it will change, then goes through the store.

Every edit is audited and committed by `store` (and undone by `u`); alias changes re-match the
articles they reach. The screen this is the base of lists the entities (`current`, `reload`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from store.db import session_scope
from store.errors import TelaahError
from store.gazetteer import entities as gazetteer
from store.gazetteer.change import GazetteerChange
from store.gazetteer.detail import EntityListRow, accepted_other_label
from store.gazetteer.merge import merge_entities, plan_merge
from store.gazetteer.search import search_cache
from store.review import rematch as rematching
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
from tui.screens.base import TelaahScreen


class EntityEdits(TelaahScreen[None]):
    """Create, rename, retype, alias edits, delete and merge, on the entity under the cursor."""

    labels: list[str]
    type: str | None
    merging: str | None

    @property
    def current(self) -> EntityListRow | None:
        """The entity under the cursor (the list screen says which)."""
        raise NotImplementedError

    def reload(self, keep: str | None = None) -> None:
        """List the entities again, the cursor on `keep` (the list screen does it)."""
        raise NotImplementedError

    def clear_search(self) -> None:
        """Empty the search line (the list screen has it)."""
        raise NotImplementedError

    def _show_status(self) -> None:
        raise NotImplementedError

    def _run(
        self,
        change: Callable[[Any], object],
        done: str,
        rematch: dict[str, Any] | None = None,
        keep: str | None = None,
    ) -> bool:
        """Make one change in a session; say so, re-match if asked; errors become notices."""
        try:
            with session_scope(self.telaah.engine) as session:
                made = change(session)
        except TelaahError as exc:
            self.notify(str(exc), title="Not changed", severity="error", markup=False)
            return False
        message = done
        if rematch:
            if not isinstance(made, GazetteerChange):  # the edit does not say what it changed
                made = GazetteerChange("", **{name: tuple(v) for name, v in rematch.items()})
            report = rematching.rematch(
                self.telaah.engine, made, reviewer_id=self.telaah.reviewer_id
            )
            message += f"; {report.summary.replace('matched', 're-matched', 1)}"
        self.notify(message, timeout=4, markup=False)
        search_cache(self.telaah.engine).fresh()  # the edit changed what search must find
        self.reload(keep=keep)
        return True

    def _after_yes(self, question: str, then: Callable[[], object]) -> None:
        """Show what an edit will change; make it on `y`."""

        def answered(yes: bool | None) -> None:
            if yes:
                then()

        self.app.push_screen(ConfirmScreen(question), answered)

    def _impact(self, measure: Callable[[Any], str]) -> str | None:
        try:
            with session_scope(self.telaah.engine) as session:
                return measure(session)
        except TelaahError as exc:
            self.notify(str(exc), title="Not changed", severity="error", markup=False)
            return None

    def action_create(self) -> None:
        """A new entity: its name, then its type."""
        reviewer = self.telaah.reviewer_id

        def named(name: str | None) -> None:
            if not name or not name.strip():
                return

            def typed(label: str | None) -> None:
                if not label:
                    return
                made: list[str] = []

                def create(session: Any) -> None:
                    key = fresh_key(session, label, name)
                    gazetteer.create_entity(
                        session=session,
                        key=key,
                        name=name,
                        type=label,
                        reviewer_id=reviewer,
                        origin="reviewer",
                    )
                    made.append(key)

                self.clear_search()
                if self._run(create, f"created {name.strip()}", {"added": [name.strip()]}):
                    self.reload(keep=made[0])

            self.app.push_screen(
                ChoiceScreen(f"Type of {name.strip()}", [(x, x) for x in self.labels], self.type),
                typed,
            )

        self.app.push_screen(PromptScreen("Name of the new entity"), named)

    def action_rename(self) -> None:
        """A new name (the old one stays an alias)."""
        row = self.current
        if row is None:
            return

        def answered(name: str | None) -> None:
            if not name or not name.strip() or name.strip() == row.name:
                return
            question = self._impact(lambda s: rename_impact(session=s, key=row.key, name=name))
            if question:
                self._after_yes(
                    question,
                    lambda: self._run(
                        lambda s: gazetteer.rename_entity(
                            session=s, key=row.key, name=name, reviewer_id=self.telaah.reviewer_id
                        ),
                        f"{row.key} is now {name.strip()}",
                        {"added": [name.strip()], "entities": [row.key]},
                        keep=row.key,
                    ),
                )

        self.app.push_screen(PromptScreen(f"New name of {row.key}", row.name), answered)

    def action_retype(self) -> None:
        """A new type: pending mentions follow; accepted ones are offered to follow too."""
        row = self.current
        if row is None:
            return

        def chosen(label: str | None) -> None:
            if not label or label == row.type:
                return
            question = self._impact(lambda s: retype_impact(session=s, key=row.key, type=label))
            if question:
                self._after_yes(question, lambda: self._retype(row, label))

        self.app.push_screen(
            ChoiceScreen(f"New type of {row.key}", [(x, x) for x in self.labels], row.type), chosen
        )

    def _retype(self, row: EntityListRow, label: str) -> None:
        """Retype, then offer to relabel the accepted mentions with another label."""
        with session_scope(self.telaah.engine) as session:
            accepted = accepted_other_label(session=session, key=row.key, label=label)
        if (
            not self._run(
                lambda s: gazetteer.retype_entity(
                    session=s, key=row.key, type=label, reviewer_id=self.telaah.reviewer_id
                ),
                f"{row.key} is now a {label}; its pending mentions too",
                {"entities": [row.key]},
                keep=row.key,
            )
            or not accepted
        ):
            return

        def relabel(yes: bool | None) -> None:
            if yes:
                self._run(
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

    def action_add_alias(self) -> None:
        """A new alias; the articles where it occurs are re-matched."""
        row = self.current
        if row is None:
            return

        def answered(text: str | None) -> None:
            if not text or not text.strip():
                return
            question = self._impact(
                lambda _s: add_alias_impact(self.telaah.engine, key=row.key, text=text)
            )
            if question:
                self._after_yes(
                    question,
                    lambda: self._run(
                        lambda s: gazetteer.add_alias(
                            session=s, key=row.key, text=text, reviewer_id=self.telaah.reviewer_id
                        ),
                        f"{row.key} has the alias {text.strip()}",
                        {"added": [text.strip()]},
                        keep=row.key,
                    ),
                )

        self.app.push_screen(PromptScreen(f"New alias of {row.key}"), answered)

    def _choose_alias(self, question: str, then: Callable[[str], object]) -> None:
        row = self.current
        if row is None:
            return
        with session_scope(self.telaah.engine) as session:
            aliases = [
                a.text
                for a in gazetteer.get_entity(session=session, key=row.key).aliases
                if a.text != row.name
            ]
        if not aliases:
            self.notify(f"{row.key} has no alias but its name", timeout=3, markup=False)
            return

        def chosen(text: str | None) -> None:
            if text:
                then(text)

        self.app.push_screen(ChoiceScreen(question, [(a, a) for a in aliases]), chosen)

    def action_remove_alias(self) -> None:
        """Remove an alias; the pending candidates it produced are withdrawn."""
        row = self.current
        if row is None:
            return

        def picked(text: str) -> None:
            question = self._impact(
                lambda s: remove_alias_impact(session=s, key=row.key, text=text)
            )
            if question:
                self._after_yes(
                    question,
                    lambda: self._run(
                        lambda s: gazetteer.remove_alias(
                            session=s, key=row.key, text=text, reviewer_id=self.telaah.reviewer_id
                        ),
                        f"{row.key} lost the alias {text}",
                        {"removed": [(row.key, text)]},
                        keep=row.key,
                    ),
                )

        self._choose_alias(f"Remove which alias of {row.key}?", picked)

    def action_edit_alias(self) -> None:
        """Change an alias's text (the old text's pending candidates are withdrawn)."""
        row = self.current
        if row is None:
            return

        def picked(old: str) -> None:
            def answered(new: str | None) -> None:
                if not new or not new.strip() or new.strip() == old:
                    return

                def change(session: Any) -> GazetteerChange:
                    reviewer = self.telaah.reviewer_id
                    return gazetteer.add_alias(
                        session=session, key=row.key, text=new, reviewer_id=reviewer, commit=False
                    ) + gazetteer.remove_alias(
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
                        lambda: self._run(
                            change,
                            f"{row.key}: {old} → {new.strip()}",
                            {"added": [new.strip()], "removed": [(row.key, old)]},
                            keep=row.key,
                        ),
                    )

            self.app.push_screen(PromptScreen(f"Alias of {row.key}", old), answered)

        self._choose_alias(f"Edit which alias of {row.key}?", picked)

    def action_delete(self) -> None:
        """Delete the entity (refused while it has accepted mentions), after a yes."""
        row = self.current
        if row is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._run(
                    lambda s: gazetteer.delete_entity(
                        session=s, key=row.key, reviewer_id=self.telaah.reviewer_id
                    ),
                    f"deleted {row.key}",
                    {"entities": []},
                )

        question = self._impact(lambda s: delete_impact(session=s, key=row.key))
        if question:
            self.app.push_screen(ConfirmScreen(question), answered)

    def action_merge(self) -> None:
        """First `m`: the entity to merge; second `m`: the entity it goes into (after a yes)."""
        row = self.current
        if row is None:
            return
        if self.merging is None or self.merging == row.key:
            self.merging = row.key
            self._show_status()
            return
        source, target = self.merging, row.key
        try:
            with session_scope(self.telaah.engine) as session:
                plan = plan_merge(session=session, source=source, target=target)
        except TelaahError as exc:
            self.notify(str(exc), title="Cannot merge", severity="error", markup=False)
            return

        def answered(yes: bool | None) -> None:
            self.merging = None
            if yes:
                self._run(
                    lambda s: merge_entities(
                        session=s, source=source, target=target, reviewer_id=self.telaah.reviewer_id
                    ),
                    f"merged {source} into {target}",
                    {"entities": [source, target]},
                    keep=target,
                )
            self._show_status()

        self.app.push_screen(
            ConfirmScreen(plan.summary()[0].upper() + plan.summary()[1:] + "."), answered
        )
