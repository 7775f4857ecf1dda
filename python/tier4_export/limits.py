"""The limits of the export options, shared by the CLI (``cli.py``) and ``export_model``.

The TypeScript side (``packages/fixtures/src/options/limits.ts``, used by ``buildFixture`` and the
fixtures bin) states the same table; ``packages/fixtures/test/limits.test.ts`` reads this module and
fails when they differ, so a value cannot be accepted by one side and refused by the other.
"""

from typing import Dict, Tuple

#: Minimum of each numeric export option (inclusive), by the CLI's option name.
MINIMUMS: Dict[str, int] = {
    "samples": 1,  # reference samples: at least one
    "layers": 0,  # samples whose per-layer activations are stored (at most ``samples``)
    "seed": 0,
    "opset": 7,  # torch.onnx.export writes opset 7 and newer; the maximum is the installed torch's
}

#: Batch sizes of the reference samples, cycled (3 is neither 1 nor the traced size 2).
BATCH_SIZES: Tuple[int, ...] = (1, 4, 3)
