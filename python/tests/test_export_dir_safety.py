"""export_model never destroys the user's files and writes files with the usual mode.

* a non-empty directory that is not an earlier export (the user's own ``samples/`` folder, their
  own ``metadata.json``) is refused with an :class:`ExportError` naming what it holds, and every
  file in it is left as it was; a file given as the directory is refused too;
* an earlier export is written over (the exporter's own names only);
* metadata.json gets ``0o666`` minus the umask, not ``tempfile.mkstemp``'s ``0o600``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict

import pytest

from tier4_export import export_model, get_builtin
from tier4_export.errors import ExportError

from conftest import PYTHON_DIR


def _tree(root: Path) -> Dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_directory_of_the_users_files_is_refused_untouched(tmp_path: Path) -> None:
    out = tmp_path / "project"
    (out / "samples").mkdir(parents=True)
    (out / "samples" / "cat.jpg").write_bytes(b"my cat")
    (out / "metadata.json").write_text('{"author": "me"}')
    before = _tree(out)
    model, spec = get_builtin("simple_cnn", 0)
    with pytest.raises(ExportError) as err:
        export_model(model, spec, out, formats=["onnx"], num_samples=1)
    assert str(err.value) == (
        f"export dir {str(out)!r} is not empty and is not an earlier export (it holds metadata.json, samples); "
        "refusing to overwrite it: give a new or empty directory"
    )
    assert _tree(out) == before


def test_the_cli_refuses_it_in_one_line(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    env = {**os.environ, "PYTHONPATH": str(PYTHON_DIR)}
    proc = subprocess.run(
        [sys.executable, "-m", "tier4_export", "build", "--model", "simple_cnn", "--out", str(out), "--formats", "onnx", "--samples", "1"],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert proc.returncode != 0
    assert "is not empty and is not an earlier export (it holds notes.txt)" in proc.stderr
    assert (out / "notes.txt").read_text() == "keep me" and sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_a_file_as_the_directory_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    model, spec = get_builtin("simple_cnn", 0)
    with pytest.raises(ExportError, match="expected a directory, received .*which is not a directory"):
        export_model(model, spec, target, formats=["onnx"], num_samples=1)
    assert target.read_text() == "x"


def test_an_earlier_export_is_written_over_and_metadata_gets_the_umask_mode(tmp_path: Path) -> None:
    out = tmp_path / "export"
    model, spec = get_builtin("simple_cnn", 0)
    old = os.umask(0o027)
    try:
        export_model(model, spec, out, formats=["onnx"], num_samples=1, seed=1)
        export_model(model, spec, out, formats=["onnx"], num_samples=2, seed=2)
    finally:
        os.umask(old)
    assert (out / "metadata.json").stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in (out / "samples").iterdir()) == ["sample_000", "sample_001"]
