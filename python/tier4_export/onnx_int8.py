"""Dynamic int8 quantization of an fp32 ONNX graph, written with the ``onnx`` package.

This is what deployment pipelines do with onnxruntime's ``quantize_dynamic``; onnxruntime for
Python is not available here, and ``torch.onnx.export`` cannot export a ``quantize_dynamic``
model in torch 1.13 (``quantized::linear_dynamic`` has no ONNX symbolic), so the exporter writes
the fp32 ``model.onnx`` first and rewrites its graph.

What is quantized (see :data:`QUANTIZED_OPS`):

* every ``MatMul`` whose second input is a 2-D float initializer (a Linear weight exported for a
  3-D input) and every ``Gemm`` with ``transA = 0`` and a 2-D float initializer ``B`` (a Linear on
  a 2-D input). The weight is quantized **offline** to int8, symmetric (zero point 0), per output
  channel (one scale per column of the ``[K, N]`` matrix) or per tensor. The node becomes::

      DynamicQuantizeLinear(A) -> A_u8, A_scale, A_zero_point      (at run time, uint8)
      MatMulInteger(A_u8, W_i8, A_zero_point)                      -> int32
      Cast(to=float) ; Mul(A_scale * W_scale)                      -> the original output name
      (Gemm only) Add(beta * C)                                    -> the original output name

  One ``DynamicQuantizeLinear`` is shared by every quantized MatMul that reads the same tensor
  (q, k and v of an attention block). Tensor names downstream of the rewrite are unchanged, so
  the graph's outputs and every intermediate tensor keep their names (per-layer comparison
  against the fp32 graph stays possible).

What stays fp32: every other op. In particular ``Conv`` (dynamic quantization converts Linear
layers only, like torch's ``quantize_dynamic(model, {nn.Linear})``), ``Gather`` on an embedding
table, LayerNorm/BatchNorm arithmetic, and a ``MatMul`` between two activations (attention
scores, attention-weighted values) since it has no weight to quantize offline. An initializer
shared by a quantized MatMul and another consumer (tied embedding / LM-head weights) keeps its
fp32 copy for the other consumer, so the file does not shrink for it: the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple

import numpy as np
from numpy.typing import NDArray as _NDArray

NDArray = _NDArray[Any]

QUANTIZED_OPS = ("MatMul", "Gemm")
"""ONNX op types whose constant weight is quantized."""

QUANTIZED_NODE_OPS = frozenset(
    {
        "DynamicQuantizeLinear",
        "MatMulInteger",
        "ConvInteger",
        "QuantizeLinear",
        "DequantizeLinear",
        "QLinearMatMul",
        "QLinearConv",
    }
)
"""Op types that only appear in a graph that is already quantized."""

WEIGHT_TYPES = ("uint8", "int8")
"""Storage types of the quantized weights (both one byte an element)."""

WEIGHT_LEVELS = {"uint8": 127, "int8": 63}
"""Largest quantized magnitude per weight type: the weight is ``round(w / scale)`` with
``scale = max|w| / levels``, stored as ``uint8`` with zero point 128 (values 1..255) or as
``int8`` with zero point 0 in the reduced range [-63, 63] (7 bits).

Why not full-range int8: onnxruntime's uint8 x int8 kernel on x86 CPUs without VNNI (AVX2, like
this project's machines) adds pairs of u8*s8 products into int16 with saturation (vpmaddubsw),
and full-range int8 weights overflow it. Measured with onnxruntime-node 1.30 on AVX2: lm_stub
SQNR 17.4 dB with full-range int8 weights, 39.1 dB with the reduced range, 41.2 dB with uint8
weights (zero point 128); simple_cnn 21.9, 41.8 and 47.3 dB. onnxruntime's own quantizer
documents the same (its ``reduce_range`` option, or uint8 weights)."""

ALREADY_QUANTIZED = "the ONNX graph is already quantized"
"""Start of the ValueError raised for a graph that holds quantized ops."""


@dataclass
class QuantizedLayer:
    """One quantized MatMul/Gemm."""

    name: str
    """Module-style name derived from the node's scope (``block.attn.q``), or the node name."""
    node: str
    """Name of the fp32 node that was replaced."""
    op_type: str
    """``MatMul`` or ``Gemm``."""
    weight: str
    """fp32 initializer that was quantized."""
    shape: List[int]
    """Shape of the quantized ``[K, N]`` weight."""
    output: str
    """Tensor the layer writes (unchanged by the rewrite)."""
    weight_shared: bool = False
    """True when the fp32 weight is also used elsewhere and so stays in the file."""
    constant: Optional[float] = None
    """The value when every element of the weight is the same (all zeros, all ones), else None."""

    def to_json(self) -> Dict[str, Any]:
        """JSON record for metadata.json."""
        return {
            "name": self.name,
            "node": self.node,
            "op_type": self.op_type,
            "weight": self.weight,
            "shape": list(self.shape),
            "output": self.output,
            "weight_shared": self.weight_shared,
        }


