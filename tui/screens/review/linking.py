"""The review screen's keys that reach the gazetteer: `l` (link), `N` (a new entity), `t`
(teach an alias), `o` (occurrences), `c`/`C` (copy)."""

from __future__ import annotations

from textual import work

from store.review.mentions import MentionView
from store.review.teach import teach_alias
from tui.clipboard import copy_mention, copy_sentence
from tui.link_flow import create_with_form, link_with_modal
from tui.screens.concordance import ConcordanceScreen
from tui.screens.review.decisions import ReviewDecisions


class ReviewLinking(ReviewDecisions):
    """Linking, new entities, teaching, occurrences and copying; re-reads after a re-match."""

    def after_rematch(self) -> None:
        """A gazetteer change was re-matched: this article's candidates may have changed (read
        again only then: its stamp says so, in one cheap read); a move left to it is drawn."""
        if self.unchanged_since_shown():
            self._pay_paint()
            return
        self._paint_owed = False
        self._reload(self.current.id if self.current else 0)

    def action_new_entity(self) -> None:
        """A new entity from the focused mention (`N`): the form prefilled with its surface
        and label; creating links and accepts it, re-matches what the surface reaches, and
        moves on (`l` then `ctrl+n` does the same after choosing a label)."""
        self._relinkable = None
        mention = self.current
        if mention is None:
            self.notify("No mention to make an entity of", timeout=2, markup=False)
            return

        def created(done: MentionView) -> None:
            self._started()
            self._put(done, show=False)
            self._move_on()

        create_with_form(self, mention, self.labels, self.colours, created)

    def action_teach(self) -> None:
        """Add the focused mention's surface as an alias of its entity; re-match the corpus.

        Runs in a worker (re-matching can take a moment on a big corpus); a notification says
        how many new candidates appeared in how many articles.
        """
        mention = self.current
        if mention is None or mention.entity_key is None:
            self.notify("Link the mention to an entity first (l)", timeout=3, markup=False)
            return
        self.notify(
            f"teaching {mention.entity_key} the alias {mention.text!r}…", timeout=2, markup=False
        )
        self._teach(mention.id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="teach", description="Not taught")
    def _teach(self, mention_id: int) -> None:
        """Teach and re-match off the UI thread; a refusal is the base's notification."""
        telaah = self.telaah
        taught = teach_alias(telaah.engine, mention_id=mention_id, reviewer_id=telaah.reviewer_id)
        self.app.call_from_thread(self._taught, mention_id, taught.summary)

    def _taught(self, mention_id: int, summary: str) -> None:
        self._reload(mention_id)
        self.notify(summary, timeout=5, markup=False)

    def action_concordance(self) -> None:
        """Every mention of the focused mention's entity across the corpus, in context."""
        mention = self.current
        if mention is None or mention.entity_key is None:
            self.notify("The mention has no entity", timeout=2, markup=False)
            return
        self.app.push_screen(ConcordanceScreen(mention.entity_key))  # back: `refresh_view`

    def action_copy_mention(self) -> None:
        """Copy the focused mention as `surface<TAB>label<TAB>entity key<TAB>article:start-end`."""
        copy_mention(self.app, self.article, self.current)

    def action_copy_sentence(self) -> None:
        """Copy the focused mention's sentence with a citation (title, source, date)."""
        copy_sentence(self.app, self.article, self.current)

    def action_link(self, entity_label: bool = False) -> None:
        """Link the focused mention to an entity found as you type, or to a new one (`l`), then
        go to the next pending mention; a `*` right after gives the same link to the pending
        mentions like it.

        The link accepts the mention with the label chosen in the modal (with `entity_label`,
        a span just marked, the entity's type unless another label was chosen); it is one
        decision, undone by `u` (a new entity stays in the gazetteer).
        """
        self._relinkable = None
        mention = self.current
        if mention is None:
            self.notify("No mention to link", timeout=2, markup=False)
            return

        def linked(done: MentionView) -> None:
            self._started()
            self._put(done, show=False)
            self._relinkable = (done, mention.entity_key)
            self._move_on()

        link_with_modal(self, mention, self.labels, self.colours, linked, entity_label=entity_label)
