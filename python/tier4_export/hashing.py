"""File hashing and sizes: the ``artifacts`` and ``files`` sections of metadata.json."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Dict, Iterable, Union

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


def file_manifest(export_dir: Path, roots: Iterable[str]) -> Dict[str, Dict[str, object]]:
    """``{relative posix path: {"size_bytes", "sha256"}}`` of every regular file under ``roots``.

    ``roots`` are the exporter's own names inside ``export_dir`` (artifact files and the
    ``samples/``, ``fp32/`` and ``layers/`` directories); names that do not exist are skipped.
    This is metadata.json's ``files``: what a reader (the fixture cache) checks to tell an intact
    export from one damaged after it was written (a deleted sample, a truncated model).
    """
    manifest: Dict[str, Dict[str, object]] = {}
    for root in roots:
        top = export_dir / root
        paths = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file()) if top.is_dir() else []
        for path in paths:
            manifest[path.relative_to(export_dir).as_posix()] = {
                "size_bytes": path.stat().st_size,
                "sha256": sha256_file(path),
            }
    return dict(sorted(manifest.items()))
