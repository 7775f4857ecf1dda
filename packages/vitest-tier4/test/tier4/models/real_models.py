"""Small test models for runTier4 on real-model shapes (test/tier4/real-models.test.ts).

Factories return ``(model, task_spec)``; weights are seeded.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Optional, Tuple

import torch
from torch import nn

from tier4_export import TaskSpec

TEXT = {"vocab_size": 40, "max_seq_len": 8, "input_names": ["input_ids", "attention_mask"]}


class MaskedPool(nn.Module):
    """``forward(input_ids, attention_mask=None)``: masked mean pooling and a head."""

    def __init__(self, ignore_mask_when_traced: bool = False) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.ignore = ignore_mask_when_traced
        self.tokens = nn.Embedding(40, 8)
        self.head = nn.Linear(8, 3)

    def forward(self, input_ids: torch.Tensor, attention_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        hidden = self.tokens(input_ids)
        if attention_mask is None or (self.ignore and torch.jit.is_tracing()):
            # the injected bug: the traced graph (TorchScript and ONNX) never sees the mask
            attention_mask = torch.ones_like(input_ids)
        weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
        out: torch.Tensor = self.head((hidden * weights).sum(1) / weights.sum(1))
        return out


def masked() -> Tuple[nn.Module, TaskSpec]:
    return MaskedPool().eval(), TaskSpec("masked", "text", "text-classification", dict(TEXT))


def mask_ignored() -> Tuple[nn.Module, TaskSpec]:
    return MaskedPool(ignore_mask_when_traced=True).eval(), TaskSpec("mask_ignored", "text", "text-classification", dict(TEXT))


class BatchHardcoded(nn.Module):
    """Flattens with the traced batch size as a Python int: the graph only works at batch 2."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.head = nn.Linear(3 * 8 * 8, 4)

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        batch = int(pixel_values.shape[0])  # recorded as the constant 2 when traced
        out: torch.Tensor = self.head(pixel_values.reshape(batch, -1))
        return out


def batch_hardcoded() -> Tuple[nn.Module, TaskSpec]:
    return BatchHardcoded().eval(), TaskSpec("batch_hardcoded", "vision", "image-classification", {"image_size": [3, 8, 8]})


class Localisation(NamedTuple):
    positions: torch.Tensor
    uncertainties: torch.Tensor


class TwoHeads(nn.Module):
    """A regressor with two outputs (a named tuple), on ``(batch, 3, 128, 32)``."""

    def __init__(self, as_dict: bool = False) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.as_dict = as_dict
        self.features = nn.Sequential(nn.Conv2d(3, 4, 5, stride=4), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.a = nn.Linear(4, 2)
        self.b = nn.Linear(4, 2)

    def forward(self, pixel_values: torch.Tensor) -> Any:
        f = self.features(pixel_values)
        positions, uncertainties = self.a(f), nn.functional.softplus(self.b(f))
        if self.as_dict:
            return {"positions": positions, "uncertainties": uncertainties}
        return Localisation(positions, uncertainties)


def two_outputs() -> Tuple[nn.Module, TaskSpec]:
    return TwoHeads().eval(), TaskSpec("two_outputs", "vision", "localisation", {"image_size": [3, 128, 32]})


def two_outputs_dict() -> Tuple[nn.Module, TaskSpec]:
    return TwoHeads(as_dict=True).eval(), TaskSpec("two_outputs_dict", "vision", "localisation", {"image_size": [3, 128, 32]})
