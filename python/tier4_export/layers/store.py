"""Reference activations stored in an export dir (``export_model(..., layers=True)``).

Layout (``docs/export-format.md``, "Reference activations")::

    layers/sample_000.json   the leaf calls and tensor shapes (Capture.to_index) plus the sample id
    layers/sample_000.npz    the tensors, one array per key (numpy .npz, no pickles)

``metadata.json`` lists them under ``"layers"``. They are read with ``allow_pickle=False``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import numpy as np
from numpy.typing import NDArray

from ..metadata import write_bytes_atomic
from .capture import Capture

LAYERS_DIRNAME = "layers"


def write_capture(export_dir: Path, sample_id: str, capture: Capture) -> Dict[str, Any]:
    """Write ``capture`` of sample ``sample_id`` under ``export_dir/layers/``; returns its metadata record."""
    folder = Path(export_dir) / LAYERS_DIRNAME
    folder.mkdir(parents=True, exist_ok=True)
    npz = folder / f"{sample_id}.npz"
    index = folder / f"{sample_id}.json"
    write_bytes_atomic(npz, lambda fh: np.savez(fh, **capture.tensors))
    body = {"sample": sample_id, **capture.to_index()}
    write_bytes_atomic(index, lambda fh: fh.write((json.dumps(body, indent=1) + "\n").encode("utf-8")))
    return {
        "sample": sample_id,
        "index": f"{LAYERS_DIRNAME}/{index.name}",
        "tensors": f"{LAYERS_DIRNAME}/{npz.name}",
        "leaves": len(capture.leaves),
        "bytes": capture.nbytes,
    }


def stored_samples(metadata: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The ``metadata.json`` ``layers`` records (empty when the export stored no activations)."""
    layers = metadata.get("layers")
    if not isinstance(layers, dict):
        return []
    samples = layers.get("samples")
    return [s for s in samples if isinstance(s, dict)] if isinstance(samples, list) else []


def read_capture(export_dir: Path, record: Dict[str, Any]) -> Capture:
    """Read a stored capture named by a ``metadata.json`` ``layers.samples`` record.

    Raises:
        ValueError: naming the file when it is missing, not an npz of plain arrays, or inconsistent.
    """
    base = Path(export_dir)
    index_path = base / str(record.get("index", ""))
    npz_path = base / str(record.get("tensors", ""))
    for p in (index_path, npz_path):
        if not p.is_file():
            raise ValueError(f"stored reference activations: {p} listed in metadata.json is missing")
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"stored reference activations: {index_path} is not valid JSON: {exc}") from exc
    try:
        with np.load(npz_path, allow_pickle=False) as data:
            tensors = {k: data[k] for k in data.files}
    except Exception as exc:  # noqa: BLE001 - a corrupt or pickled archive is refused
        raise ValueError(f"stored reference activations: cannot read {npz_path} as plain arrays: {type(exc).__name__}: {exc}") from exc
    if not isinstance(index, dict):
        raise ValueError(f"stored reference activations: {index_path}: expected a JSON object")
    try:
        return Capture.from_index(index, tensors)
    except ValueError as exc:
        raise ValueError(f"stored reference activations: {index_path}: {exc}") from exc
