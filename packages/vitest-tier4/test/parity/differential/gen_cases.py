"""Differential cases for vitest-tier4's checkParity / toMatchParity against numpy.

Prints one JSON document on stdout: {"numpy": version, "cases": [...]}. Each case holds the actual and
reference arrays as base64 of their raw little-endian bytes (float16 as raw half bits, bool as uint8), the
tolerance, numpy.testing.assert_allclose's verdict (equal_nan=True) and numpy's max |a - r| over the
elements where both values are finite (computed in float64), so the JavaScript side can compare exactly.

Usage: python3 gen_cases.py [--count N] [--seed S]
"""
import argparse
import base64
import json
import sys
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]
Rng = np.random.Generator
Case = Tuple[Array, Array, float, float]

FLOATS = ["float16", "float32", "float64"]
INTS = ["int32", "int64"]
ALL = FLOATS + INTS + ["bool"]


def encode(arr: Array) -> Dict[str, Any]:
    """Raw little-endian bytes of `arr` as base64, with its dtype name and shape (bool as uint8)."""
    arr = np.array(arr, copy=True, order="C")
    if arr.dtype == np.bool_:
        raw = arr.astype(np.uint8).tobytes()
    else:
        raw = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
    return {"dtype": str(arr.dtype), "shape": list(arr.shape), "b64": base64.b64encode(raw).decode("ascii")}


def random_shape(rng: Rng) -> Tuple[int, ...]:
    """A shape of rank 0 to 4 with sizes 1..5."""
    ndim = int(rng.integers(0, 5))
    return tuple(int(rng.integers(1, 6)) for _ in range(ndim))


def random_tol(rng: Rng) -> Tuple[float, float]:
    """(atol, rtol), each 0 one time in five, else log-uniform in 1e-12..1e-2."""
    # atol and rtol spread over ten orders of magnitude (1e-12 .. 1e-2), sometimes zero.
    atol = 0.0 if rng.random() < 0.2 else float(10 ** rng.uniform(-12, -2))
    rtol = 0.0 if rng.random() < 0.2 else float(10 ** rng.uniform(-12, -2))
    return atol, rtol


def float_case(rng: Rng, shape: Tuple[int, ...], dt_a: str, dt_r: str) -> Case:
    """A float case with elements inside, on and outside the boundary atol + rtol * |r|, NaN/Inf sprinkled."""
    atol, rtol = random_tol(rng)
    scale = float(10 ** rng.uniform(-4, 3))
    ref = (rng.standard_normal(shape) * scale).astype(dt_r)
    r64 = ref.astype(np.float64)
    allowed = atol + rtol * np.abs(r64)
    # Perturb each element relative to its allowed error: inside, on the boundary, just outside, far outside.
    factors = rng.choice([0.0, 0.5, 0.999, 1.0, 1.001, 3.0], size=shape)
    signs = rng.choice([-1.0, 1.0], size=shape)
    act64 = r64 + signs * factors * allowed
    # Sometimes make most elements exact so that a single boundary element decides.
    if rng.random() < 0.3:
        act64 = np.where(rng.random(shape) < 0.8, r64, act64)
    act = np.asarray(act64).astype(dt_a)
    # Some cases with exactly representable boundaries: dyadic atol, rtol 0, difference == atol.
    if rng.random() < 0.15:
        atol = float(2.0 ** int(rng.integers(-12, -2)))
        rtol = 0.0
        ref = (np.round(rng.standard_normal(shape) * 64) / 64).astype(dt_r)
        delta = rng.choice([0.0, atol, 2 * atol], size=shape) * rng.choice([-1.0, 1.0], size=shape)
        act = (ref.astype(np.float64) + delta).astype(dt_a)
    act = np.array(act, dtype=dt_a)
    ref = np.array(ref, dtype=dt_r)
    sprinkle(rng, act, ref)
    return act, ref, atol, rtol


def sprinkle(rng: Rng, act: Array, ref: Array) -> None:
    """Puts matching and mismatching NaN and +-Inf into act/ref in place, in 40% of the cases."""
    if act.size == 0 or rng.random() < 0.6:
        return
    fa = act.reshape(-1)
    fr = ref.reshape(-1)
    for _ in range(int(rng.integers(1, 3))):
        i = int(rng.integers(0, act.size))
        kind = int(rng.integers(0, 7))
        if kind == 0:
            fa[i] = np.nan; fr[i] = np.nan          # matching NaN
        elif kind == 1:
            fa[i] = np.nan                           # NaN only in actual
        elif kind == 2:
            fr[i] = np.nan                           # NaN only in reference
        elif kind == 3:
            fa[i] = np.inf; fr[i] = np.inf           # matching +Inf
        elif kind == 4:
            fa[i] = -np.inf; fr[i] = -np.inf         # matching -Inf
        elif kind == 5:
            fa[i] = np.inf; fr[i] = -np.inf          # opposite infinities
        else:
            fa[i] = np.inf                           # Inf vs finite
    # reshape(-1) of a contiguous array is a view, so act/ref were modified in place


