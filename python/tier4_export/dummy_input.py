"""Seeded dummy inputs for a TaskSpec.

Inputs are drawn from a local :class:`torch.Generator`, never from the global
RNG, so calling :func:`generate_dummy_input` neither depends on nor disturbs
any other random state.
"""

from __future__ import annotations

from typing import Dict, Optional

import torch

from .task_spec import TaskSpec


def _check_int(name: str, value: object, minimum: int) -> int:
    """Return ``value`` if it is an int >= minimum, else raise ValueError naming it."""
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name}: expected an int >= {minimum}, received {value!r}")
    return value


def _text_inputs(
    spec: TaskSpec, batch_size: int, seq_len: int, generator: torch.Generator
) -> Dict[str, torch.Tensor]:
    """Token ids and, when declared, an honest ``attention_mask`` and ``token_type_ids``.

    Without ``attention_mask`` every position holds a random token (as before masks existed).
    With it, each row has a real length and is padded at the end with ``pad_token_id``:
    in a batch of several rows the first row fills the sequence (pad to the longest) and the
    second is shorter (when ``seq_len`` > 1), so padding always occurs and real lengths vary
    within the batch; a single row gets a random length in ``[1, seq_len]``. Real tokens never
    equal the pad token. ``token_type_ids`` is 0 on a first segment of at least one token, 1 on the rest of
    a row's real tokens (possibly none) and 0 on the padding.
    """
    schema = spec.input_schema
    vocab = int(schema["vocab_size"])
    names = spec.input_names
    if "attention_mask" not in names:
        ids = torch.randint(0, vocab, (batch_size, seq_len), generator=generator, dtype=torch.int64)
        lengths = torch.full((batch_size,), seq_len, dtype=torch.int64)
    else:
        pad = int(schema.get("pad_token_id", 0))
        if vocab > 1:
            ids = torch.randint(0, vocab - 1, (batch_size, seq_len), generator=generator, dtype=torch.int64)
            ids = ids + (ids >= pad).to(torch.int64)  # every real token differs from the pad token
        else:
            ids = torch.zeros((batch_size, seq_len), dtype=torch.int64)
        lengths = torch.randint(1, seq_len + 1, (batch_size,), generator=generator, dtype=torch.int64)
        if batch_size > 1:
            lengths[0] = seq_len
            if seq_len > 1:
                lengths[1] = torch.randint(1, seq_len, (1,), generator=generator, dtype=torch.int64)[0]
    positions = torch.arange(seq_len, dtype=torch.int64).unsqueeze(0)
    real = positions < lengths.unsqueeze(1)
    result: Dict[str, torch.Tensor] = {}
    for name in names:
        if name == "input_ids":
            if "attention_mask" in names:
                ids = torch.where(real, ids, torch.full_like(ids, int(schema.get("pad_token_id", 0))))
            result[name] = ids
        elif name == "attention_mask":
            result[name] = real.to(torch.int64)
        else:  # token_type_ids
            splits = (torch.rand((batch_size,), generator=generator) * lengths.to(torch.float32)).floor() + 1
            second = (positions >= splits.to(torch.int64).unsqueeze(1)) & real
            result[name] = second.to(torch.int64)
    return result


def generate_dummy_input(
    task_spec: TaskSpec, batch_size: int = 1, seed: int = 0, seq_len: Optional[int] = None
) -> Dict[str, torch.Tensor]:
    """Generate one seeded input batch for ``task_spec``.

    Args:
        task_spec: the model's TaskSpec.
        batch_size: number of rows (>= 1).
        seed: generator seed (>= 0); the same seed always gives the same tensors.
        seq_len: sequence length of a text batch (``1 <= seq_len <= max_seq_len``; default
            ``max_seq_len``); must be None for vision.

    Returns:
        For text, one int64 ``[B, seq_len]`` tensor per input name: ``input_ids`` in
        ``[0, vocab_size)``, and when declared ``attention_mask`` (1 on real tokens, 0 on the
        padding at the end of a row; see :func:`_text_inputs`) and ``token_type_ids`` (0/1).
        For vision, ``{"pixel_values": float32 [B, *image_size] in [0, 1)}``.
    """
    if not isinstance(task_spec, TaskSpec):
        raise TypeError(
            f"generate_dummy_input: expected a TaskSpec, received {type(task_spec).__name__}"
        )
    _check_int("batch_size", batch_size, 1)
    _check_int("seed", seed, 0)
    generator = torch.Generator(device="cpu")
    generator.manual_seed(seed)
    if task_spec.modality == "text":
        max_len = int(task_spec.input_schema["max_seq_len"])
        length = max_len if seq_len is None else _check_int("seq_len", seq_len, 1)
        if length > max_len:
            raise ValueError(f"seq_len: expected an int <= max_seq_len ({max_len}), received {seq_len!r}")
        return _text_inputs(task_spec, batch_size, length, generator)
    if seq_len is not None:
        raise ValueError(f"seq_len: only text inputs have a sequence length, received {seq_len!r} for vision")
    size = [int(v) for v in task_spec.input_schema["image_size"]]
    tensor = torch.rand((batch_size, *size), generator=generator, dtype=torch.float32)
    return {task_spec.input_names[0]: tensor}
