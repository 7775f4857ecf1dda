"""The worker's zygote (tier4_export/zygote.py): memory probes forked from it, their timeout, and that the
zygote and its children never outlive the worker.

These tests start the real worker process (``python -m tier4_export.worker``) and speak its protocol.
A probe is made to hang on a named pipe posing as the TorchScript file: torch.jit.load blocks reading it,
and the test's own open of the pipe for writing returns once the probe child has opened it (in a thread
joined for at most ``WAIT_S``, then a failure naming the pipe), so the test knows the child exists. Every
other wait is an event too, and bounded: a process's pidfd, or the worker's stdout for a response; no
test sleeps or polls for a condition.

The ordering of a request's probes (the first failure stops the others, the timeout message) is also
tested against a scripted stand-in for the zygote process (:class:`ScriptedZygote`), which decides what
each "child" writes and when its pipes close.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import socket
import statistics
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any, Callable, Dict, Generic, Iterator, List, Optional, Sequence, Tuple, TypeVar

import pytest

from conftest import PYTHON_DIR, Exported
from tier4_export.worker import Worker, read_frame, write_frame
import tier4_export.zygote as zygote_module
from tier4_export.zygote import Zygote, ZygoteError, thread_count, zygote_unavailable_reason

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the zygote is Linux-only")

WAIT_S = 30.0

T = TypeVar("T")


class RunningWorker:
    """A worker process and its protocol streams."""

    def __init__(self, env: Optional[Dict[str, str]] = None, argv: Sequence[str] = ("-m", "tier4_export.worker")) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, *argv],
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
        """The response to ``rid``, the next frame on the worker's stdout (waited for up to ``WAIT_S``)."""
        # one request at a time, each response read to its end: nothing is buffered, so wait on the pipe
        ready, _, _ = select.select([self.stdout], [], [], WAIT_S)
        assert ready, f"no response to request {rid} within {WAIT_S} s"
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


def wait_children_exit(pid: int) -> None:
    """Waits (bounded) until every live child of ``pid`` has exited, on each child's pidfd."""
    for child in live_children_of(pid):
        try:
            fd = os.pidfd_open(child)
        except ProcessLookupError:  # gone between the listing and the open
            continue
        try:
            wait_exit(fd)
        finally:
            os.close(fd)


def live_children_of(pid: int) -> List[int]:
    """Children of ``pid`` that have not exited (zombies left out)."""
    out = []
    for child in children_of(pid):
        try:
            state = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            continue
        if state not in ("Z", "X"):
            out.append(child)
    return out


class InThread(Generic[T]):
    """Runs a call that blocks (``Zygote.probe`` until its probes end, a FIFO's open until a reader comes)
    in a thread, keeping what it returned or raised."""

    def __init__(self, call: Callable[[], T]) -> None:
        self.value: Optional[T] = None
        self.error: Optional[BaseException] = None
        self.thread = threading.Thread(target=self._run, args=(call,), daemon=True)
        self.thread.start()

    def _run(self, call: Callable[[], T]) -> None:
        try:
            self.value = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            self.error = exc

    def finished(self, timeout: float = WAIT_S) -> bool:
        """Waits up to ``timeout`` for the call to end; whether it did."""
        self.thread.join(timeout)
        return not self.thread.is_alive()

    def raised(self) -> BaseException:
        assert self.finished(), f"the probe did not return within {WAIT_S} s"
        assert self.error is not None, f"expected an error, the probe returned {self.value}"
        return self.error


def open_writer(fifo: Path) -> int:
    """The write end of the named pipe ``fifo``, once a process opened it for reading (bounded by ``WAIT_S``).

    The open blocks in a thread until a reader opens the pipe (an event, no polling); a probe child that
    was killed, refused or never forked would leave it blocked, so after ``WAIT_S`` the test opens the
    read end itself, which lets the blocked open return, and fails naming the pipe.
    """
    opener = InThread(lambda: os.open(fifo, os.O_WRONLY))
    if not opener.finished():
        release = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        opener.finished()
        os.close(release)
        if opener.value is not None:
            os.close(opener.value)
        raise AssertionError(
            f"no process opened the FIFO {fifo} for reading within {WAIT_S} s: its probe child failed, was killed "
            "or was never forked before torch.jit.load opened it"
        )
    if opener.error is not None:
        raise opener.error
    assert opener.value is not None
    return opener.value


