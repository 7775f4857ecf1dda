"""Long-lived model worker for vitest-tier4 (TorchScript runner and eager PyTorch baseline).

Started by ``packages/vitest-tier4/src/runtimes/python-worker.ts`` as::

    python -m tier4_export.worker

with ``PYTHONPATH`` pointing at the directory that contains ``tier4_export``. It loads models
once and runs the batches sent to it. The protocol is documented in
``docs/runtimes.md`` ("The Python worker protocol"); in short:

* Every message, in both directions, is one frame::

      uint32 big-endian  header length H
      H bytes            UTF-8 JSON header
      P bytes            payload: raw little-endian tensor bytes, P = header["payload_bytes"]

* Tensors travel in the payload; the header lists them in order as
  ``{"name", "dtype", "shape", "offset", "nbytes"}`` (offsets relative to the payload start).
* Requests carry ``"id"`` and ``"cmd"``; every request gets exactly one response with the same
  ``"id"`` and ``"ok": true`` or ``"ok": false`` with ``"error": {"type", "message", "traceback"}``.
* The worker's real stdout is used for the protocol only; anything else that writes to file
  descriptor 1 (prints inside user model code) is redirected to stderr.

The worker exits on the ``close`` command, at EOF on stdin (its parent went away) and when its
parent process changes (checked every second by a watchdog thread), so it never outlives the
Node process that started it.

Right after ``import torch``, before its first request, the worker forks a zygote
(:mod:`tier4_export.zygote`) that serves the ``memory_probe`` command: each TorchScript memory
probe runs in a child forked from it, whose memory is that of a fresh process that imported torch.
The zygote and its children die with the worker. A zygote that failed at start-up says why on this
process's stderr; the worker then has none (no ``zygote_pid`` in ``hello``).
"""

from __future__ import annotations

import json
import os
import struct
import re
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import IO, Any, Callable, Dict, List, Optional, Tuple

# the dtype names shared with TypeScript (numpy names); all tensors travel little-endian
from tier4_export.dtypes import DTYPES, wire_dtype
from tier4_export.profile import profile_file, profile_mark
from tier4_export.zygote import Zygote, ZygoteError, ZygoteUnavailable, zygote_unavailable_reason

Header = Dict[str, Any]
NamedTensors = List[Tuple[Optional[str], Any]]
Reply = Tuple[Dict[str, Any], List[bytes]]

PROTOCOL_VERSION = 1
CLOCK = "python:time.perf_counter_ns around forward under torch.inference_mode"


class WorkerError(Exception):
    """An error whose message is shown to the TypeScript caller as is."""


# ---------------------------------------------------------------------------------------------
# framing


def _read_exact(stream: IO[bytes], n: int) -> Optional[bytes]:
    """Read exactly n bytes; None at a clean EOF before the first byte."""
    chunks = []
    remaining = n
    while remaining > 0:
        chunk = stream.read(remaining)
        if not chunk:
            if remaining == n:
                return None
            raise EOFError(f"stdin closed in the middle of a frame ({n - remaining}/{n} bytes)")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(stream: IO[bytes]) -> Optional[Tuple[Header, bytes]]:
    head = _read_exact(stream, 4)
    if head is None:
        return None
    (header_len,) = struct.unpack(">I", head)
    header_bytes = _read_exact(stream, header_len)
    if header_bytes is None:
        raise EOFError("stdin closed before the frame header")
    header = json.loads(header_bytes.decode("utf-8"))
    payload_len = int(header.get("payload_bytes", 0))
    payload = b""
    if payload_len:
        data = _read_exact(stream, payload_len)
        if data is None:
            raise EOFError("stdin closed before the frame payload")
        payload = data
    return header, payload


def write_frame(stream: IO[bytes], header: Header, buffers: List[bytes]) -> None:
    header = dict(header)
    header["payload_bytes"] = sum(len(b) for b in buffers)
    header_bytes = json.dumps(header, allow_nan=True).encode("utf-8")
    stream.write(struct.pack(">I", len(header_bytes)))
    stream.write(header_bytes)
    for b in buffers:
        stream.write(b)
    stream.flush()


