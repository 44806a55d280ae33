"""`c` and `C` on the review screen: a real X clipboard (Xvfb + xclip), and the OSC 52 fallback."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from textual.app import App
from textual.pilot import Pilot

from store.config import MIN_SCORE
from store.corpus.articles import ArticleView, get_article
from store.db import session_scope
from store.review.citation import mention_line, sentence_citation
from store.review.mentions import MentionView, list_mentions
from tests.tui.conftest import Importer
from tui.app import make_app
from tui.clipboard import SYSTEM, TERMINAL
from tui.screens.review import ArticleScreen

SIZE = (120, 40)
# The first sentence of article 1, with the dateline it starts with.
DATELINE_SENTENCE = (
    "KONTAN.CO.ID - MOSKOW.\xa0Rusia dan Kyrgyzstan akhirnya menyepakati "
    "pengiriman paket persenjataan berupa drone tempur serta sistem pertahanan "
    "udara S-300."
)


def stored(engine: Engine, article_id: int = 1) -> tuple[ArticleView, list[MentionView]]:
    """The article and its mentions as the database has them."""
    with session_scope(engine) as session:
        return (
            get_article(session=session, article_id=article_id),
            list_mentions(min_score=MIN_SCORE, session=session, article_id=article_id),
        )


def last_notice(app: App[None]) -> str:
    """The newest notification's message."""
    notices = list(app._notifications)
    assert notices, "no notification"
    return notices[-1].message


def x_clipboard(display: str) -> str:
    """What the X clipboard (the CLIPBOARD selection) of `display` holds, read by xclip."""
    done = subprocess.run(
        ["xclip", "-display", display, "-selection", "clipboard", "-o"],
        capture_output=True,
        timeout=10,
        check=True,
    )
    return done.stdout.decode("utf-8")


def need_x_tools() -> None:
    """Skip without Xvfb and xclip, except under CI (`.ci/run` installs them): fail there."""
    missing = [tool for tool in ("Xvfb", "xclip") if shutil.which(tool) is None]
    if not missing:
        return
    message = f"{' and '.join(missing)} not installed (apt-get install xvfb xclip)"
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(f"CI must test the real X clipboard: {message}")
    pytest.skip(message)


@pytest.fixture
def no_display(monkeypatch: pytest.MonkeyPatch) -> None:
    """No X or Wayland display: pyperclip finds no clipboard (as over SSH)."""
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)


@pytest.fixture
def x_display(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A private Xvfb server on a free display number (Xvfb picks it), as DISPLAY."""
    need_x_tools()
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-nolisten", "tcp", "-screen", "0", "320x200x24"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    try:
        # Xvfb writes its display number once it accepts connections (EOF if it died).
        with os.fdopen(read_end) as ready:
            number = ready.readline().strip()
        assert number.isdigit(), f"Xvfb did not start (exit status {server.poll()})"
        monkeypatch.setenv("DISPLAY", f":{number}")
        monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
        yield f":{number}"
    finally:
        server.terminate()  # the xclip processes holding the selection end with it
        server.wait(timeout=10)


async def focus_dateline_mention(pilot: Pilot[None], mentions: list[MentionView]) -> MentionView:
    """Move the focus from the first mention to the first one in the dateline sentence."""
    index = next(i for i, m in enumerate(mentions) if m.start >= 83)
    await pilot.press(*["j"] * index)
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ArticleScreen) and screen.current == mentions[index]
    return mentions[index]


@pytest.mark.usefixtures("demo", "no_display")
async def test_without_a_display_c_and_C_go_through_osc52(db_url: str, engine: Engine) -> None:
    article, mentions = stored(engine)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        first = mentions[0]
        assert (
            pilot.app.clipboard == f"{first.text}\t{first.label}\t{first.entity_key}\t1:"
            f"{first.start}-{first.end}"
        )
        assert pilot.app.clipboard == mention_line(first, 1)
        assert last_notice(pilot.app).startswith(f"Copied to the {TERMINAL}: ")

        mention = await focus_dateline_mention(pilot, mentions)
        await pilot.press("C")
        await pilot.pause()
        assert pilot.app.clipboard == f"“{DATELINE_SENTENCE}” — {article.title} (article 1:83-234)"
        assert pilot.app.clipboard == sentence_citation(article, mention)
        assert last_notice(pilot.app).startswith(f"Copied to the {TERMINAL}: “KONTAN.CO.ID")


@pytest.mark.usefixtures("demo")
async def test_with_an_x_display_c_and_C_fill_the_x_clipboard(
    db_url: str, engine: Engine, x_display: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    article, mentions = stored(engine)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert x_clipboard(x_display) == mention_line(mentions[0], 1)
        assert last_notice(pilot.app).startswith(f"Copied to the {SYSTEM}: ")
        assert pilot.app.clipboard == ""  # no OSC 52 when the system clipboard took it

        mention = await focus_dateline_mention(pilot, mentions)
        await pilot.press("C")
        await pilot.pause()
        expected = f"“{DATELINE_SENTENCE}” — {article.title} (article 1:83-234)"
        assert x_clipboard(x_display) == expected
        assert x_clipboard(x_display) == sentence_citation(article, mention)
        assert last_notice(pilot.app).startswith(f"Copied to the {SYSTEM}: ")

        # The display goes away (a tmux session reattached over SSH): nothing is cached.
        monkeypatch.delenv("DISPLAY")
        await pilot.press("c")
        await pilot.pause()
        assert pilot.app.clipboard == mention_line(mention, 1)
        assert last_notice(pilot.app).startswith(f"Copied to the {TERMINAL}: ")
    assert x_clipboard(x_display) == expected  # the X copy was left alone


@pytest.mark.usefixtures("demo")
async def test_a_display_that_is_gone_falls_back_to_osc52(
    db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    need_x_tools()
    # xclip fails there without pyperclip noticing; reading the copy back catches it.
    number = next(
        n
        for n in range(150, 400)
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists()
    )
    monkeypatch.setenv("DISPLAY", f":{number}")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    _, mentions = stored(engine)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert pilot.app.clipboard == mention_line(mentions[0], 1)
        assert last_notice(pilot.app).startswith(f"Copied to the {TERMINAL}: ")


@pytest.mark.usefixtures("schema_loaded", "no_display")
async def test_without_mentions_nothing_is_copied(db_url: str, import_records: Importer) -> None:
    import_records([{"id": "empty", "title": "Kosong", "text": "Tidak ada nama di sini."}])
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ArticleScreen)
        for key in ("c", "C"):
            await pilot.press(key)
            await pilot.pause()
            assert last_notice(pilot.app) == "No mention"
        assert pilot.app.clipboard == ""
