"""The worker's zygote (tier4_export/zygote.py): memory probes forked from it, their timeout, and that the
zygote and its children never outlive the worker.

These tests start the real worker process (``python -m tier4_export.worker``) and speak its protocol.
A probe is made to hang on a named pipe posing as the TorchScript file: torch.jit.load blocks reading it,
and the test's own open of the pipe for writing returns once the probe child has opened it, so the test
knows the child exists without polling. Every wait is on a process's pidfd, bounded.
"""

from __future__ import annotations

import json
import os
import select
import signal
import statistics
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any, Dict, Iterator, List, Optional, Tuple

import pytest

from conftest import PYTHON_DIR, Exported
from tier4_export.worker import Worker, read_frame, write_frame
from tier4_export.zygote import thread_count, zygote_unavailable_reason

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the zygote is Linux-only")

WAIT_S = 30.0


class RunningWorker:
    """A worker process and its protocol streams."""

    def __init__(self, env: Optional[Dict[str, str]] = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tier4_export.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(PYTHON_DIR), **(env or {})},
        )
        self.next_id = 1
        self.hello = self.request({"cmd": "hello"})

    @property
    def stdin(self) -> IO[bytes]:
        assert self.proc.stdin is not None
        return self.proc.stdin

    @property
    def stdout(self) -> IO[bytes]:
        assert self.proc.stdout is not None
        return self.proc.stdout

    def send(self, header: Dict[str, Any]) -> int:
        rid = self.next_id
        self.next_id += 1
        write_frame(self.stdin, {**header, "id": rid}, [])
        return rid

    def receive(self, rid: int) -> Dict[str, Any]:
        frame = read_frame(self.stdout)
        assert frame is not None, "the worker closed its stdout"
        assert frame[0]["id"] == rid
        return frame[0]

    def request(self, header: Dict[str, Any]) -> Dict[str, Any]:
        return self.receive(self.send(header))

    def close(self) -> int:
        self.request({"cmd": "close"})
        return self.proc.wait(WAIT_S)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(WAIT_S)


@pytest.fixture
def worker() -> Iterator[RunningWorker]:
    w = RunningWorker()
    try:
        yield w
    finally:
        w.kill()


def parent_of(pid: int) -> Optional[int]:
    """The parent pid of a live (not yet reaped) process, None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def children_of(pid: int) -> List[int]:
    """Processes whose parent is ``pid`` (a snapshot of /proc)."""
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit() and parent_of(int(name)) == pid:
            out.append(int(name))
    return out


def wait_exit(pidfd: int) -> None:
    """Wait until the process of ``pidfd`` has exited (bounded)."""
    ready, _, _ = select.select([pidfd], [], [], WAIT_S)
    assert ready, f"the process did not exit within {WAIT_S} s"


def hang_probe(worker: RunningWorker, fifo: Path, timeout_ms: int) -> Tuple[int, IO[bytes], int]:
    """Starts a probe of the named pipe ``fifo``; returns once its child opened it: (request id, the pipe's write end, the child's pid)."""
    os.mkfifo(fifo)
    rid = worker.send({"cmd": "memory_probe", "paths": [str(fifo)], "probe_timeout_ms": timeout_ms})
    writer = open(fifo, "wb")  # returns once the probe child opened the pipe for reading
    (child,) = children_of(int(worker.hello["zygote_pid"]))
    return rid, writer, child


def test_import_torch_alone_starts_no_thread() -> None:
    """What the zygote's fork relies on: after import torch the process is still single-threaded."""
    code = "import os, torch; print(len(os.listdir('/proc/self/task')), torch.get_num_threads(), torch.get_num_interop_threads(), len(os.listdir('/proc/self/task')))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    assert out[0] == "1" and out[3] == "1"


def test_no_zygote_is_forked_from_a_threaded_process_or_when_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    t = threading.Thread(target=release.wait)
    t.start()
    try:
        assert thread_count() >= 2
        assert zygote_unavailable_reason() == f"the worker already runs {thread_count()} threads (a fork would copy locks they may hold)"
    finally:
        release.set()
        t.join()
    monkeypatch.setenv("TIER4_WORKER_ZYGOTE", "0")
    assert zygote_unavailable_reason() == "disabled (TIER4_WORKER_ZYGOTE=0)"


def test_probes_run_in_children_of_the_zygote_forked_by_the_worker(worker: RunningWorker, lm_quantized_export: Exported) -> None:
    zygote = int(worker.hello["zygote_pid"])
    assert parent_of(zygote) == worker.proc.pid
    # the zygote holds none of the worker's pipes: everything but its command socket is /dev/null
    targets = {os.readlink(f"/proc/{zygote}/fd/{fd}") for fd in os.listdir(f"/proc/{zygote}/fd")}
    assert {t for t in targets if not t.startswith("socket:")} == {"/dev/null"}
    paths = [str(lm_quantized_export.paths["torchscript"]), str(lm_quantized_export.dir / "fp32" / "model.torchscript")]
    res = worker.request({"cmd": "memory_probe", "paths": paths, "loads": 3})
    assert res["ok"] is True, res
    assert res["zygote_pid"] == zygote
    pids = set()
    for path, m in zip(paths, res["measurements"]):
        assert m["path"] == path
        assert m["ppid"] == zygote and m["pid"] not in (zygote, worker.proc.pid)
        assert len(m["rss_deltas"]) == 3 and m["memory_bytes"] == statistics.median(m["rss_deltas"]) > 0
        pids.add(m["pid"])
    assert len(pids) == 2  # one child per artifact
    # the worker keeps serving, and a second probe is a new child of the same zygote
    again = worker.request({"cmd": "memory_probe", "paths": paths[:1], "loads": 1})
    assert again["measurements"][0]["ppid"] == zygote and again["measurements"][0]["pid"] not in pids
    assert worker.close() == 0


