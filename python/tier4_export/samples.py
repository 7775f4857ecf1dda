"""Reference samples: seeded inputs and the eager fp32 model's outputs as ``.npy``.

Sample ``i`` has batch size ``(1, 4, 3)[i % 3]``: 1 and 4 as before, and 3, which is neither
1 nor the batch size the artifacts were traced with (2), so a graph specialised to its traced
batch cannot pass. A text sample ``i`` has sequence length ``TaskSpec.sequence_lengths[i % 2]``
(``max_seq_len``, then the shorter one), so every batch size meets both lengths within six
samples. Inputs are ``generate_dummy_input(task_spec, batch_size, seed=seed + i, seq_len=...)``;
files live in ``samples/sample_NNN/<name>.npy``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np
from torch import nn

from .dummy_input import generate_dummy_input
from .limits import BATCH_SIZES as BATCH_SIZES
from .model_io import run_model
from .task_spec import TaskSpec

SAMPLES_DIRNAME = "samples"


def sample_batch_size(index: int) -> int:
    """Batch size of sample ``index``: 1, 4, 3, 1, 4, 3, ..."""
    return BATCH_SIZES[index % len(BATCH_SIZES)]


def sample_seq_len(spec: TaskSpec, index: int) -> Optional[int]:
    """Sequence length of text sample ``index`` (alternating full and short); None for vision."""
    lengths = spec.sequence_lengths
    return lengths[index % len(lengths)] if lengths else None


def sample_id(index: int) -> str:
    """``sample_000``-style id of sample ``index``."""
    return f"sample_{index:03d}"


def write_samples(
    eager: nn.Module, spec: TaskSpec, export_dir: Path, num_samples: int, seed: int
) -> List[Dict[str, Any]]:
    """Generate ``num_samples`` batches, run the eager model, save inputs/outputs as ``.npy``.

    Args:
        eager: the fp32 eager model (eval mode) whose outputs are the reference.
        spec: the model's TaskSpec.
        export_dir: export directory (``samples/`` is created inside).
        num_samples: number of batches.
        seed: base seed; sample ``i`` uses ``seed + i``.

    Returns:
        The ``samples`` list of metadata.json (paths relative, ``/`` separated).
    """
    records: List[Dict[str, Any]] = []
    for index in range(num_samples):
        sid = sample_id(index)
        batch = sample_batch_size(index)
        sample_seed = seed + index
        seq_len = sample_seq_len(spec, index)
        inputs = generate_dummy_input(spec, batch_size=batch, seed=sample_seed, seq_len=seq_len)
        outputs = run_model(eager, inputs, spec)
        folder = export_dir / SAMPLES_DIRNAME / sid
        folder.mkdir(parents=True, exist_ok=True)
        record: Dict[str, Any] = {
            "id": sid,
            "batch_size": batch,
            "seed": sample_seed,
            **({"seq_len": seq_len} if seq_len is not None else {}),
            "inputs": {},
            "outputs": {},
        }
        for name, tensor in inputs.items():
            np.save(folder / f"{name}.npy", tensor.numpy(), allow_pickle=False)
            record["inputs"][name] = f"{SAMPLES_DIRNAME}/{sid}/{name}.npy"
        for name, tensor in outputs.items():
            np.save(folder / f"{name}.npy", tensor.cpu().numpy(), allow_pickle=False)
            record["outputs"][name] = f"{SAMPLES_DIRNAME}/{sid}/{name}.npy"
        records.append(record)
    return records
