"""torchvision's resnet18 as an image classifier with seeded random weights.

Input ``pixel_values`` ``(batch, 3, 32, 32)`` (small, so the demo stays fast on a 2-core
machine; resnet18's adaptive pooling accepts any size >= 32), 10 classes. torchvision comes
from Debian's ``python3-torchvision``, which the set-up installs when it is missing.
"""

from __future__ import annotations

from typing import Tuple

import torch
import torchvision
from torch import nn

from tier4_export import TaskSpec

IMAGE_SIZE = [3, 32, 32]
NUM_CLASSES = 10


def make_model(seed: int = 0) -> Tuple[nn.Module, TaskSpec]:
    """The seeded resnet18 and its TaskSpec."""
    torch.manual_seed(seed)
    model = torchvision.models.resnet18(weights=None, num_classes=NUM_CLASSES)
    spec = TaskSpec(
        task_name="resnet18",
        modality="vision",
        task_type="image-classification",
        input_schema={"image_size": IMAGE_SIZE},
        output_schema={"output_names": ["logits"], "num_classes": NUM_CLASSES},
    )
    return model.eval(), spec
