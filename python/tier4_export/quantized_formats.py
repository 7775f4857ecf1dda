"""Writing the quantized ONNX and TorchScript artifacts, their fp32 baselines and their records.

For a quantized export each of ``onnx`` and ``torchscript`` gets two files:

* the quantized artifact at its usual place (``model.onnx``, ``model.torchscript``);
* its fp32 baseline under ``fp32/`` (``fp32/model.onnx``, ``fp32/model.torchscript``): the same
  model exported without quantization. The validator measures sizes, resident memory and
  per-layer SQNR against it (the reference *samples* stay those of the eager fp32 model).

``onnx`` with ``"dynamic"``: ``torch.onnx.export`` of a ``quantize_dynamic`` model fails in
torch 1.13 (``quantized::linear_dynamic`` has no ONNX symbolic). The exporter tries it, records
its error in ``torch_onnx_export``, and writes the int8 graph by rewriting the fp32 ONNX
(:mod:`tier4_export.onnx_int8`), the way deployment pipelines use onnxruntime's quantizer.
``onnx`` with ``"static"``: ``torch.onnx.export`` of the FX-converted model (quantize /
dequantize nodes around int8 weights). ``torchscript``: ``torch.jit.trace`` of the quantized copy.

The record of each format goes into ``metadata.json["quantization_info"]["formats"][format]``
(docs/export-format.md).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any, Dict, Mapping, Sequence, Tuple

import torch
from torch import nn

from .formats import FILENAMES, write_onnx, write_torchscript
from .hashing import artifact_record
from .onnx_int8 import parameter_bytes_by_dtype as onnx_parameter_bytes
from .onnx_int8 import quantize_onnx_dynamic
from .quantize import eager_weight_warnings, torch_layer_record

FP32_DIRNAME = "fp32"
"""Directory of the fp32 baselines inside a quantized export dir."""

TORCH_PATH_NOT_USED = (
    "torch.onnx.export of the quantized model is not used: it fails in torch 1.13 for "
    "quantize_dynamic models"
)


def _one_line(text: str) -> str:
    for line in str(text).splitlines():
        if line.strip():
            return line.strip()
    return ""


def _try_torch_onnx_export(
    quantized: nn.Module,
    args: Tuple[torch.Tensor, ...],
    inputs: Sequence[Mapping[str, Any]],
    outputs: Sequence[Mapping[str, Any]],
    opset: int,
) -> str:
    """Try ``torch.onnx.export`` of the dynamically quantized model; return what happened, one line."""
    with tempfile.TemporaryDirectory(prefix="tier4-qonnx-") as tmp:
        try:
            write_onnx(quantized, args, Path(tmp) / FILENAMES["onnx"], inputs, outputs, opset)
        except Exception as exc:  # noqa: BLE001 - the failure is the record
            return f"failed: {type(exc).__name__}: {_one_line(str(exc))}"
    return "succeeded, but not used: the graph rewrite gives the same int8 graph on every torch version"


def _ratio(a: int, b: int) -> Any:
    return a / b if b else None


def write_quantized_onnx(
    method: str,
    eager: nn.Module,
    quantized: nn.Module,
    args: Tuple[torch.Tensor, ...],
    out_dir: Path,
    inputs: Sequence[Mapping[str, Any]],
    outputs: Sequence[Mapping[str, Any]],
    opset: int,
) -> Dict[str, Any]:
    """Write ``fp32/model.onnx`` and the quantized ``model.onnx``; return the format's record.

    Raises:
        Exception: whatever the fp32 export, the rewrite or the static export raised (the
            caller records it in ``formats_failed``); partial files are removed.
    """
    fp32_path = out_dir / FP32_DIRNAME / FILENAMES["onnx"]
    path = out_dir / FILENAMES["onnx"]
    fp32_path.parent.mkdir(exist_ok=True)
    write_onnx(eager, args, fp32_path, inputs, outputs, opset)
    import onnx

    record: Dict[str, Any]
    if method == "dynamic":
        torch_attempt = _try_torch_onnx_export(quantized, args, inputs, outputs, opset)
        result = quantize_onnx_dynamic(fp32_path, path)
        record = {
            "method": "dynamic",
            "scheme": (
                f"DynamicQuantizeLinear + MatMulInteger: weights {result.weight_type} "
                f"{'per channel' if result.per_channel else 'per tensor'} offline, activations uint8 at run time"
            ),
            "weight_type": result.weight_type,
            "granularity": "per_channel" if result.per_channel else "per_tensor",
            "writer": "tier4_export.onnx_int8 (graph rewrite of fp32/model.onnx)",
            "torch_onnx_export": torch_attempt,
            "layers_quantized": [layer.to_json() for layer in result.quantized],
            "layers_kept_fp32": [layer.to_json() for layer in result.kept_fp32],
            "parameter_bytes": result.parameter_bytes,
            "fp32_parameter_bytes": result.fp32_parameter_bytes,
            "quantized_weight_bytes": result.quantized_weight_bytes,
            "fp32_quantized_weight_bytes": result.fp32_quantized_weight_bytes,
            "weight_bytes_ratio": _ratio(result.quantized_weight_bytes, result.fp32_quantized_weight_bytes),
            "warnings": list(result.warnings),
        }
    else:
        try:
            write_onnx(quantized, args, path, inputs, outputs, opset)
        except BaseException:
            shutil.rmtree(fp32_path.parent, ignore_errors=True)
            raise
        layers = torch_layer_record(eager, quantized, method)
        model = onnx.load(str(path))
        layers["parameter_bytes"] = onnx_parameter_bytes(model)
        layers["fp32_parameter_bytes"] = onnx_parameter_bytes(onnx.load(str(fp32_path)))
        record = {
            "method": "static",
            "scheme": "torch.onnx.export of the FX-converted model (QuantizeLinear/DequantizeLinear around int8 weights)",
            "writer": "torch.onnx.export",
            **layers,
            "warnings": eager_weight_warnings(eager, [layer["name"] for layer in layers["layers_quantized"]]),
        }
    return _with_sizes(record, out_dir, path, fp32_path)


def write_quantized_torchscript(
    method: str,
    eager: nn.Module,
    quantized: nn.Module,
    args: Tuple[torch.Tensor, ...],
    out_dir: Path,
) -> Dict[str, Any]:
    """Write ``fp32/model.torchscript`` and the quantized ``model.torchscript``; return the record.

    Both are traced by :func:`trace_torchscript`, which decides the tracer's ``strict`` flag from
    each model's output (a dict output, e.g., needs ``strict=False``).
    """
    fp32_path = out_dir / FP32_DIRNAME / FILENAMES["torchscript"]
    path = out_dir / FILENAMES["torchscript"]
    fp32_path.parent.mkdir(exist_ok=True)
    write_torchscript(eager, args, fp32_path)
    write_torchscript(quantized, args, path)
    layers = torch_layer_record(eager, quantized, method)
    record: Dict[str, Any] = {
        "method": method,
        "scheme": (
            "torch.ao.quantization.quantize_dynamic: nn.Linear weights qint8 per tensor, activations quantized at run time"
            if method == "dynamic"
            else "FX graph mode static quantization: weights qint8 per channel, activations quint8 (calibrated)"
        ),
        "writer": "torch.jit.trace",
        **layers,
        "warnings": eager_weight_warnings(eager, [layer["name"] for layer in layers["layers_quantized"]]),
    }
    return _with_sizes(record, out_dir, path, fp32_path)


def _with_sizes(record: Dict[str, Any], out_dir: Path, path: Path, fp32_path: Path) -> Dict[str, Any]:
    """Add the measured artifact sizes (and the fp32 baseline's artifact record)."""
    size = path.stat().st_size
    fp32 = artifact_record(out_dir, fp32_path)
    fp32_size = fp32_path.stat().st_size
    record.update(
        {
            "artifact": path.relative_to(out_dir).as_posix(),
            "size_bytes": size,
            "fp32_artifact": fp32,
            "fp32_size_bytes": fp32_size,
            "size_ratio": _ratio(size, fp32_size),
        }
    )
    return record
