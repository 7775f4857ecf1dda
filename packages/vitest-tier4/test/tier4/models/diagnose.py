"""Tiny model factories for the diagnosis tests (stale references, a non-deterministic eager model).

Each factory takes no argument (the exporter's ``file.py:factory`` contract) and returns
``(model in eval mode, TaskSpec)``. Inputs are 3x8x8 images and 4 classes, so exports take a second.
"""

from __future__ import annotations

from typing import Tuple

import torch
import torch.nn.functional as F
from torch import nn

from tier4_export import TaskSpec


def _spec(name: str) -> TaskSpec:
    return TaskSpec(
        task_name=name,
        modality="vision",
        task_type="image-classification",
        input_schema={"image_size": [3, 8, 8]},
        output_schema={"output_names": ["logits"]},
    )


class Tiny(nn.Module):
    """conv 3->width (4), ReLU, mean over the image, linear width->4."""

    def __init__(self, width: int = 4) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, width, 3, padding=1)
        self.head = nn.Linear(width, 4)

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.head(F.relu(self.conv(pixel_values)).mean(dim=(2, 3)))
        return out


class AlwaysDropout(Tiny):
    """Tiny 64 features wide with ``F.dropout(h, 0.5)`` before its head.

    ``F.dropout``'s ``training`` defaults to true, so eval() leaves it on. 64 features, not Tiny's 4:
    two runs must draw different masks whatever the RNG state of the worker that runs them (a pooled
    worker's state depends on what it ran before); with 4 features, 116 of 2000 seeded pairs of runs
    were identical (with 64: none of 2000).
    """

    def __init__(self) -> None:
        super().__init__(width=64)

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.conv(pixel_values)).mean(dim=(2, 3))
        out: torch.Tensor = self.head(F.dropout(h, 0.5))
        return out


def _seeded(cls: type, seed: int) -> nn.Module:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model: nn.Module = cls()
    return model.eval()


def make_tiny() -> Tuple[nn.Module, TaskSpec]:
    """The tiny model, seed 0."""
    return _seeded(Tiny, 0), _spec("tiny")


def make_tiny_retrained() -> Tuple[nn.Module, TaskSpec]:
    """The same architecture with other weights (seed 1): the model after the references were made."""
    return _seeded(Tiny, 1), _spec("tiny")


def make_always_dropout() -> Tuple[nn.Module, TaskSpec]:
    """The tiny model whose dropout ignores eval(): two runs on one input differ."""
    return _seeded(AlwaysDropout, 0), _spec("always_dropout")
