"""metadata.json: building the record and writing it atomically.

The layout is defined in ``docs/export-format.md`` (schema_version 1). The file
is written last, through a temporary file in the same directory followed by
``os.replace``, so a directory with ``metadata.json`` is always a finished export.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Optional

import torch

SCHEMA_VERSION = 1
METADATA_FILENAME = "metadata.json"


def onnx_version() -> Optional[str]:
    """Installed onnx version, or None when the package is missing."""
    try:
        import onnx
    except ImportError:
        return None
    return str(onnx.__version__)


def environment_versions() -> Dict[str, Optional[str]]:
    """``torch_version``, ``onnx_version`` and ``python_version`` for metadata."""
    return {
        "torch_version": str(torch.__version__),
        "onnx_version": onnx_version(),
        "python_version": platform.python_version(),
    }


def utc_now_iso() -> str:
    """Current time as ISO 8601 UTC with an explicit offset, e.g. ``2026-11-29T19:40:00+00:00``."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as pretty JSON to ``path`` atomically (temp file, fsync, rename).

    The temporary file is removed if anything fails before the rename.
    """
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, allow_nan=False)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise


def read_metadata(export_dir: Path) -> Dict[str, Any]:
    """Read ``<export_dir>/metadata.json``."""
    with open(Path(export_dir) / METADATA_FILENAME, encoding="utf-8") as handle:
        data: Dict[str, Any] = json.load(handle)
    return data
