"""Prepare a per-layer comparison of an export dir's own model.onnx (the Python half).

:func:`prepare_layers` reads the reference activations of one sample (stored in the export dir,
or captured now from the eager model when the caller allows rebuilding it), maps the leaf calls
onto the deployed ``model.onnx`` and writes two models into a work directory: the instrumented
copy (compared tensors marked as outputs) and the local model (each layer's own nodes, fed the
eager inputs). TypeScript runs both in onnxruntime-node and judges (``docs/layers.md``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np
from numpy.typing import NDArray

from .capture import Capture, capture_activations
from .graph import LayerMap, LayerMapError, infer_types, local_model, local_name, map_layers, save_instrumented, save_model
from .skeleton import SkeletonError, link_weights, load_skeleton
from .store import read_capture, stored_samples

EagerLoader = Callable[[], Any]
"""Returns the eager model (eval mode); raises with a clear message when it cannot or may not."""


class LayersError(ValueError):
    """A per-layer comparison cannot be prepared; the message names the export dir and the cause."""


def _read_metadata(export_dir: Path) -> Dict[str, Any]:
    path = export_dir / "metadata.json"
    if not path.is_file():
        raise LayersError(f"{export_dir}: no metadata.json (not an export dir written by tier4_export)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LayersError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise LayersError(f"{path}: expected a JSON object")
    return data


def _sample_inputs(export_dir: Path, metadata: Dict[str, Any], sample: int) -> Tuple[str, Dict[str, NDArray[Any]]]:
    samples = metadata.get("samples") or []
    if not isinstance(samples, list) or not samples:
        raise LayersError(f"{export_dir}: metadata.json lists no reference samples")
    if sample < 0 or sample >= len(samples):
        raise LayersError(f"{export_dir}: sample {sample} does not exist (the export has samples 0..{len(samples) - 1})")
    record = samples[sample]
    inputs: Dict[str, NDArray[Any]] = {}
    for name, rel in (record.get("inputs") or {}).items():
        path = export_dir / str(rel)
        if not path.is_file():
            raise LayersError(f"{export_dir}: sample input {rel} listed in metadata.json is missing")
        inputs[str(name)] = np.load(path, allow_pickle=False)
    return str(record.get("id", f"sample_{sample:03d}")), inputs


def capture_for_sample(
    model: Any, metadata: Dict[str, Any], inputs: Dict[str, NDArray[Any]]
) -> Capture:
    """Capture ``model``'s leaf calls on a sample's inputs, passed in metadata.json's input order."""
    import torch

    order = [str(i["name"]) for i in metadata.get("inputs") or [] if isinstance(i, dict) and "name" in i] or list(inputs)
    args = [torch.from_numpy(np.ascontiguousarray(inputs[n])) for n in order if n in inputs]
    return capture_activations(model, args)


