"""Exception types raised by tier4_export.

Every error names the thing that is wrong, what was expected and what was
received, so that the message alone is enough to fix the call.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Optional


class TaskSpecError(ValueError):
    """A :class:`~tier4_export.task_spec.TaskSpec` (or a dict meant to become one) is invalid."""


class ExportError(RuntimeError):
    """The export as a whole cannot proceed (for example the eager model fails on its own inputs).

    A single format failing is *not* an ExportError: it is recorded in
    ``formats_failed`` and the other formats are still written. When the user's model raised,
    ``details`` holds the traceback of that call without tier4_export's own frames (the CLI
    prints it), so the line of ``forward`` that failed is named.
    """

    def __init__(self, message: str, details: Optional[str] = None) -> None:
        super().__init__(message)
        self.details: Optional[str] = details


def user_traceback(exc: BaseException) -> str:
    """Format ``exc``'s traceback without the frames of the tier4_export package itself."""
    frames = traceback.extract_tb(exc.__traceback__)
    package = Path(__file__).resolve().parent
    kept = [f for f in frames if Path(f.filename).resolve().parent != package]
    lines = ["Traceback (most recent call last):\n"]
    lines.extend(traceback.format_list(kept))
    lines.extend(traceback.format_exception_only(type(exc), exc))
    return "".join(lines)


class FactoryError(RuntimeError):
    """A user's ``file.py:factory`` reference could not be loaded or called.

    ``details`` holds the formatted Python traceback of the user's code when
    the user's module or factory raised, so that callers (the CLI, the
    TypeScript fixture builder) can show it.
    """

    def __init__(self, message: str, details: Optional[str] = None) -> None:
        super().__init__(message)
        self.details: Optional[str] = details
