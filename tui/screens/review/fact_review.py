"""Facts in the review screen: `f` tags a fact on a sentence, the facts panel's keys decide them.

Tagging: choose the type, then fill each role in schema order from the sentence's mentions (not
rejected) whose labels the role allows, with digits; `enter` goes on to the next role, `escape`
cancels everything, `m` leaves the role step to mark a new span (a date, an amount) and comes
back to it with the new mention chosen. `e` on a fact runs the same role steps with its fillers
chosen. Every change is one audited commit through `store.facts.repository`, undone by `u`.

`FactReview` is a controller widget with nothing to draw: the screen calls it with what it needs
(the mentions, the fact asked about), it runs the dialogues, and it asks the screen to store each
change with a `FactReview.Store` message (and for a new span with `FactReview.MarkSpan`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.message import Message
from textual.widget import Widget

from store.corpus.articles import ArticleView
from store.facts.accept import accept_fact
from store.facts.repository import (
    FactView,
    create_fact,
    decide_fact,
    delete_fact,
    set_note,
    set_roles,
)
from store.review.citation import fact_citation
from store.review.mentions import MentionView
from store.schema import FactTypeSpec, RoleSpec
from store.textnorm import shorten
from tui.clipboard import PREVIEW_MAX, copy
from tui.modals.confirm import ConfirmScreen
from tui.modals.prompt import ChoiceScreen, PromptScreen
from tui.modals.role_step import BACK, MARK, RoleScreen
from tui.widgets.article_text import FactHighlight

if TYPE_CHECKING:
    from store.db import Session


def fact_highlight(fact: FactView | None) -> FactHighlight | None:
    """What the text shows of `fact` (the facts panel's focused fact): evidence and fillers."""
    if fact is None:
        return None
    evidence = (
        None
        if fact.evidence_start is None or fact.evidence_end is None
        else (fact.evidence_start, fact.evidence_end)
    )
    return FactHighlight(evidence, tuple((f.start, f.end) for f in fact.fillers))


@dataclass
class Tagging:
    """A fact being tagged (`fact_id` None) or having its roles edited, role by role."""

    spec: FactTypeSpec
    evidence: tuple[int, int] | None
    roles: dict[str, list[int]] = field(default_factory=dict)
    index: int = 0
    fact_id: int | None = None
    fact_version: int | None = None  # the version of the fact edited, as shown
    extra: list[int] = field(default_factory=list)  # mentions to offer outside the sentence
    known: set[int] = field(default_factory=set)  # mention ids before a mark, to find the new one


class FactReview(Widget):
    """Runs the fact dialogues (type, roles, note, delete) and asks the screen to store."""

    class Store(Message):
        """Store `change` (one audited commit), then show the facts with `focus_id` focused.

        The fact the change returns, if any, is focused instead; `done` is a notice on success.
        """

        def __init__(
            self,
            change: Callable[[Session], object],
            focus_id: int | None,
            done: str | None = None,
        ) -> None:
            super().__init__()
            self.change = change
            self.focus_id = focus_id
            self.done = done

    class MarkSpan(Message):
        """The role step wants a new span marked first; the tagging waits for the mode to end."""

    def __init__(self, article: ArticleView, reviewer_id: int) -> None:
        super().__init__()
        self.article = article
        self.reviewer_id = reviewer_id
        self.fact_types: tuple[FactTypeSpec, ...] = ()
        self.tagging: Tagging | None = None
        self._mentions: list[MentionView] = []  # the screen's, when it last called
        self._resume: Tagging | None = None  # a tagging to go on with when a modal closes

    def use_article(self, article: ArticleView) -> None:
        """Another article on the screen: its facts from now on, no tagging going on."""
        self.article = article
        self.tagging = self._resume = None
        self._mentions = []

    def use_fact_types(self, fact_types: tuple[FactTypeSpec, ...]) -> None:
        """The schema's fact types, in order."""
        self.fact_types = fact_types

    def request(self, action: str, fact: FactView, mentions: Sequence[MentionView]) -> None:
        """Do `action` (a facts panel key: accept, reject, note, delete, edit, copy) on `fact`."""
        reviewer = self.reviewer_id
        if action == "accept":  # with the pending mentions it names (one undo)
            self.post_message(
                self.Store(
                    lambda s: accept_fact(
                        session=s,
                        fact_id=fact.id,
                        reviewer_id=reviewer,
                        expected_version=fact.version,
                    ),
                    fact.id,
                )
            )
        elif action == "reject":
            self.post_message(
                self.Store(
                    lambda s: decide_fact(
                        session=s,
                        fact_id=fact.id,
                        state="rejected",
                        reviewer_id=reviewer,
                        expected_version=fact.version,
                    ),
                    fact.id,
                )
            )
        elif action == "note":
            self.app.push_screen(
                PromptScreen(f"Note on the {fact.type} fact (empty: none)", fact.note or ""),
                lambda note: self._note(fact, note),
            )
        elif action == "delete":
            self.app.push_screen(
                ConfirmScreen(f"Delete this {fact.type} fact? (u undoes it)"),
                lambda yes: self._delete(fact) if yes else None,
            )
        elif action == "edit":
            self._edit(fact, mentions)
        elif action == "copy":
            text = fact_citation(fact, self.article)
            way = copy(self.app, text)
            self.notify(
                f"Copied to the {way}: {shorten(text, PREVIEW_MAX)}", timeout=4, markup=False
            )

    def _note(self, fact: FactView, note: str | None) -> None:
        if note is not None:
            reviewer = self.reviewer_id
            self.post_message(
                self.Store(
                    lambda s: set_note(
                        session=s,
                        fact_id=fact.id,
                        note=note,
                        reviewer_id=reviewer,
                        expected_version=fact.version,
                    ),
                    fact.id,
                )
            )

    def _delete(self, fact: FactView) -> None:
        reviewer = self.reviewer_id
        self.post_message(
            self.Store(
                lambda s: delete_fact(
                    session=s, fact_id=fact.id, reviewer_id=reviewer, expected_version=fact.version
                ),
                None,
            )
        )

    # Tagging, role by role.

    def tag(self, evidence: tuple[int, int], mentions: Sequence[MentionView]) -> None:
        """Tag a new fact on the sentence `evidence`: ask its type, then each role."""
        self._mentions = list(mentions)
        choices = [
            (t.name, f"{t.name} — {t.description}" if t.description else t.name)
            for t in self.fact_types
        ]
        by_name = {t.name: t for t in self.fact_types}

        def chosen(name: str | None) -> None:
            if name in by_name:
                self._ask_role(Tagging(by_name[name], evidence))

        self.app.push_screen(ChoiceScreen("Type of the fact", choices), chosen)

    def _edit(self, fact: FactView, mentions: Sequence[MentionView]) -> None:
        spec = next((t for t in self.fact_types if t.name == fact.type), None)
        if spec is None:
            self.notify(f"{fact.type} is not in the schema", severity="error", markup=False)
            return
        self._mentions = list(mentions)
        evidence = (
            None
            if fact.evidence_start is None or fact.evidence_end is None
            else (fact.evidence_start, fact.evidence_end)
        )
        self._ask_role(
            Tagging(
                spec,
                evidence,
                fact.roles,
                fact_id=fact.id,
                fact_version=fact.version,
                extra=[f.mention_id for f in fact.fillers],
            )
        )

    def _options(self, tagging: Tagging, role: RoleSpec) -> list[MentionView]:
        start, end = tagging.evidence or (0, 0)
        return [
            m
            for m in self._mentions
            if (
                start <= m.start and m.end <= end and m.state != "rejected" or m.id in tagging.extra
            )
            and (not role.labels or m.label in role.labels)
        ]

    def _ask_role(self, tagging: Tagging) -> None:
        self.tagging = tagging
        role = tagging.spec.roles[tagging.index]
        verb = "Edit" if tagging.fact_id is not None else "Tag"
        title = (
            f"{verb} {tagging.spec.name} · role {tagging.index + 1} of "
            f"{len(tagging.spec.roles)}: {role.name}"
        )
        start, end = tagging.evidence or (0, 0)
        self.app.push_screen(
            RoleScreen(
                title,
                self.article.text[start:end],
                role,
                self._options(tagging, role),
                tagging.roles.get(role.name, []),
            ),
            self._role_answered,
        )

    def _role_answered(self, answer: list[int] | str | None) -> None:
        tagging = self.tagging
        if tagging is None:
            return
        if answer is None:
            self.tagging = None
            self.notify("Tagging cancelled", timeout=2, markup=False)
        elif answer == MARK:
            tagging.known = {m.id for m in self._mentions}
            self.notify(
                "Mark the span (v selects, a digit labels it); the role step comes back",
                timeout=4,
                markup=False,
            )
            self.post_message(self.MarkSpan())
        elif answer == BACK:
            tagging.index = max(0, tagging.index - 1)
            self._ask_role(tagging)
        elif isinstance(answer, list):
            role = tagging.spec.roles[tagging.index]
            if answer:
                tagging.roles[role.name] = answer
            else:
                tagging.roles.pop(role.name, None)
            tagging.index += 1
            if tagging.index < len(tagging.spec.roles):
                self._ask_role(tagging)
            else:
                self.tagging = None
                self._finish(tagging)

    def span_mode_ended(self, mentions: Sequence[MentionView]) -> None:
        """A span mode ended: during a tagging, back to the role step with the new mention chosen.

        Args:
            mentions: The article's mentions now (a marked span among them).
        """
        tagging = self.tagging
        if tagging is None or not tagging.known:
            return
        self._mentions = list(mentions)
        new = [m for m in self._mentions if m.id not in tagging.known]
        tagging.known = set()
        role = tagging.spec.roles[tagging.index]
        for mention in new:
            tagging.extra.append(mention.id)
            if role.labels and mention.label not in role.labels:
                self.notify(
                    f"{mention.text!r} is a {mention.label}; {role.name} takes "
                    f"{', '.join(role.labels)}",
                    severity="warning",
                    markup=False,
                )
                continue
            chosen = tagging.roles.get(role.name, []) if role.multiple else []
            tagging.roles[role.name] = [*chosen, mention.id]
        if self.app.screen is self.screen:
            self._ask_role(tagging)
        else:  # the link modal of `l` is up first: come back when it closes
            self._resume = tagging

    @property
    def interrupted(self) -> bool:
        """Whether a tagging waits for a modal (the link modal of `l`) to close."""
        return self._resume is not None

    def resume(self, mentions: Sequence[MentionView]) -> None:
        """The screen is back from a modal: go on with the tagging it interrupted."""
        if self._resume is not None:
            tagging, self._resume = self._resume, None
            self._mentions = list(mentions)
            self._ask_role(tagging)

    def _finish(self, tagging: Tagging) -> None:
        reviewer = self.reviewer_id
        if tagging.fact_id is not None:
            fact_id = tagging.fact_id
            self.post_message(
                self.Store(
                    lambda s: set_roles(
                        session=s,
                        fact_id=fact_id,
                        roles=tagging.roles,
                        reviewer_id=reviewer,
                        expected_version=tagging.fact_version,
                    ),
                    fact_id,
                )
            )
            return
        article_id = self.article.id
        self.post_message(
            self.Store(
                lambda s: create_fact(
                    session=s,
                    article_id=article_id,
                    type=tagging.spec.name,
                    roles=tagging.roles,
                    reviewer_id=reviewer,
                    evidence=tagging.evidence,
                    state="accepted",
                    origin="manual",
                ),
                None,
                done=f"{tagging.spec.name} tagged (F: the facts)",
            )
        )
