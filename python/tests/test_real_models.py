"""Models shaped like users' models: several inputs (honest masks), keyword forwards, several
outputs (tuple, dict, named tuple), transformers on torch's fused attention path, and the
metadata.json contract (original keys, previous schema version)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional

import numpy as np
import onnx
import pytest
import torch
from torch import nn

from tier4_export import ExportError, TaskSpec, TaskSpecError, export_model, generate_dummy_input
from tier4_export.metadata import read_metadata

MASKED = {"vocab_size": 50, "max_seq_len": 8, "input_names": ["input_ids", "attention_mask", "token_type_ids"], "pad_token_id": 3}


def text_spec(**schema: Any) -> TaskSpec:
    return TaskSpec("bert", "text", "text-classification", {**MASKED, **schema}, {"output_names": ["logits"]})


class KeywordBert(nn.Module):
    """forward(input_ids, token_type_ids=None, attention_mask=None): the Hugging Face order."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.tokens = nn.Embedding(50, 8)
        self.types = nn.Embedding(2, 8)
        self.head = nn.Linear(8, 2)

    def forward(
        self, input_ids: torch.Tensor, token_type_ids: Optional[torch.Tensor] = None,
        attention_mask: Optional[torch.Tensor] = None,
    ) -> torch.Tensor:
        assert token_type_ids is not None and attention_mask is not None
        hidden = self.tokens(input_ids) + self.types(token_type_ids)
        weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
        out: torch.Tensor = self.head((hidden * weights).sum(1) / weights.sum(1))
        return out


def onnx_dims(path: Path) -> Dict[str, Dict[str, List[Any]]]:
    graph = onnx.load(str(path)).graph
    dims = lambda v: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]  # noqa: E731
    return {"inputs": {i.name: dims(i) for i in graph.input}, "outputs": {o.name: dims(o) for o in graph.output}}


def load(export_dir: Path, record: Dict[str, Any], side: str) -> Dict[str, "np.ndarray[Any, Any]"]:
    return {name: np.load(export_dir / rel) for name, rel in record[side].items()}


# --- inputs -----------------------------------------------------------------------------------


def test_text_spec_declares_mask_and_token_types_after_input_ids() -> None:
    spec = text_spec()
    assert spec.input_names == ["input_ids", "attention_mask", "token_type_ids"]
    assert spec.sequence_lengths == [8, 4]
    assert text_spec(min_seq_len=8).sequence_lengths == [8]


@pytest.mark.parametrize(
    "schema, message",
    [
        ({"input_names": ["attention_mask", "input_ids"]}, "input_schema['input_names'] (text modality): expected 'input_ids' followed by any of ['attention_mask', 'token_type_ids'] (each once), received ['attention_mask', 'input_ids']"),
        ({"input_names": ["input_ids", "position_ids"]}, "received ['input_ids', 'position_ids']"),
        ({"pad_token_id": 50}, "input_schema['pad_token_id'] (text modality): expected an int in [0, 49] (below vocab_size), received 50"),
        ({"min_seq_len": 9}, "input_schema['min_seq_len'] (text modality): expected an int in [1, 8] (at most max_seq_len), received 9"),
        ({"vocab_size": 1, "pad_token_id": 0}, "input_schema['vocab_size'] (text modality): expected an int >= 2 with an attention_mask (real tokens must differ from pad_token_id, or an export that ignores the mask cannot be told apart), received 1"),
    ],
)
def test_invalid_text_inputs_are_refused_naming_the_key(schema: Dict[str, Any], message: str) -> None:
    with pytest.raises(TaskSpecError) as info:
        text_spec(**schema)
    assert message in str(info.value)


@pytest.mark.parametrize("batch", [1, 3, 4])
def test_masks_are_honest_padding_at_the_end_with_varying_lengths(batch: int) -> None:
    for seed in range(20):
        inputs = generate_dummy_input(text_spec(), batch, seed=seed, seq_len=8)
        ids, mask, types = inputs["input_ids"], inputs["attention_mask"], inputs["token_type_ids"]
        assert ids.shape == mask.shape == types.shape == (batch, 8)
        assert ids.dtype == mask.dtype == types.dtype == torch.int64
        lengths = mask.sum(1)
        for row in range(batch):
            n = int(lengths[row])
            assert 1 <= n <= 8
            assert mask[row, :n].eq(1).all() and mask[row, n:].eq(0).all()  # padding only at the end
            assert ids[row, n:].eq(3).all() and ids[row, :n].ne(3).all()  # pad token exactly on padding
            assert types[row, n:].eq(0).all() and types[row, 0] == 0
            assert (types[row, 1:n] >= types[row, : n - 1]).all()  # segment A then segment B
        if batch > 1:
            assert int(lengths[0]) == 8 and int(lengths[1]) < 8  # pad to the longest; padding present
    assert torch.equal(generate_dummy_input(text_spec(), 4, 7)["attention_mask"], generate_dummy_input(text_spec(), 4, 7)["attention_mask"])


