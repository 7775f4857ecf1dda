"""python -m tier4_export: stdout carries only the manifest JSON; exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest
import torch

from tier4_export.cli import main

PYTHON_DIR = Path(__file__).resolve().parents[1]


def run_cli(args: List[str], cwd: Path) -> "subprocess.CompletedProcess[str]":
    env = {**os.environ, "PYTHONPATH": str(PYTHON_DIR)}
    return subprocess.run([sys.executable, "-m", "tier4_export", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_build_prints_only_the_manifest_on_stdout(tmp_path: Path) -> None:
    out = tmp_path / "a b" / "lm"
    proc = run_cli(["build", "--model", "lm_stub", "--out", str(out), "--formats", "onnx,torchscript,pytorch",
                    "--quantization", "dynamic", "--samples", "2", "--seed", "3"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads(proc.stdout)  # the whole of stdout is one JSON document
    metadata = json.loads((out / "metadata.json").read_text())
    assert manifest == {**metadata, "export_dir": str(out), "paths": manifest["paths"]}
    assert manifest["paths"] == {"onnx": str(out / "model.onnx"), "torchscript": str(out / "model.torchscript"),
                                 "pytorch": str(out / "model.pth"), "metadata": str(out / "metadata.json")}
    assert manifest["model_source"] == {"kind": "builtin", "name": "lm_stub", "seed": 3}
    assert manifest["formats_failed"] == {}  # the int8 ONNX is written by the graph rewrite
    assert [s["seed"] for s in manifest["samples"]] == [3, 4]


def test_user_factory_that_raises_exits_1_with_its_traceback(tmp_path: Path) -> None:
    path = tmp_path / "user_model.py"
    path.write_text("def make_model():\n    raise RuntimeError('cannot find checkpoint.pt')\n")
    proc = run_cli(["build", "--model", f"{path}:make_model", "--out", str(tmp_path / "o")], tmp_path)
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert lines[0] == (f"tier4_export: error: factory 'make_model' in {path} raised RuntimeError: "
                        "cannot find checkpoint.pt")
    assert lines[1] == "Traceback (most recent call last):"
    assert "raise RuntimeError('cannot find checkpoint.pt')" in proc.stderr
    assert not (tmp_path / "o" / "metadata.json").exists()


def test_info_reports_versions(tmp_path: Path) -> None:
    proc = run_cli(["info"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    import numpy
    import onnx
    import torch

    assert info == {"python": info["python"], "executable": sys.executable, "torch": torch.__version__,
                    "onnx": onnx.__version__, "numpy": numpy.__version__, "tier4_export": "0.1.0"}


@pytest.mark.parametrize("argv, message", [
    ([], "the following arguments are required: {build,info}"),
    (["build", "--out", "x"], "the following arguments are required: --model"),
    (["build", "--model", "resnet", "--out", "x"],
     "argument --model: expected lm_stub or simple_cnn or path/to/file.py:factory, received 'resnet'"),
    (["build", "--model", "lm_stub", "--out", "x", "--formats", "onnx,tflite"],
     "argument --formats: expected a comma-separated list of onnx, torchscript, pytorch, received 'onnx,tflite'"),
    (["build", "--model", "lm_stub", "--out", "x", "--quantization", "int4"], "argument --quantization: invalid choice"),
    (["build", "--model", "lm_stub", "--out", "x", "--samples", "-1"], "argument --samples: expected an integer >= 1"),
    (["build", "--model", "lm_stub", "--out", "x", "--samples", "0"], "argument --samples: expected an integer >= 1"),
    (["build", "--model", "lm_stub", "--out", "x", "--opset", "5"], "argument --opset: expected an integer >= 7, received '5'"),
])
def test_bad_usage_exits_2(argv: List[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err


def test_static_quantization_exits_1_with_one_line(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    code = main(["build", "--model", "lm_stub", "--out", str(tmp_path / "s"), "--quantization", "static"])
    captured = capfd.readouterr()
    assert code == 1 and captured.out == ""
    assert captured.err.startswith(
        "tier4_export: error: ValueError: quantization='static' is refused for this model: "
    )
    assert "TraceError" in captured.err
    assert len(captured.err.strip().splitlines()) == 1


def test_opset_the_installed_torch_cannot_write_exits_1_with_one_line(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    # it exited 0 with the error only in metadata.json's formats_failed
    code = main(["build", "--model", "simple_cnn", "--out", str(tmp_path / "o"), "--formats", "onnx", "--opset", "99"])
    captured = capfd.readouterr()
    assert code == 1 and captured.out == ""
    assert captured.err.strip().splitlines() == [
        f"tier4_export: error: ValueError: opset: torch {torch.__version__} exports ONNX opsets 7 to 17, received 99"
    ]
    assert not (tmp_path / "o").exists()


def test_opset_is_not_checked_when_onnx_is_not_requested(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    code = main(["build", "--model", "simple_cnn", "--out", str(tmp_path / "p"), "--formats", "pytorch", "--opset", "99", "--samples", "1"])
    assert code == 0
    assert json.loads(capfd.readouterr().out)["formats_written"] == ["pytorch"]


def test_in_process_build_keeps_stdout_clean(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    code = main(["build", "--model", "simple_cnn", "--out", str(tmp_path), "--formats", "onnx", "--samples", "1"])
    captured = capfd.readouterr()
    assert code == 0
    assert json.loads(captured.out)["formats_written"] == ["onnx"]
    assert "tier4_export: INFO: wrote" in captured.err


def test_prints_from_user_code_do_not_reach_stdout(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "noisy.py"
    path.write_text(
        "import os\n"
        "import torch\n"
        "print('python print at import')\n"
        "def make():\n"
        "    os.write(1, b'C-level write to fd 1\\n')\n"
        "    spec = {'task_name': 'noisy', 'modality': 'vision', 'task_type': 'x',\n"
        "            'input_schema': {'image_size': [4]}}\n"
        "    return torch.nn.Linear(4, 2), spec\n"
    )
    code = main(["build", "--model", f"{path}:make", "--out", str(tmp_path / "o"), "--samples", "1"])
    captured = capfd.readouterr()
    assert code == 0
    assert json.loads(captured.out)["task_name"] == "noisy"
    assert "python print at import" in captured.err and "C-level write to fd 1" in captured.err


def test_relative_model_file_and_out_resolve_against_the_cwd(tmp_path: Path) -> None:
    project = tmp_path / "project"
    models = project / "models"
    models.mkdir(parents=True)
    (models / "sizes.py").write_text("SIZE = 6\n")  # a sibling module the model file imports
    (models / "tiny.py").write_text(
        "import torch\n"
        "from torch import nn\n"
        "from sizes import SIZE\n"
        "def make():\n"
        "    torch.manual_seed(0)\n"
        "    spec = {'task_name': 'tiny', 'modality': 'vision', 'task_type': 'x',\n"
        "            'input_schema': {'image_size': [SIZE]}}\n"
        "    return nn.Linear(SIZE, 2), spec\n"
    )
    proc = run_cli(["build", "--model", "models/tiny.py:make", "--out", "out/tiny", "--formats", "onnx",
                    "--samples", "2"], project)
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads(proc.stdout)
    out = (project / "out" / "tiny").resolve()
    assert manifest["export_dir"] == str(out)
    assert manifest["paths"]["onnx"] == str(out / "model.onnx")
    # Recorded absolute, so the model can be rebuilt later from any cwd (the factory runs again in
    # the export's working directory, recorded too).
    assert manifest["model_source"] == {"kind": "file", "file": str((models / "tiny.py").resolve()),
                                        "factory": "make", "cwd": str(project.resolve())}
    assert manifest["inputs"][0]["shape"] == ["batch", 6]
    assert json.loads((out / "metadata.json").read_text())["task_name"] == "tiny"


def test_build_help_explains_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["build", "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    for option in ("--model", "--out", "--formats", "--quantization", "--samples", "--seed", "--opset"):
        assert option in text
    assert "path/to/file.py:factory" in text and "static: FX graph mode" in text
    assert "exit codes: 0 success" in text and "examples:" in text


def test_a_model_that_raises_in_forward_prints_where(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "shadowed.py"
    path.write_text(
        "import torch\n"
        "from torch import nn\n"
        "class M(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.type = nn.Linear(4, 2)  # shadows nn.Module.type\n"
        "    def forward(self, pixel_values):\n"
        "        return self.type(pixel_values)\n"
        "def make():\n"
        "    spec = {'task_name': 'shadowed', 'modality': 'vision', 'task_type': 'x',\n"
        "            'input_schema': {'image_size': [4]}}\n"
        "    return M(), spec\n"
    )
    code = main(["build", "--model", f"{path}:make", "--out", str(tmp_path / "o"), "--samples", "1"])
    err = capfd.readouterr().err.splitlines()
    assert code == 1
    assert err[0].startswith("tier4_export: error: ExportError: model 'shadowed' failed on its generated inputs "
                             "(pixel_values: (1, 4) torch.float32): TypeError: ")
    # the traceback names the user's line, without tier4_export's own frames
    assert err[1] == "Traceback (most recent call last):"
    assert f'  File "{path}", line 8, in forward' in err
    assert not any("tier4_export" in line for line in err[1:])
    assert err[-1].startswith("TypeError: ")
