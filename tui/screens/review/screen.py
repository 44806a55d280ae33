"""The review screen: one article's text with its mentions, decided from the keyboard."""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import Reactive
from textual.widget import Widget
from textual.widgets import Header, Static

from store.corpus.articles import ArticleView, get_article, set_status
from store.db import Session
from store.errors import StaleDecision
from store.facts.accept import AcceptedFact
from store.facts.candidates import refresh_fact_candidates
from store.facts.repository import FactView, list_facts
from store.review.citation import sentence_span
from store.review.extras import Extras, mention_extras
from store.review.linking import relink_similar
from store.review.mentions import MentionView, decide_mention, decide_similar, list_mentions
from store.review.spans import add_mention, set_span
from store.review.teach import teach_alias
from store.schema import Schema, read_schema
from store.textnorm import norm_key
from store.textsafe import visible
from store.undo.history import Undone
from tui.clipboard import copy_mention, copy_sentence
from tui.link_flow import create_with_form, link_with_modal
from tui.screens.base import TelaahScreen
from tui.screens.concordance import ConcordanceScreen
from tui.screens.review.done import confirm_done
from tui.screens.review.fact_review import FactReview, fact_highlight
from tui.screens.review.keys import FACT_MODE_ACTIONS, REVIEW_BINDINGS
from tui.screens.review.span_modes import ArticleBody, SpanStatus
from tui.widgets.article_table import STATUS_LABELS
from tui.widgets.article_text import ArticleText
from tui.widgets.facts_panel import FactsPanel
from tui.widgets.footer import QuietFooter
from tui.widgets.mention_panel import MentionPanel


def article_meta(article: ArticleView) -> Content:
    """The line under the title: source, date, status, ids and length, all as data."""
    parts = [
        article.source or "no source",
        article.published.isoformat() if article.published else "no date",
        STATUS_LABELS.get(article.status, article.status),
        f"#{article.id} {article.external_id}",
        f"{len(article.text):,} characters",
    ]
    return Content(" · ").join(Content(visible(part)) for part in parts).stylize("dim")


class ReviewQueue(Protocol):
    """The listing the review screen steps through (the article list, in its order)."""

    def neighbour(self, article_id: int, step: int) -> int | None:
        """The id of the article after (`step` 1) or before (-1) `article_id`, if any."""

    def reviewing(self, article_id: int) -> None:
        """The review screen now shows `article_id` (the list's cursor follows it)."""


