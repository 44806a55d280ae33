"""The review screen's state and what it shows: one article's mentions and facts, read from
the store and drawn (the text, the mention panel, the facts panel); the helpers every key uses
(`_show`, `_reload`, `_move_on`, `load_facts`). The keys are in the modules beside it, each a
subclass of the one before: decisions, linking, span_keys, facts_keys, navigation, screen."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import Reactive
from textual.widget import Widget
from textual.widgets import Header, Static

from store.corpus.articles import ArticleView
from store.db import Session
from store.facts.candidates import refresh_fact_candidates
from store.facts.repository import FactView, list_facts
from store.facts.triggers import TriggerIndex
from store.review.extras import Extras, mention_extras
from store.review.mentions import MentionView, list_mentions
from store.review.stamp import article_stamp
from store.schema import Schema, read_schema
from store.textsafe import visible
from tui.frames import after_frames
from tui.screens.base import TelaahScreen
from tui.screens.review.fact_review import FactReview, fact_highlight
from tui.screens.review.span_modes import ArticleBody, SpanStatus
from tui.widgets.article_table import STATUS_LABELS
from tui.widgets.article_text import ArticleText
from tui.widgets.facts_panel import FactsPanel
from tui.widgets.footer import QuietFooter
from tui.widgets.link_dock import LinkDock
from tui.widgets.mention_panel import MentionPanel
from tui.widgets.question import Question


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


class ReviewView(TelaahScreen[None]):
    """One article under review: its state, what the screen shows, and reading it again.

    The children report up with messages: `ArticleText` (span modes), `FactsPanel` (fact keys)
    and `FactReview` (fact dialogues); the screen stores, and tells the children what to show.
    """

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
        self._read: list[MentionView] = []  # as read, the candidates under the threshold too
        self.cursor: int | None = None
        self.labels: list[str] = []
        self.colours: dict[str, str] = {}
        self._mode_shown: str | None = None  # the span mode the status line shows
        self._text: ArticleText | None = None
        self._question: Question | None = None
        self._dock: LinkDock | None = None
        # The link just made, for a `*` right after it: (the linked mention, its entity before).
        self._relinkable: tuple[MentionView, str | None] | None = None
        self.schema: Schema | None = None  # read at mount (with its trigger words)
        self.triggers: TriggerIndex | None = None
        self.facts_stale = True  # the candidates may not match the mentions (refreshed on `F`)
        self.mentions_changed = False  # a change this visit that the candidates depend on
        self._facts_shown = False  # whether the text shows the focused fact (panel focused)
        self.extras: dict[int, Extras] = {}  # mention id -> attributes, notes, equivalences
        self.hidden = 0  # candidates under the score threshold, not shown (`v` shows them)
        self._paint_owed = False  # a move left to the article's re-match to draw (`_move_on`)

    def view_stamp(self, session: Session) -> object:
        """The article's mentions and facts as one cheap value (`store.review.stamp`): back
        from a dialog that changed nothing, the screen reads nothing again."""
        return article_stamp(session, self.article.id)

    def unchanged_since_shown(self) -> bool:
        """Whether the article's mentions and facts are as the screen last read them (the
        audit entries aside: a re-match records one); then the stamp is taken anew."""
        stamp = self.store(self.view_stamp, title="Not read").value
        shown = self._shown_stamp
        if not isinstance(stamp, tuple) or not isinstance(shown, tuple):
            return False
        if stamp[:2] != shown[:2]:
            return False
        self._shown_stamp = stamp
        return True

    @property
    def view_token(self) -> object:
        """The article shown: a write asked for on another article (before `n`, `p` or `d`
        showed this one in its place) does not call back into this one."""
        return self.article.id

    def compose(self) -> ComposeResult:
        """Header, title, metadata line, the text beside the mention panel, footer."""
        # The panel and the question first: Textual orders the widgets it paints by their
        # place among the widgets shown, and a widget shown or hidden before them would change
        # every one's place, and so draw the whole screen again (first, it changes none).
        yield LinkDock("#article-body", id="link-dock")
        yield Question(id="question")
        yield SpanStatus(id="span-status", markup=False)
        yield Header()
        yield Static(Content(visible(self.article.title)), id="article-title")
        yield Static(article_meta(self.article), id="article-meta")
        with Horizontal(id="review"):
            yield ArticleBody(self.article.text, id="article-body")
            with Vertical(id="side"):
                yield MentionPanel(id="mention-panel")
                yield FactsPanel(id="facts-panel")
        yield QuietFooter()
        yield FactReview(self.article, self.telaah.reviewer_id)

    def on_mount(self) -> None:
        """Read the schema and the mentions, focus the first pending one."""

        def read(session: Session) -> tuple[Schema, list[MentionView]]:
            schema = read_schema(session=session)
            return schema, list_mentions(
                session=session, article_id=self.article.id, reviewer_id=self.telaah.reviewer_id
            )

        self.body.text.mode_line = self.query_one(SpanStatus)
        self.note_shown()  # before the reads: a change between them is read again on resume
        stored = self.store(read, title="Article not read")
        if stored.value is None:
            return
        schema, mentions = stored.value
        # Read once: each refresh of the fact candidates (`d`, `F`) uses it and its triggers.
        self.schema, self.triggers = (
            schema,
            TriggerIndex((t.name, t.triggers) for t in schema.fact_types),
        )
        self.labels = [label.name for label in schema.labels]
        self.query_one(FactReview).use_fact_types(schema.fact_types)
        self.colours = {label.name: label.colour for label in schema.labels}
        self._first_show(mentions)
        after_frames(self, self._prebuild_dock)

    def _prebuild_dock(self) -> None:
        """The link panel's picker and form built, hidden, once the first frame is drawn
        (`LinkDock.prebuild`: the first `l` or `N` then only shows them); an article without
        mentions leaves it to the first opening."""
        mention = self.current or (self.mentions[0] if self.mentions else None)
        found = self.query_children(LinkDock)
        if mention is not None and found:
            found.first().prebuild(self.telaah.engine, mention, self.labels, self.colours)

    def show_article(self, article: ArticleView) -> None:
        """Show `article` in place of the one shown (`n`, `p`, `d`): the same widgets take its
        text, mentions and facts, so no new screen is built, styled and laid out."""
        shown, self.article = self.article, article
        self.note_shown()  # the new article's, before its reads
        stored = self.store(
            lambda s: list_mentions(
                session=s, article_id=article.id, reviewer_id=self.telaah.reviewer_id
            ),
            title="Article not read",
        )
        if stored.value is None:
            self.article = shown
            self.note_shown()
            return
        self.sub_title = f"article {article.id}"
        self.focus_id = None
        self._relinkable = None
        self.facts_stale, self.mentions_changed = True, False
        self.extras = {}
        self.query_one("#article-title", Static).update(Content(visible(article.title)))
        self.query_one("#article-meta", Static).update(article_meta(article))
        self.query_one(FactReview).use_article(article)
        self.body.show_text(article.text)
        self._first_show(stored.value)

    def _first_show(self, mentions: list[MentionView]) -> None:
        """An article's mentions as read: the first pending one focused (or the one asked)."""
        self.mentions = self._visible(mentions)
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
        return self.mode is not None or self._mode_shown is not None or self.asking or self.linking

    def on_resize(self) -> None:
        """The entity picker's panel stays on the last lines."""
        if self.linking and self._dock is not None:
            self._dock.place()

    @property
    def linking(self) -> bool:
        """Whether the entity picker or the new-entity form is open at the bottom (the keys
        are theirs; the footer, under them, is not rebuilt for the keys switched off)."""
        if self._dock is None:
            found = self.query_children(LinkDock)
            if not found:
                return False
            self._dock = found.first()
        return self._dock.is_open

    @property
    def asking(self) -> bool:
        """Whether a question waits at the bottom (the keys are its; the footer, under it, is
        not rebuilt for the keys switched off meanwhile)."""
        if self._question is None:
            found = self.query(Question)
            if not found:
                return False
            self._question = found.first()
        return self._question.asking

    def ask(self, question: str, answered: Callable[[bool], None]) -> None:
        """Ask `question` on the lines at the bottom (`y`/`enter`, `n`/`escape`), over the
        footer, not in a dialog (a screen of its own, styled and drawn again with the one under
        it at each opening and closing); the screen's keys are off until the answer."""

        before = self.focused  # the text, or the facts panel: it has the focus back

        def done(yes: bool) -> None:
            back = before if before is not None and before.is_attached else self.body
            back.focus(scroll_visible=False)
            self.refresh_bindings()
            answered(yes)

        self.query_one(Question).ask(question, done)
        self.refresh_bindings()

    @property
    def body(self) -> ArticleBody:
        """The scrolling article text."""
        return self.query_one(ArticleBody)

    @property
    def current(self) -> MentionView | None:
        """The mention under focus, if any."""
        return None if self.cursor is None else self.mentions[self.cursor]

    def _move_on(self) -> None:
        """After a decision: focus the next pending mention (else the previous one), as `a`
        and `x` do; the focus stays when none is left."""
        nxt = self._pending_from(1)
        if nxt is None:
            nxt = self._pending_from(-1)
        if nxt is not None:
            self.cursor = nxt
        if self.article_rematching:  # an entity just made: drawn with the article's new
            self._paint_owed = True  # candidates (`after_rematch`: the screen's paint is held
            return  # until then, `TelaahScreen.rematch_in_background`)
        self._show()

    def _pay_paint(self) -> None:
        """Draw the move `_move_on` left to the article's re-match, if not drawn yet."""
        if self._paint_owed:
            self._paint_owed = False
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

    def refresh_view(self) -> None:
        """Back on the screen (or a change refused): read the mentions and facts again, the
        focus kept on the same mention; not while a span mode is on."""
        if self.mode is not None or not self.is_mounted:
            return
        self.note_shown()
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
        self.note_shown()
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

    def _put(self, view: MentionView, *, show: bool = True) -> None:
        """Show `view`, a mention the store has just changed or made (a span edited or marked,
        a link), in place of the one the screen had (its reviewer's copy in blind mode), or
        among the others in text order, and focus it: the one row changes, no mention is read
        again (reading them all and drawing the panel anew cost most of those keys). The facts
        are read again (a rejected filler marks its fact) and the stamp taken; `show` False:
        the caller draws (`_move_on`)."""
        ids = (view.id, view.derived_from)
        shown = {m.id for m in self.mentions}  # as decided since (`a`, `x` change the rows)
        hidden = [m for m in self._read if m.id not in shown]
        read = [m for m in (*self.mentions, *hidden) if m.id not in ids]
        read.append(view)
        read.sort(key=lambda m: (m.start, -m.end, m.id))  # as `list_mentions` orders them
        self._read = read
        self.mentions = self._visible(read)
        at = [m.id for m in self.mentions]
        self.cursor = at.index(view.id) if view.id in at else (0 if at else None)
        self.note_shown()
        self.candidates_changed()
        if show:
            self._show()

    def _visible(self, mentions: list[MentionView]) -> list[MentionView]:
        """The mentions shown: not the candidates scored under the threshold (the config's
        `min_score`), unless the reviewer shows them (`v`); counts those hidden."""
        self._read = mentions
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
        # Scrolled now, in the frame that draws the key (the scroll waited for the next
        # refresh: a second frame ~25 ms later, measured on `enter` in the edit mode), and
        # again once laid out, in case the text's size changed (nothing to do when it has not).
        self._scroll_to_focus(offset, immediate=True)
        self.call_after_refresh(self._scroll_to_focus, offset)

    def _scroll_to_focus(self, offset: int | None = None, *, immediate: bool = False) -> None:
        mention = self.current
        if offset is None and mention is None:
            return
        if not self.is_attached or self.app.screen is not self:
            return  # replaced meanwhile (d opened the next article), or under a modal
        bodies = self.query(ArticleBody)
        if not bodies or not bodies.first().query(ArticleText):  # being taken down
            return
        start = offset if offset is not None else mention.start if mention else 0
        bodies.first().scroll_to_offset(start, immediate=immediate)

    # Facts: read here (every change of a mention may concern them); their keys: facts_keys.

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
                refresh_fact_candidates(
                    session, article_id, schema=self.schema, index=self.triggers
                )
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

    def refresh_on_leave(self, *, after_paint: bool = False) -> None:
        """Bring the candidates up to date if this visit changed what they depend on: a write
        (in order after the decisions, never blocking on a locked database); `after_paint`
        (another article shown in this one's place: `n`, `p`, `d`), once that is drawn."""
        if not (self.mentions_changed and self.facts_stale):
            return
        article_id = self.article.id
        schema, triggers = self.schema, self.triggers
        self.facts_stale = False  # asked for: not again on the way out (`d`)

        def refresh() -> None:
            self.write(
                lambda s: refresh_fact_candidates(s, article_id, schema=schema, index=triggers),
                title="Fact candidates not proposed",
                failed=lambda _error: None,  # (the notification says it; nothing to reread)
            )

        if after_paint:
            after_frames(self, refresh)
        else:
            refresh()
