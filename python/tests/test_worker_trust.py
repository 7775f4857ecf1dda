"""The worker's trust boundary: an export dir cannot make it run code (docs/trust-model.md).

* a ``{"kind": "file"}`` model source is imported only when the load request says
  ``"trust_model_source": true``; a built-in one needs no opt-in;
* ``model.pth`` is loaded with ``torch.load(weights_only=True)`` only: a crafted pickle (zip or
  legacy format), a TorchScript archive posing as a state dict and a torch without
  ``weights_only`` are each refused with a message naming the file, and the payload never runs.
"""

from __future__ import annotations

import inspect
import io
import json
import os
import pickle
import shutil
from pathlib import Path
from typing import Any, Callable, Dict, Tuple

import pytest
import torch

from tier4_export.worker import Worker, WorkerError, load_state_dict_safely, read_frame, write_frame

from conftest import Exported


class _RunsShell:
    """Unpickling this calls os.system (what a crafted model.pth does)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> Tuple[Callable[..., Any], Tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def _load(req: Dict[str, Any]) -> Dict[str, Any]:
    """One load request through the worker's loop; returns the response header."""
    buf = io.BytesIO()
    write_frame(buf, {"id": 1, "cmd": "load", **req}, [])
    out = io.BytesIO()
    Worker().serve(io.BytesIO(buf.getvalue()), out)
    out.seek(0)
    frame = read_frame(out)
    assert frame is not None
    return frame[0]


def test_a_crafted_pickle_is_refused_in_both_formats_and_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    zipped = tmp_path / "zip.pth"
    torch.save({"weight": _RunsShell(marker)}, str(zipped))
    legacy = tmp_path / "legacy.pth"
    legacy.write_bytes(pickle.dumps({"weight": _RunsShell(marker)}))
    with pytest.raises(WorkerError) as zip_err:
        load_state_dict_safely(str(zipped))
    assert str(zip_err.value) == (
        f"eager model: {zipped} is not a plain state dict that torch.load(weights_only=True) accepts "
        "(UnpicklingError: Unsupported class posix.system); it is never loaded with an unrestricted unpickler"
    )
    with pytest.raises(WorkerError, match=r"legacy\.pth is not a plain state dict .*UnpicklingError: "):
        load_state_dict_safely(str(legacy))
    assert not marker.exists()


def test_a_torchscript_archive_posing_as_model_pth_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.pth"
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), str(path))
    with pytest.raises(WorkerError) as err:
        load_state_dict_safely(str(path))
    assert str(err.value) == (
        f"eager model: {path} is a TorchScript archive, not a state dict (torch.load would run it "
        "through torch.jit.load); refusing to load it as model.pth"
    )


def test_a_torch_without_weights_only_is_refused_not_bypassed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "model.pth"
    torch.save(torch.nn.Linear(2, 2).state_dict(), str(path))
    calls = []

    def old_load(f: Any, map_location: Any = None) -> Any:  # torch < 1.13's signature
        calls.append(f)
        raise AssertionError("the unrestricted torch.load must never be called")

    monkeypatch.setattr(torch, "load", old_load)
    assert "weights_only" not in inspect.signature(torch.load).parameters
    with pytest.raises(WorkerError, match=r"has no torch\.load\(weights_only=True\), and .*model\.pth is not unpickled without it"):
        load_state_dict_safely(str(path))
    assert calls == []


def test_a_plain_state_dict_loads(tmp_path: Path) -> None:
    path = tmp_path / "model.pth"
    torch.save(torch.nn.Linear(2, 3).state_dict(), str(path))
    state = load_state_dict_safely(str(path))
    assert sorted(state) == ["bias", "weight"] and tuple(state["weight"].shape) == (3, 2)


def _with_file_source(cnn_export: Exported, tmp_path: Path) -> Tuple[Path, Path]:
    """A copy of the CNN export whose model_source is a file that writes a marker when imported."""
    marker = tmp_path / "IMPORTED"
    source = tmp_path / "evil.py"
    source.write_text(
        "import pathlib\n"
        f"pathlib.Path({str(marker)!r}).write_text('ran')\n"
        "from tier4_export import get_builtin\n"
        "def make_model():\n"
        "    return get_builtin('simple_cnn', 0)\n"
    )
    export = tmp_path / "export"
    shutil.copytree(cnn_export.dir, export)
    meta = json.loads((export / "metadata.json").read_text())
    meta["model_source"] = {"kind": "file", "file": str(source), "factory": "make_model"}
    (export / "metadata.json").write_text(json.dumps(meta))
    return export, marker


def test_a_file_model_source_is_not_imported_without_trust(cnn_export: Exported, tmp_path: Path) -> None:
    export, marker = _with_file_source(cnn_export, tmp_path)
    for trust in (None, False, "yes", 1):
        req: Dict[str, Any] = {"kind": "eager", "export_dir": str(export)}
        if trust is not None:
            req["trust_model_source"] = trust
        res = _load(req)
        assert res["ok"] is False
        assert "Python code that rebuilding the eager model would import and run" in res["error"]["message"]
        assert "trust_model_source: true" in res["error"]["message"]
    assert not marker.exists()
    res = _load({"kind": "eager", "export_dir": str(export), "trust_model_source": True})
    assert res["ok"] is True and marker.read_text() == "ran"


def test_a_builtin_model_source_needs_no_opt_in(cnn_export: Exported) -> None:
    res = _load({"kind": "eager", "export_dir": str(cnn_export.dir)})
    assert res["ok"] is True, res
