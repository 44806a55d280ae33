"""A decision shown on screen is on disk: the real app in a terminal, killed with SIGKILL."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from store.config import MIN_SCORE
from store.db import open_database, session_scope
from store.models import Mention, Reviewer
from store.review.mentions import list_mentions

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal"),
    pytest.mark.sqlite_only("kill -9 of the app on a database file, checked with PRAGMA"),
]

TIMEOUT = 30.0  # seconds to wait for any one screen (generous: slow, busy machines)
ROWS, COLUMNS = 40, 120
# Escape sequences: CSI (colours, cursor moves, modes), OSC (titles), and two-byte ones.
_ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")
# The keys pressed, and what each decides (the cursor moves to the next pending mention).
KEYS = ["a", "x", "a", "2", "x", "a", "1", "x"]
DECIDED = [
    ("accepted", None),
    ("rejected", None),
    ("accepted", None),
    ("accepted", "ORG"),
    ("rejected", None),
    ("accepted", None),
    ("accepted", "PERSON"),
    ("rejected", None),
]


class Terminal:
    """The app running in a pseudo-terminal; everything it writes is kept, without escapes."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        self.master = master
        self.process = subprocess.Popen(
            args,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self._raw = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        # Always drain the terminal, or the app would block writing to it.
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO once the app is gone
                return
            if not chunk:
                return
            with self._lock:
                self._raw.extend(chunk)

    def text(self) -> str:
        """Everything shown so far, escape sequences removed."""
        with self._lock:
            raw = bytes(self._raw)
        return _ESCAPES.sub(b"", raw).decode("utf-8", "replace")

    def mark(self) -> int:
        """A position in the output: `wait_for` can look only at what comes after it."""
        return len(self.text())

    def wait_for(self, pattern: str, since: int = 0) -> re.Match[str]:
        """Wait until `pattern` shows in the output after `since`; fail after TIMEOUT."""
        deadline = time.monotonic() + TIMEOUT
        regex = re.compile(pattern)
        while time.monotonic() < deadline:
            found = regex.search(self.text(), since)
            if found:
                return found
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        tail = self.text()[-3000:]
        raise AssertionError(f"{pattern!r} never showed (exit {self.process.poll()}):\n{tail}")

    def press(self, key: str) -> None:
        """Type `key` (a character, or `\\r` for enter)."""
        os.write(self.master, key.encode())

    def kill(self) -> None:
        """SIGKILL: no cleanup, no flush, no exit handler runs."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=TIMEOUT)
        self._reader.join(timeout=5)
        if self.master >= 0:
            os.close(self.master)
            self.master = -1


@pytest.fixture
def terminal(db_path: Path, tmp_path: Path) -> Iterator[Terminal]:
    """`telaah --db DB --reviewer r` in a 120x40 xterm; always killed at the end."""
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "COLUMNS": str(COLUMNS),
        "LINES": str(ROWS),
        "TEXTUAL_ANIMATIONS": "none",
    }
    env.pop("TEXTUAL", None)  # no devtools
    term = Terminal([sys.executable, "-m", "tui", "--db", str(db_path), "--reviewer", "r"], env)
    try:
        yield term
    finally:
        term.kill()


@pytest.mark.usefixtures("demo")
def test_decisions_shown_survive_sigkill(terminal: Terminal, db_path: Path, engine: Engine) -> None:
    with session_scope(engine) as session:
        before = list_mentions(min_score=MIN_SCORE, session=session, article_id=1)
    assert len(before) > len(KEYS) and all(m.state == "pending" for m in before)
    engine.dispose()  # the app gets the database to itself

    terminal.wait_for(r"5 articles")
    mark = terminal.mark()
    terminal.press("\r")
    terminal.wait_for(r"Mention 1 of \d+", mark)
    accepted = rejected = 0
    for index, key in enumerate(KEYS):
        mark = terminal.mark()
        terminal.press(key)
        if DECIDED[index][0] == "accepted":
            accepted += 1
        else:
            rejected += 1
        # The panel shows the counts once the decision is made (and, so, committed).
        terminal.wait_for(rf"{accepted} accepted · {rejected} rejected", mark)
    terminal.kill()  # at once, the moment the last decision is shown

    engine = open_database(f"sqlite:///{db_path}")
    try:
        with session_scope(engine) as session:
            after = list_mentions(min_score=MIN_SCORE, session=session, article_id=1)
            names: dict[int, str | None] = {}
            for m in after[: len(KEYS)]:
                row = session.get(Mention, m.id)
                who = session.get(Reviewer, row.reviewer_id) if row and row.reviewer_id else None
                names[m.id] = who.name if who else None
    finally:
        engine.dispose()
    for mention, original, (state, label) in zip(after, before, DECIDED, strict=False):
        assert mention.state == state, (mention, state)
        assert mention.label == (label or original.label)
        assert names.get(mention.id) == "r"
    assert [m.state for m in after[len(KEYS) :]] == ["pending"] * (len(before) - len(KEYS))
