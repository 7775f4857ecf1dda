"""Dynamic quantization: smaller TorchScript, ONNX failure recorded, caller untouched; static refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from conftest import Exported
from tier4_export import export_model, get_builtin
from tier4_export.quantize import STATIC_REFUSAL, has_quantized_modules, quantize_dynamic_copy


def test_quantized_export_records_the_onnx_failure_and_writes_the_rest(lm_quantized_export: Exported) -> None:
    md = lm_quantized_export.metadata
    assert md["quantization"] == "dynamic"
    assert md["formats_requested"] == ["onnx", "torchscript", "pytorch"]
    assert md["formats_written"] == ["torchscript", "pytorch"]
    assert list(md["formats_failed"]) == ["onnx"]
    assert "quantized::linear_dynamic" in md["formats_failed"]["onnx"]
    assert "onnx" not in md["artifacts"] and "onnx" not in lm_quantized_export.paths
    assert not (lm_quantized_export.dir / "model.onnx").exists()


def test_quantized_torchscript_is_measurably_smaller(lm_quantized_export: Exported, lm_export: Exported) -> None:
    info = lm_quantized_export.metadata["quantization_info"]
    assert info["method"] == "dynamic" and info["dtype"] == "qint8" and info["modules"] == ["Linear"]
    q_size = lm_quantized_export.metadata["artifacts"]["torchscript"]["size_bytes"]
    assert info["quantized_size_bytes"] == q_size
    assert info["size_ratio"] == pytest.approx(q_size / info["fp32_size_bytes"])
    assert info["size_ratio"] < 0.7
    fp32_file = lm_export.metadata["artifacts"]["torchscript"]["size_bytes"]
    assert q_size < 0.7 * fp32_file
    assert info["fp32_size_bytes"] == pytest.approx(fp32_file, rel=0.02)


def test_quantized_torchscript_runs_and_drifts_a_little_from_eager(lm_quantized_export: Exported) -> None:
    module = torch.jit.load(str(lm_quantized_export.paths["torchscript"]))
    assert any("quantized" in n.kind() for n in module.inlined_graph.nodes())
    diffs = []
    for record in lm_quantized_export.metadata["samples"]:
        ids = np.load(lm_quantized_export.dir / record["inputs"]["input_ids"])
        ref = np.load(lm_quantized_export.dir / record["outputs"]["logits"])
        with torch.no_grad():
            out = module(torch.from_numpy(ids)).numpy()
        diffs.append(np.abs(out - ref).ravel())
    diff = np.concatenate(diffs)
    assert 0 < diff.mean() < 2e-2  # it is quantized (not identical) yet close to the fp32 reference
    assert diff.max() < 0.2


def test_quantized_export_keeps_fp32_references_and_state_dict(
    lm_quantized_export: Exported, lm_export: Exported
) -> None:
    for a, b in zip(lm_quantized_export.metadata["samples"], lm_export.metadata["samples"]):
        assert (lm_quantized_export.dir / a["outputs"]["logits"]).read_bytes() == (
            lm_export.dir / b["outputs"]["logits"]).read_bytes()
    assert (lm_quantized_export.paths["pytorch"].read_bytes() == lm_export.paths["pytorch"].read_bytes())


def test_callers_model_is_untouched_by_quantization(tmp_path: Path) -> None:
    model, spec = get_builtin("simple_cnn")
    before = {k: v.clone() for k, v in model.state_dict().items()}
    export_model(model, spec, tmp_path, formats=["torchscript"], quantization="dynamic", num_samples=1)
    after = model.state_dict()
    assert before.keys() == after.keys()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert not has_quantized_modules(model)
    assert type(model.head) is torch.nn.Linear


def test_quantize_dynamic_copy_quantizes_only_the_copy() -> None:
    model, _ = get_builtin("lm_stub")
    quantized = quantize_dynamic_copy(model)
    assert has_quantized_modules(quantized) and not has_quantized_modules(model)
    assert type(quantized.lm_head).__module__.startswith("torch.ao.nn.quantized") or "quantized" in type(
        quantized.lm_head).__module__


def test_static_quantization_is_refused_with_the_reason(tmp_path: Path) -> None:
    model, spec = get_builtin("lm_stub")
    with pytest.raises(ValueError) as info:
        export_model(model, spec, tmp_path / "s", quantization="static")
    assert str(info.value) == STATIC_REFUSAL
    for reason in ("QuantStub/DeQuantStub", "float_qparams", "LayerNorm", "quantization='dynamic'"):
        assert reason in STATIC_REFUSAL
    assert not (tmp_path / "s").exists()