def prepare_layers(
    export_dir: Path,
    sample: int,
    work_dir: Path,
    load_eager: Optional[EagerLoader],
    split: bool = False,
) -> Tuple[Dict[str, Any], Dict[str, NDArray[Any]]]:
    """Map one sample's reference activations onto ``export_dir/model.onnx``.

    Args:
        export_dir: the export directory.
        sample: index of the reference sample.
        work_dir: where the instrumented and local models are written (the caller removes it).
        load_eager: builds the eager model when no activations are stored (None: not allowed).
        split: also write one local model per layer (used when the combined one cannot be loaded).

    Returns:
        The plan (JSON) and the tensors it names (references and eager inputs of the local run).

    Raises:
        LayersError: no activations and no way to capture them, no model.onnx, a graph without scope names.
    """
    timings: Dict[str, float] = {}
    export_dir = Path(export_dir)
    metadata = _read_metadata(export_dir)
    onnx_record = (metadata.get("artifacts") or {}).get("onnx")
    onnx_path = export_dir / (onnx_record["path"] if isinstance(onnx_record, dict) and "path" in onnx_record else "model.onnx")
    if not onnx_path.is_file():
        raise LayersError(f"{export_dir}: no model.onnx to compare per layer (formats written: {metadata.get('formats_written')})")
    sample_id, inputs = _sample_inputs(export_dir, metadata, sample)

    # The graph first, without its weights (they stay in the file: see skeleton.py), so the
    # activations read below never share the peak with a parsed copy of the weights.
    t0 = time.perf_counter()
    try:
        model_proto = load_skeleton(onnx_path)
    except (SkeletonError, OSError) as exc:
        raise LayersError(f"{onnx_path}: cannot be read as an ONNX model: {type(exc).__name__}: {exc}") from exc
    work_dir.mkdir(parents=True, exist_ok=True)
    try:
        link_weights(onnx_path, work_dir, model_proto)
    except (ValueError, OSError) as exc:
        raise LayersError(f"{onnx_path}: its weights cannot be linked into the work directory: {exc}") from exc
    graph_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    stored = next((r for r in stored_samples(metadata) if r.get("sample") == sample_id), None)
    if stored is not None:
        try:
            capture = read_capture(export_dir, stored)
        except ValueError as exc:
            raise LayersError(str(exc)) from exc
        source = "stored"
    else:
        if load_eager is None or metadata.get("model_source") is None:
            have = ", ".join(str(r.get("sample")) for r in stored_samples(metadata)) or "none"
            raise LayersError(
                f"{export_dir}: no reference activations stored for {sample_id} (stored: {have}; export with "
                "layers=True or --layers) and "
                + (
                    "no model_source in metadata.json to rebuild the eager model from"
                    if metadata.get("model_source") is None
                    else "rebuilding the eager model from its model_source was not allowed"
                )
            )
        model = load_eager()
        capture = capture_for_sample(model, metadata, inputs)
        source = "eager"
    timings["capture_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    input_shapes = {k: list(v.shape) for k, v in inputs.items()}
    types = infer_types(model_proto, input_shapes)
    try:
        layer_map = map_layers(model_proto, capture, types)
    except LayerMapError as exc:
        raise LayersError(f"{onnx_path}: {exc}") from exc
    instrumented_path = work_dir / "instrumented.onnx"
    save_instrumented(model_proto, layer_map, types, instrumented_path)
    local_path = work_dir / "local.onnx"
    usable = [g for g in layer_map.groups if g.error is None and g.outputs]
    save_model(local_model(model_proto, usable, types), local_path)
    per_group: Dict[int, str] = {}
    if split:
        for g in usable:
            p = work_dir / f"local_{g.index}.onnx"
            save_model(local_model(model_proto, [g], types), p)
            per_group[g.index] = str(p)
    timings["graph_s"] = graph_s + time.perf_counter() - t0

    plan = _plan(layer_map, capture, source, sample, sample_id, onnx_path, instrumented_path, local_path, per_group, list(inputs))
    plan["timings"] = timings
    needed = {r["reference"] for r in plan["rows"] if r["reference"]} | {
        i["ref"] for g in plan["groups"] for i in g["inputs"] if i["source"] == "eager"
    }
    tensors = {k: capture.tensors[k] for k in sorted(needed)}
    plan["capture"] = {
        "source": source,
        "leaves": len(capture.leaves),
        "bytes": capture.nbytes,
        "sent_bytes": int(sum(int(a.nbytes) for a in tensors.values())),
    }
    return plan, tensors


def _plan(
    layer_map: LayerMap,
    capture: Capture,
    source: str,
    sample: int,
    sample_id: str,
    onnx_path: Path,
    instrumented_path: Path,
    local_path: Path,
    per_group: Dict[int, str],
    input_names: List[str],
) -> Dict[str, Any]:
    rows = []
    for r in layer_map.rows:
        rows.append(
            {
                "name": r.name,
                "modules": r.modules,
                "module_types": r.module_types,
                "group": r.group,
                "output_index": r.output_index,
                "reference": r.reference,
                "onnx_tensor": r.onnx_tensor,
                "local_tensor": local_name(r.group, r.onnx_tensor) if r.group is not None and r.onnx_tensor else None,
                "status": r.status,
                "reason": r.reason,
            }
        )
    groups = []
    for g in layer_map.groups:
        groups.append(
            {
                "index": g.index,
                "onnx_nodes": g.node_names,
                "op_types": g.op_types,
                "inputs": [
                    {"name": local_name(g.index, i["onnx"]), "onnx": i["onnx"], "source": i["source"], "ref": i["ref"]}
                    for i in g.inputs
                ],
                "outputs": [local_name(g.index, o) for o in g.outputs],
                "error": g.error,
                "model": per_group.get(g.index),
            }
        )
    return {
        "protocol": 1,
        "sample": sample,
        "sample_id": sample_id,
        "source": source,
        "onnx": str(onnx_path),
        "instrumented": str(instrumented_path),
        "local": str(local_path),
        "inputs": input_names,
        "rows": rows,
        "groups": groups,
        "warnings": layer_map.warnings,
    }
