"""tier4_export.worker: the framed protocol, tensor (de)serialisation and the command loop.

The TypeScript side (packages/vitest-tier4/test/runtimes) drives a real worker process; these
tests pin the Python half on its own: frames, dtypes (float16, int64, bool travel as raw
little-endian bytes), output flattening, and every command's response, including the errors a
caller must be able to show (bad file, unknown command, bad model handle).
"""

from __future__ import annotations

import io
import json
import struct
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

import numpy as np
import pytest
import torch

from tier4_export.worker import (
    CLOCK,
    Worker,
    WorkerError,
    decode_tensors,
    encode_tensor,
    flatten_outputs,
    read_frame,
    write_frame,
)

Frame = Tuple[Dict[str, Any], bytes]
if TYPE_CHECKING:
    from typing import TypeAlias  # Python 3.10+; only the type checker needs it

Array: TypeAlias = "np.ndarray[Any, Any]"


class TwoOutputs(torch.nn.Module):
    """float16, int64 and bool through one forward: (x * 2, ids + 1, ~mask)."""

    def forward(self, x: torch.Tensor, ids: torch.Tensor, mask: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return x * 2, ids + 1, ~mask


def request(header: Dict[str, Any], tensors: Optional[List[Tuple[str, Array]]] = None) -> bytes:
    """One request frame as the TypeScript side builds it."""
    specs: List[Dict[str, Any]] = []
    buffers: List[bytes] = []
    offset = 0
    for name, arr in tensors or []:
        data = np.ascontiguousarray(arr).tobytes()
        specs.append({"name": name, "dtype": str(arr.dtype), "shape": list(arr.shape), "offset": offset, "nbytes": len(data)})
        buffers.append(data)
        offset += len(data)
    out = io.BytesIO()
    write_frame(out, {**header, "tensors": specs}, buffers)
    return out.getvalue()


def serve(*frames: bytes) -> Tuple[int, List[Frame]]:
    """Runs the worker loop over the given request frames; returns its exit code and the responses."""
    stdin = io.BytesIO(b"".join(frames))
    stdout = io.BytesIO()
    code = Worker().serve(stdin, stdout)
    stdout.seek(0)
    responses: List[Frame] = []
    while True:
        frame = read_frame(stdout)
        if frame is None:
            return code, responses
        responses.append(frame)


def payload_tensor(header: Dict[str, Any], payload: bytes, i: int) -> Array:
    spec = header["tensors"][i]
    arr = np.frombuffer(payload, dtype=np.dtype(spec["dtype"]).newbyteorder("<"), count=int(np.prod(spec["shape"])), offset=spec["offset"])
    return arr.reshape(spec["shape"])


@pytest.fixture(scope="module")
def scripted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("worker") / "two_outputs.torchscript"
    torch.jit.save(torch.jit.script(TwoOutputs()), str(path))
    return path


def test_frames_round_trip_and_eof_handling() -> None:
    buf = io.BytesIO()
    write_frame(buf, {"id": 7, "cmd": "x"}, [b"abc", b"de"])
    raw = buf.getvalue()
    (hlen,) = struct.unpack(">I", raw[:4])
    assert json.loads(raw[4:4 + hlen]) == {"id": 7, "cmd": "x", "payload_bytes": 5}
    assert read_frame(io.BytesIO(raw)) == ({"id": 7, "cmd": "x", "payload_bytes": 5}, b"abcde")
    assert read_frame(io.BytesIO(b"")) is None  # clean EOF: the parent went away
    with pytest.raises(EOFError, match="in the middle of a frame"):
        read_frame(io.BytesIO(raw[:-2]))


@pytest.mark.parametrize(
    "arr",
    [
        np.array([[1.0, -2.5, 65504.0]], dtype=np.float16),
        np.array([2**40, -3, 7], dtype=np.int64),
        np.array([True, False, True], dtype=np.bool_),
        np.arange(6, dtype=np.float32).reshape(2, 3),
        np.array(3.5, dtype=np.float64),  # a scalar: shape []
    ],
    ids=lambda a: str(a.dtype),
)
def test_tensors_travel_as_raw_little_endian_bytes(arr: Array) -> None:
    header: Dict[str, Any] = {"tensors": [{"name": "t", "dtype": str(arr.dtype), "shape": list(arr.shape), "offset": 3, "nbytes": arr.nbytes}]}
    decoded = decode_tensors(header, b"pad" + arr.astype(arr.dtype.newbyteorder("<")).tobytes())
    assert decoded[0][0] == "t"
    np.testing.assert_array_equal(decoded[0][1].numpy(), arr)
    spec, data = encode_tensor("out", decoded[0][1], 11)
    assert spec == {"name": "out", "dtype": str(arr.dtype), "shape": list(arr.shape), "offset": 11, "nbytes": arr.nbytes}
    assert data == arr.astype(arr.dtype.newbyteorder("<")).tobytes()


def test_unsupported_dtypes_are_named() -> None:
    with pytest.raises(WorkerError, match="input 'z': unsupported dtype 'complex64'"):
        decode_tensors({"tensors": [{"name": "z", "dtype": "complex64", "shape": [1], "offset": 0, "nbytes": 8}]}, b"\0" * 8)
    with pytest.raises(WorkerError, match="output 'c': dtype complex64 cannot be sent"):
        encode_tensor("c", torch.zeros(1, dtype=torch.complex64), 0)
    # bfloat16 has no numpy dtype: it is sent as float32
    spec, _ = encode_tensor("b", torch.ones(2, dtype=torch.bfloat16), 0)
    assert spec["dtype"] == "float32"


def test_outputs_are_flattened_with_names_when_the_model_gives_them() -> None:
    t = torch.zeros(1)
    assert [n for n, _ in flatten_outputs(t)] == [None]
    assert [n for n, _ in flatten_outputs((t, [t, t]))] == [None, None, None]
    assert [n for n, _ in flatten_outputs({"logits": t, "aux": {"a": t, "b": (t,)}})] == ["logits", "aux.a", "aux.b"]
    with pytest.raises(WorkerError, match="model returned str; expected a tensor, tuple, list or dict of tensors"):
        flatten_outputs("nope")


def test_load_run_time_unload_close_with_float16_int64_bool(scripted: Path) -> None:
    x = np.array([[1.0, -0.5, 3.0]], dtype=np.float16)
    ids = np.array([[2**40, -3]], dtype=np.int64)
    mask = np.array([[True, False]], dtype=np.bool_)
    inputs: List[Tuple[str, Array]] = [("x", x), ("ids", ids), ("mask", mask)]
    code, responses = serve(
        request({"id": 1, "cmd": "hello"}),
        request({"id": 2, "cmd": "load", "kind": "torchscript", "path": str(scripted)}),
        request({"id": 3, "cmd": "run", "model": "m1"}, inputs),
        request({"id": 4, "cmd": "time", "model": "m1", "iterations": 5, "warmup": 2}, inputs),
        request({"id": 5, "cmd": "unload", "model": "m1"}),
        request({"id": 6, "cmd": "run", "model": "m1"}, inputs),
        request({"id": 7, "cmd": "close"}),
        request({"id": 8, "cmd": "hello"}),  # never read: the worker stopped at close
    )
    assert code == 0
    assert [h["id"] for h, _ in responses] == [1, 2, 3, 4, 5, 6, 7]
    hello, load, run, timed, unload, gone, close = responses
    assert hello[0]["ok"] is True and hello[0]["protocol"] == 1 and hello[0]["clock"] == CLOCK
    assert load[0] == {"id": 2, "ok": True, "model": "m1", "kind": "torchscript", "arg_names": ["x", "ids", "mask"], "payload_bytes": 0}

    header, payload = run
    assert header["ok"] is True and header["clock"] == CLOCK and header["timing_ms"] > 0
    assert [(s["name"], s["dtype"], s["shape"], s["named"]) for s in header["tensors"]] == [
        ("output_0", "float16", [1, 3], False),
        ("output_1", "int64", [1, 2], False),
        ("output_2", "bool", [1, 2], False),
    ]
    np.testing.assert_array_equal(payload_tensor(header, payload, 0), x * 2)
    np.testing.assert_array_equal(payload_tensor(header, payload, 1), ids + 1)  # 2**40 + 1: no float round trip
    np.testing.assert_array_equal(payload_tensor(header, payload, 2), ~mask)

    assert timed[0]["ok"] is True and timed[0]["iterations"] == 5 and timed[0]["warmup"] == 2
    assert len(timed[0]["samples_ms"]) == 5 and all(v > 0 for v in timed[0]["samples_ms"])
    assert unload[0]["ok"] is True
    assert gone[0]["ok"] is False and gone[0]["error"]["message"] == "no loaded model 'm1' (loaded: [])"
    assert close[0] == {"id": 7, "ok": True, "payload_bytes": 0}


def test_time_budget_stops_after_min_iterations_once_the_summed_time_reaches_it(scripted: Path) -> None:
    inputs: List[Tuple[str, Array]] = [
        ("x", np.ones((1, 3), dtype=np.float16)),
        ("ids", np.zeros((1, 2), dtype=np.int64)),
        ("mask", np.zeros((1, 2), dtype=np.bool_)),
    ]
    load = {"cmd": "load", "kind": "torchscript", "path": str(scripted)}
    code, responses = serve(
        request({"id": 1, **load}),
        # a budget every forward exceeds: exactly min_iterations measured
        request({"id": 2, "cmd": "time", "model": "m1", "iterations": 50, "warmup": 0, "min_iterations": 3, "time_budget_ms": 1e-9}, inputs),
        # a budget no forward reaches: the most, iterations
        request({"id": 3, "cmd": "time", "model": "m1", "iterations": 6, "warmup": 0, "min_iterations": 2, "time_budget_ms": 1e9}, inputs),
        # no budget: exactly iterations, min_iterations ignored
        request({"id": 4, "cmd": "time", "model": "m1", "iterations": 4, "warmup": 0, "min_iterations": 1}, inputs),
        request({"id": 5, "cmd": "time", "model": "m1", "iterations": 4, "min_iterations": 5, "time_budget_ms": 10}, inputs),
        request({"id": 6, "cmd": "time", "model": "m1", "iterations": 4, "time_budget_ms": 0}, inputs),
    )
    assert code == 0
    by_id = {h["id"]: h for h, _ in responses}
    assert [by_id[i]["iterations"] for i in (2, 3, 4)] == [3, 6, 4]
    assert [len(by_id[i]["samples_ms"]) for i in (2, 3, 4)] == [3, 6, 4]
    assert by_id[5]["error"]["message"] == "time: min_iterations must be in [1, iterations=4], got 5"
    assert by_id[6]["error"]["message"] == "time: time_budget_ms must be > 0, got 0"


def test_errors_are_responses_and_the_worker_keeps_serving(tmp_path: Path, scripted: Path) -> None:
    bad = tmp_path / "bad.torchscript"
    bad.write_bytes(b"garbage, not a zip archive")
    code, responses = serve(
        request({"id": 1, "cmd": "load", "kind": "torchscript", "path": str(bad)}),
        request({"id": 2, "cmd": "load", "kind": "torchscript", "path": str(tmp_path / "missing.torchscript")}),
        request({"id": 3, "cmd": "frobnicate"}),
        request({"id": 4, "cmd": "load", "kind": "onnx"}),
        request({"id": 5, "cmd": "debug_exit"}),
        request({"id": 6, "cmd": "load", "kind": "torchscript", "path": str(scripted)}),
        request({"id": 7, "cmd": "run", "model": "m1"}, [("x", np.zeros((1, 3), dtype=np.float16))]),  # 2 inputs missing
        request({"id": 8, "cmd": "time", "model": "m1", "iterations": 0}),
        request({"id": 9, "cmd": "load", "kind": "eager", "export_dir": str(tmp_path)}),
    )
    assert code == 0  # EOF after the last request: a clean exit
    errors = {h["id"]: h["error"] for h, _ in responses if not h["ok"]}
    assert sorted(errors) == [1, 2, 3, 4, 5, 7, 8, 9]
    assert errors[1]["message"].startswith(f"cannot load TorchScript file {bad}: RuntimeError: ")
    assert errors[2]["message"] == f"TorchScript file not found: {tmp_path / 'missing.torchscript'}"
    assert errors[3]["message"] == "unknown command 'frobnicate'"
    assert errors[4]["message"] == "load: unknown kind 'onnx'; expected 'torchscript' or 'eager'"
    assert errors[5]["message"] == "debug commands need TIER4_WORKER_DEBUG=1"
    assert errors[7]["type"] == "RuntimeError" and "Traceback" in errors[7]["traceback"]
    assert errors[8]["message"] == "time: iterations must be >= 1, got 0"
    assert errors[9]["message"] == f"eager model: no metadata.json in export dir {tmp_path}"
    assert [h["ok"] for h, _ in responses if h["id"] == 6] == [True]


def test_a_truncated_request_ends_the_worker_with_an_error_code() -> None:
    frame = request({"id": 1, "cmd": "hello"})
    code, responses = serve(frame[:-3])
    assert code == 1 and responses == []


def test_with_tier4_profile_every_request_leaves_one_mark_with_its_times(tmp_path: Path, scripted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    profile = tmp_path / "profile.jsonl"
    monkeypatch.setenv("TIER4_PROFILE", str(profile))
    code, responses = serve(
        request({"id": 1, "cmd": "load", "kind": "torchscript", "path": str(scripted)}),
        request({"id": 2, "cmd": "frobnicate"}),
        request({"id": 3, "cmd": "close"}),
    )
    assert code == 0 and [h["ok"] for h, _ in responses] == [True, False, True]
    marks = [json.loads(line) for line in profile.read_text().splitlines()]
    # the failed request is marked too (its time was spent); close ends the loop unmarked
    assert [(m["mark"], m["cmd"], m["ok"]) for m in marks] == [("worker:request", "load", True), ("worker:request", "frobnicate", False)]
    for m in marks:
        assert m["wall_ms"] >= 0 and m["cpu_ms"] >= 0 and m["t"] > 1.7e12 and isinstance(m["pid"], int)


def test_without_tier4_profile_no_mark_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIER4_PROFILE", raising=False)
    monkeypatch.chdir(tmp_path)
    code, _ = serve(request({"id": 1, "cmd": "hello"}))
    assert code == 0 and list(tmp_path.iterdir()) == []


def test_threads_sets_the_count_once_and_reports_it_each_time(monkeypatch: pytest.MonkeyPatch) -> None:
    before = torch.get_num_threads()
    calls: List[int] = []
    real = torch.set_num_threads

    def counting(n: int) -> None:
        calls.append(n)
        real(n)

    monkeypatch.setattr(torch, "set_num_threads", counting)
    try:
        other = 1 if before != 1 else 2
        code, responses = serve(
            request({"id": 1, "cmd": "threads", "num_threads": other}),
            request({"id": 2, "cmd": "threads", "num_threads": other}),
            request({"id": 3, "cmd": "threads", "num_threads": 0}),
        )
        assert code == 0
        assert [h.get("num_threads") for h, _ in responses[:2]] == [other, other]
        # the second request asks for the count already in force: torch is not asked again (~8 ms a call)
        assert calls == [other] and torch.get_num_threads() == other
        assert responses[2][0]["error"]["message"] == "ValueError: threads: num_threads must be an integer >= 1, received 0"
    finally:
        real(before)


def test_a_profile_file_that_cannot_be_written_never_breaks_a_request(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a directory in place of the profile file: the mark is lost, the request is answered
    monkeypatch.setenv("TIER4_PROFILE", str(tmp_path))
    code, responses = serve(request({"id": 1, "cmd": "hello"}))
    assert code == 0 and [h["ok"] for h, _ in responses] == [True]
