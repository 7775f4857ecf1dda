"""The worker's zygote: a process forked right after ``import torch``, from which each TorchScript
memory probe forks a child (docs/runtimes.md, "Memory probes in the worker").

A fresh ``python -m tier4_export.memory_probe`` costs a Python start and ``import torch`` (1.5 s
here) for a measurement of a few hundred milliseconds. The worker already paid for that import,
but its own memory cannot be measured fairly once it has run models (allocator pools, loaded
kernels). So the worker forks a *zygote* as soon as torch is imported, before it reads its
first request and before any torch op has run or started a thread: the zygote's memory is that
of a fresh process that imported torch. For each probe request the zygote forks a child that
runs exactly :func:`tier4_export.memory_probe.measure` (one warm-up load, then ``loads`` copies
kept alive, median RSS growth), writes its result to a pipe the worker handed over, and exits.

Safety:

* The fork happens while the worker is single-threaded (checked: ``/proc/self/task`` has one
  entry; ``import torch`` starts no thread, ``torch.set_num_threads(2)`` would): no other thread
  can hold a lock across the fork. The zygote is single-threaded too and forks only from its
  main thread.
* The zygote holds none of the worker's pipes: every descriptor but its command socket is
  pointed at ``/dev/null`` (so Node sees the worker's stdout close when the worker exits, and
  the protocol stream has one writer). A probe child writes only to the two pipes of its request
  (result, stderr).
* Lifetime: ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` in the zygote (parent: the worker) and in every
  child (parent: the zygote), so a killed worker takes both with it; at a clean close the worker
  closes the command socket, and the zygote kills and reaps its children and exits. A probe that
  outlives its timeout is killed by the zygote (it reaps its own children, so a pid it kills is
  never a reused one) and reported as an error naming the artifact.

Linux only (``prctl``, ``/proc``); elsewhere, or with ``TIER4_WORKER_ZYGOTE=0``, the worker has no
zygote and the TypeScript side measures in a fresh process.
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

PR_SET_PDEATHSIG = 1
"""prctl option: the signal this process gets when its parent thread dies (linux/prctl.h)."""

ZYGOTE_ENV = "TIER4_WORKER_ZYGOTE"
"""``0`` disables the zygote (memory probes then run in fresh processes)."""

KILL_GRACE_S = 5.0
"""How long a killed probe child gets to disappear (its pipes to close) before the worker gives up on it."""

_MAX_COMMAND = 1 << 16
_STDERR_TAIL = 4000


class ZygoteError(Exception):
    """A memory probe could not be measured; the message names the artifact."""


def set_parent_death_signal(expected_parent: int) -> None:
    """Have the kernel SIGKILL this process when its parent dies; exit at once if it already has.

    Raises:
        OSError: when ``prctl`` refuses.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl(PR_SET_PDEATHSIG): {os.strerror(err)}")
    if os.getppid() != expected_parent:  # the parent died before prctl took effect
        os._exit(0)


def thread_count() -> int:
    """Threads of this process (``/proc/self/task``)."""
    return len(os.listdir("/proc/self/task"))


def zygote_unavailable_reason() -> Optional[str]:
    """Why this process cannot fork a zygote now, or None when it can."""
    if os.environ.get(ZYGOTE_ENV) == "0":
        return f"disabled ({ZYGOTE_ENV}=0)"
    if not sys.platform.startswith("linux"):
        return f"not on Linux ({sys.platform}): no prctl(PR_SET_PDEATHSIG), no /proc"
    threads = thread_count()
    if threads != 1:
        return f"the worker already runs {threads} threads (a fork would copy locks they may hold)"
    return None


