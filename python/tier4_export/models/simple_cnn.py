"""simple_cnn: a small image classifier.

Two conv-ReLU-maxpool stages and a Linear head. Input ``pixel_values``
float32 ``[B, 3, 32, 32]``, output ``logits`` float32 ``[B, 10]``.
"""

from __future__ import annotations

from typing import Tuple

import torch
from torch import nn

from ..task_spec import TaskSpec

NUM_CLASSES = 10
IMAGE_SIZE = (3, 32, 32)


class SimpleCNN(nn.Module):
    """conv(3->16)-ReLU-pool, conv(16->32)-ReLU-pool, Linear(32*8*8 -> 10)."""

    def __init__(self, num_classes: int = NUM_CLASSES) -> None:
        """Create the layers (weights come from the current torch RNG)."""
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.head = nn.Linear(32 * 8 * 8, num_classes)

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """Map ``pixel_values`` [B, 3, 32, 32] to ``logits`` [B, 10]."""
        x = self.features(pixel_values)
        logits: torch.Tensor = self.head(torch.flatten(x, 1))
        return logits


def simple_cnn_task_spec() -> TaskSpec:
    """TaskSpec of the CNN: vision, ``pixel_values`` -> ``logits``."""
    return TaskSpec(
        task_name="simple_cnn",
        modality="vision",
        task_type="image-classification",
        input_schema={"image_size": list(IMAGE_SIZE)},
        output_schema={"output_names": ["logits"], "num_classes": NUM_CLASSES},
    )


def build_simple_cnn(seed: int = 0) -> Tuple[SimpleCNN, TaskSpec]:
    """Build the CNN with weights determined by ``seed`` (global RNG left untouched).

    Returns:
        ``(model in eval mode, task_spec)``.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = SimpleCNN()
    model.eval()
    return model, simple_cnn_task_spec()
