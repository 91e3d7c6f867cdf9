"""One embedded BigQuery emulator process: started here, or found again through its pid file.

The emulator runs as its own process (:mod:`analytics_assets.local.emulator_server`)
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
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from analytics_assets.local.network import emulator_url, free_port, is_healthy, port_is_free
from analytics_assets.rows.leftovers import process_is_running

SERVER_MODULE = "analytics_assets.local.emulator_server"
LOG_FILE_NAME = "bigquery-emulator.log"
PID_FILE_NAME = "bigquery.pid"
LOCK_FILE_NAME = "bigquery.lock"
LOG_LINES_IN_ERRORS = 20
LOG_LINE_WIDTH_IN_ERRORS = 300
POLL_INTERVAL_SECONDS = 0.1

# Detached emulators this process started: kept so that they are reaped when stopped
# (and so that Popen does not warn about a child still running when the handle is dropped).
detached_children: dict[int, subprocess.Popen[bytes]] = {}


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


def pid_file_path(data_dir: Path) -> Path:
    return data_dir.parent / PID_FILE_NAME


def _process_is_running(pid: int) -> bool:
    """True while ``pid`` runs; a zombie counts as ended (and our own child is reaped)."""
    child = detached_children.get(pid)
    if child is not None:
        return child.poll() is None
    with contextlib.suppress(ChildProcessError):
        reaped, _ = os.waitpid(pid, os.WNOHANG)
        if reaped == pid:
            return False
    return process_is_running(pid)


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
        #: Launched here to outlive this process (recorded in the pid file once healthy).
        self._detached = False

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
        wait: bool = True,
    ) -> EmbeddedEmulator:
        """Start an emulator and wait until it is healthy, or raise :class:`EmulatorStartError`.

        With ``wait=False`` it returns at once: the caller does other work while the emulator
        starts (a few seconds), then calls :meth:`wait_until_healthy`. A detached emulator is
        recorded in the pid file next to ``data_dir`` once healthy, so that
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
        emulator._detached = detached
        if wait:
            emulator.wait_until_healthy(startup_timeout)
        return emulator

    def wait_until_healthy(self, timeout: float = 60) -> None:
        """Return once the emulator answers (a detached one is then recorded in its pid
        file); otherwise stop it and raise :class:`EmulatorStartError` (it exited, or gave no
        answer within ``timeout``)."""
        try:
            self._wait_until_healthy(timeout)
        except BaseException:
            self.stop()
            raise
        if self._detached and self._process is not None:
            detached_children[self.pid] = self._process
            self._write_pid_file()

    def _wait_until_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not is_healthy(self.url, timeout=min(1.0, timeout)):
            if not self.is_running():
                raise EmulatorStartError(
                    f"the process exited with code {self.exit_code()} before answering",
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
            time.sleep(POLL_INTERVAL_SECONDS)

    def exit_code(self) -> int | None:
        """The exit code of a process started here once it has ended; None otherwise."""
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
        detached_children.pop(self.pid, None)
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
            time.sleep(POLL_INTERVAL_SECONDS)
        return True

    def _forget_pid_file(self) -> None:
        pid_file = pid_file_path(self.data_dir)
        if read_pid_file(pid_file).get("pid") == self.pid:
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


def read_pid_file(pid_file: Path) -> dict[str, object]:
    try:
        record = json.loads(pid_file.read_text())
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}
