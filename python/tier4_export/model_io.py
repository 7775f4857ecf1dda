"""Calling a model on named inputs and naming its outputs.

A model is called **by keyword** (``model(input_ids=..., attention_mask=...)``) when every
input name of its TaskSpec is a parameter of its ``forward`` that accepts a keyword, and
positionally in ``TaskSpec.input_names`` order otherwise (``forward(x)`` for a vision model).

``forward`` may return one tensor, a tuple/list of tensors, a dict of tensors or a named
tuple. A dict's keys and a named tuple's fields name the outputs; a plain tuple takes its
names from ``output_schema['output_names']`` (default ``["logits"]``). Declared names and the
model's own names must be the same set; the model's order wins (it is the ONNX graph's order).
"""

from __future__ import annotations

import inspect
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import torch
from torch import nn

from .dummy_input import generate_dummy_input
from .errors import ExportError, user_traceback
from .task_spec import TaskSpec

Dim = Union[int, str]


def keyword_parameters(model: nn.Module) -> Optional[List[str]]:
    """Names of ``model.forward``'s parameters that accept a keyword, in order (None when unknown)."""
    try:
        params = inspect.signature(model.forward).parameters
    except (TypeError, ValueError):
        return None
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return [n for n, p in params.items() if p.kind in kinds]


def positional_parameters(model: nn.Module) -> Optional[List[str]]:
    """Names of ``model.forward``'s parameters that can be given positionally (None when unknown)."""
    try:
        params = inspect.signature(model.forward).parameters
    except (TypeError, ValueError):
        return None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [n for n, p in params.items() if p.kind in kinds]


def calls_by_keyword(model: nn.Module, names: Sequence[str]) -> bool:
    """True when every name in ``names`` is a keyword-accepting parameter of ``model.forward``."""
    params = keyword_parameters(model)
    return params is not None and all(n in params for n in names)


def needs_keyword_adapter(model: nn.Module, names: Sequence[str]) -> bool:
    """True when ``model`` is called by keyword and ``names`` are not its leading positional parameters.

    Tracing (TorchScript, ONNX) passes inputs positionally; ``forward(input_ids,
    token_type_ids=None, attention_mask=None)`` given ``input_ids`` and ``attention_mask``
    needs :class:`KeywordAdapter` to put ``attention_mask`` where it belongs.
    """
    if not calls_by_keyword(model, names):
        return False
    positional = positional_parameters(model) or []
    return list(positional[: len(names)]) != list(names)


class KeywordAdapter(nn.Module):
    """Takes the inputs positionally, in TaskSpec order, and calls the wrapped model by keyword.

    Its ``forward`` has one parameter per input name, so the traced TorchScript and the ONNX
    graph name their inputs after the TaskSpec. The wrapped model is the child ``model``
    (module scopes in the ONNX graph gain a leading ``/model``).
    """

    def __init__(self, model: nn.Module, names: Sequence[str]) -> None:
        """Wrap ``model``; ``names`` are the input names in TaskSpec order."""
        super().__init__()
        self.model = model
        self.input_names = list(names)

    def forward(self, *args: torch.Tensor) -> Any:
        """Call the wrapped model with ``{name: arg}`` as keyword arguments."""
        return self.model(**dict(zip(self.input_names, args)))


def traceable(model: nn.Module, spec: TaskSpec) -> nn.Module:
    """``model`` itself, or a :class:`KeywordAdapter` whose ``forward`` signature names the inputs.

    ``torch.jit.trace`` names a traced module's arguments after ``inspect.signature`` of its
    ``forward``; the adapter's subclass carries a ``__signature__`` with one parameter per
    input, so the TorchScript file takes ``(input_ids, attention_mask)`` like the ONNX graph.
    """
    names = spec.input_names
    if not needs_keyword_adapter(model, names):
        return model

    def forward(self: KeywordAdapter, *args: torch.Tensor) -> Any:
        return KeywordAdapter.forward(self, *args)

    params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    params += [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names]
    setattr(forward, "__signature__", inspect.Signature(params))
    adapter_type = type("KeywordAdapter", (KeywordAdapter,), {"forward": forward})
    adapter: nn.Module = adapter_type(model, names)
    return adapter.train(model.training)


def example_args(inputs: Mapping[str, torch.Tensor], spec: TaskSpec) -> Tuple[torch.Tensor, ...]:
    """Positional argument tuple for ``inputs`` in the TaskSpec's input order."""
    return tuple(inputs[name] for name in spec.input_names)


def call_model(model: nn.Module, inputs: Mapping[str, torch.Tensor], names: Sequence[str]) -> Any:
    """Call ``model`` on ``inputs`` by keyword or positionally (see the module docstring)."""
    if calls_by_keyword(model, names):
        return model(**{n: inputs[n] for n in names})
    return model(*(inputs[n] for n in names))


def named_outputs(result: Any) -> List[Tuple[Optional[str], Any]]:
    """Flatten one forward result into ``(name or None, value)`` pairs, in the model's order."""
    if isinstance(result, torch.Tensor):
        return [(None, result)]
    if isinstance(result, Mapping):
        return [(str(k), v) for k, v in result.items()]
    if isinstance(result, tuple) and hasattr(result, "_fields"):
        return [(str(f), v) for f, v in zip(getattr(result, "_fields"), result)]
    if isinstance(result, (tuple, list)):
        return [(None, v) for v in result]
    return [(None, result)]