def probe_children(zygote: int, count: int) -> List[int]:
    """The zygote's ``count`` live children, in the order it forked them (one per path of the request, in
    the request's order: pids increase with each fork), asked for once every child has opened its pipe.

    (Looking for the child that holds a pipe open in /proc would need retries: torch.jit.load opens the
    file twice, and between the two the child holds no descriptor of it.)
    """
    children = sorted(live_children_of(zygote))
    assert len(children) == count, f"expected {count} probe children of the zygote (pid {zygote}), found {children}"
    return children


def hang_probe(worker: RunningWorker, fifos: Sequence[Path], timeout_ms: int) -> Tuple[int, List[int], List[int]]:
    """Starts one probe request of the named pipes ``fifos``; returns once each one's child opened it:
    (request id, the pipes' write ends, the children's pids), in the order of ``fifos``."""
    for fifo in fifos:
        os.mkfifo(fifo)
    rid = worker.send({"cmd": "memory_probe", "paths": [str(f) for f in fifos], "probe_timeout_ms": timeout_ms})
    writers = [open_writer(fifo) for fifo in fifos]
    zygote = int(worker.hello["zygote_pid"])
    return rid, writers, probe_children(zygote, len(fifos))


def close_all(fds: Sequence[int]) -> None:
    for fd in fds:
        os.close(fd)


def last_line(text: str) -> str:
    return text.rstrip("\n").rsplit("\n", 1)[-1]


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
    # The zygote holds none of the worker's pipes (its stdin, the protocol stdout, stderr). This is a
    # fixed state by the hello: the worker waited for the zygote's "ready", said after it detached them.
    worker_pipes = {os.readlink(f"/proc/{worker.proc.pid}/fd/{fd}") for fd in os.listdir(f"/proc/{worker.proc.pid}/fd")}
    worker_pipes = {t for t in worker_pipes if t.startswith("pipe:")}
    assert len(worker_pipes) >= 3  # stdin, stdout, stderr of the Popen: the check below can fail
    targets = [os.readlink(f"/proc/{zygote}/fd/{fd}") for fd in os.listdir(f"/proc/{zygote}/fd")]
    assert worker_pipes.isdisjoint(targets), targets
    own_pipes = [t for t in targets if t.startswith("pipe:")]
    assert len(own_pipes) == 2 and len(set(own_pipes)) == 1, targets  # only its own wake-up pipe, both ends
    assert {t for t in targets if not t.startswith(("socket:", "pipe:"))} == {"/dev/null"}
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
    fifos = [tmp_path / "a.torchscript", tmp_path / "b.torchscript"]
    rid, writers, children = hang_probe(worker, fifos, timeout_ms=3000)
    pidfds = [os.pidfd_open(child) for child in children]
    try:
        res = worker.receive(rid)
        assert res["ok"] is False
        # every late probe is named; "(killed)": both children's pipes closed after the kill
        assert res["error"]["message"] == f"memory probe of torchscript {fifos[0]}, {fifos[1]} timed out after 3000 ms (killed)"
        for pidfd in pidfds:
            wait_exit(pidfd)  # killed, not left running
    finally:
        close_all(pidfds)
        close_all(writers)
    # the zygote still serves the next probe
    ok = worker.request({"cmd": "memory_probe", "paths": [str(cnn_export.paths["torchscript"])], "loads": 1})
    assert ok["ok"] is True, ok
    zygote = int(worker.hello["zygote_pid"])
    assert worker.close() == 0
    assert parent_of(zygote) is None and all(parent_of(child) is None for child in children)


def test_the_first_failure_stops_the_other_probe_and_is_reported(worker: RunningWorker, tmp_path: Path) -> None:
    """A bad file beside a probe that would run until its 60 s timeout: the bad file's error, the other killed."""
    hang = tmp_path / "hangs.torchscript"
    os.mkfifo(hang)
    bad = tmp_path / "bad.torchscript"
    bad.write_bytes(b"not a zip")
    zygote = int(worker.hello["zygote_pid"])
    res = worker.request({"cmd": "memory_probe", "paths": [str(hang), str(bad)], "probe_timeout_ms": 60_000})
    assert res["ok"] is False
    assert res["error"]["message"].startswith(f"memory probe of torchscript {bad} failed (forked from the worker's zygote): RuntimeError: ")
    wait_children_exit(zygote)  # the killed child may not have exited yet
    assert live_children_of(zygote) == []
    assert worker.close() == 0


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_the_zygote_and_a_running_probe_die_with_the_worker(sig: signal.Signals, worker: RunningWorker, tmp_path: Path) -> None:
    """A worker killed mid-probe (what PythonWorker.close does after its grace to a busy worker, and
    signal-exit at Node's exit) takes its zygote and the probe child with it (PR_SET_PDEATHSIG)."""
    zygote = int(worker.hello["zygote_pid"])
    _rid, writers, (child,) = hang_probe(worker, [tmp_path / "model.torchscript"], timeout_ms=120_000)
    fds = [os.pidfd_open(zygote), os.pidfd_open(child)]
    try:
        worker.proc.send_signal(sig)
        worker.proc.wait(WAIT_S)
        for fd in fds:
            wait_exit(fd)
    finally:
        close_all(fds)
        close_all(writers)


