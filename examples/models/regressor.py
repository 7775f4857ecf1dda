"""A two-output localisation regressor on spectrogram-like input ``(batch, 3, 128, 32)``.

It predicts a 2-D position and its uncertainty for each input, returned as a named tuple
``Localisation(positions [B, 2], uncertainties [B, 2])``: the export names both outputs after
the fields, and every format is compared output by output. Weights are random but seeded.
"""

from __future__ import annotations

from typing import NamedTuple, Tuple

import torch
from torch import nn

from tier4_export import TaskSpec

INPUT_SIZE = [3, 128, 32]


class Localisation(NamedTuple):
    """The regressor's two outputs."""

    positions: torch.Tensor
    uncertainties: torch.Tensor


class LocalisationNet(nn.Module):
    """Conv feature extractor, global pooling and two heads (the uncertainty kept positive)."""

    def __init__(self) -> None:
        """Create the layers."""
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, stride=2, padding=1),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.Conv2d(16, 32, 3, stride=2, padding=1),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.position_head = nn.Linear(32, 2)
        self.uncertainty_head = nn.Linear(32, 2)

    def forward(self, pixel_values: torch.Tensor) -> Localisation:
        """Positions and (softplus-positive) uncertainties, each ``[B, 2]``."""
        features = self.features(pixel_values)
        positions = self.position_head(features)
        uncertainties = nn.functional.softplus(self.uncertainty_head(features))
        return Localisation(positions, uncertainties)


def make_model(seed: int = 0) -> Tuple[nn.Module, TaskSpec]:
    """The seeded regressor and its TaskSpec."""
    torch.manual_seed(seed)
    spec = TaskSpec(
        task_name="regressor",
        modality="vision",
        task_type="localisation",
        input_schema={"image_size": INPUT_SIZE},
        output_schema={"output_names": ["positions", "uncertainties"]},
    )
    return LocalisationNet().eval(), spec