def test_a_text_spec_without_mask_keeps_its_random_tokens_everywhere() -> None:
    spec = TaskSpec("lm", "text", "text-generation", {"vocab_size": 5, "max_seq_len": 6})
    ids = generate_dummy_input(spec, 4, 0)["input_ids"]
    assert list(generate_dummy_input(spec, 4, 0)) == ["input_ids"]
    assert torch.equal(ids, torch.randint(0, 5, (4, 6), generator=torch.Generator().manual_seed(0)))


def test_seq_len_is_checked() -> None:
    with pytest.raises(ValueError, match=r"seq_len: expected an int <= max_seq_len \(8\), received 9"):
        generate_dummy_input(text_spec(), 1, 0, seq_len=9)
    vision = TaskSpec("v", "vision", "x", {"image_size": [3]})
    with pytest.raises(ValueError, match="only text inputs have a sequence length"):
        generate_dummy_input(vision, 1, 0, seq_len=2)


def test_keyword_forward_exports_named_inputs_with_dynamic_batch_and_sequence(tmp_path: Path) -> None:
    spec = TaskSpec("bert", "text", "text-classification",
                    {**MASKED, "input_names": ["input_ids", "attention_mask", "token_type_ids"]})
    paths = export_model(KeywordBert(), spec, tmp_path, formats=["onnx", "torchscript"], num_samples=6)
    md = json.loads(paths["metadata"].read_text())
    assert md["formats_failed"] == {}
    assert [i["name"] for i in md["inputs"]] == ["input_ids", "attention_mask", "token_type_ids"]
    assert all(i["shape"] == ["batch", "sequence"] and i["dtype"] == "int64" for i in md["inputs"])
    assert onnx_dims(paths["onnx"])["inputs"] == {n: ["batch", "sequence"] for n in spec.input_names}
    assert [(s["batch_size"], s["seq_len"]) for s in md["samples"]] == [(1, 8), (4, 4), (3, 8), (1, 4), (4, 8), (3, 4)]
    assert md["traced_with"] == {"batch": 2, "sequence": 8}
    module = torch.jit.load(str(paths["torchscript"]))
    assert [a.name for a in module.forward.schema.arguments][1:] == spec.input_names
    for record in md["samples"]:
        inputs = {k: torch.from_numpy(v) for k, v in load(tmp_path, record, "inputs").items()}
        assert set(inputs) == set(spec.input_names)
        expected = load(tmp_path, record, "outputs")["logits"]
        np.testing.assert_allclose(module(*[inputs[n] for n in spec.input_names]).detach().numpy(), expected, atol=1e-6)


