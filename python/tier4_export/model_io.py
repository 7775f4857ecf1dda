"""Calling a model on named inputs and describing its outputs.

A model is called positionally with its inputs in ``TaskSpec.input_names``
order, and may return one tensor or a tuple/list of tensors (one per
``TaskSpec.output_names`` entry).
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Sequence, Tuple, Union

import torch
from torch import nn

from .dummy_input import generate_dummy_input
from .errors import ExportError
from .task_spec import TaskSpec

Dim = Union[int, str]


def example_args(inputs: Mapping[str, torch.Tensor], spec: TaskSpec) -> Tuple[torch.Tensor, ...]:
    """Positional argument tuple for ``inputs`` in the TaskSpec's input order."""
    return tuple(inputs[name] for name in spec.input_names)


def run_model(
    model: nn.Module, inputs: Mapping[str, torch.Tensor], spec: TaskSpec
) -> List[torch.Tensor]:
    """Run ``model`` without gradients and return its outputs as a list of tensors.

    Raises:
        ExportError: when the model raises, returns something other than
            tensors, or returns a different number of outputs than
            ``spec.output_names``.
    """
    try:
        with torch.no_grad():
            result: Any = model(*example_args(inputs, spec))
    except Exception as exc:
        raise ExportError(
            f"model {spec.task_name!r} failed on its generated inputs "
            f"({', '.join(f'{k}: {tuple(v.shape)} {v.dtype}' for k, v in inputs.items())}): "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    outputs = [result] if isinstance(result, torch.Tensor) else result
    if not isinstance(outputs, (tuple, list)) or not all(
        isinstance(t, torch.Tensor) for t in outputs
    ):
        raise ExportError(
            f"model {spec.task_name!r}: expected forward() to return a tensor or a tuple of "
            f"tensors, received {type(result).__name__}"
        )
    names = spec.output_names
    if len(outputs) != len(names):
        raise ExportError(
            f"model {spec.task_name!r}: expected {len(names)} output(s) named {names} "
            f"(TaskSpec.output_schema['output_names']), received {len(outputs)}"
        )
    return [t.detach() for t in outputs]


def numpy_dtype_name(tensor: torch.Tensor) -> str:
    """Numpy dtype name (``"float32"``, ``"int64"``...) of a tensor's dtype."""
    return str(torch.empty((), dtype=tensor.dtype).numpy().dtype)


def _probe_inputs(spec: TaskSpec, batch: int, seq: int) -> Dict[str, torch.Tensor]:
    """Generated inputs with ``batch`` rows, truncated to ``seq`` tokens for text."""
    inputs = generate_dummy_input(spec, batch_size=batch, seed=0)
    if spec.modality == "text":
        inputs = {k: v[:, :seq].contiguous() for k, v in inputs.items()}
    return inputs


def describe_outputs(model: nn.Module, spec: TaskSpec) -> List[Dict[str, Any]]:
    """Describe each output as ``{"name", "dtype", "shape"}`` by probing the eager model.

    The model runs on batch 1 and batch 2 (and, for text with max_seq_len > 1,
    on one token fewer): axes that follow the batch become ``"batch"``, axes that
    follow the sequence length become ``"sequence"``, the others are ints.
    """
    full_seq = int(spec.input_schema.get("max_seq_len", 1))
    base = run_model(model, _probe_inputs(spec, 1, full_seq), spec)
    batched = run_model(model, _probe_inputs(spec, 2, full_seq), spec)
    shorter: Sequence[torch.Tensor] = []
    if spec.modality == "text" and full_seq > 1:
        try:
            shorter = run_model(model, _probe_inputs(spec, 1, full_seq - 1), spec)
        except ExportError:
            shorter = []  # a model that only accepts full-length input keeps a fixed sequence axis
    described = []
    for i, (name, out) in enumerate(zip(spec.output_names, base)):
        shape: List[Dim] = []
        for axis, size in enumerate(out.shape):
            if axis < batched[i].dim() and batched[i].shape[axis] != size:
                shape.append("batch")
            elif shorter and axis < shorter[i].dim() and shorter[i].shape[axis] != size:
                shape.append("sequence")
            else:
                shape.append(int(size))
        described.append({"name": name, "dtype": numpy_dtype_name(out), "shape": shape})
    return described


def describe_inputs(spec: TaskSpec) -> List[Dict[str, Any]]:
    """Describe each input as ``{"name", "dtype", "shape"}`` with dynamic axes as names."""
    return [
        {"name": name, "dtype": spec.input_dtype(), "shape": spec.input_shape()}
        for name in spec.input_names
    ]


def dynamic_axes(
    inputs: Sequence[Mapping[str, Any]], outputs: Sequence[Mapping[str, Any]]
) -> Dict[str, Dict[int, str]]:
    """ONNX ``dynamic_axes`` mapping built from the string dims of input/output descriptions."""
    axes: Dict[str, Dict[int, str]] = {}
    for item in [*inputs, *outputs]:
        dims = {i: d for i, d in enumerate(item["shape"]) if isinstance(d, str)}
        if dims:
            axes[str(item["name"])] = dims
    return axes
