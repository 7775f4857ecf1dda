"""torchvision models for bench/verdicts.bench.mjs: seeded random weights, 64x64 inputs.

Each factory takes no argument (the exporter's ``file.py:factory`` contract) and returns
``(model in eval mode, TaskSpec)``.
"""

from __future__ import annotations

from typing import Tuple

import torch
from torch import nn

from tier4_export import TaskSpec


def _spec(name: str) -> TaskSpec:
    return TaskSpec(
        task_name=name,
        modality="vision",
        task_type="image-classification",
        input_schema={"image_size": [3, 64, 64]},
        output_schema={"output_names": ["logits"]},
    )


def _seeded(factory: str) -> nn.Module:
    import torchvision

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model: nn.Module = getattr(torchvision.models, factory)()
    return model.eval()


def resnet18() -> Tuple[nn.Module, TaskSpec]:
    """torchvision resnet18, random init (seed 0)."""
    return _seeded("resnet18"), _spec("resnet18")


def mobilenet_v3_small() -> Tuple[nn.Module, TaskSpec]:
    """torchvision mobilenet_v3_small, random init (seed 0)."""
    return _seeded("mobilenet_v3_small"), _spec("mobilenet_v3_small")
