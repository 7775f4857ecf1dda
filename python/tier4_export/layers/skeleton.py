"""Read a model.onnx without its weights: the graph, and where each weight's bytes lie in the file.

``onnx.load`` reads the whole file and parses it, so a 350 MB ViT costs 700 MB of memory before
anything is compared, and every model the comparison writes (the instrumented copy, the local
model) would copy the weights again. The per-layer comparison needs the graph and the weights'
*shapes*, never their values: :func:`load_skeleton` walks the protobuf wire format of the file
through a memory map, parses every part except the ``raw_data`` bytes of large initializers, and
turns those initializers into external-data references to the original file (``location``,
``offset``, ``length``, as the ONNX external-data format defines them). A model written from the
skeleton next to a link to the original file (:func:`link_weights`) loads in onnxruntime with the
deployed weights, byte for byte, and costs a few kB to write. No protobuf library streams a
message this way, hence this reader: it implements only the wire format (varints and
length-delimited fields), not a schema.
"""

from __future__ import annotations

import mmap
import os
import shutil
from pathlib import Path
from typing import Iterator, List, Tuple

import onnx
from onnx import TensorProto

WEIGHTS_LINK = "tier4-weights.onnx"
"""Name of the link to the original model.onnx inside the work directory."""

_MODEL_GRAPH = 7  # ModelProto.graph
_GRAPH_INITIALIZER = 5  # GraphProto.initializer
_TENSOR_RAW_DATA = 9  # TensorProto.raw_data
_TENSOR_DATA_LOCATION = 14  # TensorProto.data_location
_EXTERNAL_MIN_BYTES = 1024
"""Initializers with fewer raw bytes stay inline (Reshape targets, scalars: shape inference reads them)."""


class SkeletonError(ValueError):
    """The file is not a well-formed protobuf message (the message names the offset)."""


def _varint(buf: "mmap.mmap | bytes", pos: int, end: int) -> Tuple[int, int]:
    result = 0
    shift = 0
    while True:
        if pos >= end:
            raise SkeletonError(f"truncated varint at byte {pos}")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise SkeletonError(f"varint longer than 10 bytes at byte {pos}")


def _fields(buf: "mmap.mmap | bytes", start: int, end: int) -> Iterator[Tuple[int, int, int, int]]:
    """``(field number, start of the field's tag, start of its value, end of the field)`` of each field.

    For a length-delimited field the value starts after its length prefix.
    """
    pos = start
    while pos < end:
        tag_start = pos
        key, pos = _varint(buf, pos, end)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, pos = _varint(buf, pos, end)
            value_start = pos
        elif wire == 1:
            value_start, pos = pos, pos + 8
        elif wire == 2:
            length, value_start = _varint(buf, pos, end)
            pos = value_start + length
        elif wire == 5:
            value_start, pos = pos, pos + 4
        else:
            raise SkeletonError(f"unsupported wire type {wire} (field {number}) at byte {tag_start}")
        if pos > end:
            raise SkeletonError(f"field {number} at byte {tag_start} runs past its message (byte {end}): a truncated file?")
        yield number, tag_start, value_start, pos


def _initializer(buf: mmap.mmap, start: int, end: int, location: str) -> TensorProto:
    """One initializer, its large ``raw_data`` replaced by a reference to ``location``."""
    parts: List[bytes] = []
    raw: Tuple[int, int] | None = None
    for number, tag_start, value_start, field_end in _fields(buf, start, end):
        if number == _TENSOR_RAW_DATA and field_end - value_start >= _EXTERNAL_MIN_BYTES:
            raw = (value_start, field_end - value_start)
            continue
        parts.append(buf[tag_start:field_end])
    tensor = TensorProto()
    tensor.ParseFromString(b"".join(parts))
    if raw is not None:
        offset, length = raw
        tensor.data_location = TensorProto.EXTERNAL
        del tensor.external_data[:]
        for key, value in (("location", location), ("offset", str(offset)), ("length", str(length))):
            entry = tensor.external_data.add()
            entry.key = key
            entry.value = value
    return tensor


def load_skeleton(path: Path, location: str = WEIGHTS_LINK) -> onnx.ModelProto:
    """The model in ``path`` with every initializer of >= 1 kB raw data made external to ``location``.

    The offsets are those of the bytes in ``path`` itself: write the skeleton next to a link to
    ``path`` named ``location`` (:func:`link_weights`). Initializers already stored as external data
    keep their references (link their files too).

    Raises:
        SkeletonError: when the file is not a protobuf message (a truncated or foreign file).
        OSError: when it cannot be read.
    """
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size == 0:
            raise SkeletonError("the file is empty")
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            model_parts: List[bytes] = []
            graph_parts: List[bytes] = []
            initializers: List[TensorProto] = []
            for number, tag_start, value_start, field_end in _fields(buf, 0, size):
                if number != _MODEL_GRAPH:
                    model_parts.append(buf[tag_start:field_end])
                    continue
                for g_number, g_tag, g_value, g_end in _fields(buf, value_start, field_end):
                    if g_number == _GRAPH_INITIALIZER:
                        initializers.append(_initializer(buf, g_value, g_end, location))
                    else:
                        graph_parts.append(buf[g_tag:g_end])
    model = onnx.ModelProto()
    try:
        model.ParseFromString(b"".join(model_parts))
        graph = onnx.GraphProto()
        graph.ParseFromString(b"".join(graph_parts))
    except Exception as exc:  # noqa: BLE001 - protobuf's DecodeError and friends
        raise SkeletonError(f"not an ONNX model: {type(exc).__name__}: {exc}") from exc
    graph.initializer.extend(initializers)
    model.graph.CopyFrom(graph)
    return model


def external_files(model: onnx.ModelProto) -> List[str]:
    """The distinct ``location`` values of the model's external initializers."""
    seen: List[str] = []
    for init in model.graph.initializer:
        if init.data_location != TensorProto.EXTERNAL:
            continue
        for entry in init.external_data:
            if entry.key == "location" and entry.value not in seen:
                seen.append(entry.value)
    return seen


def link_weights(source: Path, work_dir: Path, model: onnx.ModelProto, location: str = WEIGHTS_LINK) -> None:
    """Make the weights a skeleton refers to reachable from ``work_dir``.

    ``source`` (the original model.onnx) is hard-linked as ``work_dir/location`` when both are on
    one file system, else copied (the kernel copies; no weights pass through this process). The
    external-data files of an export that already had them are linked the same way under their own
    relative names.

    Raises:
        ValueError: an external-data location that is absolute or leaves the model's directory.
    """
    pairs = [(Path(source), Path(work_dir) / location)]
    for rel in external_files(model):
        if rel == location:
            continue
        if os.path.isabs(rel) or ".." in Path(rel).parts:
            raise ValueError(f"{source}: external data location {rel!r} leaves the model's directory")
        pairs.append((Path(source).parent / rel, Path(work_dir) / rel))
    for src, dst in pairs:
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(src, dst)
        except OSError:
            shutil.copyfile(src, dst)
