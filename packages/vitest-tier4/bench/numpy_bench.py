"""Helper of parity.bench.mjs: writes the benchmark data once and times numpy on it.

  python3 numpy_bench.py write DIR N SEED    -> DIR/actual.npy, DIR/reference.npy (float32, N elements)
  python3 numpy_bench.py time DIR REPEATS ATOL RTOL -> JSON with the timings (ms, wall and process CPU) of
      numpy.testing.assert_allclose and numpy.allclose on the same files
"""
import json
import os
import statistics
import sys
import time
from typing import Callable, List, Tuple

import numpy as np


def write(d: str, n: int, seed: int) -> None:
    """Writes DIR/reference.npy ~ N(0, 1) and DIR/actual.npy = reference + 1e-6 * N(0, 1), float32, n elements."""
    rng = np.random.default_rng(seed)
    ref = rng.standard_normal(n, dtype=np.float32)
    # fp32-export-like noise: a few ulps, every element within atol=rtol=1e-4 so both tools do the full pass
    act = ref + rng.standard_normal(n, dtype=np.float32) * np.float32(1e-6)
    os.makedirs(d, exist_ok=True)
    # Write under temporary names and rename, actual.npy last: the JavaScript side reuses the directory when
    # actual.npy exists, so an interrupted write must never leave a truncated file under the final name.
    for name, arr in (("reference", ref), ("actual", act)):
        tmp = os.path.join(d, f".{name}.{os.getpid()}.npy")
        np.save(tmp, arr)
        os.replace(tmp, os.path.join(d, f"{name}.npy"))


def timeit(fn: Callable[[], object], repeats: int) -> Tuple[List[float], List[float]]:
    """Calls fn once to warm up, then `repeats` times; returns the wall times and the process CPU times
    (user + system, all threads) in milliseconds."""
    fn()  # warm-up
    wall = []
    cpu = []
    for _ in range(repeats):
        c0 = time.process_time()
        t0 = time.perf_counter()
        fn()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return wall, cpu


def main() -> None:
    """Dispatches `write DIR N SEED` or `time DIR REPEATS ATOL RTOL` (prints JSON)."""
    cmd = sys.argv[1]
    if cmd == "write":
        write(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return
    d, repeats, atol, rtol = sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
    act = np.load(os.path.join(d, "actual.npy"))
    ref = np.load(os.path.join(d, "reference.npy"))
    aa, aa_cpu = timeit(lambda: np.testing.assert_allclose(act, ref, rtol=rtol, atol=atol, equal_nan=True), repeats)
    ac, ac_cpu = timeit(lambda: np.allclose(act, ref, rtol=rtol, atol=atol, equal_nan=True), repeats)
    json.dump({
        "numpy": np.__version__,
        "assert_allclose_ms": aa,
        "allclose_ms": ac,
        "assert_allclose_median_ms": statistics.median(aa),
        "allclose_median_ms": statistics.median(ac),
        "assert_allclose_cpu_ms": aa_cpu,
        "allclose_cpu_ms": ac_cpu,
        "assert_allclose_cpu_median_ms": statistics.median(aa_cpu),
        "allclose_cpu_median_ms": statistics.median(ac_cpu),
    }, sys.stdout)


if __name__ == "__main__":
    main()
