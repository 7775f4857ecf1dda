"""Faults put into a copy of a model.onnx, the way a broken toolchain would (per-layer tests).

Run as ``python edits.py '<json list of {"file", "edit", "node"}>'``: every edit in one process.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Callable, Dict

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def perturb(m: onnx.ModelProto, node_name: str) -> None:
    """Add 0.05 x seeded noise to the weight of Conv ``node_name``."""
    node = next(n for n in m.graph.node if n.name == node_name)
    init = next(t for t in m.graph.initializer if t.name == node.input[1])
    arr = numpy_helper.to_array(init).astype(np.float32)
    arr = arr + np.float32(0.05) * np.random.default_rng(0).standard_normal(arr.shape).astype(np.float32)
    init.CopyFrom(numpy_helper.from_array(arr, init.name))


def nhwc(m: onnx.ModelProto, node_name: str) -> None:
    """A Transpose to NHWC inside the node's scope, and an unscoped one back feeding the consumers."""
    g = m.graph
    idx, src = next((i, n) for i, n in enumerate(g.node) if n.name == node_name)
    out = src.output[0]
    scope = src.name.rsplit("/", 1)[0]
    fwd, back = out + "_nhwc", out + "_back"
    for n in g.node:
        for k, t in enumerate(n.input):
            if t == out:
                n.input[k] = back
    g.node.insert(idx + 1, helper.make_node("Transpose", [fwd], [back], name="Transpose_back", perm=[0, 3, 1, 2]))
    g.node.insert(idx + 1, helper.make_node("Transpose", [out], [fwd], name=scope + "/Transpose", perm=[0, 2, 3, 1]))
    onnx.checker.check_model(m)


def strip_scopes(m: onnx.ModelProto, node_name: str) -> None:
    """Rename every node to ``node_<i>``."""
    for i, n in enumerate(m.graph.node):
        n.name = f"node_{i}"


def wrap_in_if(m: onnx.ModelProto, node_name: str) -> None:
    """Replace a one-input node by an If whose branches compute the same op (a subgraph attribute)."""
    g = m.graph
    idx, src = next((i, n) for i, n in enumerate(g.node) if n.name == node_name)
    cond = src.name + "_cond"
    g.initializer.append(helper.make_tensor(cond, TensorProto.BOOL, [], [True]))

    def branch(tag: str) -> onnx.GraphProto:
        out = src.output[0] + "_" + tag
        inner = helper.make_node(src.op_type, [src.input[0]], [out], name=src.name + "_" + tag)
        return helper.make_graph([inner], tag, [], [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)])

    new = helper.make_node(
        "If", [cond], [src.output[0]], name=src.name.rsplit("/", 1)[0] + "/If",
        then_branch=branch("then"), else_branch=branch("else"),
    )
    g.node.remove(src)
    g.node.insert(idx, new)


EDITS: Dict[str, Callable[[onnx.ModelProto, str], None]] = {
    "perturb": perturb,
    "nhwc": nhwc,
    "strip_scopes": strip_scopes,
    "wrap_in_if": wrap_in_if,
}


def main(argv: Any) -> None:
    for job in json.loads(argv[1]):
        m = onnx.load(job["file"])
        EDITS[job["edit"]](m, job.get("node", ""))
        onnx.save(m, job["file"])


if __name__ == "__main__":
    main(sys.argv)
