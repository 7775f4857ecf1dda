"""Reference samples: seeded inputs and the eager fp32 model's outputs as ``.npy``.

Sample ``i`` has batch size 1 for even ``i`` and 4 for odd ``i`` and inputs
``generate_dummy_input(task_spec, batch_size, seed=seed + i)``; files live in
``samples/sample_NNN/<name>.npy``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import numpy as np
from torch import nn

from .dummy_input import generate_dummy_input
from .model_io import run_model
from .task_spec import TaskSpec

SAMPLES_DIRNAME = "samples"
BATCH_SIZES = (1, 4)


def sample_batch_size(index: int) -> int:
    """Batch size of sample ``index``: 1, 4, 1, 4, ..."""
    return BATCH_SIZES[index % len(BATCH_SIZES)]


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
        inputs = generate_dummy_input(spec, batch_size=batch, seed=sample_seed)
        outputs = run_model(eager, inputs, spec)
        folder = export_dir / SAMPLES_DIRNAME / sid
        folder.mkdir(parents=True, exist_ok=True)
        record: Dict[str, Any] = {
            "id": sid,
            "batch_size": batch,
            "seed": sample_seed,
            "inputs": {},
            "outputs": {},
        }
        for name, tensor in inputs.items():
            np.save(folder / f"{name}.npy", tensor.numpy(), allow_pickle=False)
            record["inputs"][name] = f"{SAMPLES_DIRNAME}/{sid}/{name}.npy"
        for name, tensor in zip(spec.output_names, outputs):
            np.save(folder / f"{name}.npy", tensor.cpu().numpy(), allow_pickle=False)
            record["outputs"][name] = f"{SAMPLES_DIRNAME}/{sid}/{name}.npy"
        records.append(record)
    return records
