"""The per-layer comparison's memory-lean I/O: the weightless skeleton of a model.onnx and the references file."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import numpy as np
from numpy.typing import NDArray
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx.external_data_helper import load_external_data_for_model

from tier4_export.layers.skeleton import WEIGHTS_LINK, SkeletonError, link_weights, load_skeleton
from tier4_export.layers.transfer import ALIGN, write_tensors


def _model() -> onnx.ModelProto:
    """x[1, 256] @ W[256, 256] + b[256], reshaped by a small int64 initializer."""
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(rng.standard_normal((256, 256)).astype(np.float32), "W")
    b = numpy_helper.from_array(rng.standard_normal(256).astype(np.float32), "b")
    shape = numpy_helper.from_array(np.array([1, 16, 16], dtype=np.int64), "shape")
    nodes = [
        helper.make_node("MatMul", ["x", "W"], ["y"], name="/fc/MatMul"),
        helper.make_node("Add", ["y", "b"], ["z"], name="/fc/Add"),
        helper.make_node("Reshape", ["z", "shape"], ["out"], name="/Reshape"),
    ]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 256])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 16, 16])], initializer=[w, b, shape],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)], producer_name="test")
    model.ir_version = 8
    return model


def _values(model: onnx.ModelProto) -> Dict[str, NDArray[Any]]:
    return {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}


def test_skeleton_keeps_the_graph_and_points_large_weights_at_their_bytes_in_the_file(tmp_path: Path) -> None:
    original = _model()
    path = tmp_path / "model.onnx"
    onnx.save(original, str(path))
    skeleton = load_skeleton(path)
    assert [n.SerializeToString() for n in skeleton.graph.node] == [n.SerializeToString() for n in original.graph.node]
    assert skeleton.graph.input == original.graph.input and skeleton.graph.output == original.graph.output
    assert skeleton.opset_import == original.opset_import and skeleton.ir_version == original.ir_version
    inits = {i.name: i for i in skeleton.graph.initializer}
    # W (256 kB) and b (1 kB) are references, the 24-byte Reshape target stays inline
    assert inits["W"].data_location == TensorProto.EXTERNAL and not inits["W"].raw_data
    assert inits["b"].data_location == TensorProto.EXTERNAL
    assert inits["shape"].data_location != TensorProto.EXTERNAL and list(numpy_helper.to_array(inits["shape"])) == [1, 16, 16]
    assert list(inits["W"].dims) == [256, 256] and inits["W"].data_type == TensorProto.FLOAT
    ref = {e.key: e.value for e in inits["W"].external_data}
    raw = path.read_bytes()[int(ref["offset"]) : int(ref["offset"]) + int(ref["length"])]
    assert ref["location"] == WEIGHTS_LINK and raw == original.graph.initializer[0].raw_data
    # the skeleton holds no weight bytes: a model written from it costs a few hundred bytes
    assert skeleton.ByteSize() < 2000 < path.stat().st_size // 100


def test_a_model_written_from_the_skeleton_loads_the_deployed_weights(tmp_path: Path) -> None:
    original = _model()
    path = tmp_path / "export" / "model.onnx"
    path.parent.mkdir()
    onnx.save(original, str(path))
    work = tmp_path / "work"
    work.mkdir()
    skeleton = load_skeleton(path)
    link_weights(path, work, skeleton)
    (work / "copy.onnx").write_bytes(skeleton.SerializeToString())
    copy = onnx.load(str(work / "copy.onnx"), load_external_data=False)
    load_external_data_for_model(copy, str(work))
    want, got = _values(original), _values(copy)
    assert want.keys() == got.keys() and all(np.array_equal(want[k], got[k]) for k in want)
    onnx.checker.check_model(copy)


def test_an_export_with_external_data_keeps_its_references_and_links_its_data(tmp_path: Path) -> None:
    original = _model()
    path = tmp_path / "export" / "model.onnx"
    path.parent.mkdir()
    onnx.save(original, str(path), save_as_external_data=True, location="model.data", size_threshold=0)
    work = tmp_path / "work"
    work.mkdir()
    skeleton = load_skeleton(path)
    link_weights(path, work, skeleton)
    assert (work / "model.data").read_bytes() == (path.parent / "model.data").read_bytes()
    (work / "copy.onnx").write_bytes(skeleton.SerializeToString())
    copy = onnx.load(str(work / "copy.onnx"))
    want, got = _values(_model()), _values(copy)  # onnx.save made `original` external in place
    assert want.keys() == got.keys() and all(np.array_equal(want[k], got[k]) for k in want)


def test_external_data_outside_the_model_directory_is_refused(tmp_path: Path) -> None:
    model = _model()
    w = model.graph.initializer[0]
    w.ClearField("raw_data")
    w.data_location = TensorProto.EXTERNAL
    for k, v in (("location", "../elsewhere.bin"), ("offset", "0"), ("length", "262144")):
        e = w.external_data.add()
        e.key, e.value = k, v
    path = tmp_path / "model.onnx"
    path.write_bytes(model.SerializeToString())
    with pytest.raises(ValueError, match=r"external data location '\.\./elsewhere\.bin' leaves the model's directory"):
        link_weights(path, tmp_path / "work", load_skeleton(path))


def test_a_truncated_or_empty_file_is_refused_with_the_offset(tmp_path: Path) -> None:
    path = tmp_path / "model.onnx"
    onnx.save(_model(), str(path))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(SkeletonError, match=r"runs past its message|truncated varint"):
        load_skeleton(path)
    path.write_bytes(b"")
    with pytest.raises(SkeletonError, match="the file is empty"):
        load_skeleton(path)
    path.write_bytes(b"\x0f" * 10)  # wire type 7 does not exist
    with pytest.raises(SkeletonError, match="unsupported wire type 7"):
        load_skeleton(path)


def test_references_file_round_trips_every_dtype_at_aligned_offsets(tmp_path: Path) -> None:
    tensors = {
        "f32": np.arange(5, dtype=np.float32),
        "f64_big_endian": np.arange(3, dtype=">f8"),
        "i64": np.array([[-1, 2], [3, 2**40]], dtype=np.int64),
        "flag": np.array([True, False, True]),
        "scalar": np.array(2.5, dtype=np.float32),
        "empty": np.zeros((0, 3), dtype=np.float32),
        "strided": np.arange(12, dtype=np.float32).reshape(3, 4)[:, ::2],
        "f16": np.array([1.5, -2], dtype=np.float16),
    }
    path = tmp_path / "references.bin"
    specs = write_tensors(path, tensors)
    data = path.read_bytes()
    assert [s["name"] for s in specs] == list(tensors)
    for spec in specs:
        arr = tensors[spec["name"]]
        assert spec["offset"] % ALIGN == 0 and spec["shape"] == list(arr.shape)
        assert spec["dtype"] == arr.dtype.name
        little = np.dtype(arr.dtype).newbyteorder("<")
        back = np.frombuffer(data, dtype=little, count=arr.size, offset=spec["offset"]).reshape(arr.shape)
        assert spec["nbytes"] == arr.size * arr.itemsize and np.array_equal(back, arr)


def test_references_file_refuses_a_dtype_typescript_cannot_read(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"reference tensor 'z': dtype complex64 cannot be read by TypeScript"):
        write_tensors(tmp_path / "r.bin", {"z": np.zeros(2, dtype=np.complex64)})
