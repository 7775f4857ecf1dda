"""Map captured leaf calls onto a deployed ONNX graph and build the two models the comparison runs.

* :func:`map_layers` pairs each leaf call with the ONNX nodes of its module scope (calls of one
  module and scope instances of it are paired in execution order), merges a leaf without nodes of
  its own (BatchNorm folded into the Conv before it, Dropout in eval) into the row before it when
  it consumes that row's output, and picks each row's output tensor.
* :func:`save_instrumented` writes the graph with every compared tensor marked as a graph
  output (the *accumulated* error: the deployed graph run end to end).
* :func:`local_model` holds every row's own nodes as a disjoint copy with renamed tensors and the
  shared initializers, one model for all rows (one session, one run), whose inputs are fed the
  *eager* inputs of the layer (the *local* error: what the layer adds). :func:`local_model` with a
  single group builds the per-layer model used when the combined one cannot be loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple

import onnx
from onnx import helper, shape_inference

from .capture import Capture, LeafCall, TensorSlot
from .scopes import known_module_names, node_scope, resolve_scope


class LayerMapError(ValueError):
    """The graph cannot be mapped at all (no scope names, no leaf found); the message says why."""


@dataclass
class Group:
    """The ONNX nodes of one leaf call (a row's own subgraph)."""

    index: int
    nodes: List[int]
    """Indices into graph.node, in graph order."""
    outputs: List[str] = field(default_factory=list)
    """Tensors produced here and used outside (or graph outputs)."""
    inputs: List[Dict[str, Any]] = field(default_factory=list)
    """External tensors: ``{"onnx", "source": "sample"|"eager"|"onnx", "ref"}``."""
    constants: List[int] = field(default_factory=list)
    """Constant nodes outside the group that it needs (copied into the local model)."""
    error: Optional[str] = None
    """Why this group cannot be extracted (its rows get no local error)."""
    node_names: List[str] = field(default_factory=list)
    op_types: List[str] = field(default_factory=list)


@dataclass
class Row:
    """One compared tensor: a leaf call's output (or its fused group's), in execution order."""

    name: str
    modules: List[str]
    module_types: List[str]
    group: Optional[int]
    output_index: List[Any]
    reference: Optional[str]
    onnx_tensor: Optional[str] = None
    status: Optional[str] = None
    """None when compared, else ``"skipped"`` (with reason)."""
    reason: Optional[str] = None


@dataclass
class LayerMap:
    rows: List[Row]
    groups: List[Group]
    warnings: List[str]
    aux_outputs: List[str]
    """Tensors the instrumented model also outputs because a local input is fed from the ONNX run."""


def _elem_type_and_shape(model: onnx.ModelProto) -> Dict[str, Tuple[int, Optional[List[Optional[int]]]]]:
    """Element type and (concrete where known) shape of every typed value in ``model``."""
    out: Dict[str, Tuple[int, Optional[List[Optional[int]]]]] = {}
    graph = model.graph
    for vi in list(graph.input) + list(graph.value_info) + list(graph.output):
        t = vi.type.tensor_type
        if not vi.type.HasField("tensor_type"):
            continue
        shape: Optional[List[Optional[int]]] = None
        if t.HasField("shape"):
            shape = [int(d.dim_value) if d.HasField("dim_value") else None for d in t.shape.dim]
        out[vi.name] = (int(t.elem_type), shape)
    for init in graph.initializer:
        out[init.name] = (int(init.data_type), [int(d) for d in init.dims])
    return out


def infer_types(model: onnx.ModelProto, input_shapes: Mapping[str, Sequence[int]]) -> Dict[str, Tuple[int, Optional[List[Optional[int]]]]]:
    """Types and shapes of every tensor with the graph inputs fixed to the sample's shapes."""
    # Shape inference copies the whole model into C++: large weights travel as typed inputs
    # instead (their shapes are all it needs); small initializers (Reshape targets) stay values.
    probe = onnx.ModelProto()
    probe.ir_version = model.ir_version
    probe.opset_import.extend(model.opset_import)
    g = probe.graph
    g.node.extend(model.graph.node)
    g.input.extend(model.graph.input)
    g.output.extend(model.graph.output)
    present = {i.name for i in model.graph.input}
    for init in model.graph.initializer:
        numel = 1
        for d in init.dims:
            numel *= int(d)
        if numel <= 4096 and init.data_location != onnx.TensorProto.EXTERNAL:
            g.initializer.append(init)
        elif init.name not in present:
            g.input.append(helper.make_tensor_value_info(init.name, init.data_type, list(init.dims)))
    for inp in probe.graph.input:
        shape = input_shapes.get(inp.name)
        if shape is None or not inp.type.HasField("tensor_type"):
            continue
        dims = inp.type.tensor_type.shape.dim
        if len(dims) != len(shape):
            continue
        for d, n in zip(dims, shape):
            d.Clear()
            d.dim_value = int(n)
    try:
        inferred = shape_inference.infer_shapes(probe, strict_mode=False, data_prop=True)
    except Exception:  # noqa: BLE001 - shapes are a help for matching, not required
        inferred = probe
    return _elem_type_and_shape(inferred)


def _shape_matches(onnx_shape: Optional[List[Optional[int]]], shape: Sequence[int]) -> bool:
    if onnx_shape is None:
        return True
    if len(onnx_shape) != len(shape):
        return False
    return all(a is None or a == b for a, b in zip(onnx_shape, shape))


def _shape_known(onnx_shape: Optional[List[Optional[int]]]) -> bool:
    return onnx_shape is not None and all(d is not None for d in onnx_shape)


def map_layers(
    model: onnx.ModelProto,
    capture: Capture,
    types: Dict[str, Tuple[int, Optional[List[Optional[int]]]]],
) -> LayerMap:
    """Map the capture's leaf calls onto ``model``'s nodes.

    Raises:
        LayerMapError: when no node carries a module scope name, or no scope names a captured module.
    """
    graph = model.graph
    nodes = list(graph.node)
    scopes = [node_scope(n.name) for n in nodes]
    if not any(s for s in scopes):
        raise LayerMapError(
            "model.onnx has no module-scope node names (expected names like '/layer1/layer1.0/conv1/Conv', "
            "as torch.onnx.export writes them since torch 1.13; a graph renamed by an optimiser or written by "
            "another exporter cannot be mapped onto the PyTorch modules)"
        )
    leaf_modules = {leaf.module for leaf in capture.leaves}
    known = known_module_names(leaf_modules)
    warnings: List[str] = []

    # scope instance -> node indices; module -> scope instances in graph order
    instance_nodes: Dict[str, List[int]] = {}
    module_instances: Dict[str, List[str]] = {}
    for i, scope in enumerate(scopes):
        if not scope:
            continue
        module = resolve_scope(scope, known)
        if module is None or module not in leaf_modules:
            continue
        if scope not in instance_nodes:
            instance_nodes[scope] = []
            module_instances.setdefault(module, []).append(scope)
        instance_nodes[scope].append(i)
    if not instance_nodes:
        raise LayerMapError(
            "no node scope of model.onnx names a module of the eager model (first scopes: "
            + ", ".join(sorted({s for s in scopes if s})[:3])
            + f"; first modules: {', '.join(sorted(leaf_modules)[:3])}): the export and the model do not match"
        )

    calls_of: Dict[str, List[LeafCall]] = {}
    for leaf in capture.leaves:
        calls_of.setdefault(leaf.module, []).append(leaf)
    call_instance: Dict[str, str] = {}
    for module, calls in calls_of.items():
        instances = module_instances.get(module, [])
        if not instances:
            continue
        if len(instances) != len(calls):
            warnings.append(
                f"{module}: {len(calls)} eager call(s) but {len(instances)} ONNX scope(s) "
                f"({', '.join(instances[:3])}); its calls are not compared"
            )
            continue
        for leaf, inst in zip(calls, instances):
            call_instance[leaf.name] = inst

    produced_by: Dict[str, int] = {}
    for i, n in enumerate(nodes):
        for o in n.output:
            if o:
                produced_by[o] = i
    consumers: Dict[str, Set[int]] = {}
    for i, n in enumerate(nodes):
        for t in list(n.input) + _subgraph_references(n):
            if t:
                consumers.setdefault(t, set()).add(i)
    graph_outputs = {o.name for o in graph.output}
    graph_inputs = {i.name for i in graph.input}
    initializers = {i.name for i in graph.initializer}

    groups: List[Group] = []
    rows: List[Row] = []
    # per leaf name: its group index
    leaf_group: Dict[str, int] = {}
    last_compared: Optional[Tuple[List[Row], str]] = None  # rows of the previous group and its leaf's first output key
    for leaf in capture.leaves:
        found = call_instance.get(leaf.name)
        if found is None:
            first_input = leaf.inputs[0].key if leaf.inputs else None
            if last_compared is not None and first_input is not None and first_input == last_compared[1] and len(leaf.outputs) == 1:
                # fused into the previous row: compare the previous group's output with this leaf's
                prev_rows, _ = last_compared
                if len(prev_rows) == 1:
                    row = prev_rows[0]
                    row.modules.append(leaf.name)
                    row.module_types.append(leaf.type)
                    row.reference = leaf.outputs[0].key
                    last_compared = (prev_rows, leaf.outputs[0].key)
                    continue
            reason = (
                f"no ONNX node of its own and it does not consume the output of the layer before it "
                f"({leaf.type}: optimised away or fused into a neighbour that is not a compared layer)"
                if leaf.module not in module_instances
                else "its ONNX scopes could not be paired with its calls"
            )
            rows.append(Row(leaf.name, [leaf.name], [leaf.type], None, [], None, status="skipped", reason=reason))
            last_compared = None
            continue
        group = Group(index=len(groups), nodes=instance_nodes[found])
        group.node_names = [nodes[i].name for i in group.nodes]
        group.op_types = [nodes[i].op_type for i in group.nodes]
        groups.append(group)
        leaf_group[leaf.name] = group.index
        inside = set(group.nodes)
        produced = [o for i in group.nodes for o in nodes[i].output if o]
        escaping = [o for o in produced if o in graph_outputs or any(c not in inside for c in consumers.get(o, ()))]
        group_rows: List[Row] = []
        multi = len(leaf.outputs) > 1
        used: Set[str] = set()
        for slot in leaf.outputs:
            label = leaf.name + ("".join(f"[{i}]" for i in slot.index) if multi else "")
            shape = list(capture.tensors[slot.key].shape)
            cands = [o for o in escaping if o not in used and _shape_matches(types.get(o, (0, None))[1], shape)]
            exact = [o for o in cands if _shape_known(types.get(o, (0, None))[1])]
            pick: Optional[str] = None
            if len(escaping) == 1 and len(leaf.outputs) == 1:
                pick = escaping[0]
            elif exact:
                pick = exact[-1]
            elif cands:
                pick = cands[-1]
            row = Row(label, [leaf.name], [leaf.type], group.index, list(slot.index), slot.key)
            if pick is None:
                row.status = "skipped"
                row.reason = (
                    f"none of the tensors leaving its ONNX nodes ({', '.join(escaping) or 'none'}) "
                    f"has its output's shape [{', '.join(map(str, shape))}]"
                )
            else:
                used.add(pick)
                row.onnx_tensor = pick
                if pick not in group.outputs:
                    group.outputs.append(pick)
            group_rows.append(row)
            rows.append(row)
        last_compared = (group_rows, leaf.outputs[0].key) if leaf.outputs else None
        _plan_inputs(group, leaf, nodes, produced_by, graph_inputs, initializers, types, capture)

    aux: List[str] = []
    for g in groups:
        for inp in g.inputs:
            if inp["source"] == "onnx" and inp["onnx"] not in aux:
                aux.append(inp["onnx"])
    if not any(r.onnx_tensor for r in rows):
        raise LayerMapError("no leaf module output could be located among the tensors of model.onnx")
    return LayerMap(rows=rows, groups=groups, warnings=warnings, aux_outputs=aux)


def _subgraph_references(node: onnx.NodeProto) -> List[str]:
    """Names a node's If/Loop/Scan bodies read from the enclosing graph (implicit inputs)."""
    out: List[str] = []
    for attr in node.attribute:
        graphs = [attr.g] if attr.type == onnx.AttributeProto.GRAPH else list(attr.graphs)
        for sub in graphs:
            produced = {o for n in sub.node for o in n.output} | {i.name for i in sub.input} | {i.name for i in sub.initializer}
            for n in sub.node:
                for t in list(n.input) + _subgraph_references(n):
                    if t and t not in produced:
                        out.append(t)
    return out


def _constant_like(node: onnx.NodeProto, initializers: Set[str]) -> bool:
    """A node computed from weights only (Constant, the exporter's Identity of a shared weight)."""
    if any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS) for a in node.attribute):
        return False
    return all((not t) or t in initializers for t in node.input)


