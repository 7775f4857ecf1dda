"""Built-in models: determinism, shapes, causality, registry and model_source."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from tier4_export import generate_dummy_input, get_builtin, load_model_source
from tier4_export.models import builtin_names
from tier4_export.models.lm_stub import LMStub


def _state_equal(a: nn.Module, b: nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_registry_lists_both_builtins() -> None:
    assert builtin_names() == ["lm_stub", "simple_cnn"]


@pytest.mark.parametrize("name", ["lm_stub", "simple_cnn"])
def test_same_seed_same_weights_other_seed_other_weights(name: str) -> None:
    a, _ = get_builtin(name, seed=0)
    b, _ = get_builtin(name, seed=0)
    c, _ = get_builtin(name, seed=1)
    assert _state_equal(a, b)
    assert not _state_equal(a, c)


def test_building_does_not_touch_the_global_rng() -> None:
    torch.manual_seed(7)
    expected = torch.rand(2)
    torch.manual_seed(7)
    get_builtin("lm_stub", seed=3)
    assert torch.equal(torch.rand(2), expected)


def test_lm_stub_io_and_architecture() -> None:
    model, spec = get_builtin("lm_stub")
    assert spec.modality == "text" and spec.input_schema == {"vocab_size": 1000, "max_seq_len": 16}
    ids = generate_dummy_input(spec, batch_size=3)["input_ids"]
    with torch.no_grad():
        logits = model(ids)
    assert logits.dtype == torch.float32 and tuple(logits.shape) == (3, 16, 1000)
    with torch.no_grad():
        assert tuple(model(ids[:, :5]).shape) == (3, 5, 1000)  # shorter sequences work
    kinds = {type(m).__name__ for m in model.modules()}
    assert "TransformerEncoderLayer" not in kinds and "MultiheadAttention" not in kinds
    assert {"Embedding", "LayerNorm", "Linear"} <= kinds
    assert isinstance(model, LMStub)
    attn = model.block.attn
    assert all(isinstance(getattr(attn, p), nn.Linear) for p in ("q", "k", "v", "o"))
    assert attn.n_heads == 4 and model.tok_emb.embedding_dim == 64


def test_lm_stub_is_causal() -> None:
    model, spec = get_builtin("lm_stub")
    ids = generate_dummy_input(spec, batch_size=1)["input_ids"]
    changed = ids.clone()
    changed[0, 10] = (changed[0, 10] + 1) % 1000
    with torch.no_grad():
        a, b = model(ids), model(changed)
    assert torch.equal(a[:, :10], b[:, :10])  # earlier positions cannot see token 10
    assert not torch.equal(a[:, 10:], b[:, 10:])


def test_simple_cnn_io() -> None:
    model, spec = get_builtin("simple_cnn")
    assert spec.modality == "vision" and spec.input_schema == {"image_size": [3, 32, 32]}
    px = generate_dummy_input(spec, batch_size=4)["pixel_values"]
    with torch.no_grad():
        logits = model(px)
    assert logits.dtype == torch.float32 and tuple(logits.shape) == (4, 10)
    assert sum(isinstance(m, nn.Conv2d) for m in model.modules()) == 2
    assert sum(isinstance(m, nn.MaxPool2d) for m in model.modules()) == 2


def test_unknown_builtin_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"expected one of \['lm_stub', 'simple_cnn'\], received 'resnet'"):
        get_builtin("resnet")


def test_load_model_source_builtin_rebuilds_the_same_model() -> None:
    model, spec = load_model_source({"kind": "builtin", "name": "simple_cnn", "seed": 2})
    again, _ = get_builtin("simple_cnn", seed=2)
    assert _state_equal(model, again) and not model.training
    assert spec.task_name == "simple_cnn"


@pytest.mark.parametrize("source, message", [
    (None, "model_source: expected a dict with kind 'builtin' or 'file', received None"),
    ({"kind": "zip"}, "model_source.kind: expected 'builtin' or 'file', received 'zip'"),
    ({"kind": "file", "file": "/x.py"}, "expected string keys 'file' and 'factory'"),
])
def test_load_model_source_rejects_bad_records(source: object, message: str) -> None:
    with pytest.raises(ValueError) as info:
        load_model_source(source)  # type: ignore[arg-type]
    assert message in str(info.value)
