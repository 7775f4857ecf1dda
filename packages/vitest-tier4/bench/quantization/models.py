"""Models of the quantization audit (bench/quantization-audit.mjs): an MLP, torchvision resnet18 at a small
input, a tiny LM whose embedding and LM head share one weight, and the MLP with extreme input scales.
Each factory returns (model in eval mode, TaskSpec) with seeded weights.
"""

from __future__ import annotations

from typing import Tuple

import torch
from torch import nn

from tier4_export import TaskSpec


class MLP(nn.Module):
    """Linear(64, 256) - ReLU - Linear(256, 256) - ReLU - Linear(256, 10), inputs optionally scaled."""

    def __init__(self, input_scale: float = 1.0) -> None:
        super().__init__()
        self.input_scale = input_scale
        self.net = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.net(pixel_values * self.input_scale)
        return out


def _mlp(scale: float, name: str) -> Tuple[nn.Module, TaskSpec]:
    torch.manual_seed(0)
    model = MLP(scale).eval()
    spec = TaskSpec(task_name=name, modality="vision", task_type="image-classification",
                    input_schema={"image_size": [64]}, output_schema={"output_names": ["logits"], "num_classes": 10})
    return model, spec


def make_mlp() -> Tuple[nn.Module, TaskSpec]:
    return _mlp(1.0, "mlp")


def make_mlp_tiny_inputs() -> Tuple[nn.Module, TaskSpec]:
    return _mlp(1e-6, "mlp_inputs_1e-6")


def make_mlp_huge_inputs() -> Tuple[nn.Module, TaskSpec]:
    return _mlp(1e4, "mlp_inputs_1e4")


def make_resnet18() -> Tuple[nn.Module, TaskSpec]:
    import torchvision

    torch.manual_seed(0)
    model = torchvision.models.resnet18(num_classes=10).eval()
    spec = TaskSpec(task_name="resnet18", modality="vision", task_type="image-classification",
                    input_schema={"image_size": [3, 32, 32]}, output_schema={"output_names": ["logits"], "num_classes": 10})
    return model, spec


class TiedLM(nn.Module):
    """Embedding (vocab 500, d 64), a tanh MLP, and an LM head sharing the embedding's weight."""

    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(500, 64)
        self.mlp = nn.Sequential(nn.Linear(64, 128), nn.GELU(), nn.Linear(128, 64))
        self.head = nn.Linear(64, 500, bias=False)
        self.head.weight = self.emb.weight

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        x = self.emb(input_ids)
        out: torch.Tensor = self.head(x + self.mlp(x))
        return out


def make_tied_lm() -> Tuple[nn.Module, TaskSpec]:
    torch.manual_seed(0)
    model = TiedLM().eval()
    spec = TaskSpec(task_name="tied_lm", modality="text", task_type="text-generation",
                    input_schema={"vocab_size": 500, "max_seq_len": 16}, output_schema={"output_names": ["logits"], "vocab_size": 500})
    return model, spec


class WideMLP(nn.Module):
    """Linear(256, 1024) - ReLU - Linear(1024, 1024) x 2 - ReLU - Linear(1024, 512) - ReLU - Linear(512, 10):
    3.2 M parameters (11.6 MB fp32), large enough that the resident-memory ratio is not page and allocator
    granularity."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(256, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
                                 nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 512), nn.ReLU(), nn.Linear(512, 10))

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.net(pixel_values)
        return out


def make_wide_mlp() -> Tuple[nn.Module, TaskSpec]:
    torch.manual_seed(0)
    spec = TaskSpec(task_name="wide_mlp", modality="vision", task_type="image-classification",
                    input_schema={"image_size": [256]}, output_schema={"output_names": ["logits"], "num_classes": 10})
    return WideMLP().eval(), spec
