"""The review screen's fact keys: `F` (the facts panel), `f` (tag a fact); the panel's keys
and the fact dialogues report up, the screen stores and reads."""

from __future__ import annotations

from textual import events, on

from store.facts.accept import AcceptedFact
from store.facts.repository import FactView
from store.review.citation import sentence_span
from tui.screens.review.fact_review import FactReview
from tui.screens.review.span_keys import ReviewSpans
from tui.widgets.facts_panel import FactsPanel


class ReviewFacts(ReviewSpans):
    """The facts panel's focus, fact tagging, and storing what the fact dialogues decide."""

    def action_facts_focus(self) -> None:
        """`F`: move the focus to the facts panel (candidates brought up to date), or back."""
        if self.facts_focused:
            self.body.focus()
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
        if event.action == "leave" or event.fact is None:
            self.body.focus()
        else:
            self.query_one(FactReview).request(event.action, event.fact, self.mentions)

    def action_tag_fact(self) -> None:
        """`f`: tag a new fact on the focused mention's sentence: its type, then each role.

        From the facts panel, on the focused fact's evidence (another fact of the sentence).
        """
        review = self.query_one(FactReview)
        fact = self.facts_panel.current if self.facts_focused else None
        mention = self.current
        if not review.fact_types:
            self.notify("The schema has no fact types", severity="error", markup=False)
            return
        if fact is not None and fact.evidence_start is not None and fact.evidence_end is not None:
            evidence = (fact.evidence_start, fact.evidence_end)
        elif mention is not None:
            evidence = sentence_span(self.article, mention)
        else:
            self.notify("Focus a mention of the sentence first", timeout=3, markup=False)
            return
        review.tag(evidence, self.mentions)

    @on(FactReview.Store)
    def _store_fact(self, event: FactReview.Store) -> None:
        """Store a fact change (one audited commit), then show the facts again."""

        def saved(value: object) -> None:
            done = event.done
            if isinstance(value, AcceptedFact):  # its pending mentions were accepted with it
                done = value.summary
                value = value.fact
                self._reload(self.current.id if self.current else 0)
            self.load_facts(value.id if isinstance(value, FactView) else event.focus_id)
            self._show()
            if done:
                self.notify(done, timeout=3, markup=False)

        self.write(event.change, title="Fact not saved", done=saved)

    @on(FactReview.MarkSpan)
    def _mark_for_role(self) -> None:
        """A role step wants a new span: the mark mode, then back to the role step."""
        self.body.focus()
        self.action_mark_span()

    def on_screen_resume(self) -> None:
        """Back from a modal that interrupted a tagging: go on with it."""
        review = self.query_one(FactReview)
        if review.interrupted:
            self.call_later(lambda: review.resume(self.mentions))
