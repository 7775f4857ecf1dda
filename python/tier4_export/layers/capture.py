"""Reference activations: every leaf module call of an eager model, inputs and outputs.

A *leaf call* is a module call during which no other module is called. That is every
``nn.Module`` without children, and also a module whose children are not called as modules
(``nn.MultiheadAttention`` uses its ``out_proj`` weights through the functional API, so the
attention itself is the leaf and is compared).

For each leaf call the capture keeps

* its name: the module's qualified name, and ``name#k`` for the (k+1)-th call of a module
  called more than once (``layer1.0.relu``, ``layer1.0.relu#1``);
* every tensor it outputs, also inside tuple/list/dict outputs, with its index path
  (``[0]``, ``[1, 0]``), **cloned** when the module returns (an in-place ReLU after a
  BatchNorm, or ``out += identity`` in a ResNet block, would otherwise rewrite the captured
  BatchNorm output);
* every tensor of its positional inputs, cloned *before* the module runs (what the local
  error of a layer is measured on).

A tensor that reaches a later leaf unchanged (the same tensor object, not modified in place
since) is stored once and referenced by both: most inputs are the previous leaf's output,
so the capture holds about one copy of the activations, not two.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from numpy.typing import NDArray
import torch
from torch import nn

IndexPath = Tuple[Union[int, str], ...]


@dataclass
class TensorSlot:
    """One tensor of a leaf call's inputs or outputs."""

    index: IndexPath
    """Where it sits: ``()`` for a plain tensor, ``(0,)`` for the first tuple item, ``("k",)`` for a dict key."""
    key: str
    """Key of its value in :attr:`Capture.tensors`."""


@dataclass
class LeafCall:
    """One call of a leaf module."""

    name: str
    """``module`` for its first call, ``module#k`` for call ``k`` (0-based) after that."""
    module: str
    """Qualified module name (``layer1.0.relu``); ``""`` for a model that is itself a leaf."""
    call: int
    """0-based call number of this module."""
    type: str
    """Class name of the module."""
    inputs: List[TensorSlot] = field(default_factory=list)
    outputs: List[TensorSlot] = field(default_factory=list)


@dataclass
class Capture:
    """Every leaf call of one forward pass, in execution order, and the tensors they refer to."""

    leaves: List[LeafCall]
    tensors: Dict[str, NDArray[Any]]
    """Captured values by key (float64 is kept as is; every dtype torch can hand to numpy)."""

    @property
    def nbytes(self) -> int:
        """Bytes held by the captured tensors."""
        return int(sum(int(a.nbytes) for a in self.tensors.values()))

    def to_index(self) -> Dict[str, Any]:
        """The JSON-serialisable description (leaves and tensor shapes), without the values."""
        return {
            "leaves": [
                {
                    "name": leaf.name,
                    "module": leaf.module,
                    "call": leaf.call,
                    "type": leaf.type,
                    "inputs": [{"index": list(s.index), "key": s.key} for s in leaf.inputs],
                    "outputs": [{"index": list(s.index), "key": s.key} for s in leaf.outputs],
                }
                for leaf in self.leaves
            ],
            "tensors": {
                k: {"shape": [int(d) for d in a.shape], "dtype": str(a.dtype)} for k, a in self.tensors.items()
            },
        }

    @staticmethod
    def from_index(index: Dict[str, Any], tensors: Dict[str, NDArray[Any]]) -> "Capture":
        """Rebuild a capture from :meth:`to_index` and its tensors.

        Raises:
            ValueError: when the index is malformed or names a tensor that is not there.
        """
        leaves_raw = index.get("leaves")
        if not isinstance(leaves_raw, list):
            raise ValueError("layer index: expected a 'leaves' list")
        leaves: List[LeafCall] = []
        for raw in leaves_raw:
            try:
                leaf = LeafCall(
                    name=str(raw["name"]),
                    module=str(raw["module"]),
                    call=int(raw["call"]),
                    type=str(raw["type"]),
                    inputs=[TensorSlot(tuple(s["index"]), str(s["key"])) for s in raw["inputs"]],
                    outputs=[TensorSlot(tuple(s["index"]), str(s["key"])) for s in raw["outputs"]],
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"layer index: malformed leaf entry {raw!r}: {exc}") from exc
            for slot in leaf.inputs + leaf.outputs:
                if slot.key not in tensors:
                    raise ValueError(f"layer index: leaf {leaf.name} refers to tensor {slot.key!r}, which is not stored")
            leaves.append(leaf)
        return Capture(leaves=leaves, tensors=tensors)


