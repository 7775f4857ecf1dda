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
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

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


ALREADY_QUANTIZED = "the model is already quantized"
"""Start of the ValueError raised when asked to quantize a model that holds quantized modules."""

NOTHING_QUANTIZED = "quantization='dynamic': nothing was quantized"
"""Start of the ValueError raised when dynamic quantization finds no nn.Linear to convert."""

STATIC_CUDA_WARNING = (
    "quantization='static': CUDA is available, but torch's post-training static quantization "
    "runs on the CPU backend only (fbgemm/qnnpack kernels): the quantized model cannot run on "
    "the GPU; on a GPU deployment quantization='dynamic' is the safer choice"
)
"""Warning logged (and recorded in quantization_info.warnings) when static quantization runs where CUDA is available."""

EMPTY_CALIBRATION = "calibration: expected at least one batch with at least one row"
"""Start of the ValueError for an empty calibration set or a zero-length calibration batch."""


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


def check_not_quantized(model: nn.Module, quantization: str) -> None:
    """Refuse to quantize a model that already holds quantized modules.

    Raises:
        ValueError: naming the quantized modules found.
    """
    found = quantized_module_names(model)
    if found:
        raise ValueError(
            f"quantization={quantization!r}: {ALREADY_QUANTIZED} (it holds quantized modules "
            f"{', '.join(found)}); pass the fp32 model to quantize it (the reference outputs are then "
            "the fp32 model's, and the report measures what quantization costs), or export this one as "
            "it is with quantization=None (metadata.json then says quantization null and its reference "
            "outputs are this quantized model's own)"
        )


def quantize_dynamic_copy(model: nn.Module) -> nn.Module:
    """Return a dynamically quantized (qint8 ``nn.Linear``) deep copy of ``model`` in eval mode.

    Raises:
        ValueError: when the model is already quantized, or has no nn.Linear (nothing would be
            quantized, and an fp32 model must not be labelled quantized).
    """
    check_not_quantized(model, "dynamic")
    work = copy.deepcopy(model).eval()
    quantized: nn.Module = quantize_dynamic(work, {nn.Linear}, dtype=torch.qint8)
    if not has_quantized_modules(quantized):
        kinds = sorted({type(m).__name__ for m in model.modules() if any(True for _ in m.parameters(recurse=False))})
        raise ValueError(
            f"{NOTHING_QUANTIZED}: the model has no nn.Linear layer (its layers with weights: "
            f"{', '.join(kinds) or 'none'}); dynamic quantization converts nn.Linear only. Export it "
            "with quantization=None, or use quantization='static' for convolutions"
        )
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


def _quantized_layers(model: nn.Module) -> Iterator[nn.Module]:
    """The quantized modules of ``model`` (a ``torch.*quantized*`` namespace), not their packed params."""
    return (
        m
        for m in model.modules()
        if "quantized" in type(m).__module__ and not type(m).__name__.endswith("PackedParams")
    )


def quantized_module_names(model: nn.Module) -> List[str]:
    """Sorted class names of the quantized modules in ``model`` (e.g. ``["ConvReLU2d", "Linear"]``)."""
    return sorted({type(m).__name__ for m in _quantized_layers(model)})


def check_calibration(
    calibration: Optional[Sequence[Mapping[str, torch.Tensor]]], spec: TaskSpec
) -> Optional[List[Dict[str, torch.Tensor]]]:
    """Validate a caller's calibration set: a non-empty list of input dicts with >= 1 row each.

    Raises:
        ValueError: for an empty set, a batch missing an input, or a zero-length batch.
    """
    if calibration is None:
        return None
    batches = list(calibration)
    if not batches:
        raise ValueError(f"{EMPTY_CALIBRATION}, received an empty calibration set (0 batches)")
    checked: List[Dict[str, torch.Tensor]] = []
    for i, batch in enumerate(batches):
        if not isinstance(batch, Mapping) or any(n not in batch for n in spec.input_names):
            raise ValueError(
                f"calibration[{i}]: expected a dict with the model's inputs {spec.input_names}, "
                f"received {type(batch).__name__}{'' if not isinstance(batch, Mapping) else ' with keys ' + str(sorted(batch))}"
            )
        rows = {n: int(batch[n].shape[0]) if batch[n].dim() > 0 else 0 for n in spec.input_names}
        if any(r == 0 for r in rows.values()):
            raise ValueError(f"{EMPTY_CALIBRATION}, received a zero-length batch calibration[{i}] ({rows})")
        checked.append({n: batch[n] for n in spec.input_names})
    return checked


