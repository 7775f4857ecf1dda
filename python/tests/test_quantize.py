"""Quantization: dynamic (smaller TorchScript, ONNX failure recorded), static (FX, calibrated; refused when untraceable), caller untouched."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from conftest import Exported
from tier4_export import export_model, get_builtin
from tier4_export.quantize import (
    CALIBRATION_BATCHES,
    STATIC_ADVICE,
    STATIC_REFUSAL,
    has_quantized_modules,
    quantize_dynamic_copy,
)


def test_dynamic_export_writes_an_int8_onnx_and_records_why_torch_could_not(lm_quantized_export: Exported) -> None:
    import onnx

    md = lm_quantized_export.metadata
    assert md["quantization"] == "dynamic"
    assert md["formats_written"] == ["onnx", "torchscript", "pytorch"] and md["formats_failed"] == {}
    assert md["artifacts"]["onnx"]["onnx_checker"] == {"ok": True, "error": None}
    ops = {n.op_type for n in onnx.load(str(lm_quantized_export.paths["onnx"])).graph.node}
    assert {"DynamicQuantizeLinear", "MatMulInteger"} <= ops
    record = md["quantization_info"]["formats"]["onnx"]
    # what torch.onnx.export of the quantized model did, one line (torch 1.13 has no ONNX symbolic
    # for quantized::linear_dynamic; the text is torch's own and changes between versions, so only
    # its form is pinned)
    assert re.fullmatch(r"failed: [A-Za-z_][\w.]*: [^\n]+|succeeded, but not used: .+", record["torch_onnx_export"])
    assert record["writer"].startswith("tier4_export.onnx_int8")
    # the fp32 baselines sit beside the quantized artifacts
    for fmt, name in (("onnx", "model.onnx"), ("torchscript", "model.torchscript")):
        baseline = md["quantization_info"]["formats"][fmt]["fp32_artifact"]
        assert baseline["path"] == f"fp32/{name}"
        assert (lm_quantized_export.dir / baseline["path"]).stat().st_size == baseline["size_bytes"]


def test_both_formats_record_the_same_quantized_layers(lm_quantized_export: Exported) -> None:
    formats = lm_quantized_export.metadata["quantization_info"]["formats"]
    linears = ["block.attn.q", "block.attn.k", "block.attn.v", "block.attn.o", "block.mlp.0", "block.mlp.2", "lm_head"]
    for fmt in ("onnx", "torchscript"):
        record = formats[fmt]
        assert [layer["name"] for layer in record["layers_quantized"]] == linears
        kept = [layer["name"] for layer in record["layers_kept_fp32"]]
        assert {"tok_emb", "pos_emb", "block.ln1", "block.ln2", "ln_f"} <= set(kept)
        assert not set(kept) & set(linears)
        # ~4x on the quantized weights themselves (scales and zero points included), ~0.55 on the file
        assert 0.25 <= record["weight_bytes_ratio"] < 0.27
        assert 0.5 < record["size_ratio"] < 0.6
        assert record["size_ratio"] == pytest.approx(record["size_bytes"] / record["fp32_size_bytes"])
    # the activation x activation MatMuls of attention stay fp32, and say why
    kept_onnx = {k["name"]: k for k in formats["onnx"]["layers_kept_fp32"]}
    assert kept_onnx["block.attn:MatMul"]["reason"] == "MatMul of two activations has no constant weight to quantize offline"
    # an 8-bit weight is stored as one byte an element
    assert formats["onnx"]["parameter_bytes"]["uint8"] == sum(k * n + 1 for k, n in (layer["shape"] for layer in formats["onnx"]["layers_quantized"]))
    assert formats["torchscript"]["parameter_bytes"]["qint8"] == 113152


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


def test_a_model_quantized_before_export_is_exported_as_it_is_with_a_note_saying_what_parity_then_judges(tmp_path: Path) -> None:
    model, spec = get_builtin("lm_stub")
    quantized = quantize_dynamic_copy(model)
    export_model(quantized, spec, tmp_path / "e", formats=["onnx", "torchscript"], num_samples=1)
    md = json.loads((tmp_path / "e" / "metadata.json").read_text())
    # not a quantization the exporter applied: no preset change, no fp32 baselines
    assert md["quantization"] is None and md["quantization_info"] is None
    assert md["export_notes"] == [
        "the model was quantized before export (quantized modules: Linear (dynamic)): it is exported as it is and its "
        "reference samples are its own outputs, so parity judges the export against the quantized model, not what "
        "quantization cost (export the fp32 model with quantization='dynamic' or 'static' to measure that)"
    ]
    # torch 1.13 cannot export quantized modules to ONNX; the TorchScript is written
    assert md["formats_written"] == ["torchscript"] and "quantized::linear_dynamic" in md["formats_failed"]["onnx"]


def test_an_fp32_export_has_no_quantization_note(lm_export: Exported) -> None:
    assert not any("quantized before export" in n for n in lm_export.metadata["export_notes"])


def test_quantize_dynamic_copy_quantizes_only_the_copy() -> None:
    model, _ = get_builtin("lm_stub")
    quantized = quantize_dynamic_copy(model)
    assert has_quantized_modules(quantized) and not has_quantized_modules(model)
    assert type(quantized.lm_head).__module__.startswith("torch.ao.nn.quantized") or "quantized" in type(
        quantized.lm_head).__module__


def test_static_quantization_of_a_model_fx_cannot_trace_is_refused_with_the_reason(tmp_path: Path) -> None:
    model, spec = get_builtin("lm_stub")  # forward() unpacks x.shape: torch.fx cannot trace it
    with pytest.raises(ValueError) as info:
        export_model(model, spec, tmp_path / "s", quantization="static")
    message = str(info.value)
    assert message.startswith(STATIC_REFUSAL + " (TraceError: Proxy object cannot be iterated.")
    assert message.endswith(STATIC_ADVICE)
    assert "\n" not in message
    assert not (tmp_path / "s").exists()
    assert not has_quantized_modules(model)


@pytest.fixture(scope="module")
def cnn_static(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    model, spec = get_builtin("simple_cnn")
    before = {k: v.clone() for k, v in model.state_dict().items()}
    out = tmp_path_factory.mktemp("static") / "cnn"
    paths = export_model(model, spec, out, formats=["onnx", "torchscript", "pytorch"], quantization="static",
                         num_samples=4, seed=0)
    # The caller's model is untouched by static quantization too.
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert not has_quantized_modules(model)
    return Exported("simple_cnn", out, paths, json.loads(paths["metadata"].read_text()))


def test_static_quantization_writes_every_format_with_calibration_details(cnn_static: Exported) -> None:
    md = cnn_static.metadata
    assert md["quantization"] == "static"
    assert md["formats_written"] == ["onnx", "torchscript", "pytorch"] and md["formats_failed"] == {}
    assert md["artifacts"]["onnx"]["onnx_checker"] == {"ok": True, "error": None}
    info = md["quantization_info"]
    assert info["method"] == "static"
    assert {"ConvReLU2d", "Linear"} <= set(info["modules"])
    assert info["engine"] in torch.backends.quantized.supported_engines
    calibration = info["calibration"]
    assert calibration["source"] == "generated"
    assert calibration["batches"] == CALIBRATION_BATCHES and calibration["batch_size"] == 4
    # Calibrated on generated inputs, never on the reference samples' own seeds.
    assert not set(calibration["seeds"]) & {s["seed"] for s in md["samples"]}
    q_size = md["artifacts"]["torchscript"]["size_bytes"]
    assert info["quantized_size_bytes"] == q_size
    assert info["size_ratio"] == pytest.approx(q_size / info["fp32_size_bytes"]) and info["size_ratio"] < 0.6


def test_static_quantized_torchscript_runs_and_drifts_a_little_from_eager(cnn_static: Exported) -> None:
    module = torch.jit.load(str(cnn_static.paths["torchscript"]))
    assert any("quantized::" in n.kind() for n in module.inlined_graph.nodes())
    diffs = []
    for record in cnn_static.metadata["samples"]:
        x = np.load(cnn_static.dir / record["inputs"]["pixel_values"])
        ref = np.load(cnn_static.dir / record["outputs"]["logits"])
        with torch.no_grad():
            out = module(torch.from_numpy(x)).numpy()
        assert out.shape == ref.shape
        diffs.append(np.abs(out - ref).ravel())
    diff = np.concatenate(diffs)
    assert 0 < diff.mean() < 5e-3 and diff.max() < 5e-2


def test_static_calibration_is_reproducible(cnn_static: Exported, tmp_path: Path) -> None:
    model, spec = get_builtin("simple_cnn")
    paths = export_model(model, spec, tmp_path, formats=["torchscript"], quantization="static", num_samples=1)
    first = torch.jit.load(str(cnn_static.paths["torchscript"]))
    second = torch.jit.load(str(paths["torchscript"]))
    x = torch.from_numpy(np.load(cnn_static.dir / cnn_static.metadata["samples"][1]["inputs"]["pixel_values"]))
    with torch.no_grad():
        assert torch.equal(first(x), second(x))
