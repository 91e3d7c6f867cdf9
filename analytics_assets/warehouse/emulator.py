"""Starting, finding and stopping the embedded BigQuery emulator process.

The emulator runs as its own process (:mod:`analytics_assets.warehouse.emulator_server`)
in its own session, so a terminal's Ctrl-C or a Dagster run's end does not reach it.
Next to its data directory it keeps ``bigquery-emulator.log`` (its output),
``bigquery.pid`` (when detached: who to stop later) and ``bigquery.lock`` (so that two
processes never start two emulators on one directory).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import filelock
import httpx

SERVER_MODULE = "analytics_assets.warehouse.emulator_server"
LOG_FILE_NAME = "bigquery-emulator.log"
PID_FILE_NAME = "bigquery.pid"
LOCK_FILE_NAME = "bigquery.lock"
LOG_LINES_IN_ERRORS = 20
LOG_LINE_WIDTH_IN_ERRORS = 300
_POLL_INTERVAL = 0.1

# Detached emulators this process started: kept so that they are reaped when stopped
# (and so that Popen does not warn about a child still running when the handle is dropped).
_detached_children: dict[int, subprocess.Popen[bytes]] = {}


class EmulatorStartError(RuntimeError):
    """The emulator did not become healthy: what failed, where, and the end of its log."""

    def __init__(self, problem: str, *, port: int, data_dir: Path, log_path: Path | None) -> None:
        self.problem = problem
        self.port = port
        self.data_dir = data_dir
        self.log_path = log_path
        super().__init__(
            f"BigQuery emulator on port {port} with data dir {data_dir}: {problem}\n"
            + _log_excerpt(log_path)
        )


def _log_excerpt(log_path: Path | None) -> str:
    if log_path is None:
        return "(no log file)"
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except OSError:
        return f"(log file {log_path} could not be read)"
    if not lines:
        return f"(log file {log_path} is empty)"
    last = "\n".join(
        f"    {line[:LOG_LINE_WIDTH_IN_ERRORS]}" for line in lines[-LOG_LINES_IN_ERRORS:]
    )
    return f"Last lines of {log_path}:\n{last}"


def emulator_url(port: int) -> str:
    """The REST endpoint of an emulator listening on ``port`` on this machine."""
    return f"http://127.0.0.1:{port}"


def is_healthy(url: str, timeout: float = 1.0) -> bool:
    """True when ``url`` answers the emulator's liveness probe ``/healthz`` with 200."""
    try:
        response = httpx.get(f"{url.rstrip('/')}/healthz", timeout=timeout)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    """True when a server could bind ``port`` on 127.0.0.1 (as uvicorn does)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def pid_file_path(data_dir: Path) -> Path:
    return data_dir.parent / PID_FILE_NAME


def _process_is_running(pid: int) -> bool:
    """True while ``pid`` runs; a zombie counts as ended (and our own child is reaped)."""
    child = _detached_children.get(pid)
    if child is not None:
        return child.poll() is None
    with contextlib.suppress(ChildProcessError):
        reaped, _ = os.waitpid(pid, os.WNOHANG)
        if reaped == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    with contextlib.suppress(OSError, IndexError):
        state = stat.read_text().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    return True


def _runs_emulator_server(pid: int) -> bool:
    """False only when we can see that ``pid`` now runs something else (pid reuse)."""
    try:
        command_line = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True
    return SERVER_MODULE.encode() in command_line


def _signal_group(pid: int, signal_number: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal_number)


class EmbeddedEmulator:
    """A handle on one emulator process, started here or found through its pid file."""

    def __init__(
        self,
        pid: int,
        port: int,
        data_dir: Path,
        *,
        process: subprocess.Popen[bytes] | None = None,
        log_path: Path | None = None,
    ) -> None:
        self.pid = pid
        self.port = port
        self.data_dir = data_dir
        self.log_path = log_path
        self._process = process

    @property
    def url(self) -> str:
        return emulator_url(self.port)

    @classmethod
    def start(
        cls,
        data_dir: Path,
        port: int,
        project: str,
        *,
        detached: bool,
        log_path: Path | None = None,
        startup_timeout: float = 60,
    ) -> EmbeddedEmulator:
        """Start an emulator and wait until it is healthy, or raise :class:`EmulatorStartError`.

        A detached emulator is recorded in the pid file next to ``data_dir`` so that
        :func:`stop_detached` can stop it from another process later.
        """
        data_dir = Path(data_dir).absolute()
        log_path = Path(log_path) if log_path else data_dir.parent / LOG_FILE_NAME
        if not port_is_free(port):
            raise EmulatorStartError(
                "the port is already in use", port=port, data_dir=data_dir, log_path=None
            )
        command = [
            sys.executable,
            "-m",
            SERVER_MODULE,
            "--port",
            str(port),
            "--grpc-port",
            str(free_port()),
            "--project",
            project,
            "--data-dir",
            str(data_dir),
        ]
        try:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            with log_path.open("ab") as log_file:
                process = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        except OSError as error:
            raise EmulatorStartError(
                f"could not launch the process ({error})",
                port=port,
                data_dir=data_dir,
                log_path=None,
            ) from error
        emulator = cls(process.pid, port, data_dir, process=process, log_path=log_path)
        try:
            emulator._wait_until_healthy(startup_timeout)
        except BaseException:
            emulator.stop()
            raise
        if detached:
            _detached_children[process.pid] = process
            emulator._write_pid_file()
        return emulator

    def _wait_until_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not is_healthy(self.url, timeout=min(1.0, timeout)):
            if not self.is_running():
                raise EmulatorStartError(
                    f"the process exited with code {self._exit_code()} before answering",
                    port=self.port,
                    data_dir=self.data_dir,
                    log_path=self.log_path,
                )
            if time.monotonic() > deadline:
                raise EmulatorStartError(
                    f"no answer on {self.url}/healthz within {timeout:g} s",
                    port=self.port,
                    data_dir=self.data_dir,
                    log_path=self.log_path,
                )
            time.sleep(_POLL_INTERVAL)

    def _exit_code(self) -> int | None:
        return self._process.poll() if self._process is not None else None

    def _write_pid_file(self) -> None:
        record = {"pid": self.pid, "port": self.port, "url": self.url}
        pid_file_path(self.data_dir).write_text(json.dumps(record) + "\n")

    def is_running(self) -> bool:
        if self._process is not None:
            return self._process.poll() is None
        return _process_is_running(self.pid)

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM the emulator's process group, then SIGKILL it if it outlives ``timeout``."""
        if self.is_running():
            _signal_group(self.pid, signal.SIGTERM)
            if not self._wait_for_exit(timeout):
                _signal_group(self.pid, signal.SIGKILL)
                self._wait_for_exit(timeout)
        _detached_children.pop(self.pid, None)
        self._forget_pid_file()

    def _wait_for_exit(self, timeout: float) -> bool:
        if self._process is not None:
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                return False
            return True
        deadline = time.monotonic() + timeout
        while _process_is_running(self.pid):
            if time.monotonic() > deadline:
                return False
            time.sleep(_POLL_INTERVAL)
        return True

    def _forget_pid_file(self) -> None:
        pid_file = pid_file_path(self.data_dir)
        if _read_pid_file(pid_file).get("pid") == self.pid:
            pid_file.unlink(missing_ok=True)

    def __enter__(self) -> EmbeddedEmulator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _read_pid_file(pid_file: Path) -> dict[str, object]:
    try:
        record = json.loads(pid_file.read_text())
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _recorded_detached_emulator(data_dir: Path) -> EmbeddedEmulator | None:
    data_dir = Path(data_dir).absolute()
    record = _read_pid_file(pid_file_path(data_dir))
    pid, port = record.get("pid"), record.get("port")
    if not isinstance(pid, int) or not isinstance(port, int):
        return None
    process = _detached_children.get(pid)
    return EmbeddedEmulator(pid, port, data_dir, process=process)


