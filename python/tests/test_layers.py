"""The Python half of per-layer parity: capture, scope resolution, mapping, storage, preparation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Tuple

import numpy as np
import onnx
import pytest
import torch
from torch import nn

from tier4_export import TaskSpec, export_model
from tier4_export.layers.capture import capture_activations
from tier4_export.layers.graph import infer_types, map_layers
from tier4_export.layers.prepare import LayersError, prepare_layers
from tier4_export.layers.scopes import known_module_names, node_scope, resolve_scope
from tier4_export.layers.store import read_capture, stored_samples


class _Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.bn(self.conv(x))
        y += x  # in-place on the BatchNorm output, like a ResNet block
        out: torch.Tensor = self.act(y)
        return out


class _Pair(nn.Module):
    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        return x * 2, x - 1


class _Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.block = _Block()
        self.pair = _Pair()
        self.attn = nn.MultiheadAttention(16, 2, dropout=0.1, batch_first=True)
        self.head = nn.Linear(16, 3)

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        x = self.block(self.block(pixel_values))
        a, b = self.pair(x)
        seq = (a + b).flatten(2)  # [B, 4, 16]
        attended, _ = self.attn(seq, seq, seq, need_weights=False)
        out: torch.Tensor = self.head(attended.mean(1))
        return out


def _net() -> _Net:
    torch.manual_seed(0)
    net = _Net().eval()
    mean = net.block.bn.running_mean
    assert mean is not None
    mean.uniform_(-1, 1)
    return net


def test_capture_numbers_calls_clones_inplace_and_keeps_tuple_items() -> None:
    net = _net()
    x = torch.randn(1, 4, 4, 4)
    cap = capture_activations(net, [x])
    names = [leaf.name for leaf in cap.leaves]
    assert names == ["block.conv", "block.bn", "block.act", "block.conv#1", "block.bn#1", "block.act#1", "pair", "attn", "head"]
    bn = cap.leaves[1]
    act = cap.leaves[2]
    # the BatchNorm output was captured before `y += x` and the in-place ReLU rewrote it
    with torch.no_grad():
        expected_bn = net.block.bn(net.block.conv(x))
    np.testing.assert_allclose(cap.tensors[bn.outputs[0].key], expected_bn.numpy(), rtol=0, atol=0)
    assert (cap.tensors[bn.outputs[0].key] < 0).any()
    assert (cap.tensors[act.outputs[0].key] >= 0).all()
    # the ReLU's input is `bn + x`, not the BatchNorm output: a new tensor, not a false reference
    assert act.inputs[0].key != bn.outputs[0].key
    # inputs that are the previous leaf's output are stored once
    assert bn.inputs[0].key == cap.leaves[0].outputs[0].key
    pair = cap.leaves[6]
    assert [s.index for s in pair.outputs] == [(0,), (1,)]
    attn = cap.leaves[7]
    assert attn.type == "MultiheadAttention"  # its out_proj is never called as a module: attention is the leaf
    assert [s.index for s in attn.outputs] == [(0,)]  # (output, None)
    assert len(attn.inputs) == 3 and len({s.key for s in attn.inputs}) == 1


def test_capture_removes_hooks_and_names_the_failing_module() -> None:
    net = _net()
    with pytest.raises(RuntimeError, match=r"reference capture: the eager model raised in 'block.conv'"):
        capture_activations(net, [torch.randn(1, 3, 4, 4)])
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in net.modules())


def test_resolve_scope() -> None:
    known = known_module_names(["layer1.0.conv1", "layer1.0.relu", "layer2.0.downsample.0", "b.act"])
    assert node_scope("/layer1/layer1.0/conv1/Conv") == "/layer1/layer1.0/conv1"
    assert node_scope("Identity_3") is None
    assert resolve_scope("/layer1/layer1.0/conv1", known) == "layer1.0.conv1"
    assert resolve_scope("/layer1/layer1.0/relu_1", known) == "layer1.0.relu"
    assert resolve_scope("/layer2/layer2.0/downsample/downsample.0", known) == "layer2.0.downsample.0"
    assert resolve_scope("/b/act_3", known) == "b.act"
    assert resolve_scope("/nothing/here", known) is None


def test_map_pairs_calls_folds_batchnorm_and_maps_tuple_items(tmp_path: Path) -> None:
    net = _net()
    x = torch.randn(1, 4, 4, 4)
    path = tmp_path / "m.onnx"
    torch.onnx.export(net, (x,), str(path), input_names=["pixel_values"], opset_version=14)
    model = onnx.load(str(path))
    cap = capture_activations(net, [x])
    lm = map_layers(model, cap, infer_types(model, {"pixel_values": [1, 4, 4, 4]}))
    rows = {r.name: r for r in lm.rows}
    assert rows["block.conv"].modules == ["block.conv", "block.bn"]
    assert rows["block.conv#1"].modules == ["block.conv#1", "block.bn#1"]
    assert rows["block.act#1"].onnx_tensor == "/block/act_1/Relu_output_0"
    assert rows["pair[0]"].onnx_tensor != rows["pair[1]"].onnx_tensor
    assert rows["attn"].onnx_tensor is not None and rows["attn"].status is None
    assert not lm.warnings


def _spec() -> TaskSpec:
    return TaskSpec(
        task_name="net", modality="vision", task_type="image-classification",
        input_schema={"image_size": [4, 4, 4]}, output_schema={"output_names": ["logits"], "num_classes": 3},
    )


def test_export_stores_activations_and_prepare_reads_them(tmp_path: Path) -> None:
    out = tmp_path / "exp"
    export_model(_net(), _spec(), out, formats=["onnx"], num_samples=2, layers=True)
    meta: Any = json.loads((out / "metadata.json").read_text())
    records = stored_samples(meta)
    assert [r["sample"] for r in records] == ["sample_000"]
    assert records[0]["index"] == "layers/sample_000.json" and records[0]["leaves"] == 9
    cap = read_capture(out, records[0])
    assert cap.leaves[0].name == "block.conv"
    plan, tensors = prepare_layers(out, 0, tmp_path / "work", None)
    assert plan["source"] == "stored"
    assert (tmp_path / "work" / "instrumented.onnx").is_file() and (tmp_path / "work" / "local.onnx").is_file()
    assert all(r["reference"] in tensors for r in plan["rows"] if r["reference"])
    # the second sample has nothing stored and no model source: a clear refusal
    with pytest.raises(LayersError, match=r"no reference activations stored for sample_001 \(stored: sample_000"):
        prepare_layers(out, 1, tmp_path / "work2", None)
    with pytest.raises(LayersError, match=r"sample 5 does not exist"):
        prepare_layers(out, 5, tmp_path / "work3", None)


def test_export_layers_argument_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"layers: expected at most num_samples \(1\) samples, received 2"):
        export_model(_net(), _spec(), tmp_path / "x", formats=["onnx"], num_samples=1, layers=2)
    assert not (tmp_path / "x").exists()


def test_prepare_refuses_a_graph_without_scope_names(tmp_path: Path) -> None:
    out = tmp_path / "exp"
    export_model(_net(), _spec(), out, formats=["onnx"], num_samples=1, layers=True)
    model = onnx.load(str(out / "model.onnx"))
    for i, n in enumerate(model.graph.node):
        n.name = f"n{i}"
    onnx.save(model, str(out / "model.onnx"))
    with pytest.raises(LayersError, match=r"model\.onnx: model\.onnx has no module-scope node names"):
        prepare_layers(out, 0, tmp_path / "work", None)


def test_stored_activations_are_never_unpickled(tmp_path: Path) -> None:
    out = tmp_path / "exp"
    export_model(_net(), _spec(), out, formats=["onnx"], num_samples=1, layers=True)
    npz = out / "layers" / "sample_000.npz"
    np.savez(npz, **{"t0": np.array([{"a": 1}], dtype=object)})
    with pytest.raises(LayersError, match=r"cannot read .*sample_000\.npz as plain arrays"):
        prepare_layers(out, 0, tmp_path / "work", None)
