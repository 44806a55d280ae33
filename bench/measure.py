"""Peak-memory readings shared by the benchmarks."""

from __future__ import annotations

import resource
import sys
from pathlib import Path

MIB = 1024 * 1024


def maxrss_mib() -> float:
    """Peak RSS of this process so far, in MiB.

    Linux carries ru_maxrss over fork and exec, so a child starts with its parent's peak; that
    is why benchmark parents stay small and measure each phase in a fresh subprocess.
    """
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / MIB if sys.platform == "darwin" else rss / 1024  # macOS: bytes; Linux: KiB


def vmhwm_mib() -> float | None:
    """Linux's VmHWM (peak RSS of this process image only), as a cross-check of ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None
