"""The Python side's dtypes agree with the one table TypeScript holds.

``packages/fixtures/src/tensor.ts`` (``DTYPE_TABLE``) is the table; its export-contract part is the
``dtype`` enum of metadata.schema.json (checked by ``packages/fixtures/test/tensor.test.ts``). Python
cannot import the TypeScript table, so these tests hold ``tier4_export.dtypes`` to that enum.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import METADATA_SCHEMA_PATH
from tier4_export import dtypes, worker
from tier4_export.layers import transfer


def test_the_python_dtypes_are_the_schema_enum_in_its_order() -> None:
    schema = json.loads(METADATA_SCHEMA_PATH.read_text(encoding="utf-8"))
    assert list(dtypes.DTYPES) == schema["definitions"]["dtype"]["enum"]


def test_the_worker_and_the_references_file_use_the_one_python_list() -> None:
    assert vars(worker)["DTYPES"] is dtypes.DTYPES
    assert vars(transfer)["DTYPES"] is dtypes.DTYPES


def test_wire_dtypes_are_little_endian_numpy_dtypes_of_the_same_name() -> None:
    codes = {name: dtypes.wire_dtype(name).str for name in dtypes.DTYPES}
    assert codes == {
        "float16": "<f2", "float32": "<f4", "float64": "<f8",
        "int8": "|i1", "uint8": "|u1", "int16": "<i2", "uint16": "<u2",
        "int32": "<i4", "uint32": "<u4", "int64": "<i8", "uint64": "<u8", "bool": "|b1",
    }
    for name in dtypes.DTYPES:
        assert dtypes.wire_dtype(name).name == name
        assert dtypes.wire_dtype(name) == np.dtype(name).newbyteorder("<")


@pytest.mark.parametrize("name", ["bfloat16", "complex64", "object", "f4"])
def test_wire_dtype_refuses_what_typescript_cannot_read(name: str) -> None:
    with pytest.raises(ValueError, match=f"dtype '{name}' cannot be read by TypeScript \\(expected one of float16, float32"):
        dtypes.wire_dtype(name)