@dataclass
class KeptLayer:
    """A layer (module scope with float weights) or weight-less MatMul that stays fp32, and why."""

    name: str
    op_types: List[str]
    reason: str

    def to_json(self) -> Dict[str, Any]:
        """JSON record for metadata.json."""
        return {"name": self.name, "op_types": sorted(set(self.op_types)), "reason": self.reason}


@dataclass
class Int8Result:
    """What :func:`quantize_onnx_dynamic` did."""

    per_channel: bool
    weight_type: str
    quantized: List[QuantizedLayer] = field(default_factory=list)
    kept_fp32: List[KeptLayer] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    parameter_bytes: Dict[str, int] = field(default_factory=dict)
    fp32_parameter_bytes: Dict[str, int] = field(default_factory=dict)
    quantized_weight_bytes: int = 0
    """Bytes the quantized layers' weights take now (int8 values plus fp32 scales)."""
    fp32_quantized_weight_bytes: int = 0
    """Bytes the same weights took in fp32."""


def module_name_from_scope(node_name: str) -> str:
    """Module-style name of the node's scope: ``/block/mlp/mlp.0/MatMul`` -> ``block.mlp.0``.

    torch names nodes ``/<parent>/<parent>.<child>/<Op>``; a node without a scope keeps its name.
    """
    parts = [p for p in node_name.split("/") if p]
    if len(parts) < 2 or not node_name.startswith("/"):
        return node_name
    scope = parts[:-1]
    qualified: List[str] = []
    previous = ""
    for part in scope:
        if previous and part.startswith(previous + "."):
            qualified.append(part[len(previous) + 1 :])
        else:
            qualified.append(part)
        previous = part
    return ".".join(qualified)


def _scope(node_name: str) -> str:
    """The node's scope path (``/block/attn/q``) or the node name when it has none."""
    if node_name.startswith("/") and node_name.count("/") >= 2:
        return node_name.rsplit("/", 1)[0]
    return node_name


def parameter_bytes_by_dtype(model: Any) -> Dict[str, int]:
    """Bytes of the initializers by numpy dtype name, as stored (int8 is 1 byte an element)."""
    from onnx import numpy_helper

    totals: Dict[str, int] = {}
    for init in model.graph.initializer:
        array = numpy_helper.to_array(init)
        key = str(array.dtype)
        totals[key] = totals.get(key, 0) + int(array.nbytes)
    return dict(sorted(totals.items()))


def quantize_weight(
    weight: NDArray, per_channel: bool, weight_type: str = "uint8"
) -> Tuple[NDArray, NDArray, Optional[NDArray]]:
    """Symmetric 8-bit quantization of a ``[K, N]`` weight.

    Returns ``(stored values, fp32 scales, zero point or None)``: ``uint8`` values with zero point
    128, or ``int8`` values in [-63, 63] with zero point 0 (None: MatMulInteger's default). The
    scale is one per column (``per_channel``) or one for the tensor. A column (or tensor) of zeros
    gets scale 1.0 so that it dequantizes to exactly 0.
    """
    levels = WEIGHT_LEVELS[weight_type]
    w = weight.astype(np.float64)
    absmax = np.abs(w).max(axis=0) if per_channel else np.array(np.abs(w).max())
    scale = np.where(absmax > 0, absmax / levels, 1.0)
    q = np.clip(np.rint(w / scale), -levels, levels)
    if weight_type == "uint8":
        return (q + 128).astype(np.uint8), scale.astype(np.float32), np.array(128, dtype=np.uint8)
    return q.astype(np.int8), scale.astype(np.float32), None