def output_kind(result: Any) -> str:
    """``"tensor"``, ``"dict"``, ``"namedtuple"`` or ``"tuple"``: the structure ``forward`` returned."""
    if isinstance(result, torch.Tensor):
        return "tensor"
    if isinstance(result, Mapping):
        return "dict"
    if isinstance(result, tuple) and hasattr(result, "_fields"):
        return "namedtuple"
    return "tuple"


def resolve_outputs(result: Any, spec: TaskSpec) -> Dict[str, torch.Tensor]:
    """Name every output of ``result`` (see the module docstring) and detach it.

    Raises:
        ExportError: an output is not a tensor, the count differs from the declared names, or
            the model's own names differ from the declared ones.
    """
    pairs = named_outputs(result)
    bad = [f"{name or i}: {type(v).__name__}" for i, (name, v) in enumerate(pairs) if not isinstance(v, torch.Tensor)]
    if bad or not pairs:
        raise ExportError(
            f"model {spec.task_name!r}: expected forward() to return a tensor, a tuple/list, a dict or "
            f"a named tuple of tensors, received {type(result).__name__}"
            + (f" with non-tensor output(s) {bad}" if bad else "")
        )
    declared = spec.output_schema.get("output_names")
    own = [name for name, _ in pairs]
    if all(name is not None for name in own):
        names = [str(n) for n in own]
        if declared is not None and sorted(declared) != sorted(names):
            raise ExportError(
                f"model {spec.task_name!r}: forward() returned outputs named {names} "
                f"({output_kind(result)}), but TaskSpec.output_schema['output_names'] declares {list(declared)}"
            )
        clash = sorted(set(names) & set(spec.input_names))
        if clash or len(set(names)) != len(names) or not all(names):
            raise ExportError(
                f"model {spec.task_name!r}: output names {names} must be distinct, non-empty and "
                f"different from the input names {spec.input_names}"
            )
    else:
        names = spec.output_names
        if len(pairs) != len(names):
            raise ExportError(
                f"model {spec.task_name!r}: expected {len(names)} output(s) named {names} "
                f"(TaskSpec.output_schema['output_names']), received {len(pairs)}"
            )
    return {name: value.detach() for name, (_, value) in zip(names, pairs)}


def run_model(
    model: nn.Module, inputs: Mapping[str, torch.Tensor], spec: TaskSpec
) -> Dict[str, torch.Tensor]:
    """Run ``model`` without gradients and return its outputs by name, in the model's order.

    Raises:
        ExportError: when the model raises or returns something :func:`resolve_outputs` refuses.
    """
    try:
        with torch.no_grad():
            result: Any = call_model(model, inputs, spec.input_names)
    except Exception as exc:
        raise ExportError(
            f"model {spec.task_name!r} failed on its generated inputs "
            f"({', '.join(f'{k}: {tuple(v.shape)} {v.dtype}' for k, v in inputs.items())}): "
            f"{type(exc).__name__}: {exc}",
            details=user_traceback(exc),
        ) from exc
    return resolve_outputs(result, spec)


def forward_output_kind(model: nn.Module, spec: TaskSpec) -> str:
    """The structure ``model`` returns on a generated batch (see :func:`output_kind`)."""
    inputs = generate_dummy_input(spec, batch_size=1, seed=0)
    with torch.no_grad():
        return output_kind(call_model(model, inputs, spec.input_names))


def numpy_dtype_name(tensor: torch.Tensor) -> str:
    """Numpy dtype name (``"float32"``, ``"int64"``...) of a tensor's dtype."""
    return str(torch.empty((), dtype=tensor.dtype).numpy().dtype)


def _probe_inputs(spec: TaskSpec, batch: int, seq: int) -> Dict[str, torch.Tensor]:
    """Generated inputs with ``batch`` rows and ``seq`` tokens for text."""
    return generate_dummy_input(spec, batch_size=batch, seed=0, seq_len=seq if spec.modality == "text" else None)


def describe_outputs(model: nn.Module, spec: TaskSpec) -> List[Dict[str, Any]]:
    """Describe each output as ``{"name", "dtype", "shape"}`` by probing the eager model.

    The model runs on batch 1 and batch 2 (and, for text with max_seq_len > 1,
    on one token fewer): axes that follow the batch become ``"batch"``, axes that
    follow the sequence length become ``"sequence"``, the others are ints.
    """
    full_seq = int(spec.input_schema.get("max_seq_len", 1))
    base = run_model(model, _probe_inputs(spec, 1, full_seq), spec)
    batched = run_model(model, _probe_inputs(spec, 2, full_seq), spec)
    shorter: Dict[str, torch.Tensor] = {}
    if spec.modality == "text" and full_seq > 1:
        try:
            shorter = run_model(model, _probe_inputs(spec, 1, full_seq - 1), spec)
        except ExportError:
            shorter = {}  # a model that only accepts full-length input keeps a fixed sequence axis
    described = []
    for name, out in base.items():
        shape: List[Dim] = []
        other = batched[name]
        short = shorter.get(name)
        for axis, size in enumerate(out.shape):
            if axis < other.dim() and other.shape[axis] != size:
                shape.append("batch")
            elif short is not None and axis < short.dim() and short.shape[axis] != size:
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
