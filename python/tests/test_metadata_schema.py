"""metadata.json follows packages/fixtures/schema/metadata.schema.json, the contract TypeScript reads.

Every export made by the shared fixtures is validated in ``conftest._export``; these tests add the
exports made elsewhere (a format that failed, static quantization, a model without model_source) and
check that the validator really rejects what the TypeScript reader rejects.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Callable, Dict

import jsonschema
import pytest

from conftest import METADATA_SCHEMA_PATH, Exported, validate_metadata
from tier4_export import export_model, get_builtin
from tier4_export.metadata import READABLE_SCHEMA_VERSIONS, SCHEMA_VERSION


def test_the_schema_is_a_valid_draft_7_schema_of_the_versions_python_reads() -> None:
    schema = json.loads(METADATA_SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema["properties"]["schema_version"]["enum"] == list(READABLE_SCHEMA_VERSIONS)
    assert schema["then"]["required"] and SCHEMA_VERSION == max(READABLE_SCHEMA_VERSIONS)


def test_every_fixture_export_follows_the_schema(
    cnn_export: Exported, lm_export: Exported, lm_quantized_export: Exported
) -> None:
    for exported in (cnn_export, lm_export, lm_quantized_export):
        validate_metadata(exported.metadata)
    # The dynamic ONNX export fails in torch 1.13: formats_failed is filled and still valid.
    assert lm_quantized_export.metadata["quantization_info"] is not None


def test_static_quantization_and_no_model_source_follow_the_schema(tmp_path: Path) -> None:
    model, spec = get_builtin("simple_cnn")
    paths = export_model(model, spec, tmp_path / "s", formats=["torchscript"], quantization="static", num_samples=2)
    static = json.loads(paths["metadata"].read_text())
    validate_metadata(static)
    assert static["quantization_info"]["calibration"]["batches"] > 0
    paths = export_model(model, spec, tmp_path / "m", formats=["pytorch"], num_samples=1)
    bare = json.loads(paths["metadata"].read_text())
    validate_metadata(bare)
    assert bare["model_source"] is None


Mutation = Callable[[Dict[str, Any]], object]

REJECTED: Dict[str, Mutation] = {
    "unknown key": lambda m: m.update(task_nmae="x"),
    "missing key": lambda m: m.pop("task_type"),
    "schema version": lambda m: m.update(schema_version=3),
    "a key version 2 requires": lambda m: m.pop("export_notes"),
    "dtype": lambda m: m["inputs"][0].update(dtype="int128"),
    "negative axis": lambda m: m["outputs"][0]["shape"].__setitem__(1, -5),
    "escaping path": lambda m: m["artifacts"]["onnx"].update(path="../model.onnx"),
    "absolute path": lambda m: m["samples"][0]["inputs"].update(pixel_values="/tmp/x.npy"),
    "model_source kind": lambda m: m.update(model_source={"kind": "hub"}),
    "batch size 0": lambda m: m["samples"][0].update(batch_size=0),
    "artifact of an unknown format": lambda m: m["artifacts"].update(tflite=m["artifacts"]["onnx"]),
}


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_the_schema_rejects_what_the_typescript_reader_rejects(name: str, cnn_export: Exported) -> None:
    metadata = copy.deepcopy(cnn_export.metadata)
    REJECTED[name](metadata)
    with pytest.raises(jsonschema.ValidationError):
        validate_metadata(metadata)
