"""Seeded dummy inputs for a TaskSpec.

Inputs are drawn from a local :class:`torch.Generator`, never from the global
RNG, so calling :func:`generate_dummy_input` neither depends on nor disturbs
any other random state.
"""

from __future__ import annotations

from typing import Dict

import torch

from .task_spec import TaskSpec


def _check_int(name: str, value: object, minimum: int) -> int:
    """Return ``value`` if it is an int >= minimum, else raise ValueError naming it."""
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name}: expected an int >= {minimum}, received {value!r}")
    return value


def generate_dummy_input(
    task_spec: TaskSpec, batch_size: int = 1, seed: int = 0
) -> Dict[str, torch.Tensor]:
    """Generate one seeded input batch for ``task_spec``.

    Args:
        task_spec: the model's TaskSpec.
        batch_size: number of rows (>= 1).
        seed: generator seed (>= 0); the same seed always gives the same tensors.

    Returns:
        ``{"input_ids": int64 [B, max_seq_len] in [0, vocab_size)}`` for text, or
        ``{"pixel_values": float32 [B, *image_size] in [0, 1)}`` for vision.
    """
    if not isinstance(task_spec, TaskSpec):
        raise TypeError(
            f"generate_dummy_input: expected a TaskSpec, received {type(task_spec).__name__}"
        )
    _check_int("batch_size", batch_size, 1)
    _check_int("seed", seed, 0)
    generator = torch.Generator(device="cpu")
    generator.manual_seed(seed)
    name = task_spec.input_names[0]
    if task_spec.modality == "text":
        vocab = int(task_spec.input_schema["vocab_size"])
        seq = int(task_spec.input_schema["max_seq_len"])
        tensor = torch.randint(
            0, vocab, (batch_size, seq), generator=generator, dtype=torch.int64
        )
    else:
        size = [int(v) for v in task_spec.input_schema["image_size"]]
        tensor = torch.rand((batch_size, *size), generator=generator, dtype=torch.float32)
    return {name: tensor}
