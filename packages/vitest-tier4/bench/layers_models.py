"""Factories of the per-layer benchmark (layers.bench.mjs): torchvision architectures, seeded random weights.

Each takes no argument and returns ``(model in eval mode, TaskSpec)`` at 224x224 (the
``file.py:factory`` contract of tier4_export). Nothing is downloaded: weights are torchvision's
random initialisation under ``torch.manual_seed(0)``.
"""

from __future__ import annotations

from typing import Any, Tuple

import torch
from torch import nn

from tier4_export import TaskSpec


def _spec(name: str) -> TaskSpec:
    return TaskSpec(
        task_name=name,
        modality="vision",
        task_type="image-classification",
        input_schema={"image_size": [3, 224, 224]},
        output_schema={"output_names": ["logits"], "num_classes": 1000},
    )


def _build(name: str, **kwargs: Any) -> nn.Module:
    import torchvision

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model: nn.Module = getattr(torchvision.models, name)(**kwargs)
    return model.eval()


def make_resnet18() -> Tuple[nn.Module, TaskSpec]:
    return _build("resnet18"), _spec("resnet18")


def make_resnet50() -> Tuple[nn.Module, TaskSpec]:
    return _build("resnet50"), _spec("resnet50")


def make_mobilenet_v3_small() -> Tuple[nn.Module, TaskSpec]:
    return _build("mobilenet_v3_small"), _spec("mobilenet_v3_small")


def make_vit_b_16() -> Tuple[nn.Module, TaskSpec]:
    """vit_b_16 with attention dropout 1e-6 (inert in eval mode).

    torch 1.13's ONNX exporter cannot export the fused attention fast path
    (aten::_native_multi_head_attention); a nonzero attention dropout makes
    nn.MultiheadAttention take the exportable path. The random init leaves the head at zeros:
    it gets seeded normal weights so the logits are not identically 0.
    """
    model = _build("vit_b_16", attention_dropout=1e-6)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(1)
        head = model.heads.head  # type: ignore[union-attr]
        nn.init.normal_(head.weight, std=0.02)
    return model, _spec("vit_b_16")