class IgnoresMaskWhenTraced(nn.Module):
    """The injected bug: the mask is honoured in eager mode and dropped from the traced graph."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.tokens = nn.Embedding(50, 8)
        self.head = nn.Linear(8, 2)

    def forward(self, input_ids: torch.Tensor, attention_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        hidden = self.tokens(input_ids)
        if attention_mask is None or torch.jit.is_tracing():
            attention_mask = torch.ones_like(input_ids)
        weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
        out: torch.Tensor = self.head((hidden * weights).sum(1) / weights.sum(1))
        return out


def test_honest_masks_make_an_export_that_ignores_the_mask_differ_from_the_references(tmp_path: Path) -> None:
    spec = text_spec(input_names=["input_ids", "attention_mask"])
    paths = export_model(IgnoresMaskWhenTraced(), spec, tmp_path, formats=["torchscript"], num_samples=3)
    md = json.loads(paths["metadata"].read_text())
    module = torch.jit.load(str(paths["torchscript"]))
    diffs = []
    for record in md["samples"]:
        inputs = load(tmp_path, record, "inputs")
        actual = module(torch.from_numpy(inputs["input_ids"]), torch.from_numpy(inputs["attention_mask"]))
        diffs.append(float(np.abs(actual.detach().numpy() - load(tmp_path, record, "outputs")["logits"]).max()))
    assert max(diffs) > 1e-2  # caught by any fp32 threshold (the TypeScript runTier4 test pins the verdict)


# --- outputs ----------------------------------------------------------------------------------


class Localisation(NamedTuple):
    positions: torch.Tensor
    uncertainties: torch.Tensor


class TwoHeads(nn.Module):
    def __init__(self, kind: str) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.kind = kind
        self.features = nn.Sequential(nn.Conv2d(3, 4, 3, stride=4), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.a = nn.Linear(4, 2)
        self.b = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> Any:
        f = self.features(x)
        positions, uncertainties = self.a(f), nn.functional.softplus(self.b(f))
        if self.kind == "dict":
            return {"positions": positions, "uncertainties": uncertainties}
        if self.kind == "namedtuple":
            return Localisation(positions, uncertainties)
        return positions, uncertainties


@pytest.mark.parametrize("kind", ["tuple", "dict", "namedtuple"])
def test_every_output_is_named_in_metadata_onnx_and_samples(kind: str, tmp_path: Path) -> None:
    spec = TaskSpec("loc", "vision", "localisation", {"image_size": [3, 128, 32]},
                    {"output_names": ["positions", "uncertainties"]} if kind == "tuple" else {})
    paths = export_model(TwoHeads(kind), spec, tmp_path, formats=["onnx", "torchscript"], num_samples=3)
    md = json.loads(paths["metadata"].read_text())
    assert md["formats_failed"] == {} and md["output_structure"] == kind
    assert md["outputs"] == [{"name": "positions", "dtype": "float32", "shape": ["batch", 2]},
                             {"name": "uncertainties", "dtype": "float32", "shape": ["batch", 2]}]
    assert md["input_shape"] == ["batch", 3, 128, 32] and md["output_shape"] == ["batch", 2]
    assert onnx_dims(paths["onnx"])["outputs"] == {"positions": ["batch", 2], "uncertainties": ["batch", 2]}
    module = torch.jit.load(str(paths["torchscript"]))
    for record in md["samples"]:
        assert sorted(record["outputs"]) == ["positions", "uncertainties"]
        refs = load(tmp_path, record, "outputs")
        result = module(torch.from_numpy(load(tmp_path, record, "inputs")["pixel_values"]))
        got = result if isinstance(result, dict) else dict(zip(["positions", "uncertainties"], result))
        for name in ("positions", "uncertainties"):
            assert refs[name].shape == (record["batch_size"], 2)
            np.testing.assert_allclose(got[name].detach().numpy(), refs[name], atol=1e-6)


@pytest.mark.parametrize("kind", ["tuple", "dict", "namedtuple"])
def test_a_dynamically_quantized_multi_output_model_writes_both_formats(kind: str, tmp_path: Path) -> None:
    # the quantized TorchScript is traced like the fp32 one (strict=False for a dict output)
    spec = TaskSpec("loc", "vision", "localisation", {"image_size": [3, 128, 32]},
                    {"output_names": ["positions", "uncertainties"]} if kind == "tuple" else {})
    paths = export_model(TwoHeads(kind), spec, tmp_path, formats=["onnx", "torchscript"], num_samples=2,
                         quantization="dynamic")
    md = json.loads(paths["metadata"].read_text())
    assert md["formats_failed"] == {} and md["formats_written"] == ["onnx", "torchscript"]
    torch.jit.load(str(paths["torchscript"]))


def test_declared_output_names_must_match_a_dict_s_keys(tmp_path: Path) -> None:
    spec = TaskSpec("loc", "vision", "localisation", {"image_size": [3, 16, 16]}, {"output_names": ["xy", "sigma"]})
    with pytest.raises(ExportError) as info:
        export_model(TwoHeads("dict"), spec, tmp_path / "out")
    assert str(info.value) == (
        "model 'loc': forward() returned outputs named ['positions', 'uncertainties'] (dict), "
        "but TaskSpec.output_schema['output_names'] declares ['xy', 'sigma']"
    )
    assert not (tmp_path / "out").exists()


# --- transformers -----------------------------------------------------------------------------


class Encoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.tokens = nn.Embedding(50, 16)
        layer = nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2)
        self.head = nn.Linear(16, 3)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(self.tokens(input_ids), src_key_padding_mask=attention_mask == 0)
        weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
        out: torch.Tensor = self.head((hidden * weights).sum(1) / weights.sum(1))
        return out


def _vit() -> nn.Module:
    from torchvision.models.vision_transformer import VisionTransformer

    torch.manual_seed(0)
    model = VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=4, hidden_dim=32, mlp_dim=64, num_classes=5)
    nn.init.normal_(model.heads.head.weight, std=0.2)  # torchvision zero-initialises the head
    vit: nn.Module = model
    return vit


@pytest.mark.parametrize("which", ["transformer_encoder", "vit"])
def test_fused_attention_models_export_on_the_composite_path(which: str, tmp_path: Path) -> None:
    if which == "vit":
        pytest.importorskip("torchvision")
        model: nn.Module = _vit()
        spec = TaskSpec("vit", "vision", "image-classification", {"image_size": [3, 32, 32]})
    else:
        model = Encoder()
        spec = text_spec(input_names=["input_ids", "attention_mask"])
    eager = model.eval()
    before = {k: v.clone() for k, v in eager.state_dict().items()}
    paths = export_model(eager, spec, tmp_path, formats=["onnx", "torchscript"], num_samples=4)
    md = json.loads(paths["metadata"].read_text())
    assert md["formats_failed"] == {}, md["formats_failed"]
    assert md["artifacts"]["onnx"]["onnx_checker"]["ok"] is True
    ops = {n.op_type for n in onnx.load(str(paths["onnx"])).graph.node}
    assert not any("multi_head" in op or "transformer" in op.lower() for op in ops)
    assert md["export_notes"] and all("fast path" in note or "dropout 0 ->" in note for note in md["export_notes"])
    # the caller's model is untouched (attributes and weights)
    assert all(torch.equal(before[k], v) for k, v in eager.state_dict().items())
    assert all(m.dropout == 0.0 for m in eager.modules() if isinstance(m, nn.MultiheadAttention))
    module = torch.jit.load(str(paths["torchscript"]))
    for record in md["samples"]:
        inputs = [torch.from_numpy(v) for v in load(tmp_path, record, "inputs").values()]
        ref = load(tmp_path, record, "outputs")["logits"]
        assert np.abs(ref).max() > 1e-3  # a real signal, not torchvision's zero head
        np.testing.assert_allclose(module(*inputs).detach().numpy(), ref, atol=1e-5)
        # same math as the caller's eager model on its own (fast) path: pooled over real positions.
        # (A batch-1 text sample whose only row is padded is skipped: the nested-tensor fast path
        # then returns a shorter sequence, which this model's pooling cannot take; docs/export-format.md.)
        if which == "vit" or record["batch_size"] > 1:
            with torch.no_grad():
                np.testing.assert_allclose(eager(*inputs).numpy(), ref, atol=1e-5)


# --- metadata contract ------------------------------------------------------------------------


def test_a_previous_schema_version_dir_is_read_with_the_new_keys(tmp_path: Path) -> None:
    v1 = {
        "schema_version": 1, "task_name": "old", "task_type": "image-classification", "modality": "vision",
        "model_source": None, "inputs": [{"name": "pixel_values", "dtype": "float32", "shape": ["batch", 3, 8, 8]}],
        "outputs": [{"name": "logits", "dtype": "float32", "shape": ["batch", 10]}],
        "formats_requested": ["onnx"], "formats_written": ["onnx"], "formats_failed": {}, "artifacts": {},
        "quantization": None, "exported_at": "2026-11-29T19:40:00+00:00", "torch_version": "1.13.1", "samples": [],
    }
    (tmp_path / "metadata.json").write_text(json.dumps(v1))
    md = read_metadata(tmp_path)
    assert md["schema_version"] == 1
    assert md["formats"] == ["onnx"] and md["input_shape"] == ["batch", 3, 8, 8] and md["output_shape"] == ["batch", 10]
    assert md["export_wall_time_s"] is None and md["traced_with"] is None and md["export_notes"] == []
    (tmp_path / "metadata.json").write_text(json.dumps({**v1, "schema_version": 7}))
    with pytest.raises(ValueError, match=r"metadata.json: schema_version expected one of \[1, 2\], received 7"):
        read_metadata(tmp_path)
