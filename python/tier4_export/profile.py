"""Timing marks for the benchmarks (bench/demo.mjs), from the Python side.

When ``TIER4_PROFILE`` names a file, :func:`profile_mark` appends one JSON line
``{"mark": name, "t": ms since the epoch, "pid": ..., **detail}`` to it, the same lines as
``packages/vitest-tier4/src/profile/marks.ts`` writes from Node, so one file holds a run's timeline
across its processes. Without it nothing is written. A mark never raises: profiling must not break
a run.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any, Optional

PROFILE_ENV = "TIER4_PROFILE"


def profile_file() -> Optional[str]:
    """The profile file named by ``TIER4_PROFILE``, or None when profiling is off."""
    return os.environ.get(PROFILE_ENV) or None


def profile_mark(mark: str, t_ms: Optional[float] = None, **detail: Any) -> None:
    """Appends a mark (at ``t_ms``, ms since the epoch, default now) when profiling is on."""
    path = profile_file()
    if path is None:
        return
    line = json.dumps({"mark": mark, "t": time.time() * 1000.0 if t_ms is None else t_ms, "pid": os.getpid(), **detail})
    try:
        # one write of a whole line in append mode: lines of concurrent processes do not interleave
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (line + "\n").encode("utf-8"))
        finally:
            os.close(fd)
    except OSError:
        pass
