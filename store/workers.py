"""Worker processes that never outlive the process that started them.

A pool's workers wait on a pipe whose other end they hold themselves, so a parent killed
with SIGKILL (no `finally`, no pool shutdown) would leave them waiting for ever. Every pool
passes `die_with_parent` as its initializer: on Linux the kernel kills the worker with its
parent (PR_SET_PDEATHSIG); elsewhere a thread checks every half second that the parent lives.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1
POLL = 0.5  # seconds between looks at the parent, where the kernel cannot be asked


def die_with_parent(parent: int) -> None:
    """Make this (worker) process end when the process `parent` ends."""
    if sys.platform.startswith("linux") and _kernel_signal():
        if os.getppid() != parent:  # the parent died before the request was made
            os._exit(1)
        return
    threading.Thread(target=_watch, args=(parent,), name="parent-watch", daemon=True).start()


def _kernel_signal() -> bool:
    """Ask Linux to SIGKILL this process when its parent ends; whether it agreed."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)) == 0
    return False


def _watch(parent: int) -> None:
    while True:
        time.sleep(POLL)
        if os.getppid() != parent:
            os._exit(1)
