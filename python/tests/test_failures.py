"""A format that fails is recorded and skipped; a model that cannot run stops the export."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Tuple

import pytest
import torch
from torch import nn

from tier4_export import ExportError, TaskSpec, export_model

SPEC = TaskSpec("fft", "vision", "signal", {"image_size": [8]})


NO_ONNX = "this model has no ONNX export (on purpose)"


class FFTModel(nn.Module):
    """Runs and traces to TorchScript, but refuses ``torch.onnx.export``.

    It raises its own error while ONNX export traces it, so the test pins our text, not an
    unsupported-operator message that changes between torch versions.
    """

    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(8, 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if torch.onnx.is_in_onnx_export():
            raise NotImplementedError(NO_ONNX)
        out: torch.Tensor = torch.fft.fft(self.proj(x)).real
        return out


class Broken(nn.Module):
    """Fails on every input."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise RuntimeError("broken on purpose")


def test_onnx_failure_is_recorded_logged_and_other_formats_written(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="tier4_export"):
        paths = export_model(FFTModel(), SPEC, tmp_path, formats=["onnx", "torchscript", "pytorch"], num_samples=2)
    md = json.loads(paths["metadata"].read_text())
    assert md["formats_written"] == ["torchscript", "pytorch"]
    # the exception's type name and text, as raised inside torch.onnx.export
    assert md["formats_failed"]["onnx"] == f"NotImplementedError: {NO_ONNX}"
    assert set(md["artifacts"]) == {"torchscript", "pytorch"}
    assert set(paths) == {"torchscript", "pytorch", "metadata"}
    assert not (tmp_path / "model.onnx").exists()
    assert any("format onnx failed and was skipped" in r.getMessage() for r in caplog.records)
    assert len(md["samples"]) == 2


def test_a_model_that_cannot_run_raises_and_writes_no_metadata(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"model 'fft' failed on its generated inputs \(pixel_values: \(1, 8\) "
                       r"torch.float32\): RuntimeError: broken on purpose"):
        export_model(Broken(), SPEC, tmp_path)
    assert not (tmp_path / "metadata.json").exists()


def test_a_model_that_raises_carries_its_traceback() -> None:
    with pytest.raises(ExportError) as info:
        export_model(Broken(), SPEC, "/nonexistent/never-written")
    details = info.value.details
    assert details is not None
    assert 'raise RuntimeError("broken on purpose")' in details
    assert details.rstrip().endswith("RuntimeError: broken on purpose")
    assert "tier4_export" not in details.replace(__file__, "")


def test_wrong_number_of_outputs_is_named(tmp_path: Path) -> None:
    class Two(nn.Module):
        def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
            return x, x

    with pytest.raises(ExportError, match=r"expected 1 output\(s\) named \['logits'\].*received 2"):
        export_model(Two(), SPEC, tmp_path)


def test_multiple_named_outputs(tmp_path: Path) -> None:
    class Two(nn.Module):
        def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
            return x * 2, x.sum(dim=1)

    spec = TaskSpec("two", "vision", "signal", {"image_size": [8]}, {"output_names": ["double", "total"]})
    paths = export_model(Two(), spec, tmp_path, formats=["onnx", "torchscript"], num_samples=2)
    md = json.loads(paths["metadata"].read_text())
    assert md["outputs"] == [
        {"name": "double", "dtype": "float32", "shape": ["batch", 8]},
        {"name": "total", "dtype": "float32", "shape": ["batch"]},
    ]
    assert md["samples"][1]["outputs"] == {
        "double": "samples/sample_001/double.npy", "total": "samples/sample_001/total.npy"}
    assert md["formats_failed"] == {}


def test_a_refused_export_leaves_an_earlier_export_intact(tmp_path: Path) -> None:
    export_model(FFTModel(), SPEC, tmp_path, formats=["torchscript"], num_samples=1)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    with pytest.raises(ExportError):
        export_model(Broken(), SPEC, tmp_path, formats=["torchscript"])
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert json.loads((tmp_path / "metadata.json").read_text())["formats_written"] == ["torchscript"]
