"""Resident memory of a loaded TorchScript model, measured by the process that loads it.

``python -m tier4_export.memory_probe <model.torchscript> [--loads N]`` loads the file once to
warm the runtime (torch's libraries, the quantized kernels, allocator pools), then ``N`` more
times (default 3) keeping every copy alive, and reads the process's resident set size
(``VmRSS`` in ``/proc/self/status``) before and after each of those loads. It prints one JSON
line::

    {"rss_deltas": [b1, b2, b3], "memory_bytes": median}

The median RSS growth of one more loaded copy is the memory the model itself holds (weights,
packed weights, graph), without the runtime's one-off cost, which for a small model is larger
than the model (torch's first load of a quantized TorchScript maps the quantized kernels).

The TypeScript side (``vitest-tier4``'s quantization section) runs :func:`measure` in a child
forked from its Python worker's zygote (:mod:`tier4_export.zygote`), or this module in a fresh
process per artifact when the worker has no zygote running, next to the same probe for
``onnxruntime-node``. It names which in the report's ``memory_method``, whose text has one source:
``packages/vitest-tier4/src/quantization/memory-method.ts`` (this probe prints none).

Exit codes: 0 with the JSON line, 2 on bad usage, 1 when the model cannot be loaded or RSS
cannot be read (the error on stderr).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from typing import Any, Dict, List, Optional, Sequence

def resident_bytes() -> int:
    """This process's resident set size in bytes, from ``/proc/self/status``.

    Raises:
        OSError: when ``/proc/self/status`` has no ``VmRSS`` line (not Linux).
    """
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise OSError("/proc/self/status has no VmRSS line: resident memory cannot be measured here")


def measure(path: str, loads: int) -> Dict[str, Any]:
    """Load ``path`` once, then ``loads`` more times, every copy kept alive.

    Returns:
        ``rss_deltas``, the RSS growth of each measured load in bytes, and ``memory_bytes``, their median.
    """
    import torch

    kept: List[Any] = [torch.jit.load(path, map_location="cpu")]
    deltas: List[int] = []
    for _ in range(loads):
        before = resident_bytes()
        kept.append(torch.jit.load(path, map_location="cpu"))
        deltas.append(resident_bytes() - before)
    return {
        "rss_deltas": deltas,
        "memory_bytes": int(statistics.median(deltas)),
    }


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command-line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m tier4_export.memory_probe", description=__doc__.splitlines()[0])
    parser.add_argument("path", help="the TorchScript file")
    parser.add_argument("--loads", type=int, default=3, help="measured loads after the warm-up one (default 3)")
    args = parser.parse_args(argv)
    if args.loads < 1:
        parser.error(f"--loads: expected an int >= 1, received {args.loads}")
    try:
        result = measure(args.path, args.loads)
    except Exception as exc:  # noqa: BLE001 - the error text is the result
        print(f"memory_probe: cannot measure {args.path}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":  # pragma: no cover - exercised through the CLI
    sys.exit(main())
