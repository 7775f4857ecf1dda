"""Fault injection for the tests that kill a process at a chosen moment (``test/faults``).

With ``TIER4_FAULT_POINT=<name>`` and ``TIER4_FAULT_MARKER=<file>`` in the environment, the process
that reaches the point ``<name>`` writes its pid to ``<file>`` (atomically: the test never reads
half a pid) and then sleeps until it is killed, so the test can SIGKILL it exactly there. Without
both variables (every run but those tests) a point costs one environment lookup and does nothing.
The TypeScript side has the same hook (``packages/fixtures/src/fault-point.ts``).

Points: ``export-artifacts`` (the artifacts are written, the samples not yet), ``export-metadata``
(everything but metadata.json is written), ``worker-<cmd>`` (the worker received ``<cmd>``, e.g.
``worker-run``, and has not answered).
"""

from __future__ import annotations

import os
import time


def fault_point(name: str) -> None:
    """Stop this process at ``name`` when the fault-injection environment asks for it."""
    marker = os.environ.get("TIER4_FAULT_MARKER")
    if os.environ.get("TIER4_FAULT_POINT") != name or not marker:
        return
    with open(marker + ".tmp", "w", encoding="utf-8") as handle:
        handle.write(str(os.getpid()))
    os.replace(marker + ".tmp", marker)
    while True:  # until the test kills this process
        time.sleep(3600)
