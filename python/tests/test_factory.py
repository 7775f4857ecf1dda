"""User models: loading ``file.py:factory`` and reporting its failures."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
import torch
from torch import nn

from tier4_export import FactoryError, TaskSpec, export_model, load_factory, load_model_source, parse_factory_ref
from tier4_export.factory import file_source, is_factory_ref

FACTORY = textwrap.dedent(
    """
    import torch
    from torch import nn
    from helper import HIDDEN   # a sibling module: the file's directory is importable

    class TinyClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(12, HIDDEN)
            self.out = nn.Linear(HIDDEN, 3)

        def forward(self, pixel_values):
            return self.out(torch.relu(self.fc(pixel_values.flatten(1))))

    def make_model():
        torch.manual_seed(0)
        spec = {"task_name": "tiny", "modality": "vision", "task_type": "image-classification",
                "input_schema": {"image_size": [3, 2, 2]}, "output_schema": {"num_classes": 3}}
        return TinyClassifier(), spec

    def make_lazily():
        from lazy_helper import SCALE   # a sibling imported only when the factory runs
        model, spec = make_model()
        model.out.weight.data *= SCALE
        return model, spec

    def explode():
        return _inner()

    def _inner():
        raise ValueError("weights file missing")

    def wrong_return():
        return TinyClassifier()
    """
)


@pytest.fixture()
def model_file(tmp_path: Path) -> Path:
    folder = tmp_path / "my models"  # a space in the path on purpose
    folder.mkdir()
    (folder / "helper.py").write_text("HIDDEN = 5\n")
    (folder / "lazy_helper.py").write_text("SCALE = 2.0\n")
    path = folder / "model.py"
    path.write_text(FACTORY)
    return path


def test_factory_returns_model_and_task_spec(model_file: Path) -> None:
    model, spec = load_factory(f"{model_file}:make_model")
    assert isinstance(spec, TaskSpec) and spec.task_name == "tiny"
    assert type(model).__name__ == "TinyClassifier"


def test_user_model_exports_with_its_source(model_file: Path, tmp_path: Path) -> None:
    ref = f"{model_file}:make_model"
    model, spec = load_factory(ref)
    paths = export_model(model, spec, tmp_path / "out", formats=["onnx", "torchscript", "pytorch"],
                         num_samples=2, model_source=file_source(ref))
    md = json.loads(paths["metadata"].read_text())
    assert md["model_source"] == {"kind": "file", "file": str(model_file.resolve()), "factory": "make_model",
                                  "cwd": os.getcwd()}
    assert md["formats_failed"] == {} and md["outputs"][0]["shape"] == ["batch", 3]
    rebuilt, rebuilt_spec = load_model_source(md["model_source"])
    assert rebuilt_spec == spec and not rebuilt.training


def test_factory_that_raises_carries_the_user_traceback(model_file: Path) -> None:
    with pytest.raises(FactoryError) as info:
        load_factory(f"{model_file}:explode")
    assert str(info.value) == f"factory 'explode' in {model_file.resolve()} raised ValueError: weights file missing"
    details = info.value.details or ""
    assert details.startswith("Traceback (most recent call last):")
    assert str(model_file.resolve()) in details
    assert "in explode" in details and "in _inner" in details and 'raise ValueError("weights file missing")' in details
    assert "tier4_export" not in details  # only the user's frames
    assert details.rstrip().endswith("ValueError: weights file missing")


def test_module_that_fails_to_import(tmp_path: Path) -> None:
    path = tmp_path / "bad.py"
    path.write_text("import torch\n\nx = 1 / 0\n")
    with pytest.raises(FactoryError) as info:
        load_factory(f"{path}:make")
    assert "raised ZeroDivisionError while being imported: division by zero" in str(info.value)
    assert "x = 1 / 0" in (info.value.details or "")


@pytest.mark.parametrize("factory, message", [
    ("nothing_here", "expected a callable named 'nothing_here', found none (callables defined: ["),
    ("wrong_return", "expected to return a (model, task_spec) tuple, received TinyClassifier"),
])
def test_bad_factories(model_file: Path, factory: str, message: str) -> None:
    with pytest.raises(FactoryError) as info:
        load_factory(f"{model_file}:{factory}")
    assert message in str(info.value)


def test_missing_file_and_bad_references(tmp_path: Path) -> None:
    with pytest.raises(FactoryError, match="expected an existing .py file, received .*nope.py.* \\(not found\\)"):
        load_factory(f"{tmp_path}/nope.py:make")
    with pytest.raises(FactoryError, match="expected 'path/to/file.py:factory', received 'model.py'"):
        parse_factory_ref("model.py")
    with pytest.raises(FactoryError, match="with a Python identifier after the last ':'"):
        parse_factory_ref("model.py:not-valid")
    assert parse_factory_ref("C:/m/model.py:make")[1] == "make"
    assert is_factory_ref("a/b.py:make") and not is_factory_ref("lm_stub")


def test_factory_may_import_siblings_when_called_and_sys_path_is_restored(model_file: Path) -> None:
    import sys

    before = list(sys.path)
    model, spec = load_factory(f"{model_file}:make_lazily")
    reference, _ = load_factory(f"{model_file}:make_model")
    assert spec.task_name == "tiny"
    weights = dict(model.named_parameters())["out.weight"]
    assert torch.equal(weights, dict(reference.named_parameters())["out.weight"] * 2.0)
    assert sys.path == before


WEIGHTS_FACTORY = """
import torch
from torch import nn
from torch import nn
from tier4_export import TaskSpec

def make_model():
    model = nn.Linear(4, 2)
    model.load_state_dict(torch.load("weights.pt", weights_only=True))
    return model, TaskSpec("w", "vision", "regression", {"image_size": [4]})
"""


def test_factory_loading_weights_by_relative_path_is_rebuilt_from_any_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    torch.manual_seed(3)
    torch.save(nn.Linear(4, 2).state_dict(), project / "weights.pt")
    (project / "model.py").write_text(WEIGHTS_FACTORY)
    monkeypatch.chdir(project)  # the export runs in the project, like the README's command
    ref = "model.py:make_model"
    model, spec = load_factory(ref)
    source = file_source(ref)
    assert source["cwd"] == str(project)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # validation runs from another directory
    rebuilt, _ = load_model_source(source)
    assert os.getcwd() == str(elsewhere)  # the factory's working directory was restored
    assert isinstance(rebuilt, nn.Linear) and isinstance(model, nn.Linear)
    assert torch.equal(rebuilt.weight, model.weight)
    with pytest.raises(FactoryError) as info:
        load_factory(f"{project / 'model.py'}:make_model")  # no recorded cwd: the relative path fails
    assert (
        f"FileNotFoundError: [Errno 2] No such file or directory: 'weights.pt' (the relative path "
        f"'weights.pt' was resolved against the working directory {elsewhere}; resolve it against the "
        "factory file instead: Path(__file__).parent / 'weights.pt')"
    ) in str(info.value)
