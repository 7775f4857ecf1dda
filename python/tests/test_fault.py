"""The fault-injection hook (tier4_export.fault): inert unless both variables name its point; at its
point it writes the pid atomically, then waits to be killed (the kills are in packages/vitest-tier4/test/faults)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tier4_export import fault
from tier4_export.fault import fault_point


def test_inert_without_the_variables_or_for_another_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "marker"
    monkeypatch.delenv("TIER4_FAULT_POINT", raising=False)
    monkeypatch.setenv("TIER4_FAULT_MARKER", str(marker))
    fault_point("export-metadata")
    monkeypatch.setenv("TIER4_FAULT_POINT", "export-artifacts")
    fault_point("export-metadata")
    monkeypatch.setenv("TIER4_FAULT_POINT", "export-metadata")
    monkeypatch.delenv("TIER4_FAULT_MARKER")
    fault_point("export-metadata")
    assert not marker.exists()


class _Woken(Exception):
    """Stands in for the kill: raised by the patched sleep."""


def test_at_its_point_the_pid_is_written_whole_then_the_process_waits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "marker"
    monkeypatch.setenv("TIER4_FAULT_POINT", "worker-run")
    monkeypatch.setenv("TIER4_FAULT_MARKER", str(marker))
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        raise _Woken()

    monkeypatch.setattr(fault, "time", type("FakeTime", (), {"sleep": staticmethod(sleep)}))
    with pytest.raises(_Woken):
        fault_point("worker-run")
    assert marker.read_text() == str(os.getpid())
    assert not (tmp_path / "marker.tmp").exists()
    assert slept == [3600]
