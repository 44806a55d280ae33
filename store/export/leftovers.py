"""Temporary files of exports, named so that the next export can clean up after a crash.

An export writes beside its output, under names that start with a dot and say which process
wrote them: `.OUT.HOST-PID.RANDOM.tmp` (the output, a manifest, or a folder), `.OUT.HOST-PID.
RANDOM.old` (an earlier output being replaced) and `..OUT.HOST-PID.RANDOM.tmp.HOST-PID.RANDOM.
parts` (part files of a parallel export). A process killed mid-export (SIGKILL, power loss)
cannot remove them; the next export to the same output does (`remove_leftovers`), but only
names of this pattern, and only when the process that wrote them is gone: never a file of an
export still running, never anything of the user's.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import time
from pathlib import Path

STALE_AFTER = 24 * 3600  # seconds: a leftover of another host (or an older telaah) by then
_RANDOM = r"[a-z0-9_]{8}"  # tempfile's random part
_TAG = r"(?P<host>[A-Za-z0-9]+)-(?P<pid>\d+)\."


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:40] or "host"


def temp_prefix(target: Path) -> str:
    """The prefix of every temporary name for `target` made by this process."""
    return f".{target.name}.{_host()}-{os.getpid()}."


def _pattern(name: str) -> re.Pattern[str]:
    """Leftover names for the output file or folder called `name`; the tag is optional, for
    names older telaah versions wrote."""
    return re.compile(
        rf"^\.(?P<parts>\.)?{re.escape(name)}\.(?:{_TAG})?{_RANDOM}\.(?:tmp|old)"
        rf"(?(parts)\.(?:[A-Za-z0-9]+-\d+\.)?{_RANDOM}\.parts)$"
    )


def _running(host: str | None, pid: str | None) -> bool | None:
    """Whether the process that wrote a leftover runs; None when this cannot be known."""
    if host is None or pid is None or host != _host():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process: leave it
    return True


def remove_leftovers(*targets: Path, now: float | None = None) -> list[Path]:
    """Remove the temporary files and folders that interrupted exports to `targets` left
    beside them; return what was removed."""
    removed: list[Path] = []
    now = time.time() if now is None else now
    for target in targets:
        pattern = _pattern(target.name)
        try:
            entries = list(os.scandir(target.parent))
        except OSError:
            continue
        for entry in entries:
            found = pattern.match(entry.name)
            if found is None:
                continue
            running = _running(found.group("host"), found.group("pid"))
            if running:
                continue
            if running is None:
                try:
                    age = now - entry.stat(follow_symlinks=False).st_mtime
                except OSError:
                    continue
                if age < STALE_AFTER:
                    continue
            path = Path(entry.path)
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path, ignore_errors=True)
            else:
                try:
                    path.unlink()
                except OSError:
                    continue
            removed.append(path)
    return removed
