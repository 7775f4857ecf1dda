"""export_model: write an export directory for a PyTorch model.

See ``docs/export-format.md`` for the directory layout and metadata.json, and
``docs/python-exporter.md`` for usage.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import torch
from torch import nn

from .attention import use_composite_attention
from .dummy_input import generate_dummy_input
from .errors import ExportError
from .fault import fault_point
from .formats import FILENAMES, check_onnx, check_onnx_opset, trace_torchscript, write_onnx, write_pytorch, write_torchscript
from .hashing import artifact_record, file_manifest
from .metadata import (
    METADATA_FILENAME,
    SCHEMA_VERSION,
    contract_fields,
    environment_versions,
    utc_now_iso,
    write_json_atomic,
)
from .model_io import describe_inputs, describe_outputs, example_args, forward_output_kind, traceable
from .quantize import already_quantized_note, check_quantization, quantization_info, quantize_dynamic_copy, quantize_static_copy
from .quantized_formats import FP32_DIRNAME, write_quantized_onnx, write_quantized_torchscript
from .layers.store import LAYERS_DIRNAME
from .limits import MINIMUMS
from .samples import SAMPLES_DIRNAME, write_samples
from .task_spec import TaskSpec

logger = logging.getLogger("tier4_export")

SUPPORTED_FORMATS: Tuple[str, ...] = ("onnx", "torchscript", "pytorch")
"""Formats export_model can write."""

EXAMPLE_BATCH_SIZE = 2
"""Batch size of the example input used for tracing (not 1, so nothing specialises on a unit batch;
the reference samples use 1, 4 and 3, never 2, so a graph specialised to it cannot pass)."""


def traced_dims(spec: TaskSpec) -> Dict[str, int]:
    """The dynamic dimension sizes of the example input the artifacts were traced with."""
    dims = {"batch": EXAMPLE_BATCH_SIZE}
    if spec.modality == "text":
        dims["sequence"] = int(spec.input_schema["max_seq_len"])
    return dims


def _normalise_formats(formats: Union[str, Iterable[str]]) -> List[str]:
    """Turn ``formats`` (an iterable or a comma-separated string) into a de-duplicated list.

    Raises:
        ValueError: when empty or when a name is not in SUPPORTED_FORMATS.
    """
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    result: List[str] = []
    for item in items:
        name = str(item).strip()
        if name not in SUPPORTED_FORMATS:
            raise ValueError(
                f"formats: expected names from {list(SUPPORTED_FORMATS)}, received {item!r}"
            )
        if name not in result:
            result.append(name)
    if not result:
        raise ValueError(
            f"formats: expected at least one of {list(SUPPORTED_FORMATS)}, received {formats!r}"
        )
    return result


def _check_int(name: str, value: Any, minimum: int) -> int:
    """Return ``value`` when it is an int >= minimum; raise ValueError naming ``name`` otherwise."""
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name}: expected an int >= {minimum}, received {value!r}")
    return value


def _check_model_source(source: Optional[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    """Validate the optional ``model_source`` record (builtin or file)."""
    if source is None:
        return None
    if not isinstance(source, Mapping) or source.get("kind") not in ("builtin", "file"):
        raise ValueError(
            "model_source: expected None, {'kind': 'builtin', 'name', 'seed'} or "
            f"{{'kind': 'file', 'file', 'factory'}}, received {source!r}"
        )
    return dict(source)


def _check_export_dir(export_dir: Path) -> None:
    """Refuse to write into a directory that holds anything but an earlier export.

    An earlier export is a ``metadata.json`` with the export's own keys; a directory of the
    user's files (their own ``samples/`` or ``metadata.json``) is left untouched.

    Raises:
        ExportError: naming the directory and what it holds.
    """
    if not export_dir.exists():
        return
    if not export_dir.is_dir():
        raise ExportError(f"export dir: expected a directory, received {str(export_dir)!r}, which is not a directory")
    entries = sorted(p.name for p in export_dir.iterdir())
    if not entries:
        return
    meta = export_dir / METADATA_FILENAME
    is_export = False
    if meta.is_file():
        try:
            with open(meta, encoding="utf-8") as handle:
                data = json.load(handle)
            is_export = isinstance(data, dict) and "schema_version" in data and "formats_written" in data
        except (OSError, ValueError):
            is_export = False
    if not is_export:
        shown = ", ".join(entries[:5]) + (f", ... ({len(entries)} entries)" if len(entries) > 5 else "")
        raise ExportError(
            f"export dir {str(export_dir)!r} is not empty and is not an earlier export (it holds {shown}); "
            "refusing to overwrite it: give a new or empty directory"
        )


def _clear_previous_export(export_dir: Path) -> None:
    """Remove what an earlier export left: metadata.json first, then artifacts and samples/.

    Only the exporter's own file names are touched.
    """
    (export_dir / METADATA_FILENAME).unlink(missing_ok=True)
    for filename in FILENAMES.values():
        (export_dir / filename).unlink(missing_ok=True)
    for dirname in (SAMPLES_DIRNAME, FP32_DIRNAME, LAYERS_DIRNAME):
        if (export_dir / dirname).is_dir():
            shutil.rmtree(export_dir / dirname)


def _torchscript_size(model: nn.Module, args: Tuple[torch.Tensor, ...]) -> int:
    """Size in bytes of ``model``'s TorchScript file, traced into a temporary directory.

    The file is named like the real artifact because TorchScript archives embed
    the file's stem in every entry name.
    """
    with tempfile.TemporaryDirectory(prefix="tier4-size-") as tmp:
        path = Path(tmp) / FILENAMES["torchscript"]
        torch.jit.save(trace_torchscript(model, args), str(path))
        return path.stat().st_size


def _measured_quantization_info(
    method: str,
    details: Optional[Dict[str, Any]],
    eager: nn.Module,
    quantized: nn.Module,
    args: Tuple[torch.Tensor, ...],
    written: Optional[Path],
    fp32_written: Optional[Path] = None,
) -> Dict[str, Any]:
    """Measure fp32 and quantized TorchScript sizes for ``quantization_info``."""
    fp32_size: Optional[int] = None
    q_size: Optional[int] = None
    try:
        fp32_size = fp32_written.stat().st_size if fp32_written is not None else _torchscript_size(eager, args)
    except Exception as exc:  # noqa: BLE001 - sizes are informative, never fatal
        logger.warning("could not measure the fp32 TorchScript size: %s: %s", type(exc).__name__, exc)
    try:
        q_size = written.stat().st_size if written is not None else _torchscript_size(quantized, args)
    except Exception as exc:  # noqa: BLE001
        logger.warning("could not measure the quantized TorchScript size: %s: %s", type(exc).__name__, exc)
    return quantization_info(fp32_size, q_size, method, details)


def _write_layers(
    eager: nn.Module, task_spec: TaskSpec, out_dir: Path, samples: List[Dict[str, Any]], seed: int
) -> List[Dict[str, Any]]:
    """Capture and store the per-layer activations of ``samples`` (their generated inputs)."""
    from .layers.capture import capture_activations
    from .layers.store import write_capture
    from .samples import sample_batch_size

    records: List[Dict[str, Any]] = []
    for index, record in enumerate(samples):
        inputs = generate_dummy_input(task_spec, batch_size=sample_batch_size(index), seed=seed + index)
        capture = capture_activations(eager, example_args(inputs, task_spec))
        records.append(write_capture(out_dir, str(record["id"]), capture))
    return records


def export_model(
    model: nn.Module,
    task_spec: TaskSpec,
    export_dir: Union[str, "os.PathLike[str]"],
    formats: Union[str, Iterable[str]] = ("torchscript", "onnx"),
    quantization: Optional[str] = None,
    opset: int = 14,
    num_samples: int = 10,
    seed: int = 0,
    *,
    model_source: Optional[Mapping[str, Any]] = None,
    calibration: Optional[Sequence[Mapping[str, torch.Tensor]]] = None,
    layers: Union[bool, int] = False,
) -> Dict[str, Path]:
    """Export ``model`` to ``export_dir`` (created, nested) and return the written paths.

    Each requested format is exported independently: a format that fails is
    logged, recorded in ``formats_failed`` with its error text and skipped,
    and the others are still written. Reference samples always hold the eager
    fp32 model's outputs. ``metadata.json`` is written last, atomically.

    The caller's model is never modified: the exporter works on a deep copy
    (in eval mode) and quantizes a further copy.

    Args:
        model: the PyTorch model.
        task_spec: its TaskSpec.
        export_dir: destination directory; an earlier export's files there are replaced.
        formats: any of ``"onnx"``, ``"torchscript"``, ``"pytorch"`` (iterable or comma string).
            ``onnx`` and ``torchscript`` hold the (possibly quantized) model; ``pytorch``
            (model.pth) always holds the eager fp32 state dict.
        quantization: None, ``"dynamic"`` (nn.Linear -> qint8) or ``"static"`` (FX graph mode,
            calibrated on generated inputs; a model torch.fx cannot trace is refused with a
            ValueError that gives the tracer's reason, before anything is written).
        opset: ONNX opset version, from 7 to the highest this torch writes (17 for torch 1.13);
            another is refused before anything is written when "onnx" is requested.
        num_samples: number of reference samples (batch sizes 1, 4, 3, 1, 4, 3, ...; text
            samples alternate between ``max_seq_len`` and a shorter length).
        seed: base seed of the sample inputs (sample ``i`` uses ``seed + i``).
        model_source: how to rebuild the eager model later
            (``{"kind": "builtin", ...}`` or ``{"kind": "file", ...}``); recorded as null when omitted.
        calibration: for ``quantization="static"`` only: the calibration batches (each a dict
            input name -> tensor with at least one row) instead of generated inputs.
        layers: store the eager fp32 model's per-layer reference activations (every leaf module
            call's inputs and outputs) in ``layers/``: ``True`` for the first sample, an int N for
            the first N samples (``docs/layers.md``); listed under ``"layers"`` in metadata.json.

    Returns:
        ``{"onnx": Path, "torchscript": Path, "pytorch": Path, "metadata": Path}`` for the
        formats written (absolute paths; a format not written has no key), plus ``"metadata"``.

    Raises:
        TypeError / ValueError: invalid arguments, or static quantization of a model torch.fx
            cannot trace (nothing is written).
        ExportError: the eager model fails on its generated inputs (nothing is written).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, received {type(model).__name__}")
    if not isinstance(task_spec, TaskSpec):
        raise TypeError(f"task_spec: expected a TaskSpec, received {type(task_spec).__name__}")
    requested = _normalise_formats(formats)
    check_quantization(quantization)
    _check_int("opset", opset, MINIMUMS["opset"])
    if "onnx" in requested:
        check_onnx_opset(opset)
    # at least one: an export without reference samples cannot be validated (the TypeScript side,
    # buildFixture and the fixtures CLI, has the same limit)
    _check_int("num_samples", num_samples, MINIMUMS["samples"])
    _check_int("seed", seed, MINIMUMS["seed"])
    source = _check_model_source(model_source)
    if calibration is not None and quantization != "static":
        raise ValueError(
            f"calibration: only used by quantization='static', received it with quantization={quantization!r}"
        )
    if isinstance(layers, bool):
        layer_samples = 1 if layers else 0
    else:
        layer_samples = _check_int("layers", layers, MINIMUMS["layers"])
    if layer_samples > num_samples:
        raise ValueError(f"layers: expected at most num_samples ({num_samples}) samples, received {layers!r}")

    started = time.perf_counter()
    # Everything that can refuse the export (a model failing on its inputs, a model static
    # quantization cannot trace) runs before the export directory is touched.
    eager = copy.deepcopy(model).eval()
    # the exporter's copy computes attention without torch's fused fast path (see attention.py):
    # the same math in eval mode, and the only one torch 1.13 can trace and export to ONNX
    notes = use_composite_attention(eager)
    for note in notes:
        logger.info("attention fast path skipped: %s", note)
    inputs_desc = describe_inputs(task_spec)
    outputs_desc = describe_outputs(eager, task_spec)
    output_kind = forward_output_kind(eager, task_spec)
    q_details: Optional[Dict[str, Any]] = None
    if quantization == "dynamic":
        artifact_model = quantize_dynamic_copy(eager)
    elif quantization == "static":
        artifact_model, q_details = quantize_static_copy(eager, task_spec, seed, calibration)
    else:
        artifact_model = eager
        already = already_quantized_note(eager)
        if already is not None:
            notes.append(already)
            logger.warning("%s", already)
    args = example_args(generate_dummy_input(task_spec, EXAMPLE_BATCH_SIZE, seed), task_spec)
    # traced and exported: positional inputs named after the TaskSpec (a KeywordAdapter when
    # forward takes them by keyword out of its positional order)
    traced_model = traceable(artifact_model, task_spec)
    traced_eager = traceable(eager, task_spec)

    out_dir = Path(export_dir).expanduser().resolve()
    _check_export_dir(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _clear_previous_export(out_dir)

    written: Dict[str, Path] = {}
    failed: Dict[str, str] = {}
    artifacts: Dict[str, Dict[str, Any]] = {}
    q_formats: Dict[str, Dict[str, Any]] = {}
    for fmt in requested:
        path = out_dir / FILENAMES[fmt]
        try:
            if quantization is not None and fmt == "torchscript":
                q_formats[fmt] = write_quantized_torchscript(
                    quantization, traced_eager, traced_model, args, out_dir
                )
            elif quantization is not None and fmt == "onnx":
                q_formats[fmt] = write_quantized_onnx(
                    quantization, traced_eager, traced_model, args, out_dir, inputs_desc, outputs_desc, opset
                )
            elif fmt == "torchscript":
                write_torchscript(traced_model, args, path)
            elif fmt == "onnx":
                write_onnx(traced_model, args, path, inputs_desc, outputs_desc, opset)
            else:
                # Always the eager fp32 weights: the eager baseline (model_source + model.pth)
                # must load them into the model the user wrote, also for a quantized export.
                write_pytorch(eager, path)
        except Exception as exc:  # noqa: BLE001 - one format failing must not stop the others
            path.unlink(missing_ok=True)
            (out_dir / FP32_DIRNAME / FILENAMES[fmt]).unlink(missing_ok=True)
            failed[fmt] = f"{type(exc).__name__}: {exc}"
            logger.error("format %s failed and was skipped: %s", fmt, failed[fmt].splitlines()[0])
            logger.debug("format %s traceback", fmt, exc_info=True)
            continue
        record: Dict[str, Any] = artifact_record(out_dir, path)
        if fmt == "onnx":
            record["onnx_checker"] = check_onnx(path)
            if not record["onnx_checker"]["ok"]:
                logger.warning("onnx.checker: %s", record["onnx_checker"]["error"])
        artifacts[fmt] = record
        written[fmt] = path
        logger.info("wrote %s (%d bytes)", path, record["size_bytes"])

    q_info: Optional[Dict[str, Any]] = None
    if quantization is not None:
        q_info = _measured_quantization_info(
            quantization, q_details, traced_eager, traced_model, args, written.get("torchscript"),
            out_dir / FP32_DIRNAME / FILENAMES["torchscript"] if "torchscript" in q_formats else None,
        )
        q_info["formats"] = q_formats
        # one line per warning: the formats report the same constant weight with the same text
        q_info["warnings"] = list(dict.fromkeys([*q_info.get("warnings", []), *[w for r in q_formats.values() for w in r["warnings"]]]))
        for warning in q_info["warnings"]:
            logger.warning("%s", warning)

    fault_point("export-artifacts")
    samples = write_samples(eager, task_spec, out_dir, num_samples, seed)
    layer_records = _write_layers(eager, task_spec, out_dir, samples[:layer_samples], seed)

    formats_written = [f for f in requested if f in written]
    metadata: Dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "task_name": task_spec.task_name,
        "task_type": task_spec.task_type,
        "modality": task_spec.modality,
        "model_source": source,
        "inputs": inputs_desc,
        "outputs": outputs_desc,
        "input_schema": dict(task_spec.input_schema),
        "output_schema": dict(task_spec.output_schema),
        "formats_requested": requested,
        "formats_written": formats_written,
        "formats_failed": failed,
        "artifacts": artifacts,
        "quantization": quantization,
        "quantization_info": q_info,
        "opset": opset,
        "seed": seed,
        "output_structure": output_kind,
        "traced_with": traced_dims(task_spec),
        "export_notes": notes,
        "exported_at": utc_now_iso(),
        **environment_versions(),
        "samples": samples,
        "layers": {"samples": layer_records} if layer_records else None,
    }
    # the original contract's keys (docs/export-format.md, "The original contract")
    metadata.update(contract_fields(inputs_desc, outputs_desc, formats_written))
    # sizes and digests of every file written, so damage after the export is found (docs/export-format.md)
    metadata["files"] = file_manifest(out_dir, [*FILENAMES.values(), SAMPLES_DIRNAME, FP32_DIRNAME, LAYERS_DIRNAME])
    metadata["export_wall_time_s"] = round(time.perf_counter() - started, 3)
    metadata_path = out_dir / METADATA_FILENAME
    fault_point("export-metadata")
    write_json_atomic(metadata_path, metadata)
    logger.info(
        "exported %s to %s in %.2f s (written: %s; failed: %s)",
        task_spec.task_name,
        out_dir,
        time.perf_counter() - started,
        ", ".join(formats_written) or "none",
        ", ".join(failed) or "none",
    )
    return {**written, "metadata": metadata_path}
