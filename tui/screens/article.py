"""The review screen: one article's text with its mentions, decided from the keyboard."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Protocol, cast

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.geometry import Region
from textual.widgets import Header, Static

from store.corpus.articles import ArticleView, get_article, set_status
from store.db import session_scope
from store.errors import TelaahError
from store.review.mentions import MentionView, decide_mention, decide_similar, list_mentions
from store.review.teach import teach_alias
from store.schema import read_schema
from tui import history
from tui.clipboard import copy_mention, copy_sentence
from tui.link_flow import link_with_modal
from tui.screens.concordance import ConcordanceScreen
from tui.screens.fact_tagging import FactReview
from tui.screens.span_modes import SpanModes, SpanStatus
from tui.widgets.article_table import STATUS_LABELS
from tui.widgets.article_text import ArticleText
from tui.widgets.facts_panel import FactsPanel
from tui.widgets.footer import QuietFooter
from tui.widgets.mention_panel import MentionPanel

if TYPE_CHECKING:
    from tui.app import TelaahApp


def article_meta(article: ArticleView) -> Content:
    """The line under the title: source, date, status, ids and length, all as data."""
    parts = [
        article.source or "no source",
        article.published.isoformat() if article.published else "no date",
        STATUS_LABELS.get(article.status, article.status),
        f"#{article.id} {article.external_id}",
        f"{len(article.text):,} characters",
    ]
    return Content(" · ").join(Content(part) for part in parts).stylize("dim")


def _label_bindings() -> list[Binding]:
    """`1`-`9`: label by schema rank and accept; one footer entry stands for all nine."""
    return [
        Binding(
            str(n),
            f"label({n})",
            "Label+accept" if n == 1 else f"Label {n}",
            show=n == 1,
            key_display="1-9" if n == 1 else None,
            id=f"review.label_{n}",
        )
        for n in range(1, 10)
    ]


class ReviewQueue(Protocol):
    """The listing the review screen steps through (the article list, in its order)."""

    def neighbour(self, article_id: int, step: int) -> int | None:
        """The id of the article after (`step` 1) or before (-1) `article_id`, if any."""

    def reviewing(self, article_id: int) -> None:
        """The review screen now shows `article_id` (the list's cursor follows it)."""


# What the review screen's own keys may do while the facts panel has the focus.
FACT_MODE_ACTIONS = frozenset(
    {"back", "undo", "redo", "facts_focus", "tag_fact", "article", "done"}
)


class ArticleScreen(SpanModes, FactReview):
    """One article under review; every decision is committed the moment it is shown."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="article.back"),
        Binding("q", "back", "Back", show=False, id="article.back_q"),
        # Priority, so that the scrolling text does not take up/down for itself.
        Binding("j,down", "move(1)", "Next", key_display="j/↓", priority=True, id="review.next"),
        Binding(
            "k,up", "move(-1)", "Previous", key_display="k/↑", priority=True, id="review.previous"
        ),
        Binding("J", "move_pending(1)", "Next pending", id="review.next_pending"),
        Binding("K", "move_pending(-1)", "Prev pending", show=False, id="review.previous_pending"),
        Binding("a", "decide('accepted')", "Accept", id="review.accept"),
        Binding("x", "decide('rejected')", "Reject", id="review.reject"),
        Binding("l", "link", "Link", id="review.link"),
        *_label_bindings(),
        Binding("e", "edit_span", "Edit span", show=False, id="review.edit_span"),
        Binding("m", "mark_span", "Mark span", show=False, id="review.mark_span"),
        # Not in the footer, which is full at 120 columns (see the `?` panel).
        Binding("d", "done", "Done+next article", show=False, id="review.done"),
        Binding("n", "article(1)", "Next article", show=False, id="review.next_article"),
        Binding("p", "article(-1)", "Previous article", show=False, id="review.previous_article"),
        Binding("asterisk", "similar", "Same for all like it", show=False, id="review.similar"),
        Binding("u,ctrl+z", "undo", "Undo", key_display="u", show=False, id="review.undo"),
        Binding("U,ctrl+y", "redo", "Redo", key_display="U", show=False, id="review.redo"),
        Binding("t", "teach", "Teach alias", show=False, id="review.teach"),
        Binding("o", "concordance", "Occurrences", show=False, id="review.concordance"),
        Binding("c", "copy_mention", "Copy mention", show=False, id="review.copy"),
        Binding(
            "C", "copy_sentence", "Copy sentence+citation", show=False, id="review.copy_sentence"
        ),
        Binding("f", "tag_fact", "Tag fact", show=False, id="review.tag_fact"),
        Binding("F", "facts_focus", "Facts", show=False, id="review.facts"),
    ]

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

    @property
    def telaah(self) -> TelaahApp:
        """The app, with its engine and reviewer."""
        return cast("TelaahApp", self.app)

    def compose(self) -> ComposeResult:
        """Header, title, metadata line, the text beside the mention panel, footer."""
        yield Header()
        yield Static(Content(self.article.title), id="article-title")
        yield Static(article_meta(self.article), id="article-meta")
        with Horizontal(id="review"):
            with VerticalScroll(id="article-body"):
                yield ArticleText(self.article.text, id="article-text")
            with Vertical(id="side"):
                yield MentionPanel(id="mention-panel")
                yield FactsPanel(id="facts-panel")
        yield SpanStatus(id="span-status", markup=False)
        yield QuietFooter()

    def on_mount(self) -> None:
        """Read the schema and the mentions, focus the first pending one."""
        with session_scope(self.telaah.engine) as session:
            schema = read_schema(session=session)
            self.mentions = list_mentions(session=session, article_id=self.article.id)
        self.labels = [label.name for label in schema.labels]
        self.fact_types = schema.fact_types
        self.colours = {label.name: label.colour for label in schema.labels}
        pending = [i for i, m in enumerate(self.mentions) if m.state == "pending"]
        self.cursor = pending[0] if pending else (0 if self.mentions else None)
        ids = [m.id for m in self.mentions]
        if self.focus_id in ids:
            self.cursor = ids.index(self.focus_id)
        self.query_one("#article-body").focus()
        self.load_facts()  # as stored; `F` brings the candidates up to date
        self._show()

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

    def action_move(self, step: int) -> None:
        """Focus the next (`step` 1) or previous (-1) mention."""
        if self.cursor is None:
            return
        self.cursor = max(0, min(len(self.mentions) - 1, self.cursor + step))
        self._show()

    def action_move_pending(self, step: int) -> None:
        """Focus the next or previous pending mention, if there is one that way."""
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
        """Mark the article done (committed), then open the next article of the queue."""
        # Before the status changes: under a status filter the article leaves the listing.
        target = None if self.queue is None else self.queue.neighbour(self.article.id, 1)
        try:
            with session_scope(self.telaah.engine) as session:
                set_status(
                    session=session,
                    article_id=self.article.id,
                    status="done",
                    reviewer_id=self.telaah.reviewer_id,
                )
        except TelaahError as exc:
            self.notify(str(exc), title="Status not saved", severity="error", markup=False)
            return
        self.article = replace(self.article, status="done")
        self.query_one("#article-meta", Static).update(article_meta(self.article))
        self.refresh_on_leave()
        if target is None:
            self.notify("No next article", timeout=2, markup=False)
            return
        self._open(target)

    def _open(self, article_id: int) -> None:
        """Replace this screen with the review of `article_id`."""
        try:
            with session_scope(self.telaah.engine) as session:
                article = get_article(session=session, article_id=article_id)
        except TelaahError as exc:
            self.notify(str(exc), title="Cannot open article", severity="error", markup=False)
            return
        if self.queue is not None:
            self.queue.reviewing(article.id)
        self.refresh_on_leave()
        self.app.switch_screen(ArticleScreen(article, self.queue))

    def action_back(self) -> None:
        """Return to the article list (which reads its counts again when it resumes)."""
        self.refresh_on_leave()
        self.dismiss()

    def action_similar(self) -> None:
        """Give every pending mention like the focused one (same surface and entity) its decision.

        A pending focused mention is accepted; a decided one lends its state and label.
        """
        mention = self.current
        if mention is None:
            return
        state = "accepted" if mention.state == "pending" else mention.state
        try:
            with session_scope(self.telaah.engine) as session:
                ids = decide_similar(
                    session=session,
                    mention_id=mention.id,
                    state=state,
                    reviewer_id=self.telaah.reviewer_id,
                    label=mention.label,
                )
        except TelaahError as exc:
            self.notify(str(exc), title="Decision not saved", severity="error", markup=False)
            return
        self._reload(mention.id)
        self.notify(f"{state} {len(ids)} × {mention.text}", timeout=3, markup=False)

    def action_undo(self) -> None:
        """Undo your latest change (also one made before the app was restarted)."""
        self._history(True)

    def action_redo(self) -> None:
        """Redo the change you undid last."""
        self._history(False)

    def _history(self, backwards: bool) -> None:
        done = history.step(self, backwards)
        if done is None:
            return
        if done.fact_id is not None and done.article_id == self.article.id:
            self.load_facts(done.fact_id)
            self._show()
        elif done.article_id == self.article.id or done.change is not None:
            self._reload(done.mention_id or (self.current.id if self.current else 0))

    def _reload(self, focus_id: int) -> None:
        """Read the article's mentions again and focus `focus_id`."""
        with session_scope(self.telaah.engine) as session:
            self.mentions = list_mentions(session=session, article_id=self.article.id)
        ids = [m.id for m in self.mentions]
        self.cursor = ids.index(focus_id) if focus_id in ids else (0 if ids else None)
        self.candidates_changed()
        self._show()

    def _decide(self, state: str, label: str | None) -> None:
        mention = self.current
        if mention is None or self.cursor is None:
            return
        try:
            with session_scope(self.telaah.engine) as session:
                decided = decide_mention(
                    session=session,
                    mention_id=mention.id,
                    state=state,
                    reviewer_id=self.telaah.reviewer_id,
                    label=label,
                )
        except TelaahError as exc:
            self.notify(str(exc), title="Decision not saved", severity="error", markup=False)
            return
        self.mentions[self.cursor] = decided
        if state == "rejected" or mention.state == "rejected":
            self.candidates_changed()
        if self.article.status == "todo":
            self.article = replace(self.article, status="in_progress")
            self.query_one("#article-meta", Static).update(article_meta(self.article))
        nxt = self._pending_from(1)
        if nxt is None:
            nxt = self._pending_from(-1)
        if nxt is not None:
            self.cursor = nxt
        self._show()

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

    def _show(self) -> None:
        fact = self.fact_highlight()
        # While the facts panel has the focus, the fact's fillers stand out, not the mention.
        self.query_one(ArticleText).show(
            self.mentions, self.colours, None if fact else self.cursor, fact
        )
        self.query_one(MentionPanel).show(self.mentions, self.cursor, self.colours)
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
        text = self.query_one(ArticleText)
        start = offset if offset is not None else mention.start if mention else 0
        y = text.virtual_region.y + text.line_of(start)
        self.query_one("#article-body", VerticalScroll).scroll_to_region(
            Region(0, y, 1, 1), animate=False, spacing=None
        )

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

    @work(thread=True, exclusive=True, group="teach")
    def _teach(self, mention_id: int) -> None:
        try:
            taught = teach_alias(
                self.telaah.engine, mention_id=mention_id, reviewer_id=self.telaah.reviewer_id
            )
        except TelaahError as exc:
            self.app.call_from_thread(
                self.notify, str(exc), title="Not taught", severity="error", markup=False
            )
            return
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
        keep = mention.id
        self.app.push_screen(
            ConcordanceScreen(mention.entity_key), lambda _result: self._reload(keep)
        )

    def action_copy_mention(self) -> None:
        """Copy the focused mention as `surface<TAB>label<TAB>entity key<TAB>article:start-end`."""
        copy_mention(self.app, self.article, self.current)

    def action_copy_sentence(self) -> None:
        """Copy the focused mention's sentence with a citation (title, source, date)."""
        copy_sentence(self.app, self.article, self.current)

    def action_link(self) -> None:
        """Link the focused mention to an entity found as you type, or to a new one (`l`).

        The link accepts the mention with the label chosen in the modal; it is one decision,
        undone by `u` (a new entity stays in the gazetteer).
        """
        mention = self.current
        if mention is None:
            self.notify("No mention to link", timeout=2, markup=False)
            return

        def linked(done: MentionView) -> None:
            if self.article.status == "todo":
                self.article = replace(self.article, status="in_progress")
                self.query_one("#article-meta", Static).update(article_meta(self.article))
            self._reload(done.id)

        link_with_modal(self, mention, self.labels, self.colours, linked)
