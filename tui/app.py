"""The Textual app: a thin shell with the `make_app()` factory used by the CLI and tests."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Mapping, Sequence

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.filter import LineFilter
from textual.notifications import SeverityLevel
from textual.screen import Screen

from store.config import MIN_SCORE, SAVE_WAIT, Config, load_config
from store.corpus.articles import ArticleView
from store.db import Engine, open_database, session_scope
from store.gazetteer.search import search_cache
from store.reviewers import ensure_reviewer
from store.textsafe import visible
from tui.cycles import break_cycles
from tui.frames import after_frames
from tui.heap import TICK, IdleCollector, collect_due, restore, tune
from tui.keymap import defined_bindings, effective_keymap
from tui.palette import KeyCommands
from tui.safety import TerminalSafe
from tui.screens.articles import ArticlesScreen
from tui.screens.facts import FactsScreen
from tui.screens.gazetteer import GazetteerScreen
from tui.screens.review import ArticleScreen
from tui.screens.team.agreement import AgreementScreen
from tui.workbench import Workbench

# Textual's system commands that the key commands already offer, with their keys.
_OFFERED_AS_KEYS = {"Quit", "Keys"}


class TelaahApp(App[None]):
    """telaah on one database, for one reviewer; it disposes of the engine when it closes."""

    CSS_PATH = "app.tcss"
    TITLE = "telaah"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "toggle_help", "Keys", id="app.help"),
        Binding("g", "gazetteer", "Gazetteer", id="app.gazetteer"),
        Binding("ctrl+f", "facts", "Facts", id="app.facts"),
        Binding("ctrl+g", "agreement", "Agreement", id="app.agreement"),
    ]
    COMMANDS = App.COMMANDS | {KeyCommands}

    def __init__(
        self,
        engine: Engine,
        *,
        reviewer: str,
        reviewer_id: int,
        keymap: Mapping[str, str] | None = None,
        problems: Sequence[str] = (),
        save_wait: float = SAVE_WAIT,
        min_score: float = MIN_SCORE,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.save_wait = save_wait
        self.min_score = min_score
        self.show_all = False
        self.reviewer = reviewer
        self.reviewer_id = reviewer_id
        self.sub_title = visible(reviewer)
        self._terminal_safe = TerminalSafe()
        self._thresholds: tuple[int, ...] | None = None  # the collector's, before the app's
        self.problems = list(problems)  # config problems, shown once the app is up
        if keymap:
            self.set_keymap(keymap)

    def on_mount(self) -> None:
        """Build the entity search index in the background (the link modal and the gazetteer
        screen use it); tune the garbage collector (tui/heap.py) and break the reference
        cycles Textual makes on every frame (tui/cycles.py); show what was wrong with the
        config file."""
        self._thresholds = tune()
        break_cycles()
        self.set_interval(TICK, IdleCollector().tick, name="idle-collector")
        self._warm_index()
        for problem in self.problems:
            self.notify(problem, title="Config", severity="warning", timeout=10, markup=False)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="entity-index",
        description="indexing entity names and aliases",
    )
    def _warm_index(self) -> None:
        search_cache(self.engine).fresh()
        # What is alive now (modules, the index) lives as long as the app: out of the
        # collector's full passes, which otherwise walk it all and take 80-140 ms of a key.
        gc.freeze()

    async def on_event(self, event: events.Event) -> None:
        """Every event as Textual handles it; once a key's frames are drawn, the collector's
        due pass (tui/heap.py: between keys, not inside one; `tui.frames.after_frames`)."""
        if isinstance(event, events.Key):
            after_frames(self, collect_due)
        await super().on_event(event)

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters, then the one that keeps terminal-active characters off the screen."""
        return [*super().get_line_filters(), self._terminal_safe]

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A notification; names and texts in it are data, their controls shown as marks."""
        message, title = visible(message), visible(title)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Textual's commands (theme, screenshot...) but those offered with keys already."""
        for command in super().get_system_commands(screen):
            if command.title not in _OFFERED_AS_KEYS:
                yield command

    def get_default_screen(self) -> Screen[None]:
        """The article list."""
        return ArticlesScreen()

    def action_gazetteer(self) -> None:
        """Open the gazetteer screen (from anywhere but itself)."""
        if not isinstance(self.screen, GazetteerScreen):
            self.push_screen(GazetteerScreen())

    def action_facts(self) -> None:
        """Open the list of every fact (from anywhere but itself)."""
        if not isinstance(self.screen, FactsScreen):
            self.push_screen(FactsScreen())

    def action_agreement(self) -> None:
        """Open the agreement between reviewers (from anywhere but itself)."""
        if not isinstance(self.screen, AgreementScreen):
            self.push_screen(AgreementScreen())

    def open_article(
        self,
        article: ArticleView,
        *,
        focus: int | None = None,
        then: Callable[[None], None] | None = None,
    ) -> None:
        """Review `article` (outside the queue), `focus` a mention first; `then` on the way back.

        For the screens the review screen itself opens (concordance, facts), so that they
        need not import it.
        """
        self.push_screen(ArticleScreen(article, focus=focus), then)

    def action_toggle_help(self) -> None:
        """Show or hide the panel listing every key of the current screen."""
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def on_unmount(self) -> None:
        """Close the database connections; what `_warm_index` froze may be collected again
        (another app in the same process, as in the tests, must not keep this one's objects)."""
        self.engine.dispose()
        gc.unfreeze()
        if self._thresholds is not None:
            restore(self._thresholds)


def make_app(db_url: str, *, reviewer: str, config: Config | None = None) -> TelaahApp:
    """Build the app on a database, migrating it first, with `reviewer` recorded.

    Errors (a database too new, not a telaah database) are raised here, before any screen.
    The config's keymap is applied; its problems are shown as notifications.

    Args:
        db_url: SQLAlchemy URL of the database.
        reviewer: Name of the person working; created if new.
        config: The config file's settings; read from the config file when not given.

    Returns:
        The app, ready to `run()` or `run_test()`.
    """
    config = load_config() if config is None else config
    keymap = effective_keymap(config, defined_bindings())  # tui.app imported every screen
    engine = open_database(db_url)
    try:
        with session_scope(engine) as session:
            reviewer_id = ensure_reviewer(session=session, name=reviewer)
    except BaseException:
        engine.dispose()
        raise
    app = TelaahApp(
        engine,
        reviewer=reviewer,
        reviewer_id=reviewer_id,
        keymap=keymap,
        problems=config.problems,
        save_wait=config.save_wait,
        min_score=config.min_score,
    )
    _workbench: Workbench = app  # mypy checks here that the app is what the screens expect
    return app


def run_app(db_url: str, *, reviewer: str, config: Config | None = None) -> None:
    """Run the app until the user quits.

    Args:
        db_url: SQLAlchemy URL of the database.
        reviewer: Name of the person working.
        config: The config file's settings (keymap); read from the config file when not given.
    """
    make_app(db_url, reviewer=reviewer, config=config).run()