# ---------------------------------------------------------------------------------------------
# tensors


def decode_tensors(header: Header, payload: bytes) -> NamedTensors:
    import numpy as np
    import torch

    tensors: NamedTensors = []
    for spec in header.get("tensors", []):
        dtype = spec["dtype"]
        if dtype not in DTYPES:
            raise WorkerError(f"input '{spec.get('name')}': unsupported dtype '{dtype}'")
        shape = [int(d) for d in spec["shape"]]
        count = 1
        for d in shape:
            count *= d
        arr = np.frombuffer(payload, dtype=wire_dtype(dtype), count=count, offset=int(spec["offset"]))
        arr = arr.reshape(shape).astype(arr.dtype.newbyteorder("="), copy=True)
        tensors.append((spec.get("name"), torch.from_numpy(arr)))
    return tensors


def encode_tensor(name: str, tensor: Any, offset: int) -> Tuple[Dict[str, Any], bytes]:
    import numpy as np
    import torch

    t = tensor.detach()
    if t.is_quantized:
        t = t.dequantize()
    if t.dtype == torch.bfloat16:
        t = t.to(torch.float32)
    # t.contiguous(), not np.ascontiguousarray: the latter turns a 0-d (scalar) output into shape [1]
    arr = t.contiguous().cpu().numpy()
    dtype = str(arr.dtype)
    if dtype not in DTYPES:
        raise WorkerError(f"output '{name}': dtype {dtype} cannot be sent to TypeScript")
    data = arr.astype(wire_dtype(dtype), copy=False).tobytes(order="C")
    spec = {"name": name, "dtype": dtype, "shape": list(arr.shape), "offset": offset, "nbytes": len(data)}
    return spec, data


def flatten_outputs(result: Any) -> NamedTensors:
    """Model outputs as (name or None, tensor): a tensor, a tuple/list of tensors or a dict."""
    import torch

    if isinstance(result, torch.Tensor):
        return [(None, result)]
    if isinstance(result, dict):
        out: NamedTensors = []
        for key, value in result.items():
            for sub_name, sub in flatten_outputs(value):
                out.append((str(key) if sub_name is None else f"{key}.{sub_name}", sub))
        return out
    if isinstance(result, (tuple, list)):
        items: NamedTensors = []
        for item in result:
            items.extend(flatten_outputs(item))
        return items
    if hasattr(result, "to_tuple"):  # transformers ModelOutput
        return flatten_outputs(result.to_tuple())
    raise WorkerError(f"model returned {type(result).__name__}; expected a tensor, tuple, list or dict of tensors")


# ---------------------------------------------------------------------------------------------
# models


def _torch_backend(torch: Any) -> str:
    """One line naming the BLAS, the ATen parallel backend and oneDNN of this torch build.

    Debian's torch uses a generic BLAS: a speed-up against it says as much about the BLAS as
    about the export, so the report shows it beside the speed-up.
    """
    config = torch.__config__.show()
    blas = re.search(r"BLAS_INFO=([^,\s]+)", config)
    parallel = re.search(r"ATen parallel backend: ([^\n]+)", torch.__config__.parallel_info())
    mkldnn = bool(torch.backends.mkldnn.is_available())
    return (
        f"BLAS {blas.group(1) if blas else 'unknown'}, ATen parallel {parallel.group(1).strip() if parallel else 'unknown'}, "
        f"oneDNN {'on' if mkldnn else 'off'}"
    )


