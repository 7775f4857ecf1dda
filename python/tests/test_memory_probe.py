"""python -m tier4_export.memory_probe: RSS growth of extra loaded copies of a TorchScript file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Exported
from tier4_export.memory_probe import main, resident_bytes


def test_prints_one_json_line_with_the_median_of_the_measured_loads(cnn_export: Exported, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(cnn_export.paths["torchscript"]), "--loads", "3"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    result = json.loads(out)
    assert len(result["rss_deltas"]) == 3 and all(isinstance(d, int) for d in result["rss_deltas"])
    assert result["memory_bytes"] == sorted(result["rss_deltas"])[1]
    # no method text: the report's memory_method has one source, memory-method.ts, which knows which process measured
    assert set(result) == {"rss_deltas", "memory_bytes"}
    assert resident_bytes() > 0


def test_a_file_that_cannot_be_loaded_exits_1_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "model.torchscript"
    bad.write_bytes(b"not a zip")
    assert main([str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"memory_probe: cannot measure {bad}: RuntimeError: ")


def test_bad_usage_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["x", "--loads", "0"])
    assert info.value.code == 2
    assert "--loads: expected an int >= 1, received 0" in capsys.readouterr().err