class ArticleScreen(TelaahScreen[None]):
    """One article under review; every decision is committed the moment it is shown.

    The children report up with messages: `ArticleText` (span modes), `FactsPanel` (fact keys)
    and `FactReview` (fact dialogues); the screen stores, and tells the children what to show.
    """

    CSS_PATH = "review.tcss"
    BINDINGS = REVIEW_BINDINGS
    # Textual repaints the whole screen when the focus moves, and the span modes move it
    # (the text takes it): the widgets whose look depends on the focus repaint themselves.
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    def __init__(
        self, article: ArticleView, queue: ReviewQueue | None = None, focus: int | None = None
    ) -> None:
        super().__init__()
        self.article = article
        self.queue = queue
        self.focus_id = focus  # a mention to focus first (where the reviewer stopped)
        self.sub_title = f"article {article.id}"
        self.mentions: list[MentionView] = []
        self.cursor: int | None = None
        self.labels: list[str] = []
        self.colours: dict[str, str] = {}
        self._mode_shown: str | None = None  # the span mode the status line shows
        self._text: ArticleText | None = None
        # The link just made, for a `*` right after it: (the linked mention, its entity before).
        self._relinkable: tuple[MentionView, str | None] | None = None
        self.facts_stale = True  # the candidates may not match the mentions (refreshed on `F`)
        self.mentions_changed = False  # a change this visit that the candidates depend on
        self._facts_shown = False  # whether the text shows the focused fact (panel focused)
        self.extras: dict[int, Extras] = {}  # mention id -> attributes, notes, equivalences
        self.hidden = 0  # candidates under the score threshold, not shown (`v` shows them)

    def compose(self) -> ComposeResult:
        """Header, title, metadata line, the text beside the mention panel, footer."""
        yield Header()
        yield Static(Content(visible(self.article.title)), id="article-title")
        yield Static(article_meta(self.article), id="article-meta")
        with Horizontal(id="review"):
            yield ArticleBody(self.article.text, id="article-body")
            with Vertical(id="side"):
                yield MentionPanel(id="mention-panel")
                yield FactsPanel(id="facts-panel")
        yield SpanStatus(id="span-status", markup=False)
        yield QuietFooter()
        yield FactReview(self.article, self.telaah.reviewer_id)

    def on_mount(self) -> None:
        """Read the schema and the mentions, focus the first pending one."""

        def read(session: Session) -> tuple[Schema, list[MentionView]]:
            schema = read_schema(session=session)
            return schema, list_mentions(
                session=session, article_id=self.article.id, reviewer_id=self.telaah.reviewer_id
            )

        stored = self.store(read, title="Article not read")
        if stored.value is None:
            return
        schema, mentions = stored.value
        self.mentions = self._visible(mentions)
        self.labels = [label.name for label in schema.labels]
        self.query_one(FactReview).use_fact_types(schema.fact_types)
        self.colours = {label.name: label.colour for label in schema.labels}
        pending = [i for i, m in enumerate(self.mentions) if m.state == "pending"]
        self.cursor = pending[0] if pending else (0 if self.mentions else None)
        ids = [m.id for m in self.mentions]
        if self.focus_id in ids:
            self.cursor = ids.index(self.focus_id)
        self.body.focus()
        self.load_facts()  # as stored; `F` brings the candidates up to date
        self._show()

    @property
    def mode(self) -> str | None:
        """The span mode on ("edit" or "mark"), if any: read from the text, so the keys switch
        at once when it starts (not a message later)."""
        if self._text is None:
            found = self.query(ArticleText)  # none before compose, or on a screen going away
            if not found:
                return None
            self._text = found.first()
        return self._text.cursor.mode

    @property
    def footer_hidden(self) -> bool:
        """While a span mode is on, its status line lists its keys in the footer's place (the
        footer is not rebuilt for the mode's keys and back: that took most of a mode change)."""
        return self.mode is not None or self._mode_shown is not None

    @property
    def body(self) -> ArticleBody:
        """The scrolling article text."""
        return self.query_one(ArticleBody)

    @property
    def current(self) -> MentionView | None:
        """The mention under focus, if any."""
        return None if self.cursor is None else self.mentions[self.cursor]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Moving and deciding need mentions; a digit needs a label of that rank.

        While a span mode is on, its keys (on the text) are the only ones.
        """
        if self.mode is not None:
            return False
        if self.facts_focused and action not in FACT_MODE_ACTIONS:
            return False
        if action in ("edit_span", "tag_fact") and self.current is None:
            return False
        if action in ("move", "move_pending", "decide", "label", "similar") and not self.mentions:
            return False
        if action == "article":
            return self.queue is not None
        if action == "label" and parameters:
            rank = parameters[0]
            return isinstance(rank, int) and rank <= len(self.labels)
        return True

    # Moving and deciding.

    def action_move(self, step: int) -> None:
        """Focus the next (`step` 1) or previous (-1) mention."""
        self._relinkable = None
        if self.cursor is None:
            return
        self.cursor = max(0, min(len(self.mentions) - 1, self.cursor + step))
        self._show()

    def action_move_pending(self, step: int) -> None:
        """Focus the next or previous pending mention, if there is one that way."""
        self._relinkable = None
        found = self._pending_from(step)
        if found is None:
            self.notify("No pending mention that way", timeout=2, markup=False)
            return
        self.cursor = found
        self._show()

    def action_decide(self, state: str) -> None:
        """Accept or reject the focused mention, then go to the next pending one."""
        self._decide(state, None)

    def action_label(self, rank: int) -> None:
        """Give the focused mention the schema's `rank`-th label and accept it."""
        if 1 <= rank <= len(self.labels):
            self._decide("accepted", self.labels[rank - 1])

    def _decide(self, state: str, label: str | None) -> None:
        """Decide the focused mention on the version shown; the row shows the decision at once
        (a refusal or a write not saved reloads the mentions and says why)."""
        mention = self.current
        if mention is None or self.cursor is None:
            return
        self._relinkable = None
        reviewer = self.telaah.reviewer_id
        self.mentions[self.cursor] = replace(
            mention, state=state, label=label or mention.label, version=mention.version + 1
        )

        def saved(view: MentionView) -> None:
            self._replace(view)
            if state == "rejected" or mention.state == "rejected":
                self.candidates_changed()

        self.write(
            lambda s: decide_mention(
                session=s,
                mention_id=mention.id,
                state=state,
                reviewer_id=reviewer,
                label=label,
                expected_version=mention.version,
            ),
            title="Decision not saved",
            done=saved,
        )
        self._started()
        self._move_on()

    def _move_on(self) -> None:
        """After a decision: focus the next pending mention (else the previous one), as `a`
        and `x` do; the focus stays when none is left."""
        nxt = self._pending_from(1)
        if nxt is None:
            nxt = self._pending_from(-1)
        if nxt is not None:
            self.cursor = nxt
        self._show()

    def _replace(self, view: MentionView) -> None:
        """Show the stored `view` of a mention in place of what the screen had for it."""
        for index, shown in enumerate(self.mentions):
            if shown.id in (view.id, view.derived_from):  # blind mode: the reviewer's copy
                self.mentions[index] = view  # its version at least
                if shown != view:
                    self._show()
                return

    def _started(self) -> None:
        """A decision on a `todo` article: it is in progress now."""
        if self.article.status == "todo":
            self.article = replace(self.article, status="in_progress")
            self.query_one("#article-meta", Static).update(article_meta(self.article))

    def _pending_from(self, step: int) -> int | None:
        """The index of the nearest pending mention after (1) or before (-1) the focus."""
        if self.cursor is None:
            return None
        index = self.cursor + step
        while 0 <= index < len(self.mentions):
            if self.mentions[index].state == "pending":
                return index
            index += step
        return None

    def action_similar(self) -> None:
        """Give every pending mention like the focused one (same surface and entity) its decision,
        then go to the next pending mention. Right after a link (`l`): give the link to the
        pending mentions like the linked one (see `_relink`).

        A pending focused mention is accepted; a decided one lends its state and label.
        """
        if self._relinkable is not None:
            self._relink(*self._relinkable)
            return
        mention = self.current
        if mention is None or self.cursor is None:
            return
        state = "accepted" if mention.state == "pending" else mention.state
        reviewer = self.telaah.reviewer_id
        surface = norm_key(mention.text)
        for index, other in enumerate(self.mentions):  # shown at once, as `a` does
            if index == self.cursor or (
                other.state == "pending"
                and other.entity_key == mention.entity_key
                and norm_key(other.text) == surface
            ):
                self.mentions[index] = replace(
                    other, state=state, label=mention.label, version=other.version + 1
                )

        def saved(decided: list[int]) -> None:
            self._reload(self.current.id if self.current else mention.id)
            self.notify(f"{state} {len(decided)} × {mention.text}", timeout=3, markup=False)

        self.write(
            lambda s: decide_similar(
                session=s,
                mention_id=mention.id,
                state=state,
                reviewer_id=reviewer,
                label=mention.label,
                expected_version=mention.version,
            ),
            title="Decision not saved",
            done=saved,
        )
        self._started()
        self._move_on()

    def _relink(self, linked: MentionView, old_key: str | None) -> None:
        """`*` right after `l`: the other pending mentions with the linked one's surface that
        still have its old entity (`old_key`) get its entity and label, accepted (one step)."""
        self._relinkable = None
        reviewer = self.telaah.reviewer_id
        surface = norm_key(linked.text)
        for index, other in enumerate(self.mentions):
            if (
                other.id != linked.id
                and other.state == "pending"
                and other.entity_key == old_key
                and norm_key(other.text) == surface
            ):
                self.mentions[index] = replace(
                    other,
                    state="accepted",
                    label=linked.label,
                    entity_key=linked.entity_key,
                    entity_name=linked.entity_name,
                    version=other.version + 1,
                )
        was = old_key or "no entity"

        def saved(relinked: list[int]) -> None:
            if relinked:
                self._reload(self.current.id if self.current else linked.id)
            self.notify(
                f"linked {len(relinked)} more × {linked.text} → {linked.entity_name} "
                f"({linked.entity_key})"
                if relinked
                else f"no other pending {linked.text!r} of {was} to link",
                timeout=3,
                markup=False,
            )

        self.write(
            lambda s: relink_similar(
                session=s,
                mention_id=linked.id,
                old_entity_key=old_key,
                reviewer_id=reviewer,
                expected_version=linked.version,
            ),
            title="Link not saved",
            done=saved,
        )
        if self.current is not None and self.current.state != "pending":
            self._move_on()
        else:
            self._show()

    def action_undo(self) -> None:
        """Undo your latest change (also one made before the app was restarted)."""
        self._history(True)

    def action_redo(self) -> None:
        """Redo the change you undid last."""
        self._history(False)

    def _history(self, backwards: bool) -> None:
        self._relinkable = None
        self.undo_step(backwards, then=self._undone)

    def _undone(self, done: Undone) -> None:
        if done.fact_id is not None and done.article_id == self.article.id:
            if done.mention_ids:  # a fact accepted with its mentions
                self._reload(self.current.id if self.current else 0)
            self.load_facts(done.fact_id)
            self._show()
        elif done.article_id == self.article.id or done.change is not None:
            self._reload(done.mention_id or (self.current.id if self.current else 0))

    def after_rematch(self) -> None:
        """A gazetteer change was re-matched: this article's candidates may have changed."""
        self._reload(self.current.id if self.current else 0)

    def refresh_view(self) -> None:
        """Back on the screen (or a change refused): read the mentions and facts again, the
        focus kept on the same mention; not while a span mode is on."""
        if self.mode is not None or not self.is_mounted:
            return
        article_id, keep = self.article.id, self.current.id if self.current else 0
        stored = self.store(
            lambda s: list_mentions(
                session=s, article_id=article_id, reviewer_id=self.telaah.reviewer_id
            ),
            title="Mentions not read",
        )
        if stored.value is None:
            return
        self.mentions = self._visible(stored.value)  # the same states, maybe new versions
        ids = [m.id for m in self.mentions]
        self.cursor = ids.index(keep) if keep in ids else (0 if ids else None)
        current = self.facts_panel.current
        self.load_facts(current.id if current else None)
        self._show()

    def _reload(self, focus_id: int) -> None:
        """Read the article's mentions again and focus `focus_id`."""
        article_id = self.article.id
        stored = self.store(
            lambda s: list_mentions(
                session=s, article_id=article_id, reviewer_id=self.telaah.reviewer_id
            ),
            title="Mentions not read",
        )
        if stored.value is None:
            return
        self.mentions = self._visible(stored.value)
        ids = [m.id for m in self.mentions]
        self.cursor = ids.index(focus_id) if focus_id in ids else (0 if ids else None)
        self.candidates_changed()
        self._show()

    def _visible(self, mentions: list[MentionView]) -> list[MentionView]:
        """The mentions shown: not the candidates scored under the threshold (the config's
        `min_score`), unless the reviewer shows them (`v`); counts those hidden."""
        if self.telaah.show_all:
            self.hidden = 0
            return mentions
        shown = [m for m in mentions if not m.hidden_under(self.telaah.min_score)]
        self.hidden = len(mentions) - len(shown)
        return shown

    def action_show_all(self) -> None:
        """Show the candidates the threshold hides (`new name` acronyms, lower-case forms, a
        common word opening a sentence...), or hide them again; for every article."""
        telaah = self.telaah
        telaah.show_all = not telaah.show_all
        self.refresh_view()
        under = f"scored under {telaah.min_score:g}"
        self.notify(
            f"showing candidates {under}" if telaah.show_all else f"hiding candidates {under}",
            timeout=2,
            markup=False,
        )

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
            self._reload(done.id)
            self._move_on()

        create_with_form(self, mention, self.labels, self.colours, created)

    def _mention_extras(self) -> Extras | None:
        """The focused mention's attributes, notes and equivalence sets (read once a mention:
        nothing in the app changes them)."""
        if self.cursor is None or not self.mentions:
            return None
        mention_id = self.mentions[self.cursor].id
        if mention_id not in self.extras:
            stored = self.store(
                lambda s: mention_extras(session=s, mention_ids=[mention_id]),
                title="Attributes and notes not read",
            )
            self.extras[mention_id] = (stored.value or {}).get(mention_id, Extras())
        return self.extras[mention_id]

    def _show(self) -> None:
        fact = fact_highlight(self.facts_panel.current if self.facts_focused else None)
        # While the facts panel has the focus, the fact's fillers stand out, not the mention.
        self.query_one(ArticleText).show(
            self.mentions, self.colours, None if fact else self.cursor, fact
        )
        self.query_one(MentionPanel).show(
            self.mentions, self.cursor, self.colours, self._mention_extras(), hidden=self.hidden
        )
        offset = (
            fact.evidence[0]
            if fact and fact.evidence
            else fact.fillers[0][0]
            if fact and fact.fillers
            else None
        )
        self.call_after_refresh(self._scroll_to_focus, offset)

    def _scroll_to_focus(self, offset: int | None = None) -> None:
        mention = self.current
        if offset is None and mention is None:
            return
        if not self.is_attached or self.app.screen is not self:
            return  # replaced meanwhile (d opened the next article), or under a modal
        bodies = self.query(ArticleBody)
        if not bodies or not bodies.first().query(ArticleText):  # being taken down
            return
        start = offset if offset is not None else mention.start if mention else 0
        bodies.first().scroll_to_offset(start)

    # Articles.

    def action_article(self, step: int) -> None:
        """Open the next (`step` 1) or previous (-1) article of the queue, status unchanged."""
        if self.queue is None:
            return
        target = self.queue.neighbour(self.article.id, step)
        if target is None:
            self.notify(
                "No next article" if step > 0 else "No previous article", timeout=2, markup=False
            )
            return
        self._open(target)

    def action_done(self) -> None:
        """Mark the article done, then open the next article of the queue (after a yes, when
        mentions or facts are left pending)."""
        confirm_done(self, self.article.id, self._mark_done)

    def _mark_done(self) -> None:
        """Mark the article done (committed), then open the next article of the queue."""
        # Before the status changes: under a status filter the article leaves the listing.
        target = None if self.queue is None else self.queue.neighbour(self.article.id, 1)
        article_id, reviewer = self.article.id, self.telaah.reviewer_id

        def marked(_view: object) -> None:
            if not self.is_attached:  # left meanwhile while the write waited
                return
            self.article = replace(self.article, status="done")
            self.query_one("#article-meta", Static).update(article_meta(self.article))
            self.refresh_on_leave()
            if target is None:
                self.notify("No next article", timeout=2, markup=False)
                return
            self._open(target)

        # Through the write queue: after the decisions pressed before it, never before them.
        self.write(
            lambda s: set_status(
                session=s, article_id=article_id, status="done", reviewer_id=reviewer
            ),
            title="Status not saved",
            done=marked,
        )

    def _open(self, article_id: int) -> None:
        """Replace this screen with the review of `article_id`."""
        stored = self.store(
            lambda s: get_article(session=s, article_id=article_id), title="Cannot open article"
        )
        if stored.value is None:
            return
        if self.queue is not None:
            self.queue.reviewing(stored.value.id)
        self.refresh_on_leave()
        self.app.switch_screen(ArticleScreen(stored.value, self.queue))

    def action_back(self) -> None:
        """Return to the article list (which reads its counts again when it resumes)."""
        self.refresh_on_leave()
        self.dismiss()

    # Teaching, occurrences, copying, linking.

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
            self._reload(done.id)
            self._relinkable = (done, mention.entity_key)
            self._move_on()

        link_with_modal(self, mention, self.labels, self.colours, linked, entity_label=entity_label)

    # The span modes: `ArticleText` runs them and reports up; the screen stores.

    def action_edit_span(self) -> None:
        """Edit the focused mention's boundaries from the keyboard."""
        self._relinkable = None
        mention = self.current
        if mention is not None:
            self.body.edit(mention)

    def action_mark_span(self) -> None:
        """Put a text cursor on the focused mention (or the top of the view) to mark a span."""
        self._relinkable = None
        self.body.mark(self.current, len(self.labels))

    @on(ArticleText.ModeChanged)
    def _mode_changed(self, event: ArticleText.ModeChanged) -> None:
        """Show the mode's status line, switch the screen's keys, keep the cursor in view."""
        self.query_one(SpanStatus).show_mode(event.status, event.mode is not None)
        if event.mode != self._mode_shown:
            self._mode_shown = event.mode
            # The status line takes the footer's place in the same frame: the text keeps its
            # size, and only those two lines are drawn again.
            self.query_one(QuietFooter).display = event.mode is None
            if event.mode is None:
                self.body.focus(scroll_visible=False)
            self.refresh_bindings()
        if event.offset is not None:
            self.body.scroll_to_offset(event.offset, immediate=True)
        if event.mode is None:  # a tagging waiting for a new span goes on
            self.query_one(FactReview).span_mode_ended(self.mentions)

    @on(ArticleText.SpanEdited)
    def _span_edited(self, event: ArticleText.SpanEdited) -> None:
        """Store the new boundaries and accept the mention (one audited commit, one undo),
        then leave the edit mode and go to the next pending mention."""
        reviewer = self.telaah.reviewer_id
        shown = next((m for m in self.mentions if m.id == event.mention_id), None)
        version = shown.version if shown is not None else None

        def saved(view: MentionView) -> None:
            self.body.leave()
            self._started()
            self._reload(view.id)
            self._move_on()

        self.write(
            lambda s: set_span(
                session=s,
                mention_id=event.mention_id,
                start=event.start,
                end=event.end,
                reviewer_id=reviewer,
                expected_version=version,
                accept=True,
            ),
            title="Span not saved",
            done=saved,
            failed=self._span_refused,
        )

    def _span_refused(self, error: BaseException) -> None:
        """A span edit not saved: the mode stays on to fix the boundaries, unless the mention
        changed meanwhile (then the mentions are read again)."""
        if isinstance(error, StaleDecision):
            self.body.leave()
            self.call_after_refresh(self.refresh_view)

    @on(ArticleText.SpanMarked)
    def _span_marked(self, event: ArticleText.SpanMarked) -> None:
        """Store the selection as an accepted manual mention; then link it (`l`, rank 0: with
        the entity's label), or go to the next pending mention (a tagging waiting for the span
        keeps it in focus)."""
        if not self.labels:
            self.notify("The schema has no labels", severity="error", markup=False)
            return
        label = self.labels[max(0, event.rank - 1)]
        article_id, reviewer = self.article.id, self.telaah.reviewer_id

        def saved(view: MentionView) -> None:
            self.body.leave()
            self._started()
            self._reload(view.id)
            if event.rank == 0:
                self.action_link(entity_label=True)
                return
            self.notify(f"{label}: {view.text}", timeout=2, markup=False)
            tagging = self.query_one(FactReview).tagging
            if tagging is None or not tagging.known:  # no role step waits for this span
                self._move_on()

        self.write(
            lambda s: add_mention(
                session=s,
                article_id=article_id,
                start=event.start,
                end=event.end,
                label=label,
                reviewer_id=reviewer,
            ),
            title="Span not saved",
            done=saved,
        )

    # Facts: the panel's keys and the dialogues report up; the screen stores and reads.

    @property
    def facts_panel(self) -> FactsPanel:
        """The panel of the article's facts."""
        return self.query_one(FactsPanel)

    @property
    def facts_focused(self) -> bool:
        """Whether the facts panel has the focus (its keys are on, the mention keys off)."""
        return isinstance(self.focused, FactsPanel)

    def candidates_changed(self) -> None:
        """The mentions changed in a way fact candidates depend on (recomputed lazily, on `F`).

        The stored facts are read again at once: a rejected filler marks its fact for review.
        """
        self.facts_stale = self.mentions_changed = True
        current = self.facts_panel.current
        self.load_facts(current.id if current else None)

    def load_facts(self, focus_id: int | None = None, *, refresh: bool = False) -> None:
        """Read the article's facts (after recomputing its candidates when `refresh`)."""
        article_id = self.article.id

        def read(session: Session) -> list[FactView]:
            if refresh:
                refresh_fact_candidates(session, article_id)
                self.facts_stale = False
            return list_facts(
                session=session, article_id=article_id, reviewer_id=self.telaah.reviewer_id
            )

        stored = self.store(read, title="Facts not read")
        if stored.value is None:
            return
        note = (
            ""
            if not self.facts_stale or not self.mentions_changed
            else "candidates: F brings them up to date"
        )
        self.facts_panel.show(stored.value, focus_id, note)

    def refresh_on_leave(self) -> None:
        """Bring the candidates up to date if this visit changed what they depend on."""
        if self.mentions_changed and self.facts_stale:
            article_id = self.article.id
            self.store(lambda s: refresh_fact_candidates(s, article_id), title="Fact candidates")

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