def test_a_probe_child_dies_with_the_zygote_and_the_worker_says_so(worker: RunningWorker, tmp_path: Path) -> None:
    zygote = int(worker.hello["zygote_pid"])
    fifo = tmp_path / "model.torchscript"
    rid, writers, (child,) = hang_probe(worker, [fifo], timeout_ms=120_000)
    pidfds = [os.pidfd_open(child), os.pidfd_open(zygote)]
    try:
        os.kill(zygote, signal.SIGKILL)
        for pidfd in pidfds:
            wait_exit(pidfd)  # the child's PR_SET_PDEATHSIG: nothing else would stop it
        res = worker.receive(rid)
    finally:
        close_all(pidfds)
        close_all(writers)
    assert res["error"]["message"] == f"memory probe of torchscript {fifo} failed: the probe process (forked from the worker's zygote) ended without a result"
    # a refusal of its own type (what the TypeScript side falls back on), saying how the zygote ended
    again = worker.request({"cmd": "memory_probe", "paths": [str(fifo)]})
    assert again["error"]["message"] == f"memory probe of torchscript {fifo}: the worker's zygote (pid {zygote}) is not running: it was killed by SIGKILL (signal 9)"
    assert again["error"]["type"] == "ZygoteUnavailable"
    assert last_line(again["error"]["traceback"]) == f"tier4_export.zygote.ZygoteUnavailable: {again['error']['message']}"
    assert worker.close() == 0


def test_a_zygote_that_fails_at_start_up_says_why_and_the_worker_runs_without_one() -> None:
    """The set-up's reason on the worker's stderr (written before the zygote detached it), its exit status
    in the worker's line and in the refusal; no zygote_pid in the hello, so the caller measures in fresh processes."""
    refuse = (
        "import sys, tier4_export.zygote as z\n"
        "def refuse(parent):\n"
        "    raise OSError(1, 'prctl(PR_SET_PDEATHSIG): refused by the test')\n"
        "z.set_parent_death_signal = refuse\n"
        "from tier4_export.worker import main\n"
        "sys.exit(main())\n"
    )
    w = RunningWorker(argv=("-c", refuse))
    try:
        assert "zygote_pid" not in w.hello
        res = w.request({"cmd": "memory_probe", "paths": ["/x.torchscript"]})
        assert res["error"]["type"] == "ZygoteUnavailable"
        assert w.close() == 0
        assert w.proc.stderr is not None
        err = w.proc.stderr.read().decode("utf-8")
    finally:
        w.kill()
    said = re.search(r"tier4 worker: the zygote \(pid (\d+)\) failed at start-up: PermissionError: \[Errno 1\] prctl\(PR_SET_PDEATHSIG\): refused by the test\n", err)
    assert said, err
    reason = f"the zygote (pid {said.group(1)}) exited during its set-up: it exited with status 1"
    assert f"tier4 worker: no zygote for memory probes: {reason}\n" in err
    assert res["error"]["message"] == f"memory_probe: this worker has no zygote ({reason}); measure in a fresh process"


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
        assert res["error"]["type"] == "ZygoteUnavailable"
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


