"""Writers for the three export formats.

* ``torchscript``: ``torch.jit.trace`` (eval mode, no grad) then ``torch.jit.save``.
* ``onnx``: legacy ``torch.onnx.export`` with named inputs/outputs and dynamic
  axes, then ``onnx.checker.check_model``.
* ``pytorch``: ``torch.save(model.state_dict())`` of the eager fp32 model.

Each writer raises on failure and removes any partial file; the caller
(:func:`tier4_export.export.export_model`) records the failure and goes on.
"""

from __future__ import annotations

import inspect
import os
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

import torch
from torch import nn

from .model_io import dynamic_axes

FILENAMES: Dict[str, str] = {
    "onnx": "model.onnx",
    "torchscript": "model.torchscript",
    "pytorch": "model.pth",
}
"""File name of each format inside the export directory."""


def _remove_quietly(path: Path) -> None:
    """Delete ``path`` if it exists."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _has_mutable_container(value: Any) -> bool:
    """Whether a model output holds a dict or a list anywhere (tuples, named tuples and tensors do not count)."""
    if isinstance(value, (dict, list)):
        return True
    if isinstance(value, tuple):
        return any(_has_mutable_container(v) for v in value)
    return False


def trace_torchscript(model: nn.Module, args: Tuple[torch.Tensor, ...]) -> torch.jit.ScriptModule:
    """Trace ``model`` (already in eval mode) on ``args`` without gradients.

    The tracer's ``strict`` flag is decided here, from the model's own output on ``args``: a dict
    or a list anywhere in it needs ``strict=False`` (a dict's keys name the TorchScript outputs);
    anything else is traced strictly. Every caller (fp32, quantized, size measurement) gets the
    same decision.
    """
    with torch.no_grad():
        strict = not _has_mutable_container(model(*args))
        traced: torch.jit.ScriptModule = torch.jit.trace(model, args, strict=strict)
    return traced


def write_torchscript(model: nn.Module, args: Tuple[torch.Tensor, ...], path: Path) -> None:
    """Trace and save ``model`` to ``path``; a partial file is removed on failure."""
    try:
        traced = trace_torchscript(model, args)
        torch.jit.save(traced, str(path))
    except BaseException:
        _remove_quietly(path)
        raise


def write_pytorch(model: nn.Module, path: Path) -> None:
    """Save ``model.state_dict()`` to ``path``; a partial file is removed on failure."""
    try:
        torch.save(model.state_dict(), str(path))
    except BaseException:
        _remove_quietly(path)
        raise


def legacy_exporter_kwargs() -> Dict[str, Any]:
    """``{"dynamo": False}`` when the installed ``torch.onnx.export`` has that switch, else ``{}``.

    torch >= 2.9 defaults to the dynamo exporter (which needs onnxscript); the
    TorchScript-based exporter is what this package targets.
    """
    try:
        params = inspect.signature(torch.onnx.export).parameters
    except (TypeError, ValueError):
        return {}
    return {"dynamo": False} if "dynamo" in params else {}


def onnx_opset_range() -> Optional[Tuple[int, int]]:
    """The ONNX opsets this torch's exporter writes, ``(min, max)``; None when torch does not say."""
    try:
        from torch.onnx import _constants
    except ImportError:  # pragma: no cover - torch without the legacy exporter's constants
        return None
    low = getattr(_constants, "ONNX_MIN_OPSET", None)
    high = getattr(_constants, "ONNX_MAX_OPSET", None)
    if isinstance(low, int) and isinstance(high, int):
        return low, high
    return None  # pragma: no cover


def check_onnx_opset(opset: int) -> None:
    """Refuse, before anything is exported, an opset this torch cannot write.

    Raises:
        ValueError: ``opset: torch 1.13.1 exports ONNX opsets 7 to 17, received 99``.
    """
    bounds = onnx_opset_range()
    if bounds is not None and not bounds[0] <= opset <= bounds[1]:
        raise ValueError(f"opset: torch {torch.__version__} exports ONNX opsets {bounds[0]} to {bounds[1]}, received {opset}")


def write_onnx(
    model: nn.Module,
    args: Tuple[torch.Tensor, ...],
    path: Path,
    inputs: Sequence[Mapping[str, Any]],
    outputs: Sequence[Mapping[str, Any]],
    opset: int,
) -> None:
    """Export ``model`` to ONNX at ``path`` with named inputs/outputs and dynamic axes.

    Args:
        model: the model in eval mode.
        args: example positional inputs.
        path: destination file.
        inputs: input descriptions (``name``, ``shape`` with string dims for dynamic axes).
        outputs: output descriptions, same form.
        opset: ONNX opset version.
    """
    try:
        with torch.no_grad():
            torch.onnx.export(
                model,
                args,
                str(path),
                input_names=[str(i["name"]) for i in inputs],
                output_names=[str(o["name"]) for o in outputs],
                dynamic_axes=dynamic_axes(inputs, outputs),
                opset_version=opset,
                do_constant_folding=True,
                **legacy_exporter_kwargs(),
            )
        if not path.is_file():
            raise RuntimeError(f"torch.onnx.export returned without writing {path}")
    except BaseException:
        _remove_quietly(path)
        raise


def check_onnx(path: Path) -> Dict[str, Any]:
    """Run ``onnx.checker.check_model`` on ``path``.

    Returns:
        ``{"ok": True, "error": None}``, ``{"ok": False, "error": text}``, or
        ``{"ok": None, "error": "..."}`` when the onnx package is not installed.
    """
    try:
        import onnx
    except ImportError:
        return {"ok": None, "error": "onnx package not installed: checker not run"}
    try:
        onnx.checker.check_model(str(path))
    except Exception as exc:  # noqa: BLE001 - the checker's error text is the result
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return {"ok": True, "error": None}