def _detach_descriptors(keep: int) -> None:
    """Point every descriptor but ``keep`` at /dev/null (the numbers stay taken, so none is reused)."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd in (keep, devnull):
            continue
        try:
            os.dup2(devnull, fd)
        except OSError:  # the listing's own descriptor, closed by now
            pass
    if devnull > 2:
        os.close(devnull)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _probe_child(result_fd: int, request: Dict[str, Any]) -> int:
    """In the forked child: measure as ``python -m tier4_export.memory_probe`` does, write one JSON object."""
    from tier4_export.memory_probe import measure

    code = 0
    try:
        measured = measure(str(request["path"]), int(request["loads"]))
        body: Dict[str, Any] = {
            "ok": True,
            "memory_bytes": measured["memory_bytes"],
            "rss_deltas": measured["rss_deltas"],
            "pid": os.getpid(),
            "ppid": os.getppid(),
        }
    except Exception as exc:  # noqa: BLE001 - the error text is the result
        body = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        code = 1
    _write_all(result_fd, json.dumps(body).encode("utf-8"))
    return code


def _reap(children: Dict[int, int]) -> None:
    """Reap every child that exited (probe id -> pid map updated)."""
    while children:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            children.clear()
            return
        if pid == 0:
            return
        for rid, cpid in list(children.items()):
            if cpid == pid:
                del children[rid]


def _zygote_main(sock: socket.socket, worker_pid: int) -> None:
    """The zygote's loop: fork a probe child per ``probe`` command, kill one per ``kill``; exit at EOF."""
    set_parent_death_signal(worker_pid)
    _detach_descriptors(sock.fileno())
    import tier4_export.memory_probe  # noqa: F401 - imported once here, as the fresh probe process imports it

    zygote_pid = os.getpid()
    children: Dict[int, int] = {}
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda _sig, _frame: None)
    try:
        while True:
            _reap(children)
            ready, _, _ = select.select([sock, wake_r], [], [])
            if wake_r in ready:
                try:
                    while os.read(wake_r, 512):
                        pass
                except BlockingIOError:
                    pass
            if sock not in ready:
                continue
            message, fds, _flags, _addr = socket.recv_fds(sock, _MAX_COMMAND, 2)
            if not message:
                return  # the worker closed its end or died
            try:
                command = json.loads(message.decode("utf-8"))
                rid = int(command["id"])
                if command.get("op") == "probe" and len(fds) == 2:
                    result_fd, err_fd = fds
                    try:
                        pid = os.fork()
                    except OSError as exc:
                        _write_all(result_fd, json.dumps({"ok": False, "error": f"the zygote could not fork: {exc}"}).encode("utf-8"))
                        continue
                    if pid == 0:
                        code = 1
                        try:
                            signal.set_wakeup_fd(-1)
                            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                            set_parent_death_signal(zygote_pid)
                            sock.close()
                            os.close(wake_r)
                            os.close(wake_w)
                            os.dup2(err_fd, 2)
                            code = _probe_child(result_fd, command)
                        finally:
                            os._exit(code)
                    children[rid] = pid
                elif command.get("op") == "kill":
                    victim = children.get(rid)
                    if victim is not None:  # not reaped yet, so the pid is still this child's
                        os.kill(victim, signal.SIGKILL)
            finally:
                for fd in fds:
                    os.close(fd)
    finally:
        for pid in children.values():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in children.values():
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


@dataclass
class _Probe:
    path: str
    rid: int
    result_fd: int
    err_fd: int
    result: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)
    open_fds: List[int] = field(default_factory=list)


