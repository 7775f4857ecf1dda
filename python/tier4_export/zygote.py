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
* The zygote holds none of the worker's pipes: every descriptor but its command socket and its
  own wake-up pipe is pointed at ``/dev/null`` (so Node sees the worker's stdout close when the
  worker exits, and the protocol stream has one writer). A probe child writes only to the two
  pipes of its request (result, stderr).
* Start-up: the zygote sets itself up (``prctl``, imports, its wake-up pipe) while it still has the
  worker's stderr, detaches its descriptors last and then says ``ready`` on the command socket;
  :meth:`Zygote.start` waits for that (bounded), so a worker that advertises its zygote
  (``hello.zygote_pid``) has one that finished its set-up. A set-up failure is written to the
  worker's stderr by the zygote, and :meth:`Zygote.start` raises :class:`ZygoteError` with its exit
  status (the worker then runs without a zygote and says so).
* Lifetime: ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` in the zygote (parent: the worker) and in every
  child (parent: the zygote), so a killed worker takes both with it; at a clean close the worker
  closes the command socket, and the zygote kills and reaps its children and exits. A probe that
  outlives its timeout is killed by the zygote (it reaps its own children, so a pid it kills is
  never a reused one) and reported as an error naming the artifact.
* Failures: the first probe of a request to fail (in the order they end) stops the others (killed,
  their pipes drained for :data:`KILL_GRACE_S`) and is the error reported; a timeout is reported
  only when no probe failed, naming every late probe, and says ``(killed)`` only once their pipes
  closed. A zygote that is no longer running is :class:`ZygoteUnavailable` (with how it ended), which
  the TypeScript side answers by measuring in a fresh process.

Linux only (``prctl``, ``/proc``); elsewhere, or with ``TIER4_WORKER_ZYGOTE=0``, the worker has no
zygote and the TypeScript side measures in a fresh process.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import select
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Collection, Dict, List, Optional, Sequence, Tuple

PR_SET_PDEATHSIG = 1
"""prctl option: the signal this process gets when its parent thread dies (linux/prctl.h)."""

ZYGOTE_ENV = "TIER4_WORKER_ZYGOTE"
"""``0`` disables the zygote (memory probes then run in fresh processes)."""

KILL_GRACE_S = 5.0
"""How long a killed probe child gets to disappear (its pipes to close) before the worker gives up on it."""

START_TIMEOUT_S = 30.0
"""How long :meth:`Zygote.start` waits for the zygote's ``ready`` (its set-up takes milliseconds)."""

READY = b"ready"
"""The zygote's first message on the command socket: its set-up is done."""

_MAX_COMMAND = 1 << 16
_STDERR_TAIL = 4000
_RESULT_SHOWN = 200


class ZygoteError(Exception):
    """A memory probe could not be measured, or the zygote could not start; the message names the artifact
    (or the zygote) and is shown to the caller as is."""


class ZygoteUnavailable(ZygoteError):
    """The worker has no running zygote to fork a probe from (none was forked, or it has exited since).

    The caller should measure in a fresh process. Its class name is how the TypeScript side
    recognises the refusal: the worker protocol sends it as ``error.type``, which
    ``PythonWorkerError.pythonType`` keeps (packages/vitest-tier4/src/quantization/memory.ts); do not
    rename it.
    """


def describe_wait_status(status: Optional[int]) -> str:
    """How a reaped process ended, from its ``waitpid`` status (None: unknown), e.g. ``exited with status 1``."""
    if status is None:
        return "ended (exit status unknown)"
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return f"was killed by {name} (signal {number})"
    return f"exited with status {os.waitstatus_to_exitcode(status)}"


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


def _is_open(fd: int) -> bool:
    """Whether ``fd`` is an open descriptor of this process."""
    try:
        os.fstat(fd)
    except OSError as exc:
        if exc.errno == errno.EBADF:
            return False
        raise
    return True


def _detach_descriptors(keep: Collection[int]) -> None:
    """Point every open descriptor but ``keep`` at /dev/null (the numbers stay taken, so none is reused).

    Stderr (2) is detached last, so that a failure before it can still be reported there. The
    listing of ``/proc/self/fd`` names the descriptor that read it, closed by the time the loop runs:
    numbers no longer open are skipped (``dup2`` onto one would open a new /dev/null descriptor).
    """
    devnull = os.open(os.devnull, os.O_RDWR)
    numbers = sorted((int(name) for name in os.listdir("/proc/self/fd")), key=lambda fd: (fd == 2, fd))
    for fd in numbers:
        if fd in keep or fd == devnull or not _is_open(fd):
            continue
        os.dup2(devnull, fd)
    if devnull > 2:
        os.close(devnull)


def _report_start_failure(exc: BaseException) -> None:
    """In the zygote, before its descriptors are detached: say on the worker's stderr why it cannot serve."""
    line = f"tier4 worker: the zygote (pid {os.getpid()}) failed at start-up: {type(exc).__name__}: {exc}\n"
    try:
        _write_all(2, line.encode("utf-8", "replace"))
    except OSError:  # no stderr to say it on; Zygote.start still reports the exit status
        pass


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


def _zygote_main(sock: socket.socket, worker_pid: int) -> int:
    """The zygote: set up, say ``ready``, then fork a probe child per ``probe`` command and kill one per
    ``kill``; return at EOF (0), or at once when the set-up fails (1, the reason on the worker's stderr)."""
    try:
        set_parent_death_signal(worker_pid)
        import tier4_export.memory_probe  # noqa: F401 - imported once here, as the fresh probe process imports it

        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_r, False)
        os.set_blocking(wake_w, False)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda _sig, _frame: None)
        _detach_descriptors((sock.fileno(), wake_r, wake_w))
    except Exception as exc:  # noqa: BLE001 - reported, then the zygote exits 1
        _report_start_failure(exc)
        return 1
    try:
        sock.send(READY)
    except OSError:  # the worker is gone already
        return 0
    zygote_pid = os.getpid()
    children: Dict[int, int] = {}
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
                return 0  # the worker closed its end or died
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


@dataclass(eq=False)
class _Probe:
    """One path of a ``probe`` request: the worker's read ends of its child's result and stderr pipes."""

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
        self._status: Optional[int] = None

    @classmethod
    def start(cls, timeout_s: float = START_TIMEOUT_S) -> "Zygote":
        """Fork the zygote and wait for its ``ready``. Call right after ``import torch``, single-threaded
        (:func:`zygote_unavailable_reason`).

        Raises:
            OSError: when the socket pair or the fork cannot be made.
            ZygoteError: when the zygote exits during its set-up (its reason is on this process's stderr)
                or does not say ``ready`` within ``timeout_s`` (it is killed); the message gives its exit status.
        """
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        worker_pid = os.getpid()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                ours.close()
                code = _zygote_main(theirs, worker_pid)
            finally:  # nothing of the zygote may run the worker's code, whatever it raised
                os._exit(code)
        theirs.close()
        zygote = cls(pid, ours)
        zygote._await_ready(timeout_s)
        return zygote

    def _await_ready(self, timeout_s: float) -> None:
        """Wait for the zygote's ``ready``; on anything else, end it and raise :class:`ZygoteError`."""
        try:
            ready, _, _ = select.select([self._sock], [], [], timeout_s)
            message: Optional[bytes] = self._sock.recv(len(READY) + 1) if ready else None
        except OSError as exc:
            message = f"an error reading its socket: {exc}".encode("utf-8")
        if message == READY:
            return
        self.close(grace_s=KILL_GRACE_S)
        if message is None:
            what = f"did not say ready within {timeout_s:g} s (then it {self.how_it_ended()})"
        elif not message:
            what = f"exited during its set-up: it {self.how_it_ended()}"
        else:
            what = f"sent {message!r} instead of ready (then it {self.how_it_ended()})"
        raise ZygoteError(f"the zygote (pid {self.pid}) {what}")

    @property
    def alive(self) -> bool:
        """Whether the zygote is still running (reaps it when it exited, keeping its status)."""
        if self._exited:
            return False
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:  # reaped by someone else: how it ended is unknown
            pid, status = self.pid, -1
        if pid == self.pid:
            self._exited = True
            self._status = None if status == -1 else status
        return not self._exited

    def how_it_ended(self) -> str:
        """How the zygote ended, once reaped (:func:`describe_wait_status`), e.g. ``was killed by SIGKILL (signal 9)``."""
        return describe_wait_status(self._status) if self._exited else "is still running"

    def _send(self, command: Dict[str, Any], fds: Sequence[int] = ()) -> None:
        socket.send_fds(self._sock, [json.dumps(command).encode("utf-8")], list(fds))

    def probe(self, paths: Sequence[str], loads: int, timeout_s: float) -> List[Dict[str, Any]]:
        """Measure each TorchScript file in its own child, side by side; results in the order of ``paths``.

        The first probe to fail stops the others and is the error raised; a timeout (of all of them
        together) is raised only when none failed, and names every probe still running then.

        Raises:
            ZygoteUnavailable: when the zygote is not running (the message says how it ended) or cannot
                be reached; measure in a fresh process instead.
            ZygoteError: naming the artifact whose probe failed or could not start, or every artifact
                whose probe timed out (and whether the kill was confirmed).
        """
        if not self.alive:
            raise ZygoteUnavailable(
                f"memory probe of torchscript {', '.join(paths)}: the worker's zygote (pid {self.pid}) is not running: it {self.how_it_ended()}"
            )
        probes: List[_Probe] = []
        deadline = time.monotonic() + timeout_s
        try:
            for path in paths:
                rid = self._next_id
                self._next_id += 1
                result_r, result_w = os.pipe()
                err_r, err_w = os.pipe()
                probes.append(_Probe(path, rid, result_r, err_r, open_fds=[result_r, err_r]))
                try:
                    self._send({"op": "probe", "id": rid, "path": path, "loads": loads}, [result_w, err_w])
                except OSError as exc:  # the zygote closed its socket: it is exiting
                    self._stop(probes[:-1])
                    raise ZygoteUnavailable(
                        f"memory probe of torchscript {path}: cannot reach the worker's zygote (pid {self.pid}): {exc}"
                    ) from exc
                finally:
                    os.close(result_w)
                    os.close(err_w)
            results: Dict[int, Dict[str, Any]] = {}
            running = list(probes)
            while running:
                finished = self._drain(running, deadline)
                if not finished:
                    break  # the deadline
                for p in finished:
                    running.remove(p)
                for p in finished:
                    try:
                        results[p.rid] = self._result(p)
                    except ZygoteError:
                        self._stop(running)  # the first failure stops the others
                        raise
            if running:
                raise ZygoteError(self._timed_out(running, timeout_s))
            return [results[p.rid] for p in probes]
        finally:
            for p in probes:
                for fd in p.open_fds:
                    os.close(fd)
                p.open_fds.clear()

    def _stop(self, probes: Sequence[_Probe]) -> Tuple[Optional[OSError], List[_Probe]]:
        """Kill the children of ``probes`` and read their pipes until they closed, up to :data:`KILL_GRACE_S`.

        Returns:
            The error of sending a kill (None when every kill was sent), and the probes whose pipes are
            still open after the grace period (their end is not confirmed).
        """
        not_sent: Optional[OSError] = None
        for p in probes:
            try:
                self._send({"op": "kill", "id": p.rid})
            except OSError as exc:  # the zygote is gone, and with it (PR_SET_PDEATHSIG) the child
                not_sent = exc
        grace = time.monotonic() + KILL_GRACE_S
        still = [p for p in probes if p.open_fds]
        while still and self._drain(still, grace):
            still = [p for p in still if p.open_fds]
        return not_sent, still

    def _timed_out(self, late: Sequence[_Probe], timeout_s: float) -> str:
        """Stop the late probes; the timeout message naming each, saying ``(killed)`` only when their ends are confirmed."""
        not_sent, unconfirmed = self._stop(late)
        grace = f"{KILL_GRACE_S:g} s"
        pending = ", ".join(p.path for p in unconfirmed)
        if not_sent is not None:
            how = f"the kill could not be sent: {not_sent}; " + (f"still running after {grace}: {pending}" if unconfirmed else "ended")
        elif unconfirmed:
            how = f"kill sent, not confirmed after {grace}" + (f": {pending}" if len(unconfirmed) < len(late) else "")
        else:
            how = "killed"
        return f"memory probe of torchscript {', '.join(p.path for p in late)} timed out after {round(timeout_s * 1000)} ms ({how})"

    @staticmethod
    def _drain(probes: Sequence[_Probe], deadline: float) -> List[_Probe]:
        """Read the probes' pipes until at least one probe's pipes all closed (its child exited) or ``deadline``.

        Returns:
            The probes that finished in that last read, in the order of ``probes``; ``[]`` at the deadline.
        """
        owner: Dict[int, _Probe] = {fd: p for p in probes for fd in p.open_fds}
        while owner:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            ready, _, _ = select.select(list(owner), [], [], remaining)
            finished: List[_Probe] = []
            for fd in ready:
                p = owner[fd]
                data = os.read(fd, 65536)
                if not data:
                    os.close(fd)
                    p.open_fds.remove(fd)
                    del owner[fd]
                    if not p.open_fds:
                        finished.append(p)
                elif fd == p.result_fd:
                    p.result += data
                else:
                    p.stderr = (p.stderr + data)[-_STDERR_TAIL:]
            if finished:
                return [p for p in probes if p in finished]
        return []

    @staticmethod
    def _result(p: _Probe) -> Dict[str, Any]:
        """The measurement a finished probe wrote, or :class:`ZygoteError` naming its artifact."""
        lines = [line for line in p.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
        hint = f"; its stderr: {' | '.join(lines[-3:])}" if lines else ""
        if not p.result:
            raise ZygoteError(f"memory probe of torchscript {p.path} failed: the probe process (forked from the worker's zygote) ended without a result{hint}")
        malformed = ZygoteError(
            f"memory probe of torchscript {p.path} failed: expected one JSON object from the probe process (forked from the worker's zygote), "
            f"received {bytes(p.result[:_RESULT_SHOWN])!r}{'...' if len(p.result) > _RESULT_SHOWN else ''}{hint}"
        )
        try:
            body = json.loads(p.result.decode("utf-8"))
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError: a write cut short (the child was killed)
            raise malformed from exc
        if not isinstance(body, dict):
            raise malformed
        if body.get("ok") is not True:
            raise ZygoteError(f"memory probe of torchscript {p.path} failed (forked from the worker's zygote): {body.get('error')}")
        try:
            return {
                "path": p.path,
                "memory_bytes": int(body["memory_bytes"]),
                "rss_deltas": [int(d) for d in body["rss_deltas"]],
                "pid": int(body["pid"]),
                "ppid": int(body["ppid"]),
            }
        except (KeyError, TypeError, ValueError) as exc:
            raise malformed from exc

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
                    _pid, status = os.waitpid(self.pid, 0)
                    self._exited = True
                    self._status = status
                    break
                if pidfd is not None:
                    select.select([pidfd], [], [], remaining)
                else:
                    time.sleep(min(remaining, 0.01))
        finally:
            if pidfd is not None:
                os.close(pidfd)
