"""The dynamic int8 ONNX rewrite (tier4_export.onnx_int8) and the quantization edge cases of export_model.

Running the int8 graph needs onnxruntime, which only exists for Node here: the TypeScript suite
(test/quantization/) runs these files in onnxruntime-node. This file checks the graph, the
bytes, the weight arithmetic and every refusal/warning message.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Dict, List, Tuple

import numpy as np
import pytest
import torch
from torch import nn

from tier4_export import TaskSpec, export_model, get_builtin
from tier4_export.onnx_int8 import (
    ALREADY_QUANTIZED,
    module_name_from_scope,
    quantize_onnx_dynamic,
    quantize_weight,
)
from tier4_export.quantize import (
    EMPTY_CALIBRATION,
    NOTHING_QUANTIZED,
    STATIC_CUDA_WARNING,
    quantize_dynamic_copy,
)

import onnx
from onnx import numpy_helper


def vector_spec(name: str, features: int, classes: int) -> TaskSpec:
    """A [batch, features] float input (the vision modality with a 1-D "image")."""
    return TaskSpec(task_name=name, modality="vision", task_type="classification",
                    input_schema={"image_size": [features]}, output_schema={"output_names": ["logits"], "num_classes": classes})


def mlp(seed: int = 0) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 8)).eval()


def export(model: nn.Module, spec: TaskSpec, out: Path, **kwargs: Any) -> Dict[str, Any]:
    export_model(model, spec, out, formats=["onnx", "torchscript"], quantization="dynamic", num_samples=2, **kwargs)
    data: Dict[str, Any] = json.loads((out / "metadata.json").read_text())
    return data


def test_module_names_follow_torch_scopes() -> None:
    assert module_name_from_scope("/block/mlp/mlp.0/MatMul") == "block.mlp.0"
    assert module_name_from_scope("/layer1/layer1.0/conv1/Conv") == "layer1.0.conv1"
    assert module_name_from_scope("/head/Gemm") == "head"
    assert module_name_from_scope("Gemm_3") == "Gemm_3"


def test_weights_dequantize_within_half_a_step_per_channel() -> None:
    rng = np.random.default_rng(0)
    w = (rng.standard_normal((64, 8)) * np.array([1e-3, 1, 10, 100, 0, 1, 1, 1])).astype(np.float32)
    for weight_type, levels in (("uint8", 127), ("int8", 63)):
        q, scale, zero_point = quantize_weight(w, per_channel=True, weight_type=weight_type)
        assert q.dtype == np.dtype(weight_type) and q.shape == w.shape and scale.shape == (8,)
        offset = 0 if zero_point is None else int(zero_point)
        restored = (q.astype(np.float64) - offset) * scale
        assert np.all(np.abs(restored - w) <= scale / 2 + 1e-12)
        assert np.abs(q.astype(np.int64) - offset).max() == levels
        assert np.all(restored[:, 4] == 0)  # an all-zero column stays exactly zero


def test_the_int8_graph_keeps_names_and_passes_the_checker(tmp_path: Path) -> None:
    md = export(mlp(), vector_spec("mlp", 16, 8), tmp_path / "mlp")
    model = onnx.load(str(tmp_path / "mlp" / "model.onnx"))
    onnx.checker.check_model(model, full_check=True)
    fp32 = onnx.load(str(tmp_path / "mlp" / "fp32" / "model.onnx"))
    assert [i.name for i in model.graph.input] == [i.name for i in fp32.graph.input]
    assert [o.name for o in model.graph.output] == [o.name for o in fp32.graph.output]
    ops = [n.op_type for n in model.graph.node]
    assert ops.count("DynamicQuantizeLinear") == 2 and ops.count("MatMulInteger") == 2
    assert "Gemm" not in ops
    record = md["quantization_info"]["formats"]["onnx"]
    assert [layer["name"] for layer in record["layers_quantized"]] == ["0", "2"]
    assert record["layers_kept_fp32"] == []
    # every fp32 weight of a quantized layer left the file: only biases and scales remain float
    assert record["parameter_bytes"]["float32"] == (32 + 8) * 4 + (32 + 8) * 4


def test_one_dynamic_quantize_is_shared_by_q_k_v(tmp_path: Path) -> None:
    model, spec = get_builtin("lm_stub")
    export(model, spec, tmp_path / "lm")
    graph = onnx.load(str(tmp_path / "lm" / "model.onnx")).graph
    dql = [n for n in graph.node if n.op_type == "DynamicQuantizeLinear"]
    assert len(dql) == 5  # ln1 output (q, k, v), attention output (o), ln2 (mlp.0), GELU (mlp.2), ln_f (lm_head)
    assert len({n.input[0] for n in dql}) == 5


class Tied(nn.Module):
    """Embedding and LM head sharing one weight; ``pool`` averages over the sequence first."""

    def __init__(self, pool: bool) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.pool = pool
        self.emb = nn.Embedding(50, 16)
        self.head = nn.Linear(16, 50, bias=pool)  # a 2-D Linear with bias exports as Gemm
        self.head.weight = self.emb.weight

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        x = torch.tanh(self.emb(ids))
        out: torch.Tensor = self.head(x.mean(1) if self.pool else x)
        return out


TIED_SPEC = TaskSpec(task_name="tied", modality="text", task_type="text-generation",
                     input_schema={"vocab_size": 50, "max_seq_len": 8}, output_schema={"output_names": ["logits"]})


def test_a_tied_weight_read_by_gemm_keeps_its_fp32_copy_and_says_so(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # pooled to 2-D, the head is a Gemm that reads emb.weight itself (transB=1): one initializer, two readers
    with caplog.at_level(logging.WARNING, logger="tier4_export"):
        md = export(Tied(pool=True).eval(), TIED_SPEC, tmp_path / "tied")
    record = md["quantization_info"]["formats"]["onnx"]
    [layer] = record["layers_quantized"]
    assert layer["name"] == "head" and layer["op_type"] == "Gemm" and layer["weight_shared"] is True
    warning = ("layer head: weight emb.weight is shared with another op (tied weights); its fp32 copy stays in the "
               "file for that op, so the file does not shrink for it")
    assert record["warnings"] == [warning]
    assert warning in [r.getMessage() for r in caplog.records]
    graph = onnx.load(str(tmp_path / "tied" / "model.onnx")).graph
    assert "emb.weight" in {i.name for i in graph.initializer}
    assert [n.op_type for n in graph.node if "emb.weight" in n.input] == ["Gather"]
    # one fp32 table (the embedding's; plus bias and scales) and its uint8 copy: the file grows
    assert record["parameter_bytes"] == {"float32": 50 * 16 * 4 + 50 * 4 + 50 * 4, "uint8": 50 * 16 + 1}
    assert record["size_ratio"] > 1.0


def test_a_tied_weight_torch_already_transposed_is_not_shared_in_the_graph(tmp_path: Path) -> None:
    # on a 3-D input the head is a MatMul: torch's constant folding already stored a transposed
    # copy of the table for it, so the fp32 file holds the weight twice and int8 replaces one copy
    md = export(Tied(pool=False).eval(), TIED_SPEC, tmp_path / "tied3")
    onnx_record = md["quantization_info"]["formats"]["onnx"]
    [layer] = onnx_record["layers_quantized"]
    assert layer["op_type"] == "MatMul" and layer["weight_shared"] is False and onnx_record["warnings"] == []
    assert onnx_record["fp32_parameter_bytes"] == {"float32": 2 * 50 * 16 * 4}
    # TorchScript: quantize_dynamic unties the weight, so the quantized file is larger than the fp32 one
    assert md["quantization_info"]["formats"]["torchscript"]["size_ratio"] > 1.0


def test_constant_weights_are_quantized_exactly_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    model = mlp()
    with torch.no_grad():
        model[0].weight.zero_()
        model[2].weight.fill_(1.0)
    with caplog.at_level(logging.WARNING, logger="tier4_export"):
        md = export(model, vector_spec("constant", 16, 8), tmp_path / "c")
    record = md["quantization_info"]["formats"]["onnx"]
    assert record["warnings"] == [
        "layer 0: every weight equals 0; it was quantized exactly, but a constant weight usually means an untrained or wrongly loaded model",
        "layer 2: every weight equals 1; it was quantized exactly, but a constant weight usually means an untrained or wrongly loaded model",
    ]
    assert md["quantization_info"]["warnings"] == record["warnings"]
    assert [r.getMessage() for r in caplog.records if "every weight equals" in r.getMessage()] == record["warnings"]
    graph = onnx.load(str(tmp_path / "c" / "model.onnx")).graph
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    for layer, value in zip(record["layers_quantized"], (0.0, 1.0)):
        q = inits[f"{layer['weight']}_quantized"].astype(np.float64) - 128
        scale = inits[f"{layer['weight']}_scale"].astype(np.float64)
        assert np.all(q * scale == pytest.approx(value, abs=1e-7))


def test_constant_and_tied_weights_warn_on_a_torchscript_only_export(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # the TorchScript format warns from the eager weights itself: a torchscript-only export is never a silent success
    model = mlp()
    with torch.no_grad():
        model[0].weight.zero_()
    with caplog.at_level(logging.WARNING, logger="tier4_export"):
        export_model(model, vector_spec("constant", 16, 8), tmp_path / "c", formats=["torchscript"], quantization="dynamic", num_samples=1)
    info = json.loads((tmp_path / "c" / "metadata.json").read_text())["quantization_info"]
    constant = ("layer 0: every weight equals 0; it was quantized exactly, but a constant weight usually means an "
                "untrained or wrongly loaded model")
    assert info["formats"]["torchscript"]["warnings"] == [constant]
    assert info["warnings"] == [constant]
    assert [r.getMessage() for r in caplog.records].count(constant) == 1

    export_model(Tied(pool=False).eval(), TIED_SPEC, tmp_path / "t", formats=["torchscript"], quantization="dynamic", num_samples=1)
    info = json.loads((tmp_path / "t" / "metadata.json").read_text())["quantization_info"]
    assert info["formats"]["torchscript"]["layers_kept_fp32"] == [
        {"name": "emb", "module": "Embedding", "reason": "dynamic quantization converts nn.Linear only"}
    ]
    assert info["formats"]["torchscript"]["warnings"] == [
        "layer head: weight head.weight is shared with emb.weight (tied weights); the quantized layer holds its own "
        "8-bit copy while emb.weight keeps the fp32 tensor, so the file does not shrink for it"
    ]


class Positional(nn.Module):
    """A learned position table held by the model itself (no submodule owns it)."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.pos = nn.Parameter(torch.randn(16))
        self.fc = nn.Linear(16, 8)

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.fc(pixel_values + self.pos)
        return out


