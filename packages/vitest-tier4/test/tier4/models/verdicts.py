"""Model factories for the verdict tests: torchvision architectures with seeded random weights.

Each factory takes no argument (the exporter's ``file.py:factory`` contract) and returns
``(model in eval mode, TaskSpec)``. Inputs are small (32x32) so the tests stay fast.
"""

from __future__ import annotations

from typing import Tuple

import torch
from torch import nn

from tier4_export import TaskSpec


def _spec(name: str, size: int) -> TaskSpec:
    return TaskSpec(
        task_name=name,
        modality="vision",
        task_type="image-classification",
        input_schema={"image_size": [3, size, size]},
        output_schema={"output_names": ["logits"]},
    )


def _mobilenet(seed: int) -> nn.Module:
    import torchvision

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return torchvision.models.mobilenet_v3_small(num_classes=10).eval()


def make_mobilenet() -> Tuple[nn.Module, TaskSpec]:
    """torchvision mobilenet_v3_small, random init (seed 0): logits near 1e-9."""
    return _mobilenet(0), _spec("mobilenet_v3_small", 32)


def make_mobilenet_other() -> Tuple[nn.Module, TaskSpec]:
    """The same architecture from another random checkpoint (seed 1)."""
    return _mobilenet(1), _spec("mobilenet_v3_small", 32)


def make_tiny_vit() -> Tuple[nn.Module, TaskSpec]:
    """A 1-block torchvision VisionTransformer whose head torchvision initialises to zeros: logits all 0.0.

    attention_dropout 0.1 (inert in eval) keeps torch 1.13 off the fused attention fast path, which
    torch.onnx.export cannot export.
    """
    from torchvision.models.vision_transformer import VisionTransformer

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = VisionTransformer(
            image_size=32, patch_size=8, num_layers=1, num_heads=2, hidden_dim=32, mlp_dim=64,
            num_classes=10, attention_dropout=0.1,
        ).eval()
    return model, _spec("tiny_vit", 32)
