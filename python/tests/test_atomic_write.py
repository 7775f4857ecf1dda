"""The one atomic file writer (``tier4_export.metadata.write_bytes_atomic``): metadata.json and the
per-layer reference files are written through it (temporary file, fsync, rename)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO

import pytest

from tier4_export.metadata import write_bytes_atomic, write_json_atomic


def _temporaries(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_the_file_appears_whole_with_the_umask_mode_and_no_temporary_is_left(tmp_path: Path) -> None:
    target = tmp_path / "data.bin"
    old = os.umask(0o027)
    try:
        write_bytes_atomic(target, lambda handle: handle.write(b"\x00\x01payload"))
    finally:
        os.umask(old)
    assert target.read_bytes() == b"\x00\x01payload"
    assert target.stat().st_mode & 0o777 == 0o640
    assert _temporaries(tmp_path) == []


def test_a_failing_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "index.json"
    target.write_text("old", encoding="utf-8")

    def half_then_fail(handle: IO[bytes]) -> None:
        handle.write(b"half of the new")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        write_bytes_atomic(target, half_then_fail)
    assert target.read_text(encoding="utf-8") == "old"
    assert _temporaries(tmp_path) == []


def test_json_is_pretty_ends_with_a_newline_and_refuses_nan_without_writing(tmp_path: Path) -> None:
    target = tmp_path / "metadata.json"
    write_json_atomic(target, {"a": [1, 2], "b": None})
    assert target.read_text(encoding="utf-8") == json.dumps({"a": [1, 2], "b": None}, indent=2) + "\n"
    with pytest.raises(ValueError):
        write_json_atomic(target, {"x": float("nan")})
    assert json.loads(target.read_text(encoding="utf-8")) == {"a": [1, 2], "b": None}
    assert _temporaries(tmp_path) == []