def ensure_running(
    data_dir: Path,
    port: int,
    project: str,
    *,
    startup_timeout: float = 60,
    busy_port_grace: float = 5,
) -> str:
    """The URL of a healthy emulator on ``port``, starting a detached one only if none answers.

    The detached emulator outlives the caller and is reused by later calls. A file lock
    next to ``data_dir`` makes concurrent callers start at most one. A port held by
    something that stays unhealthy for ``busy_port_grace`` seconds is an error.
    """
    data_dir = Path(data_dir).absolute()
    url = emulator_url(port)
    if is_healthy(url):
        return url
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(data_dir.parent / LOCK_FILE_NAME, timeout=startup_timeout + 30)
    try:
        with lock:
            if is_healthy(url):
                return url
            if not port_is_free(port):
                if _becomes_healthy(url, busy_port_grace):
                    return url
                raise EmulatorStartError(
                    "the port is in use by something that does not answer /healthz "
                    "like a BigQuery emulator; stop it or choose another port",
                    port=port,
                    data_dir=data_dir,
                    log_path=None,
                )
            # A detached emulator recorded on another port still holds the DuckDB file.
            stop_detached(data_dir)
            EmbeddedEmulator.start(
                data_dir, port, project, detached=True, startup_timeout=startup_timeout
            )
    except filelock.Timeout as error:
        raise EmulatorStartError(
            f"another process held {lock.lock_file} for {lock.timeout:g} s",
            port=port,
            data_dir=data_dir,
            log_path=data_dir.parent / LOG_FILE_NAME,
        ) from error
    return url


def _becomes_healthy(url: str, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if is_healthy(url):
            return True
        time.sleep(_POLL_INTERVAL * 5)
    return False


def stop_detached(data_dir: Path) -> bool:
    """Stop the detached emulator recorded next to ``data_dir``; False if none was running."""
    emulator = _recorded_detached_emulator(data_dir)
    if emulator is None:
        return False
    if not emulator.is_running() or not _runs_emulator_server(emulator.pid):
        pid_file_path(emulator.data_dir).unlink(missing_ok=True)
        return False
    emulator.stop()
    return True