def test_errors_name_the_artifact_and_the_worker_keeps_serving(worker: RunningWorker, tmp_path: Path) -> None:
    bad = tmp_path / "model.torchscript"
    bad.write_bytes(b"not a zip")
    res = worker.request({"cmd": "memory_probe", "paths": [str(bad)]})
    assert res["ok"] is False
    assert res["error"]["message"].startswith(f"memory probe of torchscript {bad} failed (forked from the worker's zygote): RuntimeError: ")
    cases: List[Tuple[Dict[str, Any], str]] = [
        ({"paths": []}, "memory_probe: paths must be a non-empty list of file paths, received []"),
        ({"paths": [str(bad)], "loads": 0}, "memory_probe: loads must be an integer >= 1, received 0"),
        ({"paths": [str(bad)], "probe_timeout_ms": -1}, "memory_probe: probe_timeout_ms must be a number > 0, received -1"),
    ]
    for header, message in cases:
        assert worker.request({"cmd": "memory_probe", **header})["error"]["message"] == message
    assert worker.request({"cmd": "threads", "num_threads": 1})["ok"] is True


def test_a_probe_past_its_timeout_is_killed_and_reported(worker: RunningWorker, tmp_path: Path, cnn_export: Exported) -> None:
    fifo = tmp_path / "model.torchscript"
    rid, writer, child = hang_probe(worker, fifo, timeout_ms=500)
    pidfd = os.pidfd_open(child)
    try:
        res = worker.receive(rid)
        assert res["ok"] is False
        assert res["error"]["message"] == f"memory probe of torchscript {fifo} timed out after 500 ms (killed)"
        wait_exit(pidfd)  # killed, not left running
    finally:
        os.close(pidfd)
        writer.close()
    # the zygote still serves the next probe
    ok = worker.request({"cmd": "memory_probe", "paths": [str(cnn_export.paths["torchscript"])], "loads": 1})
    assert ok["ok"] is True, ok
    zygote = int(worker.hello["zygote_pid"])
    assert worker.close() == 0
    assert parent_of(zygote) is None and parent_of(child) is None


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_the_zygote_and_a_running_probe_die_with_the_worker(sig: signal.Signals, worker: RunningWorker, tmp_path: Path) -> None:
    """A worker killed mid-probe (what PythonWorker.close does after its grace to a busy worker, and
    signal-exit at Node's exit) takes its zygote and the probe child with it (PR_SET_PDEATHSIG)."""
    zygote = int(worker.hello["zygote_pid"])
    _rid, writer, child = hang_probe(worker, tmp_path / "model.torchscript", timeout_ms=120_000)
    fds = [os.pidfd_open(zygote), os.pidfd_open(child)]
    try:
        worker.proc.send_signal(sig)
        worker.proc.wait(WAIT_S)
        for fd in fds:
            wait_exit(fd)
    finally:
        for fd in fds:
            os.close(fd)
        writer.close()


def test_a_probe_child_dies_with_the_zygote_and_the_worker_says_so(worker: RunningWorker, tmp_path: Path) -> None:
    zygote = int(worker.hello["zygote_pid"])
    fifo = tmp_path / "model.torchscript"
    rid, writer, child = hang_probe(worker, fifo, timeout_ms=120_000)
    pidfd = os.pidfd_open(child)
    try:
        os.kill(zygote, signal.SIGKILL)
        wait_exit(pidfd)  # the child's PR_SET_PDEATHSIG: nothing else would stop it
        res = worker.receive(rid)
    finally:
        os.close(pidfd)
        writer.close()
    assert res["error"]["message"] == f"memory probe of torchscript {fifo} failed: the probe process (forked from the worker's zygote) ended without a result"
    again = worker.request({"cmd": "memory_probe", "paths": [str(fifo)]})
    assert again["error"]["message"] == f"memory probe of torchscript {fifo}: the worker's zygote (pid {zygote}) is not running"
    assert worker.close() == 0


def test_a_clean_close_ends_the_zygote_before_the_worker_exits(worker: RunningWorker) -> None:
    zygote = int(worker.hello["zygote_pid"])
    assert worker.close() == 0
    # the worker waited for (and reaped) its zygote before exiting: nothing of it is left
    assert parent_of(zygote) is None


def test_disabled_zygote_is_said_and_the_command_refuses_clearly() -> None:
    w = RunningWorker({"TIER4_WORKER_ZYGOTE": "0"})
    try:
        assert "zygote_pid" not in w.hello
        res = w.request({"cmd": "memory_probe", "paths": ["/x.torchscript"]})
        assert res["error"]["message"] == "memory_probe: this worker has no zygote (disabled (TIER4_WORKER_ZYGOTE=0)); measure in a fresh process"
        assert w.close() == 0
        assert children_of(w.proc.pid) == []
    finally:
        w.kill()


def test_an_in_process_worker_without_zygote_refuses_the_command() -> None:
    import io

    out = io.BytesIO()
    inp = io.BytesIO()
    write_frame(inp, {"id": 1, "cmd": "memory_probe", "paths": ["/x.torchscript"]}, [])
    inp.seek(0)
    Worker().serve(inp, out)
    out.seek(0)
    frame = read_frame(out)
    assert frame is not None
    assert json.loads(json.dumps(frame[0]))["error"]["message"] == (
        "memory_probe: this worker has no zygote (the worker was started without one); measure in a fresh process"
    )