def quantize_static_copy(
    model: nn.Module,
    spec: TaskSpec,
    seed: int,
    calibration: Optional[Sequence[Mapping[str, torch.Tensor]]] = None,
) -> Tuple[nn.Module, Dict[str, Any]]:
    """Return a statically quantized copy of ``model`` and the details for ``quantization_info``.

    FX graph mode: ``prepare_fx`` with the default qconfig mapping of the current quantized
    engine (weights qint8 per channel, activations quint8), calibration on the caller's
    ``calibration`` batches (input name -> tensor) or, when None, on
    :data:`CALIBRATION_BATCHES` generated batches of :data:`CALIBRATION_BATCH_SIZE` rows, then
    ``convert_fx``. When CUDA is available a warning says the result runs on the CPU backend only
    (:data:`STATIC_CUDA_WARNING`). Operations without an int8 kernel stay float with quantize/dequantize
    around them, as FX decides. ``model`` itself is never modified.

    Raises:
        ValueError: when torch.fx cannot trace the model (the message gives the tracer's error
            and what to do), or the torch build has no quantized engine.
        ExportError: when the model fails on a calibration batch.
    """
    check_not_quantized(model, "static")
    warnings: List[str] = []
    if torch.cuda.is_available():
        warnings.append(STATIC_CUDA_WARNING)  # export_model logs every quantization warning
    calibration = check_calibration(calibration, spec)
    engine = _quantized_engine()
    work = copy.deepcopy(model).eval()
    example = example_args(generate_dummy_input(spec, 2, seed), spec)
    try:
        prepared = prepare_fx(work, get_default_qconfig_mapping(engine), example)
    except Exception as exc:  # noqa: BLE001 - any tracer failure means "not FX-traceable"
        raise ValueError(
            f"{STATIC_REFUSAL} ({type(exc).__name__}: {_one_line(str(exc))}). {STATIC_ADVICE}"
        ) from exc
    calibration_record: Dict[str, Any]
    if calibration is None:
        seeds = [seed + CALIBRATION_SEED_OFFSET + i for i in range(CALIBRATION_BATCHES)]
        for batch_seed in seeds:
            run_model(prepared, generate_dummy_input(spec, CALIBRATION_BATCH_SIZE, batch_seed), spec)
        calibration_record = {"source": "generated", "batches": CALIBRATION_BATCHES, "batch_size": CALIBRATION_BATCH_SIZE, "seeds": seeds}
    else:
        for batch in calibration:
            run_model(prepared, batch, spec)
        calibration_record = {"source": "caller", "batches": len(calibration), "rows": [int(next(iter(b.values())).shape[0]) for b in calibration]}
    quantized: nn.Module = convert_fx(prepared).eval()
    details: Dict[str, Any] = {
        "dtype": "qint8 weights, quint8 activations",
        "modules": quantized_module_names(quantized),
        "engine": engine,
        "calibration": calibration_record,
        "warnings": warnings,
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


def already_quantized_note(model: nn.Module) -> Optional[str]:
    """The export note of a model its author quantized before an export without ``quantization``.

    Such a model is exported as it is, and its reference samples are its own (quantized) outputs: the
    verdict judges the export against the quantized model, not what quantization cost. None for a
    model without quantized modules.
    """
    if not has_quantized_modules(model):
        return None
    kinds = sorted(
        {f"{type(m).__name__} ({'dynamic' if 'dynamic' in type(m).__module__ else 'static'})" for m in _quantized_layers(model)}
    )
    return (
        f"the model was quantized before export (quantized modules: {', '.join(kinds) or 'packed parameters'}): it is exported as it is and its "
        "reference samples are its own outputs, so parity judges the export against the quantized model, not "
        "what quantization cost (export the fp32 model with quantization='dynamic' or 'static' to measure that)"
    )


def _storage_bytes(value: Any, totals: Dict[str, int]) -> None:
    """Add the bytes of the tensors in ``value`` (a tensor or nested tuple) to ``totals`` by dtype."""
    if isinstance(value, torch.Tensor):
        key = str(value.dtype).replace("torch.", "")
        totals[key] = totals.get(key, 0) + value.numel() * value.element_size()
    elif isinstance(value, (tuple, list)):
        for item in value:
            _storage_bytes(item, totals)


def parameter_bytes_by_dtype(model: nn.Module) -> Dict[str, int]:
    """Bytes of ``model.state_dict()`` tensors by dtype (``qint8`` counts one byte an element)."""
    totals: Dict[str, int] = {}
    for value in model.state_dict().values():
        _storage_bytes(value, totals)
    return dict(sorted(totals.items()))


def _quantized_weight(module: nn.Module) -> Optional[torch.Tensor]:
    """The quantized weight tensor of a quantized module, or None."""
    weight = getattr(module, "weight", None)
    try:
        value = weight() if callable(weight) else weight
    except Exception:  # noqa: BLE001 - a module without a quantized weight
        return None
    return value if isinstance(value, torch.Tensor) and value.is_quantized else None


def _constant_weight(weight: torch.Tensor) -> Optional[float]:
    """The single value of a weight whose elements are all equal, else None."""
    if weight.numel() == 0:
        return None
    first = weight.reshape(-1)[0]
    return float(first) if bool(torch.all(weight == first)) else None


def eager_weight_warnings(eager: nn.Module, layer_names: Sequence[str]) -> List[str]:
    """Warnings about the fp32 weights of the layers that were quantized (named as in ``eager``).

    * a constant weight (all zeros, all ones): quantized exactly, but usually an untrained or wrongly
      loaded model (the same text as the int8 ONNX rewrite, so the two formats' warnings merge);
    * a weight shared with another module (a tied embedding / LM head): the quantized layer holds its
      own 8-bit copy while the other module keeps the fp32 tensor, so the file does not shrink for it.
    """
    owners: Dict[int, List[str]] = {}
    for module_name, module in eager.named_modules():
        for param_name, param in module.named_parameters(recurse=False):
            owners.setdefault(id(param), []).append(f"{module_name}.{param_name}" if module_name else param_name)
    modules = dict(eager.named_modules())
    warnings: List[str] = []
    for name in layer_names:
        weight = getattr(modules.get(name), "weight", None)
        if not isinstance(weight, torch.Tensor):
            continue
        constant = _constant_weight(weight.detach())
        if constant is not None:
            warnings.append(
                f"layer {name}: every weight equals {constant:g}; it was quantized exactly, but a constant "
                "weight usually means an untrained or wrongly loaded model"
            )
        own = f"{name}.weight" if name else "weight"
        others = [o for o in owners.get(id(weight), []) if o != own]
        if others:
            warnings.append(
                f"layer {name}: weight {own} is shared with {', '.join(others)} (tied weights); the quantized "
                f"layer holds its own 8-bit copy while {', '.join(others)} keeps the fp32 tensor, so the file "
                "does not shrink for it"
            )
    return warnings


def torch_layer_record(eager: nn.Module, quantized: nn.Module, method: str) -> Dict[str, Any]:
    """Which layers of ``quantized`` hold quantized weights and which kept fp32 ones, and their bytes.

    A layer is a module with weights of its own. Quantized layers are counted with the bytes of
    their quantized weight (``qint8``: one byte an element, plus per-channel scales and zero
    points when there are any) against the bytes of the same fp32 weight in ``eager``.
    """
    eager_modules = dict(eager.named_modules())
    layers_quantized: List[Dict[str, Any]] = []
    layers_kept: List[Dict[str, Any]] = []
    q_bytes = 0
    fp32_bytes = 0
    for name, module in quantized.named_modules():
        if type(module).__name__.endswith("PackedParams"):
            continue
        weight = _quantized_weight(module) if "quantized" in type(module).__module__ else None
        if weight is not None:
            size = weight.numel() * weight.element_size()
            if weight.qscheme() in (torch.per_channel_affine, torch.per_channel_symmetric):
                size += weight.q_per_channel_scales().numel() * 8 + weight.q_per_channel_zero_points().numel() * 8
            original = getattr(eager_modules.get(name), "weight", None)
            q_bytes += size
            fp32_bytes += original.numel() * original.element_size() if isinstance(original, torch.Tensor) else 0
            layers_quantized.append({"name": name, "module": type(module).__name__, "shape": list(weight.shape), "dtype": str(weight.dtype).replace("torch.", "")})
            continue
        own = [n for n, p in module.named_parameters(recurse=False) if p.is_floating_point()]
        if own:
            reason = (
                "dynamic quantization converts nn.Linear only"
                if method == "dynamic"
                else "FX static quantization left it float (no int8 kernel for this module)"
            )
            if not name:  # parameters of the model itself (a learned position table): name them, not ''
                name, reason = "(root)", f"{reason} (parameters of the model itself: {', '.join(own)})"
            layers_kept.append({"name": name, "module": type(module).__name__, "reason": reason})
    return {
        "layers_quantized": layers_quantized,
        "layers_kept_fp32": layers_kept,
        "parameter_bytes": parameter_bytes_by_dtype(quantized),
        "fp32_parameter_bytes": parameter_bytes_by_dtype(eager),
        "quantized_weight_bytes": q_bytes,
        "fp32_quantized_weight_bytes": fp32_bytes,
        "weight_bytes_ratio": q_bytes / fp32_bytes if fp32_bytes else None,
    }