class _Rewriter:
    """Holds the graph being rewritten and the fresh-name counter."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.graph = model.graph
        self.inits = {i.name: i for i in self.graph.initializer}
        # torch writes an Identity of an initializer for a duplicate weight (two LayerNorms with
        # identical ones, two all-zero Linear weights): follow it to the initializer it copies
        self.aliases: Dict[str, str] = {}
        for node in self.graph.node:
            if node.op_type == "Identity" and node.input and node.input[0] in self.inits:
                self.aliases[node.output[0]] = node.input[0]
        self.taken: Set[str] = set(self.inits)
        for node in self.graph.node:
            self.taken.update(node.input)
            self.taken.update(node.output)
            self.taken.add(node.name)
        self.consumers: Dict[str, int] = {}
        for node in self.graph.node:
            for name in node.input:
                self.consumers[name] = self.consumers.get(name, 0) + 1
        for out in self.graph.output:
            self.consumers[out.name] = self.consumers.get(out.name, 0) + 1
        self.dql: Dict[str, Tuple[str, str, str]] = {}
        self.new_nodes: List[Any] = []
        self.new_inits: List[Any] = []

    def fresh(self, base: str) -> str:
        """A tensor/node name not used in the graph yet."""
        name = base
        i = 1
        while name in self.taken:
            name = f"{base}_{i}"
            i += 1
        self.taken.add(name)
        return name

    def dynamic_quantize(self, tensor: str, prefix: str) -> Tuple[str, str, str]:
        """(uint8 tensor, scale, zero point) of ``tensor``, one DynamicQuantizeLinear per tensor."""
        from onnx import helper

        if tensor not in self.dql:
            base = f"{prefix}/{tensor.strip('/').replace('/', '_')}"
            outs = (self.fresh(f"{base}_quantized"), self.fresh(f"{base}_scale"), self.fresh(f"{base}_zero_point"))
            self.new_nodes.append(
                helper.make_node("DynamicQuantizeLinear", [tensor], list(outs), name=self.fresh(f"{prefix}/DynamicQuantizeLinear"))
            )
            self.dql[tensor] = outs
        return self.dql[tensor]


def _constant_value(array: NDArray) -> Optional[float]:
    """The single value of an array whose elements are all equal, else None."""
    if array.size == 0:
        return None
    first = float(array.flat[0])
    return first if bool(np.all(array == array.flat[0])) else None


def _gemm_attrs(node: Any) -> Dict[str, Any]:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def quantize_onnx_dynamic(
    source: Path, destination: Path, *, per_channel: bool = True, weight_type: str = "uint8"
) -> Int8Result:
    """Write the dynamic int8 version of the fp32 ONNX model ``source`` to ``destination``.

    Args:
        source: an fp32 ONNX file (for example the exporter's ``fp32/model.onnx``).
        destination: where the int8 model is written (a partial file is removed on failure).
        per_channel: one scale per output channel (default) or one per weight tensor.
        weight_type: ``"uint8"`` (default, zero point 128) or ``"int8"`` (reduced range
            [-63, 63]); see :data:`WEIGHT_LEVELS` for why full-range int8 is not offered.

    Returns:
        The quantized layers, the layers kept fp32 with their reason, warnings (constant
        weights, shared weights) and the parameter bytes by dtype before and after.

    Raises:
        ValueError: when the graph already holds quantized ops, or when nothing could be
            quantized (no MatMul/Gemm with a constant weight): never an fp32 file labelled int8.
        onnx.checker.ValidationError: when the rewritten graph does not pass ``onnx.checker``.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    if weight_type not in WEIGHT_TYPES:
        raise ValueError(f"weight_type: expected one of {list(WEIGHT_TYPES)}, received {weight_type!r}")
    model = onnx.load(str(source))
    present = sorted({n.op_type for n in model.graph.node} & QUANTIZED_NODE_OPS)
    if present:
        raise ValueError(
            f"{ALREADY_QUANTIZED} (it holds {', '.join(present)} nodes): quantize the fp32 model, "
            "not an already quantized one"
        )
    result = Int8Result(per_channel=per_channel, weight_type=weight_type, fp32_parameter_bytes=parameter_bytes_by_dtype(model))
    rw = _Rewriter(model)
    replaced: Dict[int, List[Any]] = {}
    quantized_scopes: Set[str] = set()
    weightless: Dict[str, List[str]] = {}
    listed_scopes: Set[str] = set()  # MatMul/Gemm kept fp32 here with their own reason

    for index, node in enumerate(model.graph.node):
        if node.op_type not in QUANTIZED_OPS:
            continue
        scope = _scope(node.name)
        name = module_name_from_scope(node.name) if node.name else f"{node.op_type}_{index}"
        weight_name = node.input[1] if len(node.input) > 1 else ""
        weight_name = rw.aliases.get(weight_name, weight_name)
        init = rw.inits.get(weight_name)
        first = rw.aliases.get(node.input[0], node.input[0]) if node.input else ""
        if init is None and first in rw.inits:
            continue  # W·x: the constant is the first operand; only x·W (a Linear) is rewritten (_kept_layers says so)
        if init is None:
            local = node.name.rsplit("/", 1)[-1] if node.name else node.op_type
            weightless.setdefault(f"{name}:{local}" if node.name.startswith("/") else name, []).append(node.op_type)
            continue
        array = numpy_helper.to_array(init)
        attrs = _gemm_attrs(node) if node.op_type == "Gemm" else {}
        reason: Optional[str] = None
        if array.dtype != np.float32:
            reason = f"weight {weight_name} is {array.dtype}, not float32"
        elif array.ndim != 2:
            reason = f"weight {weight_name} has {array.ndim} dimensions (only 2-D weights are quantized)"
        elif int(attrs.get("transA", 0)) != 0:
            reason = "Gemm with transA = 1 is kept fp32"
        if reason is not None:
            result.kept_fp32.append(KeptLayer(name, [node.op_type], reason))
            listed_scopes.add(scope)
            continue
        weight = array.T if int(attrs.get("transB", 0)) else array  # [K, N]
        alpha = float(attrs.get("alpha", 1.0))
        q, scale, zero_point = quantize_weight(weight, per_channel, weight_type)
        constant = _constant_value(array)
        prefix = scope if scope.startswith("/") else f"/{name}"
        w_q = rw.fresh(f"{weight_name}_quantized")
        w_scale = rw.fresh(f"{weight_name}_scale")
        rw.new_inits.append(numpy_helper.from_array(q, w_q))
        rw.new_inits.append(numpy_helper.from_array((scale * np.float32(alpha)).astype(np.float32), w_scale))
        integer_inputs = [w_q]
        if zero_point is not None:
            w_zp = rw.fresh(f"{weight_name}_zero_point")
            rw.new_inits.append(numpy_helper.from_array(zero_point, w_zp))
            integer_inputs.append(w_zp)
        a_q, a_scale, a_zp = rw.dynamic_quantize(node.input[0], prefix)
        integer = rw.fresh(f"{prefix}/MatMulInteger_output_0")
        as_float = rw.fresh(f"{prefix}/Cast_output_0")
        combined = rw.fresh(f"{prefix}/scale_output_0")
        output = node.output[0]
        has_bias = node.op_type == "Gemm" and len(node.input) > 2 and node.input[2] != ""
        scaled = rw.fresh(f"{prefix}/Mul_output_0") if has_bias else output
        chain = [
            helper.make_node("MatMulInteger", [a_q, *integer_inputs[:1], a_zp, *integer_inputs[1:]], [integer], name=rw.fresh(f"{prefix}/MatMulInteger")),
            helper.make_node("Cast", [integer], [as_float], name=rw.fresh(f"{prefix}/Cast"), to=TensorProto.FLOAT),
            helper.make_node("Mul", [a_scale, w_scale], [combined], name=rw.fresh(f"{prefix}/ScaleMul")),
            helper.make_node("Mul", [as_float, combined], [scaled], name=rw.fresh(f"{prefix}/Mul")),
        ]
        if has_bias:
            bias = node.input[2]
            beta = float(attrs.get("beta", 1.0))
            if beta != 1.0:
                bias_init = rw.inits.get(bias)
                if bias_init is None:
                    result.kept_fp32.append(KeptLayer(name, [node.op_type], "Gemm with beta != 1 and a computed C"))
                    listed_scopes.add(scope)
                    continue
                beta_bias = rw.fresh(f"{bias}_times_beta")
                rw.new_inits.append(numpy_helper.from_array((numpy_helper.to_array(bias_init) * beta).astype(np.float32), beta_bias))
                bias = beta_bias
            chain.append(helper.make_node("Add", [scaled, bias], [output], name=rw.fresh(f"{prefix}/BiasAdd")))
        replaced[index] = chain
        layer = QuantizedLayer(name, node.name, node.op_type, weight_name, list(weight.shape), output, False, constant)
        result.quantized.append(layer)
        quantized_scopes.add(scope)
        result.quantized_weight_bytes += int(q.nbytes + scale.nbytes + (zero_point.nbytes if zero_point is not None else 0))
        result.fp32_quantized_weight_bytes += int(array.nbytes)
        if constant is not None:
            result.warnings.append(
                f"layer {name}: every weight equals {constant:g}; it was quantized exactly, but a constant "
                "weight usually means an untrained or wrongly loaded model"
            )

    if not result.quantized:
        raise ValueError(
            "nothing was quantized: the ONNX graph has no MatMul or Gemm with a constant 2-D float32 "
            "weight (dynamic int8 quantization converts Linear layers only); export it without "
            "quantization, or use static quantization for convolutions"
        )

    # Rebuild the node list in order, each DynamicQuantizeLinear right after its input's producer.
    dql_nodes = {n.input[0]: n for n in rw.new_nodes}
    produced_by_graph_input = {i.name for i in model.graph.input} | set(rw.inits)
    ordered: List[Any] = [n for t, n in dql_nodes.items() if t in produced_by_graph_input]
    for index, node in enumerate(model.graph.node):
        ordered.extend(replaced.get(index, [node]))
        for out in node.output:
            if out in dql_nodes:
                ordered.append(dql_nodes[out])
    del model.graph.node[:]
    model.graph.node.extend(ordered)
    model.graph.initializer.extend(rw.new_inits)
    still_used = _prune(model)
    for layer in result.quantized:
        if layer.weight in still_used:
            layer.weight_shared = True
            result.warnings.append(
                f"layer {layer.name}: weight {layer.weight} is shared with another op (tied weights); its "
                "fp32 copy stays in the file for that op, so the file does not shrink for it"
            )

    result.kept_fp32.extend(_kept_layers(model, quantized_scopes | listed_scopes, weightless))
    result.parameter_bytes = parameter_bytes_by_dtype(model)
    onnx.checker.check_model(model, full_check=True)
    destination = Path(destination)
    tmp = destination.with_name(f".{destination.name}.partial")
    try:
        onnx.save(model, str(tmp))
        tmp.replace(destination)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return result


def _prune(model: Any) -> Set[str]:
    """Drop Identity nodes nobody reads, then initializers (and their graph inputs) nobody reads.

    Returns the names of the initializers still read.
    """
    graph = model.graph
    outputs = {o.name for o in graph.output}
    while True:
        read = {name for node in graph.node for name in node.input} | outputs
        dead = [n for n in graph.node if n.op_type == "Identity" and not set(n.output) & read]
        if not dead:
            break
        keep_nodes = [n for n in graph.node if n not in dead]
        del graph.node[:]
        graph.node.extend(keep_nodes)
    read = {name for node in graph.node for name in node.input} | outputs
    keep = [i for i in graph.initializer if i.name in read]
    removed = {i.name for i in graph.initializer} - {i.name for i in keep}
    del graph.initializer[:]
    graph.initializer.extend(keep)
    graph_inputs = [i for i in graph.input if i.name not in removed]
    del graph.input[:]
    graph.input.extend(graph_inputs)
    return {i.name for i in keep}


def _kept_layers(model: Any, quantized_scopes: Set[str], weightless: Mapping[str, Sequence[str]]) -> List[KeptLayer]:
    """Module scopes that use float initializers (more than one element), not quantized and not listed yet (``skip``)."""
    from onnx import numpy_helper

    float_inits = set()
    for init in model.graph.initializer:
        array = numpy_helper.to_array(init)
        if array.dtype.kind == "f" and array.size > 1:
            float_inits.add(init.name)
    for node in model.graph.node:  # an Identity of a float initializer is that initializer
        if node.op_type == "Identity" and node.input and node.input[0] in float_inits:
            float_inits.update(node.output)
    scopes: Dict[str, List[str]] = {}
    for node in model.graph.node:
        scope = _scope(node.name)
        if scope in quantized_scopes or node.op_type in QUANTIZED_NODE_OPS or node.op_type == "Identity":
            continue
        if any(i in float_inits for i in node.input):
            scopes.setdefault(scope, []).append(node.op_type)
    kept = [
        KeptLayer(
            module_name_from_scope(scope + "/op") if scope.startswith("/") else scope,
            ops,
            "Conv is kept fp32 (dynamic quantization converts Linear layers only)"
            if "Conv" in ops
            else "embedding lookup (Gather) is kept fp32"
            if "Gather" in ops
            else "MatMul with a constant first input (W·x) is kept fp32: only x·W with a constant second input is quantized"
            if "MatMul" in ops or "Gemm" in ops
            else "elementwise op with float parameters (normalisation, bias) is kept fp32",
        )
        for scope, ops in scopes.items()
    ]
    kept.extend(
        KeptLayer(name, list(ops), "MatMul of two activations has no constant weight to quantize offline")
        for name, ops in weightless.items()
    )
    return kept