def _flatten(value: Any, prefix: IndexPath = ()) -> List[Tuple[IndexPath, torch.Tensor]]:
    """Tensors inside ``value`` (tensor, tuple/list, dict, nested) with their index paths; others skipped."""
    if isinstance(value, torch.Tensor):
        return [(prefix, value)]
    out: List[Tuple[IndexPath, torch.Tensor]] = []
    if isinstance(value, (tuple, list)):
        for i, item in enumerate(value):
            out.extend(_flatten(item, prefix + (i,)))
    elif isinstance(value, dict):
        for k, item in value.items():
            out.extend(_flatten(item, prefix + (str(k),)))
    return out


class _Store:
    """Clones tensors once: a tensor object seen before, unmodified since, gets the same key."""

    def __init__(self) -> None:
        self.values: Dict[str, torch.Tensor] = {}
        # id(tensor) -> (weakref to the tensor, its version when stored, key)
        self._seen: Dict[int, Tuple["weakref.ref[torch.Tensor]", int, str]] = {}
        self._next = 0

    def key_for(self, tensor: torch.Tensor) -> str:
        entry = self._seen.get(id(tensor))
        version = int(tensor._version)
        if entry is not None:
            ref, stored_version, key = entry
            if ref() is tensor and stored_version == version:
                return key
        key = f"t{self._next}"
        self._next += 1
        value = tensor.detach()
        if value.is_quantized:
            value = value.dequantize()
        self.values[key] = value.clone()
        try:
            self._seen[id(tensor)] = (weakref.ref(tensor), version, key)
        except TypeError:  # a tensor subclass without weak references: never deduplicated
            pass
        return key


def capture_activations(model: nn.Module, args: Sequence[torch.Tensor]) -> Capture:
    """Run ``model(*args)`` once under ``torch.no_grad()`` and capture every leaf call.

    The model is put in eval mode by the caller; hooks are removed on every path.

    Args:
        model: the eager model.
        args: its positional inputs.

    Returns:
        The leaf calls in execution order and their tensors.

    Raises:
        RuntimeError: what the model raised, with the leaf that was running named.
    """
    names: Dict[int, str] = {id(m): n for n, m in model.named_modules()}
    store = _Store()
    leaves: List[LeafCall] = []
    calls: Dict[str, int] = {}
    # stack of [module name, had a child call, input slots (cloned before the call)]
    stack: List[List[Any]] = []
    handles: List[Any] = []

    def pre_hook(module: nn.Module, inputs: Tuple[Any, ...]) -> None:
        if stack:
            stack[-1][1] = True
        # Inputs are keyed before the module runs (an in-place module rewrites them).
        slots = [TensorSlot(index, store.key_for(t)) for index, t in _flatten(tuple(inputs))]
        stack.append([names.get(id(module), type(module).__name__), False, slots])

    def post_hook(module: nn.Module, inputs: Tuple[Any, ...], output: Any) -> None:
        if not stack:
            return
        name, had_child, slots = stack.pop()
        if had_child:
            return
        call = calls.get(name, 0)
        calls[name] = call + 1
        outputs = [TensorSlot(index, store.key_for(t)) for index, t in _flatten(output)]
        leaves.append(
            LeafCall(
                name=name if call == 0 else f"{name}#{call}",
                module=name,
                call=call,
                type=type(module).__name__,
                inputs=slots,
                outputs=outputs,
            )
        )

    try:
        for module in model.modules():
            handles.append(module.register_forward_pre_hook(pre_hook))
            handles.append(module.register_forward_hook(post_hook))
        with torch.no_grad():
            try:
                model(*args)
            except Exception as exc:
                running = stack[-1][0] if stack else "<model>"
                raise RuntimeError(
                    f"reference capture: the eager model raised in {running!r}: {type(exc).__name__}: {exc}"
                ) from exc
    finally:
        for handle in handles:
            handle.remove()
    # Keep only tensors a leaf refers to (inputs of non-leaf calls were keyed too).
    used = {s.key for leaf in leaves for s in leaf.inputs + leaf.outputs}
    tensors = {k: v.contiguous().numpy() for k, v in store.values.items() if k in used}
    return Capture(leaves=leaves, tensors=tensors)


def leaf_by_name(capture: Capture, name: str) -> Optional[LeafCall]:
    """The leaf call named ``name`` (``module`` or ``module#k``), or None."""
    for leaf in capture.leaves:
        if leaf.name == name:
            return leaf
    return None