class Worker:
    def __init__(self, zygote: Optional[Zygote] = None, no_zygote: str = "the worker was started without one") -> None:
        self.models: Dict[str, Dict[str, Any]] = {}
        self.next_model = 1
        self.debug = os.environ.get("TIER4_WORKER_DEBUG") == "1"
        self.zygote = zygote
        self.no_zygote = no_zygote

    # --- commands -----------------------------------------------------------------------------

    def cmd_hello(self, req: Header, tensors: NamedTensors) -> Reply:
        import torch

        threads = req.get("num_threads")
        if threads:
            torch.set_num_threads(int(threads))
        return {
            "protocol": PROTOCOL_VERSION,
            "pid": os.getpid(),
            "python": sys.version.split()[0],
            "executable": sys.executable,
            "torch": torch.__version__,
            "num_threads": torch.get_num_threads(),
            "num_interop_threads": torch.get_num_interop_threads(),
            "backend": _torch_backend(torch),
            "clock": CLOCK,
            **({"zygote_pid": self.zygote.pid} if self.zygote is not None else {}),
        }, []

    def cmd_load(self, req: Header, tensors: NamedTensors) -> Reply:
        import torch

        kind = req.get("kind")
        if kind == "torchscript":
            path = req.get("path")
            if not path or not os.path.isfile(path):
                raise WorkerError(f"TorchScript file not found: {path}")
            try:
                model = torch.jit.load(path, map_location="cpu")
            except Exception as exc:  # noqa: BLE001 - any load failure is reported to the caller
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                raise WorkerError(
                    f"cannot load TorchScript file {path}: {type(exc).__name__}: {first}"
                ) from exc
            model.eval()
            arg_names = _script_arg_names(model)
            source = path
        elif kind == "eager":
            model, source = _load_eager(req)
            arg_names = _eager_arg_names(model)
            keywords = _eager_keyword_names(model)
        else:
            raise WorkerError(f"load: unknown kind {kind!r}; expected 'torchscript' or 'eager'")
        handle = f"m{self.next_model}"
        self.next_model += 1
        self.models[handle] = {
            "model": model,
            "kind": kind,
            "source": source,
            "keywords": keywords if kind == "eager" else [],
        }
        return {"model": handle, "kind": kind, "arg_names": arg_names}, []

    def _entry(self, req: Header) -> Dict[str, Any]:
        handle = str(req.get("model"))
        entry = self.models.get(handle)
        if entry is None:
            raise WorkerError(f"no loaded model {handle!r} (loaded: {sorted(self.models)})")
        return entry

    def _caller(self, req: Header, tensors: NamedTensors) -> Callable[[], Any]:
        """A zero-argument call of the model on ``tensors``: by keyword for an eager model whose
        forward takes every input name as a keyword (``forward(input_ids, attention_mask=None)``),
        as the exporter calls it (tier4_export.model_io.call_model); positionally otherwise."""
        entry = self._entry(req)
        model = entry["model"]
        keywords: List[str] = entry["keywords"]
        if keywords and all(name is not None and name in keywords for name, _ in tensors):
            named = {str(name): t for name, t in tensors}
            return lambda: model(**named)
        args = [t for _, t in tensors]
        return lambda: model(*args)

    def cmd_run(self, req: Header, tensors: NamedTensors) -> Reply:
        import torch

        call = self._caller(req, tensors)
        with torch.inference_mode():
            t0 = time.perf_counter_ns()
            result = call()
            t1 = time.perf_counter_ns()
        outputs = flatten_outputs(result)
        specs, buffers, offset = [], [], 0
        for i, (name, tensor) in enumerate(outputs):
            spec, data = encode_tensor(name if name is not None else f"output_{i}", tensor, offset)
            spec["named"] = name is not None
            specs.append(spec)
            buffers.append(data)
            offset += len(data)
        return {"tensors": specs, "timing_ms": (t1 - t0) / 1e6, "clock": CLOCK}, buffers

    def cmd_time(self, req: Header, tensors: NamedTensors) -> Reply:
        import torch

        call = self._caller(req, tensors)
        warmup = int(req.get("warmup", 10))
        iterations = int(req.get("iterations", 100))
        if iterations < 1:
            raise WorkerError(f"time: iterations must be >= 1, got {iterations}")
        # optional time budget (docs/runtimes.md): after min_iterations, stop once the measured
        # iterations' summed time reaches time_budget_ms (at most `iterations` either way)
        budget_raw = req.get("time_budget_ms")
        budget = None if budget_raw is None else float(budget_raw)
        if budget is not None and not budget > 0:
            raise WorkerError(f"time: time_budget_ms must be > 0, got {budget_raw}")
        min_iterations = int(req.get("min_iterations", iterations)) if budget is not None else iterations
        if not 1 <= min_iterations <= iterations:
            raise WorkerError(f"time: min_iterations must be in [1, iterations={iterations}], got {min_iterations}")
        samples: list[float] = []
        spent = 0.0
        with torch.inference_mode():
            for _ in range(max(0, warmup)):
                call()
            for _ in range(iterations):
                t0 = time.perf_counter_ns()
                call()
                t1 = time.perf_counter_ns()
                samples.append((t1 - t0) / 1e6)
                spent += samples[-1]
                if budget is not None and len(samples) >= min_iterations and spent >= budget:
                    break
        return {"samples_ms": samples, "warmup": warmup, "iterations": len(samples), "clock": CLOCK}, []

    def cmd_layers(self, req: Header, tensors: NamedTensors) -> Reply:
        """Prepare a per-layer comparison (``docs/layers.md``): plan + reference tensors.

        Request: ``export_dir``, ``sample`` (index), ``work_dir`` (written into), ``split``
        (also one local model per layer), ``trust_model_source`` (may the eager model be
        rebuilt from a file model source when no activations are stored). Response: ``plan`` and
        ``references`` (``file`` in the work dir and the ``tensors`` specs in it), no payload.
        """
        from .layers.prepare import LayersError, prepare_layers
        from .layers.transfer import write_tensors

        export_dir = str(req.get("export_dir") or "")
        work_dir = str(req.get("work_dir") or "")
        if not export_dir or not work_dir:
            raise WorkerError("layers: export_dir and work_dir are required")

        def load_eager() -> Any:
            # A file model source is Python code named by the export dir: rebuilt only on opt-in.
            meta_path = os.path.join(export_dir, "metadata.json")
            with open(meta_path, "r", encoding="utf-8") as fh:
                source = json.load(fh).get("model_source")
            if isinstance(source, dict) and source.get("kind") != "builtin" and req.get("trust_model_source") is not True:
                raise WorkerError(
                    f"{export_dir}: no reference activations stored for this sample (export with layers=True or "
                    f"--layers), and the eager model's source {json.dumps(source)} is Python code the export dir "
                    "names: it is rebuilt only with trustModelSource: true / --trust-model-source"
                )
            model, _source = _load_eager(req)
            return model

        try:
            plan, arrays = prepare_layers(
                Path(export_dir), int(req.get("sample", 0)), Path(work_dir), load_eager, bool(req.get("split", False))
            )
        except LayersError as exc:
            raise WorkerError(str(exc)) from exc
        # The references travel through a file in the work dir, not the frame (layers/transfer.py).
        references = Path(work_dir) / "references.bin"
        specs = write_tensors(references, arrays)
        return {"plan": plan, "references": {"file": str(references), "tensors": specs}}, []

    def cmd_threads(self, req: Header, tensors: NamedTensors) -> Reply:
        """Set torch's intra-op thread count (``num_threads`` >= 1) and report the threading in force.

        runTier4 sends it before loading a model, so a pooled worker runs the TorchScript model and the
        eager baseline on the same count as onnxruntime.
        """
        import torch

        threads = req.get("num_threads")
        if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
            raise ValueError(f"threads: num_threads must be an integer >= 1, received {threads!r}")
        # torch.set_num_threads costs about 8 ms even when the count does not change (measured with
        # torch 1.13 here), and runTier4 sends this before every model it loads
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
        return {
            "num_threads": torch.get_num_threads(),
            "num_interop_threads": torch.get_num_interop_threads(),
            "backend": _torch_backend(torch),
        }, []

    def cmd_memory_probe(self, req: Header, tensors: NamedTensors) -> Reply:
        """Resident memory of TorchScript files, each measured in a child forked from the zygote.

        Request: ``paths`` (TorchScript files, measured side by side), ``loads`` (measured loads after
        the warm-up one, default 3), ``probe_timeout_ms`` (of all of them together, default 120 000;
        a probe still running then is killed). Response: ``measurements``, one per path in order:
        ``{"path", "memory_bytes", "rss_deltas", "pid", "ppid"}`` (``ppid`` is the zygote's pid), and
        ``zygote_pid``. Each figure is what ``python -m tier4_export.memory_probe`` would print.

        Errors: a :class:`~tier4_export.zygote.ZygoteUnavailable` (protocol ``error.type``
        ``ZygoteUnavailable``) when the worker has no zygote running (none was forked, or it has exited:
        the message says how), which the caller answers by measuring in a fresh process; otherwise a
        :class:`~tier4_export.zygote.ZygoteError` naming the artifact whose probe failed, or every one
        that timed out (:meth:`~tier4_export.zygote.Zygote.probe`).
        """
        paths = req.get("paths")
        if not isinstance(paths, list) or not paths or not all(isinstance(p, str) and p for p in paths):
            raise WorkerError(f"memory_probe: paths must be a non-empty list of file paths, received {json.dumps(paths)}")
        loads = req.get("loads", 3)
        if not isinstance(loads, int) or isinstance(loads, bool) or loads < 1:
            raise WorkerError(f"memory_probe: loads must be an integer >= 1, received {json.dumps(loads)}")
        timeout_ms = req.get("probe_timeout_ms", 120_000)
        if isinstance(timeout_ms, bool) or not isinstance(timeout_ms, (int, float)) or not timeout_ms > 0:
            raise WorkerError(f"memory_probe: probe_timeout_ms must be a number > 0, received {json.dumps(timeout_ms)}")
        if self.zygote is None:
            raise ZygoteUnavailable(f"memory_probe: this worker has no zygote ({self.no_zygote}); measure in a fresh process")
        measurements = self.zygote.probe(paths, loads, float(timeout_ms) / 1000)
        return {"measurements": measurements, "zygote_pid": self.zygote.pid}, []

    def cmd_unload(self, req: Header, tensors: NamedTensors) -> Reply:
        self.models.pop(str(req.get("model")), None)
        return {}, []

    # test hooks, only with TIER4_WORKER_DEBUG=1: simulate a hang and a crash
    def cmd_debug_sleep(self, req: Header, tensors: NamedTensors) -> Reply:
        if not self.debug:
            raise WorkerError("debug commands need TIER4_WORKER_DEBUG=1")
        time.sleep(float(req.get("seconds", 60)))
        return {}, []

    def cmd_debug_exit(self, req: Header, tensors: NamedTensors) -> Reply:
        if not self.debug:
            raise WorkerError("debug commands need TIER4_WORKER_DEBUG=1")
        sys.stderr.write("tier4 worker: exiting on request (debug_exit)\n")
        sys.stderr.flush()
        os._exit(int(req.get("code", 3)))

    # --- loop ---------------------------------------------------------------------------------

    def serve(self, stdin: IO[bytes], stdout: IO[bytes]) -> int:
        # bench/demo.mjs: one mark per request (its wall and CPU time), only when TIER4_PROFILE is set
        profiling = profile_file() is not None
        while True:
            try:
                frame = read_frame(stdin)
            except EOFError as exc:
                sys.stderr.write(f"tier4 worker: {exc}\n")
                return 1
            if frame is None:
                return 0
            header, payload = frame
            req_id = header.get("id")
            cmd = header.get("cmd")
            if cmd == "close":
                write_frame(stdout, {"id": req_id, "ok": True}, [])
                return 0
            handler = getattr(self, f"cmd_{cmd}", None) if isinstance(cmd, str) else None
            started, wall0, cpu0 = time.time() * 1000.0, time.perf_counter(), time.process_time()
            if os.environ.get("TIER4_FAULT_POINT"):  # fault-injection tests only (tier4_export/fault.py)
                from tier4_export.fault import fault_point

                fault_point(f"worker-{cmd}")
            try:
                if handler is None:
                    raise WorkerError(f"unknown command {cmd!r}")
                tensors = decode_tensors(header, payload) if header.get("tensors") else []
                body, buffers = handler(header, tensors)
                response = {"id": req_id, "ok": True}
                response.update(body)
            except Exception as exc:  # noqa: BLE001 - every failure becomes an error response
                message = str(exc) if isinstance(exc, (WorkerError, ZygoteError)) else f"{type(exc).__name__}: {exc}"
                response = {
                    "id": req_id,
                    "ok": False,
                    "error": {
                        "type": type(exc).__name__,
                        "message": message,
                        "traceback": traceback.format_exc(),
                    },
                }
                buffers = []
            write_frame(stdout, response, buffers)
            if profiling:  # the request's time includes writing its response
                wall_ms, cpu_ms = (time.perf_counter() - wall0) * 1000.0, (time.process_time() - cpu0) * 1000.0
                profile_mark("worker:request", started, cmd=cmd, ok=response["ok"], wall_ms=wall_ms, cpu_ms=cpu_ms)


