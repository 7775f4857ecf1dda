"""Hand the reference tensors of a per-layer comparison to TypeScript through one file.

The activations of a large model are tens to hundreds of MB. Sent in a worker frame they would
be copied into bytes here, and on the Node side buffered in chunks, joined, and copied out of the
joined buffer again: up to three extra copies at the peak. Written to one file, each array goes
from its own memory to the page cache, and Node reads the file once into a buffer that the
tensors view in place (each starts at a 64-byte aligned offset, little-endian, C order).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Mapping

import numpy as np
from numpy.typing import NDArray

from tier4_export.dtypes import DTYPES

ALIGN = 64
"""Byte alignment of every tensor's offset (enough for any typed array view)."""


def write_tensors(path: Path, tensors: Mapping[str, NDArray[Any]]) -> List[Dict[str, Any]]:
    """Write ``tensors`` back to back into ``path``; returns one spec per tensor.

    Each spec is ``{"name", "dtype", "shape", "offset", "nbytes"}``. An array already little-endian
    and C-contiguous is written from its own memory (no copy).

    Raises:
        ValueError: naming a tensor whose dtype TypeScript cannot read.
    """
    specs: List[Dict[str, Any]] = []
    offset = 0
    with open(path, "wb") as handle:
        for name, arr in tensors.items():
            dtype = arr.dtype.name
            if dtype not in DTYPES:
                raise ValueError(f"reference tensor {name!r}: dtype {dtype} cannot be read by TypeScript")
            little = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<") if arr.dtype.itemsize > 1 else arr.dtype)
            pad = (-offset) % ALIGN
            if pad:
                handle.write(b"\0" * pad)
                offset += pad
            nbytes = int(little.nbytes)
            if nbytes:
                handle.write(little.reshape(-1).view(np.uint8).data)
            specs.append({"name": name, "dtype": dtype, "shape": [int(d) for d in arr.shape], "offset": offset, "nbytes": nbytes})
            offset += nbytes
    return specs