def test_parameters_of_the_model_itself_are_a_named_fp32_layer(tmp_path: Path) -> None:
    export_model(Positional().eval(), vector_spec("pos", 16, 8), tmp_path / "p", formats=["torchscript"], quantization="dynamic", num_samples=1)
    record = json.loads((tmp_path / "p" / "metadata.json").read_text())["quantization_info"]["formats"]["torchscript"]
    assert record["layers_kept_fp32"] == [
        {"name": "(root)", "module": "Positional",
         "reason": "dynamic quantization converts nn.Linear only (parameters of the model itself: pos)"}
    ]


class LeftWeight(nn.Module):
    """W·x (the constant on the left, as in a hand-written projection) next to an ordinary Linear."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.mix = nn.Parameter(torch.randn(4, 4))
        self.fc = nn.Linear(16, 8)

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        x = pixel_values.reshape(-1, 4, 4)
        out: torch.Tensor = self.fc(torch.matmul(self.mix, x).flatten(1))
        return out


def test_a_matmul_with_a_constant_first_input_is_kept_with_its_own_reason(tmp_path: Path) -> None:
    md = export(LeftWeight().eval(), vector_spec("left", 16, 8), tmp_path / "l")
    record = md["quantization_info"]["formats"]["onnx"]
    assert [layer["name"] for layer in record["layers_quantized"]] == ["fc"]
    kept = [k for k in record["layers_kept_fp32"] if "MatMul" in k["op_types"]]
    assert [k["reason"] for k in kept] == [
        "MatMul with a constant first input (W·x) is kept fp32: only x·W with a constant second input is quantized"
    ]


def test_a_gemm_kept_for_its_reason_is_listed_once(tmp_path: Path) -> None:
    from onnx import TensorProto, helper

    rng = np.random.default_rng(0)
    w1 = numpy_helper.from_array(rng.standard_normal((4, 5)).astype(np.float32), "w1")
    w2 = numpy_helper.from_array(rng.standard_normal((5, 2)).astype(np.float32), "w2")
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["x", "w1"], ["y"], name="/a/Gemm", transA=1),
         helper.make_node("MatMul", ["y", "w2"], ["z"], name="/b/MatMul")],
        "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 3])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, [3, 2])], [w1, w2])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)]), str(tmp_path / "g.onnx"))
    result = quantize_onnx_dynamic(tmp_path / "g.onnx", tmp_path / "q.onnx")
    assert [layer.name for layer in result.quantized] == ["b"]
    assert [k.to_json() for k in result.kept_fp32] == [{"name": "a", "op_types": ["Gemm"], "reason": "Gemm with transA = 1 is kept fp32"}]


def test_both_formats_report_a_constant_weight_once(tmp_path: Path) -> None:
    model = mlp()
    with torch.no_grad():
        model[2].weight.fill_(1.0)
    md = export(model, vector_spec("constant", 16, 8), tmp_path / "c")
    info = md["quantization_info"]
    text = ("layer 2: every weight equals 1; it was quantized exactly, but a constant weight usually means an "
            "untrained or wrongly loaded model")
    assert info["formats"]["onnx"]["warnings"] == [text]
    assert info["formats"]["torchscript"]["warnings"] == [text]
    assert info["warnings"] == [text]


def test_an_already_quantized_model_is_refused(tmp_path: Path) -> None:
    quantized = quantize_dynamic_copy(mlp())
    with pytest.raises(ValueError) as info:
        export_model(quantized, vector_spec("mlp", 16, 8), tmp_path / "q", quantization="dynamic")
    assert str(info.value) == (
        "quantization='dynamic': the model is already quantized (it holds quantized modules Linear); "
        "pass the fp32 model to quantize it (the reference outputs are then the fp32 model's, and the report "
        "measures what quantization costs), or export this one as it is with quantization=None (metadata.json "
        "then says quantization null and its reference outputs are this quantized model's own)"
    )
    assert not (tmp_path / "q").exists()


def test_an_already_quantized_onnx_graph_is_refused(tmp_path: Path) -> None:
    export(mlp(), vector_spec("mlp", 16, 8), tmp_path / "m")
    with pytest.raises(ValueError) as info:
        quantize_onnx_dynamic(tmp_path / "m" / "model.onnx", tmp_path / "again.onnx")
    assert str(info.value) == (
        f"{ALREADY_QUANTIZED} (it holds DynamicQuantizeLinear, MatMulInteger nodes): quantize the fp32 "
        "model, not an already quantized one"
    )
    assert not (tmp_path / "again.onnx").exists()


def test_a_model_without_linear_layers_is_refused_not_labelled_quantized(tmp_path: Path) -> None:
    torch.manual_seed(0)
    convs = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten()).eval()
    spec = TaskSpec(task_name="convs", modality="vision", task_type="image-classification",
                    input_schema={"image_size": [3, 8, 8]}, output_schema={"output_names": ["logits"]})
    with pytest.raises(ValueError) as info:
        export_model(convs, spec, tmp_path / "n", quantization="dynamic")
    assert str(info.value) == (
        f"{NOTHING_QUANTIZED}: the model has no nn.Linear layer (its layers with weights: Conv2d); "
        "dynamic quantization converts nn.Linear only. Export it with quantization=None, or use "
        "quantization='static' for convolutions"
    )
    assert not (tmp_path / "n").exists()


def test_an_onnx_graph_with_nothing_to_quantize_is_refused(tmp_path: Path) -> None:
    model, spec = get_builtin("simple_cnn")
    export_model(model, spec, tmp_path / "fp32", formats=["onnx"], num_samples=1)
    graph_path = tmp_path / "fp32" / "model.onnx"
    onnx_model = onnx.load(str(graph_path))
    for node in onnx_model.graph.node:  # turn the Gemm's weight into a computed tensor
        if node.op_type == "Gemm":
            node.input[1] = node.input[1]
    inits = [i for i in onnx_model.graph.initializer if i.name != "head.weight"]
    weight = next(i for i in onnx_model.graph.initializer if i.name == "head.weight")
    del onnx_model.graph.initializer[:]
    onnx_model.graph.initializer.extend(inits)
    onnx_model.graph.node.insert(0, onnx.helper.make_node("Constant", [], ["head.weight"], value=weight))
    onnx.save(onnx_model, str(tmp_path / "computed.onnx"))
    with pytest.raises(ValueError, match=r"^nothing was quantized: the ONNX graph has no MatMul or Gemm with a constant 2-D float32 weight"):
        quantize_onnx_dynamic(tmp_path / "computed.onnx", tmp_path / "out.onnx")
    assert not (tmp_path / "out.onnx").exists()


def test_static_calibration_must_not_be_empty(tmp_path: Path) -> None:
    model, spec = get_builtin("simple_cnn")
    with pytest.raises(ValueError) as info:
        export_model(model, spec, tmp_path / "e", quantization="static", calibration=[])
    assert str(info.value) == f"{EMPTY_CALIBRATION}, received an empty calibration set (0 batches)"
    with pytest.raises(ValueError) as info:
        export_model(model, spec, tmp_path / "e", quantization="static",
                     calibration=[{"pixel_values": torch.zeros(0, 3, 32, 32)}])
    assert str(info.value) == (
        f"{EMPTY_CALIBRATION}, received a zero-length batch calibration[0] ({{'pixel_values': 0}})"
    )
    with pytest.raises(ValueError, match=r"^calibration: only used by quantization='static', received it with quantization='dynamic'$"):
        export_model(model, spec, tmp_path / "e", quantization="dynamic", calibration=[{"pixel_values": torch.zeros(1, 3, 32, 32)}])
    assert not (tmp_path / "e").exists()


def test_static_calibration_on_the_callers_batches(tmp_path: Path) -> None:
    model, spec = get_builtin("simple_cnn")
    batches = [{"pixel_values": torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(i))} for i in range(2)]
    export_model(model, spec, tmp_path / "s", formats=["torchscript"], quantization="static", num_samples=1, calibration=batches)
    info = json.loads((tmp_path / "s" / "metadata.json").read_text())["quantization_info"]
    assert info["calibration"] == {"source": "caller", "batches": 2, "rows": [2, 2]}


def test_static_quantization_warns_when_cuda_is_available(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    model, spec = get_builtin("simple_cnn")
    with caplog.at_level(logging.WARNING, logger="tier4_export"):
        export_model(model, spec, tmp_path / "g", formats=["torchscript"], quantization="static", num_samples=1)
    info = json.loads((tmp_path / "g" / "metadata.json").read_text())["quantization_info"]
    assert info["warnings"] == [STATIC_CUDA_WARNING]
    assert STATIC_CUDA_WARNING == (
        "quantization='static': CUDA is available, but torch's post-training static quantization runs on the "
        "CPU backend only (fbgemm/qnnpack kernels): the quantized model cannot run on the GPU; on a GPU "
        "deployment quantization='dynamic' is the safer choice"
    )
    assert [r.getMessage() for r in caplog.records].count(STATIC_CUDA_WARNING) == 1


def test_no_cuda_no_static_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    model, spec = get_builtin("simple_cnn")
    export_model(model, spec, tmp_path / "c", formats=["torchscript"], quantization="static", num_samples=1)
    assert json.loads((tmp_path / "c" / "metadata.json").read_text())["quantization_info"]["warnings"] == []
