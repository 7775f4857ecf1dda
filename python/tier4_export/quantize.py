"""Quantization of a model copy before export.

* ``"dynamic"``: ``quantize_dynamic`` of a deep copy, ``{nn.Linear}`` to
  ``qint8``. The caller's model is never touched.
* ``"static"``: post-training static quantization in FX graph mode
  (``prepare_fx`` / calibration / ``convert_fx``) of a deep copy, calibrated on
  seeded generated inputs. It works for models that ``torch.fx`` can trace
  symbolically (``simple_cnn``); any other model is refused with a ValueError
  that gives the tracer's reason (``lm_stub`` unpacks ``x.shape``, which FX
  cannot trace). See :func:`quantize_static_copy`.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, List, Optional, Tuple

import torch
from torch import nn
from torch.ao.quantization import get_default_qconfig_mapping, quantize_dynamic
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

from .dummy_input import generate_dummy_input
from .model_io import example_args, run_model
from .task_spec import TaskSpec

QUANTIZATION_METHODS = ("dynamic", "static")
"""Values ``export_model(quantization=...)`` understands besides None."""

CALIBRATION_BATCHES = 8
"""Number of generated batches static quantization calibrates its observers on."""

CALIBRATION_BATCH_SIZE = 4
"""Batch size of each calibration batch."""

CALIBRATION_SEED_OFFSET = 1_000_000
"""Calibration batch ``i`` uses seed ``seed + CALIBRATION_SEED_OFFSET + i``: the same input
distribution as the reference samples (seeds ``seed + i``) but never the same tensors."""

STATIC_REFUSAL = (
    "quantization='static' is refused for this model: post-training static quantization is done "
    "in FX graph mode (torch.ao.quantization.quantize_fx.prepare_fx), which must trace the model "
    "symbolically, and torch.fx could not trace it"
)
"""Start of the ValueError raised when static quantization cannot be applied (the tracer's error follows)."""

STATIC_ADVICE = (
    "Make forward() FX-traceable (for example use x.size(0) / x.size(1) instead of unpacking "
    "x.shape, and no Python control flow on tensor values), use quantization='dynamic' "
    "(nn.Linear weights to qint8, activations quantized at run time, no tracing needed), or "
    "quantize the model yourself and export it with quantization=None."
)
"""Advice appended to the static refusal."""


def check_quantization(quantization: Optional[str]) -> None:
    """Validate the ``quantization`` argument before anything is written.

    Raises:
        ValueError: for any value other than None, ``"dynamic"`` and ``"static"``.
    """
    if quantization is None or quantization in QUANTIZATION_METHODS:
        return
    raise ValueError(
        f"quantization: expected None, 'dynamic' or 'static', received {quantization!r}"
    )


def quantize_dynamic_copy(model: nn.Module) -> nn.Module:
    """Return a dynamically quantized (qint8 ``nn.Linear``) deep copy of ``model`` in eval mode."""
    work = copy.deepcopy(model).eval()
    quantized: nn.Module = quantize_dynamic(work, {nn.Linear}, dtype=torch.qint8)
    return quantized.eval()


def _quantized_engine() -> str:
    """The quantized engine in use (the first supported one when none is selected)."""
    engine = str(torch.backends.quantized.engine)
    if engine != "none":
        return engine
    supported = [e for e in torch.backends.quantized.supported_engines if e != "none"]
    if not supported:
        raise ValueError(
            "quantization='static': expected a torch build with a quantized engine, received one "
            f"whose supported engines are {list(torch.backends.quantized.supported_engines)}"
        )
    torch.backends.quantized.engine = supported[0]
    return supported[0]


def _one_line(text: str) -> str:
    """First non-empty line of ``text`` (tracer errors run on over many lines)."""
    for line in str(text).splitlines():
        if line.strip():
            return line.strip()
    return ""


def quantized_module_names(model: nn.Module) -> List[str]:
    """Sorted class names of the quantized modules in ``model`` (e.g. ``["ConvReLU2d", "Linear"]``)."""
    return sorted(
        {
            type(m).__name__
            for m in model.modules()
            if "quantized" in type(m).__module__ and not type(m).__name__.endswith("PackedParams")
        }
    )


def quantize_static_copy(
    model: nn.Module, spec: TaskSpec, seed: int
) -> Tuple[nn.Module, Dict[str, Any]]:
    """Return a statically quantized copy of ``model`` and the details for ``quantization_info``.

    FX graph mode: ``prepare_fx`` with the default qconfig mapping of the current quantized
    engine (weights qint8 per channel, activations quint8), calibration on
    :data:`CALIBRATION_BATCHES` generated batches of :data:`CALIBRATION_BATCH_SIZE` rows, then
    ``convert_fx``. Operations without an int8 kernel stay float with quantize/dequantize
    around them, as FX decides. ``model`` itself is never modified.

    Raises:
        ValueError: when torch.fx cannot trace the model (the message gives the tracer's error
            and what to do), or the torch build has no quantized engine.
        ExportError: when the model fails on a calibration batch.
    """
    engine = _quantized_engine()
    work = copy.deepcopy(model).eval()
    example = example_args(generate_dummy_input(spec, 2, seed), spec)
    try:
        prepared = prepare_fx(work, get_default_qconfig_mapping(engine), example)
    except Exception as exc:  # noqa: BLE001 - any tracer failure means "not FX-traceable"
        raise ValueError(
            f"{STATIC_REFUSAL} ({type(exc).__name__}: {_one_line(str(exc))}). {STATIC_ADVICE}"
        ) from exc
    seeds = [seed + CALIBRATION_SEED_OFFSET + i for i in range(CALIBRATION_BATCHES)]
    for batch_seed in seeds:
        run_model(prepared, generate_dummy_input(spec, CALIBRATION_BATCH_SIZE, batch_seed), spec)
    quantized: nn.Module = convert_fx(prepared).eval()
    details: Dict[str, Any] = {
        "dtype": "qint8 weights, quint8 activations",
        "modules": quantized_module_names(quantized),
        "engine": engine,
        "calibration": {
            "batches": CALIBRATION_BATCHES,
            "batch_size": CALIBRATION_BATCH_SIZE,
            "seeds": seeds,
        },
    }
    return quantized, details


def quantization_info(
    fp32_size_bytes: Optional[int],
    quantized_size_bytes: Optional[int],
    method: str = "dynamic",
    details: Optional[Dict[str, Any]] = None,
) -> Dict[str, Any]:
    """The ``quantization_info`` record of metadata.json.

    Sizes are those of the TorchScript files of the fp32 and the quantized
    model; they are None (and so is the ratio) when tracing failed. For
    ``"dynamic"`` the record says ``dtype: "qint8"``, ``modules: ["Linear"]``;
    for ``"static"`` ``details`` (from :func:`quantize_static_copy`) adds the
    quantized module types, the engine and the calibration batches.
    """
    ratio: Optional[float] = None
    if fp32_size_bytes and quantized_size_bytes is not None:
        ratio = quantized_size_bytes / fp32_size_bytes
    info: Dict[str, Any] = {"method": method, "dtype": "qint8", "modules": ["Linear"]}
    if details:
        info.update(details)
    info.update(
        {
            "fp32_size_bytes": fp32_size_bytes,
            "quantized_size_bytes": quantized_size_bytes,
            "size_ratio": ratio,
        }
    )
    return info


def has_quantized_modules(model: nn.Module) -> bool:
    """True when any submodule comes from a ``torch.*quantized*`` module namespace."""
    return any("quantized" in type(m).__module__ for m in model.modules())
