"""metadata.json: building the record and writing it atomically.

The layout is defined in ``docs/export-format.md`` (schema_version 2). The file
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
from typing import Any, BinaryIO, Callable, Dict, List, Optional

import torch

SCHEMA_VERSION = 2
"""Version of the metadata.json layout written. 2 added the original contract's keys
(``formats``, ``input_shape``, ``output_shape``), ``export_wall_time_s``, ``traced_with``,
``output_structure``, ``export_notes`` and ``seq_len`` on text samples. Readers accept 1 and 2."""

READABLE_SCHEMA_VERSIONS = (1, 2)
"""schema_version values the readers (``read_metadata``, the TypeScript openExportDir) accept."""

METADATA_FILENAME = "metadata.json"


def contract_fields(
    inputs: List[Dict[str, Any]], outputs: List[Dict[str, Any]], formats_written: List[str]
) -> Dict[str, Any]:
    """The original contract's keys that have no richer equivalent under the same name.

    ``input_shape`` / ``output_shape`` are the shapes of the first input and the first output
    (dynamic axes as names; every input and output is in ``inputs`` / ``outputs``), ``formats``
    the formats written. ``task_type``, ``modality``, ``exported_at``, ``torch_version``,
    ``quantization`` and ``schema_version`` are written under their own names already.
    """
    return {
        "formats": list(formats_written),
        "input_shape": list(inputs[0]["shape"]),
        "output_shape": list(outputs[0]["shape"]),
    }


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


def default_file_mode() -> int:
    """The mode ``open()`` gives a new file: ``0o666`` minus the process umask.

    ``tempfile.mkstemp`` creates its file with ``0o600``; a file renamed into place from it must
    get this mode instead, or every export would be readable by its owner only.
    """
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_bytes_atomic(path: Path, write: Callable[[BinaryIO], Any]) -> None:
    """Write a file atomically: ``write(handle)`` fills a temporary file next to ``path`` (opened
    binary), which is fsynced and renamed onto ``path``, so a reader sees the old file or the whole
    new one, never part of it.

    The file gets the usual umask-based mode (:func:`default_file_mode`), not the temporary
    file's 0600. The temporary file is removed if anything fails before the rename (``path`` is
    then left as it was).
    """
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(path.parent))
    try:
        os.fchmod(fd, default_file_mode())
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as pretty JSON to ``path`` atomically (:func:`write_bytes_atomic`).

    Raises:
        ValueError: when ``data`` holds NaN or an infinity (JSON has neither); nothing is written.
    """
    text = json.dumps(data, indent=2, allow_nan=False) + "\n"
    write_bytes_atomic(Path(path), lambda handle: handle.write(text.encode("utf-8")))


def read_metadata(export_dir: Path) -> Dict[str, Any]:
    """Read ``<export_dir>/metadata.json`` of schema_version 1 or 2.

    A schema_version 1 file gains the keys version 2 added, derived from what it holds
    (``formats`` from ``formats_written``, the shapes from ``inputs`` / ``outputs``;
    ``export_wall_time_s`` and ``traced_with`` None, ``output_structure`` None, ``export_notes``
    empty), so callers read one layout.

    Raises:
        ValueError: naming the file when its schema_version is not one of READABLE_SCHEMA_VERSIONS.
    """
    path = Path(export_dir) / METADATA_FILENAME
    with open(path, encoding="utf-8") as handle:
        data: Dict[str, Any] = json.load(handle)
    version = data.get("schema_version") if isinstance(data, dict) else None
    if version not in READABLE_SCHEMA_VERSIONS:
        raise ValueError(
            f"{path}: schema_version expected one of {list(READABLE_SCHEMA_VERSIONS)}, received {version!r}"
        )
    if version == 1:
        upgraded = dict(data)
        for key, value in contract_fields(data["inputs"], data["outputs"], data["formats_written"]).items():
            upgraded.setdefault(key, value)
        for key, default in (("export_wall_time_s", None), ("traced_with", None), ("output_structure", None)):
            upgraded.setdefault(key, default)
        upgraded.setdefault("export_notes", [])
        return upgraded
    return data
