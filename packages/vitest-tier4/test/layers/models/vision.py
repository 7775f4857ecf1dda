"""Model factories for the per-layer tests: torchvision architectures with seeded random weights.

Each factory takes no argument (the exporter's ``file.py:factory`` contract) and returns
``(model in eval mode, TaskSpec)``. The image size is small so the tests stay fast.
"""

from __future__ import annotations

from typing import Tuple

import torch
from torch import nn

from tier4_export import TaskSpec


def _spec(name: str, size: int, classes: int) -> TaskSpec:
    return TaskSpec(
        task_name=name,
        modality="vision",
        task_type="image-classification",
        input_schema={"image_size": [3, size, size]},
        output_schema={"output_names": ["logits"], "num_classes": classes},
    )


def make_resnet18() -> Tuple[nn.Module, TaskSpec]:
    """torchvision resnet18 (seed 0), 64x64 inputs."""
    import torchvision

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = torchvision.models.resnet18(num_classes=10).eval()
    return model, _spec("resnet18", 64, 10)


def make_tiny_vit() -> Tuple[nn.Module, TaskSpec]:
    """A 2-block torchvision VisionTransformer (32x32, patch 8): attention returns a tuple.

    attention_dropout 0.1 (inert in eval) keeps torch 1.13 off the fused attention fast path,
    which its ONNX exporter cannot export.
    """
    import torchvision

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = torchvision.models.VisionTransformer(
            image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=16, mlp_dim=32,
            num_classes=10, attention_dropout=0.1,
        ).eval()
        # random init leaves the head at zeros: give it weights so the logits say something
        nn.init.normal_(model.heads.head.weight, std=0.1)
    return model, _spec("tiny_vit", 32, 10)


class _Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(8, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.bn(self.conv(x)))


class ReusedInplace(nn.Module):
    """Conv-BN-ReLU(inplace) block called twice (a reused module), then a head."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.block = _Block()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(8, 10)

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        x = self.stem(pixel_values)
        x = self.block(x)
        x = self.block(x)
        return self.head(torch.flatten(self.pool(x), 1))


def make_reused_inplace() -> Tuple[nn.Module, TaskSpec]:
    """:class:`ReusedInplace` (seed 0) with non-trivial BatchNorm statistics, 16x16 inputs."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = ReusedInplace()
        bn = model.block.bn
        bn.running_mean.uniform_(-0.5, 0.5)
        bn.running_var.uniform_(0.5, 2.0)
        nn.init.uniform_(bn.weight, 0.5, 1.5)
        nn.init.uniform_(bn.bias, -0.5, 0.5)
    return model.eval(), _spec("reused_inplace", 16, 10)