class Zygote:
    """The worker's handle on its zygote (see the module doc)."""

    def __init__(self, pid: int, sock: socket.socket) -> None:
        self.pid = pid
        self._sock = sock
        self._next_id = 1
        self._exited = False

    @classmethod
    def start(cls) -> "Zygote":
        """Fork the zygote. Call right after ``import torch``, single-threaded (:func:`zygote_unavailable_reason`)."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        worker_pid = os.getpid()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                ours.close()
                _zygote_main(theirs, worker_pid)
            except BaseException:  # noqa: BLE001 - nothing of the zygote may run the worker's code
                code = 1
            finally:
                os._exit(code)
        theirs.close()
        return cls(pid, ours)

    @property
    def alive(self) -> bool:
        """Whether the zygote is still running (reaps it when it exited)."""
        if self._exited:
            return False
        try:
            pid, _status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            pid = self.pid
        if pid == self.pid:
            self._exited = True
        return not self._exited

    def _send(self, command: Dict[str, Any], fds: Sequence[int] = ()) -> None:
        socket.send_fds(self._sock, [json.dumps(command).encode("utf-8")], list(fds))

    def probe(self, paths: Sequence[str], loads: int, timeout_s: float) -> List[Dict[str, Any]]:
        """Measure each TorchScript file in its own child, side by side; results in the order of ``paths``.

        Raises:
            ZygoteError: naming the first artifact whose probe failed, timed out (killed) or could not start.
        """
        if not self.alive:
            raise ZygoteError(f"memory probe of torchscript {', '.join(paths)}: the worker's zygote (pid {self.pid}) is not running")
        probes: List[_Probe] = []
        deadline = time.monotonic() + timeout_s
        try:
            for path in paths:
                rid = self._next_id
                self._next_id += 1
                result_r, result_w = os.pipe()
                err_r, err_w = os.pipe()
                probe = _Probe(path, rid, result_r, err_r, open_fds=[result_r, err_r])
                probes.append(probe)
                try:
                    self._send({"op": "probe", "id": rid, "path": path, "loads": loads}, [result_w, err_w])
                except OSError as exc:
                    raise ZygoteError(f"memory probe of torchscript {path}: cannot reach the worker's zygote (pid {self.pid}): {exc}") from exc
                finally:
                    os.close(result_w)
                    os.close(err_w)
            self._drain(probes, deadline)
            late = [p for p in probes if p.open_fds]
            if late:
                for p in late:
                    try:
                        self._send({"op": "kill", "id": p.rid})
                    except OSError:
                        pass  # the zygote is gone, and with it (PR_SET_PDEATHSIG) the child
                self._drain(late, time.monotonic() + KILL_GRACE_S)
                raise ZygoteError(f"memory probe of torchscript {late[0].path} timed out after {round(timeout_s * 1000)} ms (killed)")
            return [self._result(p) for p in probes]
        finally:
            for p in probes:
                for fd in p.open_fds:
                    os.close(fd)
                p.open_fds.clear()

    @staticmethod
    def _drain(probes: Sequence[_Probe], deadline: float) -> None:
        """Read the probes' pipes until each closed (its child exited) or ``deadline``."""
        owner: Dict[int, _Probe] = {fd: p for p in probes for fd in p.open_fds}
        while owner:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            ready, _, _ = select.select(list(owner), [], [], remaining)
            for fd in ready:
                p = owner[fd]
                data = os.read(fd, 65536)
                if not data:
                    os.close(fd)
                    p.open_fds.remove(fd)
                    del owner[fd]
                elif fd == p.result_fd:
                    p.result += data
                else:
                    p.stderr = (p.stderr + data)[-_STDERR_TAIL:]

    @staticmethod
    def _result(p: _Probe) -> Dict[str, Any]:
        lines = [line for line in p.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
        hint = f"; its stderr: {' | '.join(lines[-3:])}" if lines else ""
        if not p.result:
            raise ZygoteError(f"memory probe of torchscript {p.path} failed: the probe process (forked from the worker's zygote) ended without a result{hint}")
        body = json.loads(p.result.decode("utf-8"))
        if body.get("ok") is not True:
            raise ZygoteError(f"memory probe of torchscript {p.path} failed (forked from the worker's zygote): {body.get('error')}")
        return {
            "path": p.path,
            "memory_bytes": int(body["memory_bytes"]),
            "rss_deltas": [int(d) for d in body["rss_deltas"]],
            "pid": int(body["pid"]),
            "ppid": int(body["ppid"]),
        }

    def close(self, grace_s: float = 2.0) -> None:
        """End the zygote and its children: close the command socket, wait up to ``grace_s``, then SIGKILL. Idempotent."""
        self._sock.close()
        if self._exited:
            return
        deadline = time.monotonic() + grace_s
        try:
            pidfd: Optional[int] = os.pidfd_open(self.pid)
        except (AttributeError, OSError):
            pidfd = None
        try:
            while self.alive:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    os.kill(self.pid, signal.SIGKILL)
                    os.waitpid(self.pid, 0)
                    self._exited = True
                    break
                if pidfd is not None:
                    select.select([pidfd], [], [], remaining)
                else:
                    time.sleep(min(remaining, 0.01))
        finally:
            if pidfd is not None:
                os.close(pidfd)