class ScriptedZygote:
    """A stand-in for the zygote process, on the other end of a real :class:`Zygote` handle's socket.

    It receives the handle's commands and each probe's two pipes; the test writes each "child's" result
    and closes its pipes when it wants that child to end. A ``sleep`` process stands in for the zygote's
    pid, so the handle sees a zygote running.
    """

    def __init__(self) -> None:
        ours, self.sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.stand_in = subprocess.Popen(["sleep", str(int(WAIT_S * 4))])
        self.handle = Zygote(self.stand_in.pid, ours)
        self.pipes: Dict[int, List[int]] = {}  # probe id -> its result and stderr write ends

    def receive(self) -> Dict[str, Any]:
        """The handle's next command (waited for up to ``WAIT_S``); a probe's pipes go to :attr:`pipes`."""
        ready, _, _ = select.select([self.sock], [], [], WAIT_S)
        assert ready, f"the handle sent no command within {WAIT_S} s"
        message, fds, _flags, _addr = socket.recv_fds(self.sock, 1 << 16, 2)
        command: Dict[str, Any] = json.loads(message)
        if fds:
            self.pipes[int(command["id"])] = list(fds)
        return command

    def end(self, rid: int, result: bytes = b"") -> None:
        """The child of probe ``rid`` writes ``result`` and exits (its pipes close)."""
        result_w, err_w = self.pipes.pop(rid)
        os.write(result_w, result)
        close_all([result_w, err_w])

    def close(self) -> None:
        close_all([fd for fds in self.pipes.values() for fd in fds])
        self.sock.close()
        self.stand_in.kill()
        self.handle.close(grace_s=WAIT_S)  # reaps the stand-in
        self.stand_in.wait(WAIT_S)


@pytest.fixture
def scripted() -> Iterator[ScriptedZygote]:
    z = ScriptedZygote()
    try:
        yield z
    finally:
        z.close()


def test_the_first_probe_to_fail_stops_the_others_and_is_the_error(scripted: ScriptedZygote) -> None:
    """Not the first in path order, nor a timeout: the first to fail, at once; the others get a kill."""
    call = InThread(lambda: scripted.handle.probe(["/slow.torchscript", "/bad.torchscript", "/slower.torchscript"], 3, 120.0))
    slow, bad, slower = (scripted.receive() for _ in range(3))
    scripted.end(bad["id"], json.dumps({"ok": False, "error": "RuntimeError: not a zip"}).encode())
    kills = [scripted.receive(), scripted.receive()]  # long before the 120 s timeout
    assert sorted((k["op"], k["id"]) for k in kills) == [("kill", slow["id"]), ("kill", slower["id"])]
    scripted.end(slow["id"])
    scripted.end(slower["id"])
    err = call.raised()
    assert isinstance(err, ZygoteError)
    assert str(err) == "memory probe of torchscript /bad.torchscript failed (forked from the worker's zygote): RuntimeError: not a zip"


def test_a_truncated_result_is_an_error_naming_the_artifact(scripted: ScriptedZygote) -> None:
    call = InThread(lambda: scripted.handle.probe(["/cut.torchscript"], 3, 120.0))
    cut = scripted.receive()
    scripted.end(cut["id"], b'{"ok": true, "memory_bytes": 40')  # a child killed halfway through its write
    assert str(call.raised()) == (
        "memory probe of torchscript /cut.torchscript failed: expected one JSON object from the probe process "
        """(forked from the worker's zygote), received b'{"ok": true, "memory_bytes": 40'"""
    )


def test_a_timeout_names_every_late_probe_and_says_killed_only_when_confirmed(scripted: ScriptedZygote, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zygote_module, "KILL_GRACE_S", 0.2)
    # both children ignore the kill (their pipes stay open): the kill is not confirmed
    call = InThread(lambda: scripted.handle.probe(["/a.torchscript", "/b.torchscript"], 3, 0.2))
    a, b = scripted.receive(), scripted.receive()
    assert [scripted.receive()["id"], scripted.receive()["id"]] == [a["id"], b["id"]]  # the kills
    assert str(call.raised()) == "memory probe of torchscript /a.torchscript, /b.torchscript timed out after 200 ms (kill sent, not confirmed after 0.2 s)"
    # one of them ends after its kill: only the other is named as not confirmed
    call = InThread(lambda: scripted.handle.probe(["/c.torchscript", "/d.torchscript"], 3, 0.2))
    c, d = scripted.receive(), scripted.receive()
    scripted.receive()
    scripted.end(c["id"])
    scripted.receive()
    assert str(call.raised()) == "memory probe of torchscript /c.torchscript, /d.torchscript timed out after 200 ms (kill sent, not confirmed after 0.2 s: /d.torchscript)"


def test_a_timeout_when_the_kill_cannot_be_sent_says_so(scripted: ScriptedZygote, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zygote_module, "KILL_GRACE_S", 0.2)
    call = InThread(lambda: scripted.handle.probe(["/a.torchscript"], 3, 0.2))
    scripted.receive()
    scripted.sock.shutdown(socket.SHUT_RDWR)  # the zygote's end of the socket is gone, its child is not
    assert str(call.raised()) == (
        "memory probe of torchscript /a.torchscript timed out after 200 ms "
        "(the kill could not be sent: [Errno 32] Broken pipe; still running after 0.2 s: /a.torchscript)"
    )
