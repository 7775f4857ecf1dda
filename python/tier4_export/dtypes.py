"""The dtypes of the export contract on the Python side: the names tensors carry in metadata.json,
the worker protocol and the per-layer references file.

TypeScript holds the one table of dtypes (``DTYPE_TABLE`` in ``packages/fixtures/src/tensor.ts``,
``vitest-tier4-fixtures/tensor``); ``packages/fixtures/schema/metadata.schema.json`` lists its
export-contract part as the ``dtype`` enum, and a test checks the table against that enum. Python
cannot import the TypeScript table, so ``DTYPES`` below is checked against the same enum by
``python/tests/test_dtypes.py``: the three cannot drift apart unnoticed. Everything else numpy
knows about a dtype (its type code, its size) is asked of numpy, not written here.
"""

from __future__ import annotations

from typing import Any, Tuple

DTYPES: Tuple[str, ...] = (
    "float16",
    "float32",
    "float64",
    "int8",
    "uint8",
    "int16",
    "uint16",
    "int32",
    "uint32",
    "int64",
    "uint64",
    "bool",
)
"""numpy's names of the dtypes TypeScript reads, in the table's order (metadata.schema.json's enum)."""


def wire_dtype(name: str) -> Any:
    """The numpy dtype ``name`` travels as: little-endian (one-byte types have no byte order).

    Args:
        name: one of :data:`DTYPES`.

    Raises:
        ValueError: naming ``name`` and the dtypes TypeScript reads, when it is not one of them.
    """
    if name not in DTYPES:
        raise ValueError(f"dtype {name!r} cannot be read by TypeScript (expected one of {', '.join(DTYPES)})")
    import numpy as np  # imported here: the worker starts without numpy

    return np.dtype(name).newbyteorder("<")
