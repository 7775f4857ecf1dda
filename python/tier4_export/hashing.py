"""File hashing and sizes for the ``artifacts`` section of metadata.json."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Dict, Union

_CHUNK = 1 << 20


def sha256_file(path: Union[str, Path]) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def artifact_record(export_dir: Path, path: Path) -> Dict[str, object]:
    """``{"path": relative posix path, "size_bytes": int, "sha256": hex}`` for one artifact."""
    return {
        "path": path.relative_to(export_dir).as_posix(),
        "size_bytes": path.stat().st_size,
        "sha256": sha256_file(path),
    }