def _script_arg_names(model: Any) -> List[str]:
    try:
        args = model.forward.schema.arguments
        return [a.name for a in args if a.name != "self"]
    except Exception:  # noqa: BLE001
        return []


def _eager_arg_names(model: Any) -> List[str]:
    import inspect

    try:
        params = inspect.signature(model.forward).parameters
        return [n for n, p in params.items() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return []


def _eager_keyword_names(model: Any) -> List[str]:
    import inspect

    try:
        params = inspect.signature(model.forward).parameters
        return [n for n, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    except (TypeError, ValueError):
        return []


def _load_eager(req: Header) -> Tuple[Any, str]:
    """Rebuild the eager fp32 model of an export dir from its model_source.

    A ``{"kind": "file"}`` model source is Python code named by the export dir: it is imported and
    run only when the request carries ``"trust_model_source": true`` (the user opted in with
    ``trustModelSource`` / ``--trust-model-source``); a built-in source is this package's own code.

    The model.pth state dict is loaded on top when the export has one, so the eager model holds
    exactly the exported weights, with ``torch.load(weights_only=True)`` only (:func:`load_state_dict_safely`).
    Without it (an export of the default formats, onnx and torchscript), the weights are the
    factory's own: identical for a built-in model (seeded) and for a factory that loads its
    weights, and irrelevant to latency, which is what the baseline is for. The returned
    description says which weights were used.
    """
    export_dir = req.get("export_dir")
    meta_path = os.path.join(export_dir or "", "metadata.json")
    if not export_dir or not os.path.isfile(meta_path):
        raise WorkerError(f"eager model: no metadata.json in export dir {export_dir}")
    with open(meta_path, "r", encoding="utf-8") as fh:
        metadata = json.load(fh)
    source = metadata.get("model_source")
    if not source:
        raise WorkerError(
            f"eager model: {meta_path} has no model_source (export_model was given an in-memory model "
            "without model_source), so the eager model cannot be rebuilt"
        )
    if isinstance(source, dict) and source.get("kind") != "builtin" and req.get("trust_model_source") is not True:
        raise WorkerError(
            f"eager model: {meta_path} names the model source {json.dumps(source)}, Python code that "
            "rebuilding the eager model would import and run; it runs only when the caller trusts the "
            "export dir (load with trust_model_source: true)"
        )
    artifact = (metadata.get("artifacts") or {}).get("pytorch")
    state_path: Optional[str] = None
    if artifact:
        listed = os.path.join(export_dir, *artifact["path"].split("/"))
        if not os.path.isfile(listed):
            raise WorkerError(f"eager model: state dict listed in metadata.json not found: {listed}")
        state_path = listed
    try:
        from tier4_export import load_model_source
    except ImportError as exc:
        raise WorkerError(f"eager model: cannot import tier4_export.load_model_source ({exc})") from exc
    from tier4_export.attention import use_composite_attention

    loaded = load_model_source(source)
    model = loaded[0] if isinstance(loaded, tuple) else loaded
    model.eval()
    # the computation the reference samples were made with (the exporter's copy skips torch's
    # fused attention fast path the same way; see attention.py)
    use_composite_attention(model)
    if state_path is None:
        model.eval()
        return model, f"{source} (factory weights: the export has no model.pth)"
    model.load_state_dict(load_state_dict_safely(state_path))
    model.eval()
    return model, f"{source} + {state_path}"


def load_state_dict_safely(path: str) -> Any:
    """Load a state dict with ``torch.load(weights_only=True)`` and nothing else.

    There is no fallback to an unrestricted ``torch.load``: a pickle can run any code when it is
    unpickled. A torch without ``weights_only`` (older than 1.13), a file the restricted unpickler
    refuses, and a TorchScript archive (which ``torch.load`` would hand to ``torch.jit.load`` even
    with ``weights_only=True``) are each a :class:`WorkerError` naming the file.
    """
    import inspect
    import zipfile

    import torch

    if "weights_only" not in inspect.signature(torch.load).parameters:
        raise WorkerError(
            f"eager model: torch {torch.__version__} has no torch.load(weights_only=True), and {path} is "
            "not unpickled without it (an unrestricted unpickler runs any code the file contains); "
            "use torch >= 1.13"
        )
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
        if any(n.endswith("/constants.pkl") or "/code/" in n for n in names):
            raise WorkerError(
                f"eager model: {path} is a TorchScript archive, not a state dict (torch.load would run "
                "it through torch.jit.load); refusing to load it as model.pth"
            )
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - the restricted unpickler's refusals and corrupt files
        text = str(exc).strip()
        # torch's own text goes on to suggest weights_only=False: keep only the refusal itself
        marker = "WeightsUnpickler error:"
        first = text.split(marker, 1)[1].strip() if marker in text else (text.splitlines()[0] if text else "")
        raise WorkerError(
            f"eager model: {path} is not a plain state dict that torch.load(weights_only=True) accepts "
            f"({type(exc).__name__}: {first}); it is never loaded with an unrestricted unpickler"
        ) from exc


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(3)


def main() -> int:
    parent = os.getppid()
    # Keep the real stdout for the protocol; route fd 1 (prints in model code) to stderr.
    proto_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    stdin = sys.stdin.buffer
    try:
        import torch  # noqa: F401  - fail early (reported in the hello response) if missing
    except ImportError as exc:
        write_frame(proto_out, {"id": None, "ok": False, "error": {"type": "ImportError", "message": f"cannot import torch: {exc}", "traceback": ""}}, [])
        return 2
    # The zygote is forked now: torch imported, no op run, no thread started (the watchdog starts
    # after it), so its memory is that of a fresh process after import torch (tier4_export/zygote.py).
    zygote: Optional[Zygote] = None
    no_zygote = zygote_unavailable_reason()
    if no_zygote is None:
        try:
            zygote = Zygote.start()
        except OSError as exc:
            no_zygote = f"the fork failed: {exc}"
        except ZygoteError as exc:  # it failed at start-up, and said why on stderr
            no_zygote = str(exc)
    if no_zygote is not None:
        sys.stderr.write(f"tier4 worker: no zygote for memory probes: {no_zygote}\n")
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    try:
        return Worker(zygote, no_zygote or "").serve(stdin, proto_out)
    finally:
        if zygote is not None:
            zygote.close()


def exit_now(code: int) -> None:
    """Ends the worker without the interpreter's teardown.

    With torch loaded, Python's finalisation (modules, allocators) takes about 170 ms here against
    10 ms for ``os._exit``, and a worker needs none of it: every response frame was flushed when it
    was written, the zygote was closed by :func:`main`, and nothing registers ``atexit`` work. The
    pool's close at the end of a test run and every private worker's close wait for this exit.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())