def _plan_inputs(
    group: Group,
    leaf: LeafCall,
    nodes: List[onnx.NodeProto],
    produced_by: Dict[str, int],
    graph_inputs: Set[str],
    initializers: Set[str],
    types: Dict[str, Tuple[int, Optional[List[Optional[int]]]]],
    capture: Capture,
) -> None:
    """Decide where each external input of ``group`` comes from in the local run."""
    inside = set(group.nodes)
    for i in group.nodes:
        for attr in nodes[i].attribute:
            if attr.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS):
                group.error = (
                    f"node {nodes[i].name} ({nodes[i].op_type}) has a subgraph attribute '{attr.name}': "
                    "layers with If/Loop/Scan bodies are not extracted"
                )
                return
    externals: List[str] = []
    for i in group.nodes:
        for t in nodes[i].input:
            if not t or t in initializers or t in externals:
                continue
            p = produced_by.get(t)
            if p is not None and p in inside:
                continue
            if p is not None and _constant_like(nodes[p], initializers):
                if p not in group.constants:
                    group.constants.append(p)
                continue
            externals.append(t)
    float_inputs = [s for s in leaf.inputs if capture.tensors[s.key].dtype.kind == "f"]
    taken: List[TensorSlot] = []
    for t in externals:
        if t in graph_inputs:
            group.inputs.append({"onnx": t, "source": "sample", "ref": t})
            continue
        elem, shape = types.get(t, (0, None))
        is_float = elem in (onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE, onnx.TensorProto.FLOAT16, onnx.TensorProto.BFLOAT16)
        match: Optional[TensorSlot] = None
        if is_float:
            for slot in float_inputs:
                if slot in taken and not all(s.key == slot.key for s in float_inputs):
                    continue
                if _shape_matches(shape, capture.tensors[slot.key].shape):
                    match = slot
                    break
        if match is not None:
            taken.append(match)
            group.inputs.append({"onnx": t, "source": "eager", "ref": match.key})
        else:
            group.inputs.append({"onnx": t, "source": "onnx", "ref": t})
        if elem == 0:
            group.error = f"the type of its input tensor {t} is unknown (shape inference could not type it)"


