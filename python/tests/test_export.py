"""export_model on the built-in models: every format, metadata, samples, ONNX graph, safety."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List

import numpy as np
import onnx
import pytest
import torch

from conftest import ALL_FORMATS, Exported
from tier4_export import export_model, generate_dummy_input, get_builtin, load_model_source

METADATA_KEYS = [
    "schema_version", "task_name", "task_type", "modality", "model_source", "inputs", "outputs",
    "input_schema", "output_schema", "formats_requested", "formats_written", "formats_failed",
    "artifacts", "quantization", "quantization_info", "opset", "seed", "output_structure",
    "traced_with", "export_notes", "exported_at", "torch_version", "onnx_version", "python_version",
    "samples", "layers", "formats", "input_shape", "output_shape", "files", "export_wall_time_s",
]

ORIGINAL_CONTRACT_KEYS = [
    "task_type", "modality", "input_shape", "output_shape", "exported_at", "torch_version",
    "formats", "quantization", "schema_version",
]


def test_returned_paths_are_the_files_written(any_export: Exported) -> None:
    assert set(any_export.paths) == {*ALL_FORMATS, "metadata"}
    names = {"onnx": "model.onnx", "torchscript": "model.torchscript", "pytorch": "model.pth",
             "metadata": "metadata.json"}
    for fmt, path in any_export.paths.items():
        assert path == any_export.dir / names[fmt] and path.is_absolute() and path.is_file()


def test_nested_export_dir_is_created(any_export: Exported) -> None:
    assert any_export.dir.name == "nested" and any_export.dir.is_dir()


def test_metadata_schema(any_export: Exported) -> None:
    md = any_export.metadata
    assert list(md) == METADATA_KEYS
    assert md["schema_version"] == 2
    assert md["task_name"] == any_export.name
    assert md["model_source"] == {"kind": "builtin", "name": any_export.name, "seed": 0}
    assert md["formats_requested"] == list(ALL_FORMATS) == md["formats_written"]
    assert md["formats_failed"] == {}
    assert md["quantization"] is None and md["quantization_info"] is None
    assert md["opset"] == 14 and md["seed"] == 0
    offset = datetime.fromisoformat(md["exported_at"]).utcoffset()
    assert offset is not None and offset.total_seconds() == 0
    assert md["torch_version"] == torch.__version__ and md["onnx_version"] == onnx.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+", md["python_version"])
    for key in ("input_schema", "output_schema"):
        assert isinstance(md[key], dict)
    assert json.loads(json.dumps(md)) == md


def test_fresh_metadata_carries_every_key_of_the_original_contract(any_export: Exported) -> None:
    md = any_export.metadata
    assert [k for k in ORIGINAL_CONTRACT_KEYS if k not in md] == []
    assert md["formats"] == md["formats_written"] == list(ALL_FORMATS)
    assert md["input_shape"] == md["inputs"][0]["shape"] and md["output_shape"] == md["outputs"][0]["shape"]
    assert md["task_type"] == get_builtin(any_export.name)[1].task_type
    assert isinstance(md["export_wall_time_s"], float) and 0 < md["export_wall_time_s"] < 600
    assert md["traced_with"]["batch"] == 2
    assert md["output_structure"] == "tensor" and md["export_notes"] == []


def test_metadata_io_description(cnn_export: Exported, lm_export: Exported) -> None:
    assert cnn_export.metadata["inputs"] == [
        {"name": "pixel_values", "dtype": "float32", "shape": ["batch", 3, 32, 32]}]
    assert cnn_export.metadata["outputs"] == [{"name": "logits", "dtype": "float32", "shape": ["batch", 10]}]
    assert lm_export.metadata["inputs"] == [{"name": "input_ids", "dtype": "int64", "shape": ["batch", "sequence"]}]
    assert lm_export.metadata["outputs"] == [
        {"name": "logits", "dtype": "float32", "shape": ["batch", "sequence", 1000]}]
    assert lm_export.metadata["input_schema"] == {"vocab_size": 1000, "max_seq_len": 16}


def test_artifact_sizes_and_hashes_match_the_files(any_export: Exported) -> None:
    for fmt, record in any_export.metadata["artifacts"].items():
        path = any_export.dir / record["path"]
        data = path.read_bytes()
        assert record["size_bytes"] == len(data) > 0
        assert record["sha256"] == hashlib.sha256(data).hexdigest()
        assert ("onnx_checker" in record) == (fmt == "onnx")


def test_files_lists_every_written_file_with_its_size_and_hash(any_export: Exported) -> None:
    files = any_export.metadata["files"]
    on_disk = sorted(
        p.relative_to(any_export.dir).as_posix() for p in any_export.dir.rglob("*") if p.is_file() and p.name != "metadata.json"
    )
    assert sorted(files) == on_disk
    listed = {rel for s in any_export.metadata["samples"] for rel in [*s["inputs"].values(), *s["outputs"].values()]}
    assert listed <= set(files)
    assert {a["path"] for a in any_export.metadata["artifacts"].values()} <= set(files)
    for rel, record in files.items():
        data = (any_export.dir / rel).read_bytes()
        assert record == {"size_bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def test_onnx_checker_and_graph_names_and_dynamic_axes(any_export: Exported) -> None:
    assert any_export.metadata["artifacts"]["onnx"]["onnx_checker"] == {"ok": True, "error": None}
    model = onnx.load(str(any_export.paths["onnx"]))
    onnx.checker.check_model(model)
    assert model.opset_import[0].version == 14

    def dims(value: Any) -> List[Any]:
        return [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]

    graph_inputs = {i.name: dims(i) for i in model.graph.input}
    graph_outputs = {o.name: dims(o) for o in model.graph.output}
    expect = lambda items: {i["name"]: i["shape"] for i in items}  # noqa: E731
    assert graph_inputs == expect(any_export.metadata["inputs"])
    assert graph_outputs == expect(any_export.metadata["outputs"])


def _load_sample(export: Exported, record: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    return {
        side: {name: np.load(export.dir / rel) for name, rel in record[side].items()}
        for side in ("inputs", "outputs")
    }


def test_samples_layout_batch_sizes_and_seeds(any_export: Exported) -> None:
    md = any_export.metadata
    spec = get_builtin(any_export.name)[1]
    assert [s["id"] for s in md["samples"]] == [f"sample_{i:03d}" for i in range(10)]
    assert [s["batch_size"] for s in md["samples"]] == [1, 4, 3] * 3 + [1]
    assert [s["seed"] for s in md["samples"]] == list(range(10))
    for record in md["samples"]:
        assert record["inputs"] == {spec.input_names[0]: f"samples/{record['id']}/{spec.input_names[0]}.npy"}
        assert record["outputs"] == {"logits": f"samples/{record['id']}/logits.npy"}
        loaded = _load_sample(any_export, record)
        x = loaded["inputs"][spec.input_names[0]]
        expected = generate_dummy_input(spec, record["batch_size"], seed=record["seed"], seq_len=record.get("seq_len"))
        np.testing.assert_array_equal(x, expected[spec.input_names[0]].numpy())
        assert x.dtype == np.dtype(spec.input_dtype())
        assert loaded["outputs"]["logits"].dtype == np.float32
        assert loaded["outputs"]["logits"].shape[0] == record["batch_size"]


def test_reference_outputs_are_the_eager_model_outputs(any_export: Exported) -> None:
    model, spec = get_builtin(any_export.name)
    for record in any_export.metadata["samples"][:2]:
        loaded = _load_sample(any_export, record)
        with torch.no_grad():
            out = model(torch.from_numpy(loaded["inputs"][spec.input_names[0]]))
        np.testing.assert_array_equal(loaded["outputs"]["logits"], out.numpy())


def test_torchscript_reproduces_the_samples_at_batch_1_and_4(any_export: Exported) -> None:
    module = torch.jit.load(str(any_export.paths["torchscript"]))
    for record in any_export.metadata["samples"][:2]:
        loaded = _load_sample(any_export, record)
        with torch.no_grad():
            out = module(*[torch.from_numpy(v) for v in loaded["inputs"].values()])
        np.testing.assert_allclose(out.numpy(), loaded["outputs"]["logits"], rtol=1e-5, atol=1e-5)


def test_lm_torchscript_follows_a_shorter_sequence(lm_export: Exported) -> None:
    module = torch.jit.load(str(lm_export.paths["torchscript"]))
    model, spec = get_builtin("lm_stub")
    ids = generate_dummy_input(spec, 3, seed=42)["input_ids"][:, :7]
    with torch.no_grad():
        np.testing.assert_allclose(module(ids).numpy(), model(ids).numpy(), rtol=1e-5, atol=1e-5)


def test_state_dict_loads_with_weights_only_into_the_rebuilt_model(any_export: Exported) -> None:
    model, _ = load_model_source(any_export.metadata["model_source"])
    state = torch.load(any_export.paths["pytorch"], weights_only=True)
    model.load_state_dict(state)
    original, _ = get_builtin(any_export.name)
    for key, value in original.state_dict().items():
        assert torch.equal(state[key], value)


def test_caller_model_is_untouched_and_keeps_its_mode(tmp_path: Path) -> None:
    model, spec = get_builtin("simple_cnn")
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    export_model(model, spec, tmp_path / "a", formats=["onnx", "torchscript"], num_samples=1)
    assert model.training
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_samples_are_reproducible_from_the_seed(tmp_path: Path) -> None:
    model, spec = get_builtin("simple_cnn")
    export_model(model, spec, tmp_path / "a", formats=["pytorch"], num_samples=3, seed=5)
    export_model(model, spec, tmp_path / "b", formats=["pytorch"], num_samples=3, seed=5)
    export_model(model, spec, tmp_path / "c", formats=["pytorch"], num_samples=3, seed=6)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a" / "samples").rglob("*.npy"))
    assert len(files) == 6
    for rel in files:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()
    first = "samples/sample_000/pixel_values.npy"
    assert (tmp_path / "a" / first).read_bytes() != (tmp_path / "c" / first).read_bytes()
    md = json.loads((tmp_path / "a" / "metadata.json").read_text())
    assert [s["seed"] for s in md["samples"]] == [5, 6, 7]


def test_reexport_replaces_stale_artifacts(tmp_path: Path) -> None:
    model, spec = get_builtin("simple_cnn")
    export_model(model, spec, tmp_path, formats=["onnx", "torchscript"], num_samples=4)
    paths = export_model(model, spec, tmp_path, formats=["pytorch"], num_samples=1)
    assert set(paths) == {"pytorch", "metadata"}
    assert not (tmp_path / "model.onnx").exists() and not (tmp_path / "model.torchscript").exists()
    assert sorted(p.name for p in (tmp_path / "samples").iterdir()) == ["sample_000"]


def test_metadata_is_written_last_and_no_temp_file_is_left(cnn_export: Exported) -> None:
    meta_mtime = (cnn_export.dir / "metadata.json").stat().st_mtime_ns
    others = [p for p in cnn_export.dir.rglob("*") if p.is_file() and p.name != "metadata.json"]
    assert others and all(p.stat().st_mtime_ns <= meta_mtime for p in others)
    assert not [p for p in cnn_export.dir.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("kwargs, error, message", [
    ({"formats": ["onnx", "tflite"]}, ValueError,
     "formats: expected names from ['onnx', 'torchscript', 'pytorch'], received 'tflite'"),
    ({"formats": []}, ValueError, "formats: expected at least one of"),
    ({"quantization": "int4"}, ValueError,
     "quantization: expected None, 'dynamic' or 'static', received 'int4'"),
    ({"num_samples": -1}, ValueError, "num_samples: expected an int >= 1, received -1"),
    # the same limit as buildFixture's samples and the fixtures CLI's --samples
    ({"num_samples": 0}, ValueError, "num_samples: expected an int >= 1, received 0"),
    ({"opset": "14"}, ValueError, "opset: expected an int >= 7, received '14'"),
    ({"opset": 99}, ValueError, f"opset: torch {torch.__version__} exports ONNX opsets 7 to 17, received 99"),
    ({"model_source": {"kind": "url"}}, ValueError, "model_source: expected None"),
])
def test_bad_arguments_fail_before_anything_is_written(
    tmp_path: Path, kwargs: Dict[str, Any], error: type, message: str
) -> None:
    model, spec = get_builtin("simple_cnn")
    info: Any
    with pytest.raises(error) as info:
        export_model(model, spec, tmp_path / "out", **kwargs)
    assert message in str(info.value)
    assert not (tmp_path / "out").exists()


def test_comma_string_formats_and_pytorch_only(tmp_path: Path) -> None:
    model, spec = get_builtin("simple_cnn")
    paths = export_model(model, spec, tmp_path, formats="pytorch,pytorch", num_samples=1)
    md = json.loads(paths["metadata"].read_text())
    assert md["formats_requested"] == ["pytorch"] and len(md["samples"]) == 1
    assert md["model_source"] is None
