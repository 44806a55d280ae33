"""Facts in the review screen: `f` tags a fact on a sentence, the facts panel's keys decide them.

Tagging: choose the type, then fill each role in schema order from the sentence's mentions (not
rejected) whose labels the role allows, with digits; `enter` goes on to the next role, `escape`
cancels everything, `m` leaves the role step to mark a new span (a date, an amount) and comes
back to it with the new mention chosen. `e` on a fact runs the same role steps with its fillers
chosen. Every change is one audited commit through `store.facts.repository`, undone by `u`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from textual import events, on
from textual.screen import Screen

from store.corpus.articles import ArticleView
from store.db import session_scope
from store.errors import TelaahError
from store.facts.candidates import refresh_fact_candidates
from store.facts.repository import (
    FactView,
    create_fact,
    decide_fact,
    delete_fact,
    list_facts,
    set_note,
    set_roles,
)
from store.review.citation import fact_citation, sentence_span
from store.review.mentions import MentionView
from store.schema import FactTypeSpec, RoleSpec
from store.textnorm import shorten
from tui.clipboard import PREVIEW_MAX, copy
from tui.modals.confirm import ConfirmScreen
from tui.modals.prompt import ChoiceScreen, PromptScreen
from tui.modals.role_step import BACK, MARK, RoleScreen
from tui.widgets.article_text import ArticleText, FactHighlight
from tui.widgets.facts_panel import FactsPanel

if TYPE_CHECKING:
    from tui.app import TelaahApp


@dataclass
class Tagging:
    """A fact being tagged (`fact_id` None) or having its roles edited, role by role."""

    spec: FactTypeSpec
    evidence: tuple[int, int] | None
    roles: dict[str, list[int]] = field(default_factory=dict)
    index: int = 0
    fact_id: int | None = None
    extra: list[int] = field(default_factory=list)  # mentions to offer outside the sentence
    known: set[int] = field(default_factory=set)  # mention ids before a mark, to find the new one


class FactReview(Screen[None]):
    """The review screen's fact keys and the tagging flow; the review screen fills in the rest."""

    article: ArticleView
    mentions: list[MentionView]
    fact_types: tuple[FactTypeSpec, ...] = ()
    tagging: Tagging | None = None
    facts_stale = True  # the candidates may not match the mentions (refreshed on `F`)
    mentions_changed = False  # a change this visit that the candidates depend on
    _resume: Tagging | None = None  # a tagging to go on with when a modal closes
    _facts_shown = False  # whether the text shows the focused fact (the panel had the focus)

    @property
    def current(self) -> MentionView | None:
        """The focused mention (the review screen's)."""
        raise NotImplementedError

    def _show(self) -> None:
        raise NotImplementedError

    @property
    def _app(self) -> TelaahApp:
        return cast("TelaahApp", self.app)

    @property
    def facts_panel(self) -> FactsPanel:
        """The panel of the article's facts."""
        return self.query_one(FactsPanel)

    @property
    def facts_focused(self) -> bool:
        """Whether the facts panel has the focus (its keys are on, the mention keys off)."""
        return isinstance(self.focused, FactsPanel)

    def fact_highlight(self) -> FactHighlight | None:
        """The focused fact's evidence and fillers, while the facts panel has the focus."""
        fact = self.facts_panel.current if self.facts_focused else None
        if fact is None:
            return None
        evidence = (
            None
            if fact.evidence_start is None or fact.evidence_end is None
            else (fact.evidence_start, fact.evidence_end)
        )
        return FactHighlight(evidence, tuple((f.start, f.end) for f in fact.fillers))

    def candidates_changed(self) -> None:
        """The mentions changed in a way fact candidates depend on (recomputed lazily, on `F`).

        The stored facts are read again at once: a rejected filler marks its fact for review.
        """
        self.facts_stale = self.mentions_changed = True
        current = self.facts_panel.current
        self.load_facts(current.id if current else None)

    def load_facts(self, focus_id: int | None = None, *, refresh: bool = False) -> None:
        """Read the article's facts (after recomputing its candidates when `refresh`)."""
        try:
            with session_scope(self._app.engine) as session:
                if refresh:
                    refresh_fact_candidates(session, self.article.id)
                    self.facts_stale = False
                facts = list_facts(session=session, article_id=self.article.id)
        except TelaahError as exc:
            self.notify(str(exc), title="Facts not read", severity="error", markup=False)
            return
        note = (
            ""
            if not self.facts_stale or not self.mentions_changed
            else "candidates: F brings them up to date"
        )
        self.facts_panel.show(facts, focus_id, note)

    def refresh_on_leave(self) -> None:
        """Bring the candidates up to date if this visit changed what they depend on."""
        if self.mentions_changed and self.facts_stale:
            try:
                with session_scope(self._app.engine) as session:
                    refresh_fact_candidates(session, self.article.id)
            except TelaahError as exc:
                self.notify(str(exc), title="Fact candidates", severity="error", markup=False)

    def action_facts_focus(self) -> None:
        """`F`: move the focus to the facts panel (candidates brought up to date), or back."""
        if self.facts_focused:
            self.query_one("#article-body").focus()
            return
        current = self.facts_panel.current
        self.load_facts(current.id if current else None, refresh=self.facts_stale)
        self.facts_panel.focus()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """The facts panel took or lost the focus: switch the keys and the highlights."""
        self._facts_focus_changed()

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        """See `on_descendant_focus`."""
        self._facts_focus_changed()

    def _facts_focus_changed(self) -> None:
        # Only when the facts panel is concerned: the text takes the focus for the span modes.
        if self.facts_focused == self._facts_shown:
            return
        self._facts_shown = self.facts_focused
        self.refresh_bindings()
        self._show()
        self.call_after_refresh(self._show)  # again once the panels have their new heights

    @on(FactsPanel.Moved)
    def _fact_moved(self) -> None:
        self._show()

    @on(FactsPanel.Requested)
    def _fact_requested(self, event: FactsPanel.Requested) -> None:
        fact = event.fact
        if event.action == "leave" or fact is None:
            self.query_one("#article-body").focus()
        elif event.action in ("accept", "reject"):
            state = "accepted" if event.action == "accept" else "rejected"
            self._store(
                fact.id,
                lambda s: decide_fact(
                    session=s, fact_id=fact.id, state=state, reviewer_id=self._app.reviewer_id
                ),
            )
        elif event.action == "note":
            self.app.push_screen(
                PromptScreen(f"Note on the {fact.type} fact (empty: none)", fact.note or ""),
                lambda note: self._note(fact, note),
            )
        elif event.action == "delete":
            self.app.push_screen(
                ConfirmScreen(f"Delete this {fact.type} fact? (u undoes it)"),
                lambda yes: self._delete(fact) if yes else None,
            )
        elif event.action == "edit":
            self._edit(fact)
        elif event.action == "copy":
            text = fact_citation(fact, self.article)
            way = copy(self.app, text)
            self.notify(
                f"Copied to the {way}: {shorten(text, PREVIEW_MAX)}", timeout=4, markup=False
            )

    def _store(self, focus_id: int | None, change: Callable[[Any], object]) -> bool:
        """Run `change(session)` (one audited commit), then show the facts again."""
        try:
            with session_scope(self._app.engine) as session:
                done = change(session)
        except TelaahError as exc:
            self.notify(str(exc), title="Fact not saved", severity="error", markup=False)
            return False
        self.load_facts(done.id if isinstance(done, FactView) else focus_id)
        self._show()
        return True

    def _note(self, fact: FactView, note: str | None) -> None:
        if note is not None:
            self._store(
                fact.id,
                lambda s: set_note(
                    session=s, fact_id=fact.id, note=note, reviewer_id=self._app.reviewer_id
                ),
            )

    def _delete(self, fact: FactView) -> None:
        self._store(
            None,
            lambda s: delete_fact(session=s, fact_id=fact.id, reviewer_id=self._app.reviewer_id),
        )

    # Tagging, role by role.

    def action_tag_fact(self) -> None:
        """`f`: tag a new fact on the focused mention's sentence: its type, then each role.

        From the facts panel, on the focused fact's evidence (another fact of the sentence).
        """
        fact = self.facts_panel.current if self.facts_focused else None
        mention = self.current
        if not self.fact_types:
            self.notify("The schema has no fact types", severity="error", markup=False)
            return
        if fact is not None and fact.evidence_start is not None and fact.evidence_end is not None:
            evidence = (fact.evidence_start, fact.evidence_end)
        elif mention is not None:
            evidence = sentence_span(self.article, mention)
        else:
            self.notify("Focus a mention of the sentence first", timeout=3, markup=False)
            return
        choices = [
            (t.name, f"{t.name} — {t.description}" if t.description else t.name)
            for t in self.fact_types
        ]
        by_name = {t.name: t for t in self.fact_types}

        def chosen(name: str | None) -> None:
            if name in by_name:
                self._ask_role(Tagging(by_name[name], evidence))

        self.app.push_screen(ChoiceScreen("Type of the fact", choices), chosen)

    def _edit(self, fact: FactView) -> None:
        spec = next((t for t in self.fact_types if t.name == fact.type), None)
        if spec is None:
            self.notify(f"{fact.type} is not in the schema", severity="error", markup=False)
            return
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
                extra=[f.mention_id for f in fact.fillers],
            )
        )

    def _options(self, tagging: Tagging, role: RoleSpec) -> list[MentionView]:
        start, end = tagging.evidence or (0, 0)
        return [
            m
            for m in self.mentions
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
            tagging.known = {m.id for m in self.mentions}
            self.notify(
                "Mark the span (v selects, a digit labels it); the role step comes back",
                timeout=4,
                markup=False,
            )
            self.query_one("#article-body").focus()
            mark = getattr(self, "action_mark_span", None)
            if callable(mark):
                mark()
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

    def on_article_text_mode_changed(self, event: ArticleText.ModeChanged) -> None:
        """A span mode ended during a tagging: back to the role step, the new mention chosen."""
        tagging = self.tagging
        if event.mode is not None or tagging is None or not tagging.known:
            return
        new = [m for m in self.mentions if m.id not in tagging.known]
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
        if self.app.screen is self:
            self._ask_role(tagging)
        else:  # the link modal of `l` is up first: come back when it closes
            self._resume = tagging

    def on_screen_resume(self) -> None:
        """Back from a modal that interrupted a tagging: go on with it."""
        if self._resume is not None:
            tagging, self._resume = self._resume, None
            self.call_later(self._ask_role, tagging)

    def _finish(self, tagging: Tagging) -> None:
        reviewer = self._app.reviewer_id
        if tagging.fact_id is not None:
            fact_id = tagging.fact_id
            self._store(
                fact_id,
                lambda s: set_roles(
                    session=s, fact_id=fact_id, roles=tagging.roles, reviewer_id=reviewer
                ),
            )
            return
        if self._store(
            None,
            lambda s: create_fact(
                session=s,
                article_id=self.article.id,
                type=tagging.spec.name,
                roles=tagging.roles,
                reviewer_id=reviewer,
                evidence=tagging.evidence,
                state="accepted",
                origin="manual",
            ),
        ):
            self.notify(f"{tagging.spec.name} tagged (F: the facts)", timeout=2, markup=False)