def _value_info(name: str, types: Dict[str, Tuple[int, Optional[List[Optional[int]]]]], original: str) -> onnx.ValueInfoProto:
    """A typed value info; dims are left symbolic (the sample's shapes are not baked into the models)."""
    elem, shape = types.get(original, (onnx.TensorProto.FLOAT, None))
    dims: Optional[List[Any]] = None if shape is None else [f"{name}:{i}" for i in range(len(shape))]
    return helper.make_tensor_value_info(name, elem or onnx.TensorProto.FLOAT, dims)


def save_instrumented(
    model: onnx.ModelProto, layer_map: LayerMap, types: Dict[str, Tuple[int, Optional[List[Optional[int]]]]], path: Path
) -> None:
    """Write ``model`` with every compared tensor and every ONNX-fed local input as graph outputs.

    The outputs are appended to ``model`` for the write and removed again (no copy of the weights
    is made: the instrumented file is the deployed graph plus outputs).
    """
    graph_outputs = model.graph.output
    before = len(graph_outputs)
    existing = {o.name for o in graph_outputs}
    wanted = [r.onnx_tensor for r in layer_map.rows if r.onnx_tensor] + layer_map.aux_outputs
    try:
        for name in wanted:
            if name and name not in existing:
                existing.add(name)
                graph_outputs.append(_value_info(name, types, name))
        save_model(model, path)
    finally:
        del graph_outputs[before:]