def int_case(rng: Rng, shape: Tuple[int, ...], dt: str) -> Case:
    """An integer case (int64 up to 2^50) with small differences and integer-scale tolerances."""
    atol = float(rng.choice([0.0, 0.5, 1.0, 2.0, 1e-9, 3.0]))
    rtol = float(rng.choice([0.0, 1e-3, 1e-6, 0.01, 1e-12]))
    hi = 2 ** 50 if dt == "int64" and rng.random() < 0.3 else 1000
    # dt is "int32" or "int64" at run time; numpy's stubs only overload literal dtype names
    ref: Array = rng.integers(-hi, hi, size=shape, dtype=dt)  # type: ignore[call-overload]
    delta = rng.choice([0, 0, 0, 1, -1, 2, 5], size=shape).astype(dt)
    act = (ref + delta).astype(dt)
    return np.array(act, dtype=dt), np.array(ref, dtype=dt), atol, rtol


def bool_case(rng: Rng, shape: Tuple[int, ...]) -> Case:
    """A bool case: half the time identical, else about 20% of the elements flipped."""
    atol = float(rng.choice([0.0, 0.5, 0.9999, 1.0, 1e-3]))
    rtol = float(rng.choice([0.0, 0.5, 1e-3]))
    ref = rng.random(shape) < 0.5
    flip = rng.random(shape) < (0.0 if rng.random() < 0.5 else 0.2)
    act = np.logical_xor(ref, flip)
    return np.array(act, dtype=np.bool_), np.array(ref, dtype=np.bool_), atol, rtol


def verdict(act: Array, ref: Array, atol: float, rtol: float) -> bool:
    """numpy.testing.assert_allclose(act, ref, rtol, atol, equal_nan=True) as a boolean."""
    try:
        np.testing.assert_allclose(act, ref, rtol=rtol, atol=atol, equal_nan=True)
        return True
    except AssertionError:
        return False


def max_abs(act: Array, ref: Array) -> Optional[float]:
    """numpy's float64 max |a - r| over the pairs where both values are finite (None when there is none)."""
    a = act.astype(np.float64).reshape(-1)
    r = ref.astype(np.float64).reshape(-1)
    m = np.isfinite(a) & np.isfinite(r)
    if not m.any():
        return None
    return float(np.max(np.abs(a[m] - r[m])))


def main() -> None:
    """Generates the cases and prints the JSON document."""
    p = argparse.ArgumentParser()
    p.add_argument("--count", type=int, default=600)
    p.add_argument("--seed", type=int, default=20241129)
    args = p.parse_args()
    rng = np.random.default_rng(args.seed)
    cases: List[Dict[str, Any]] = []
    np.seterr(all="ignore")
    while len(cases) < args.count:
        shape = random_shape(rng)
        u = rng.random()
        allow_int_float = False
        if u < 0.55:
            dt = str(rng.choice(FLOATS))
            act, ref, atol, rtol = float_case(rng, shape, dt, dt)
        elif u < 0.7:
            dt_a, dt_r = [str(x) for x in rng.choice(FLOATS, size=2, replace=False)]
            act, ref, atol, rtol = float_case(rng, shape, dt_a, dt_r)
        elif u < 0.85:
            dt = str(rng.choice(INTS))
            act, ref, atol, rtol = int_case(rng, shape, dt)
        elif u < 0.93:
            act, ref, atol, rtol = bool_case(rng, shape)
        else:
            # integer actual vs float reference (compared by value with allowIntFloat)
            dt_r = str(rng.choice(FLOATS))
            act, ref, atol, rtol = float_case(rng, shape, "float64", dt_r)
            act = np.where(np.isfinite(act), np.round(act * 4), 0).astype(str(rng.choice(INTS)))
            ref = (np.round(ref.astype(np.float64) * 4) + rng.choice([0.0, 0.25, 1.0], size=shape)).astype(dt_r)
            act = np.array(act); ref = np.array(ref, dtype=dt_r)
            allow_int_float = True
        cases.append({
            "id": len(cases),
            "actual": encode(act),
            "reference": encode(ref),
            "atol": atol,
            "rtol": rtol,
            "allow_int_float": allow_int_float,
            "numpy_pass": verdict(act, ref, atol, rtol),
            "numpy_max_abs_diff": max_abs(act, ref),
        })
    json.dump({"numpy": np.__version__, "seed": args.seed, "cases": cases}, sys.stdout)


if __name__ == "__main__":
    main()
