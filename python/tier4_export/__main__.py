"""``python -m tier4_export``: see :mod:`tier4_export.cli`."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