def save_model(model: onnx.ModelProto, path: Path) -> None:
    """Write ``model`` to ``path`` (a work file: plain serialisation, weights embedded)."""
    with open(path, "wb") as handle:
        handle.write(model.SerializeToString())


def local_name(group: int, tensor: str) -> str:
    """Name of ``tensor`` of group ``group`` inside the local model."""
    return f"L{group}|{tensor}"


def local_model(
    model: onnx.ModelProto,
    groups: Sequence[Group],
    types: Dict[str, Tuple[int, Optional[List[Optional[int]]]]],
) -> onnx.ModelProto:
    """One model holding each group's nodes as a disjoint copy (inputs and outputs renamed, weights shared)."""
    graph = model.graph
    nodes = list(graph.node)
    initializers = {i.name: i for i in graph.initializer}
    new_nodes: List[onnx.NodeProto] = []
    inputs: List[onnx.ValueInfoProto] = []
    outputs: List[onnx.ValueInfoProto] = []
    needed_inits: Dict[str, None] = {}
    for g in groups:
        if g.error is not None:
            continue
        def rename(t: str, gi: int = g.index) -> str:
            return t if (not t or t in initializers) else local_name(gi, t)
        for idx in sorted(g.constants) + g.nodes:
            src = nodes[idx]
            node = onnx.NodeProto()
            node.CopyFrom(src)
            node.name = local_name(g.index, src.name or f"node{idx}")
            del node.input[:]
            node.input.extend(rename(t) for t in src.input)
            del node.output[:]
            node.output.extend(rename(t) for t in src.output)
            for t in src.input:
                if t in initializers:
                    needed_inits[t] = None
            new_nodes.append(node)
        for inp in g.inputs:
            inputs.append(_value_info(local_name(g.index, inp["onnx"]), types, inp["onnx"]))
        for o in g.outputs:
            outputs.append(_value_info(local_name(g.index, o), types, o))
    new_graph = helper.make_graph(
        new_nodes,
        f"{graph.name or 'model'}_layers_local",
        inputs,
        outputs,
        initializer=[],
    )
    new_graph.initializer.extend(initializers[n] for n in needed_inits)
    out = helper.make_model(new_graph, opset_imports=list(model.opset_import), producer_name="tier4_export.layers")
    out.ir_version = model.ir_version
    return out
