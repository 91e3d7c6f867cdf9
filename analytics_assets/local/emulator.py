"""The embedded emulator as the rest of the location uses it: one healthy emulator per data folder.

:func:`ensure_running` answers the URL of a healthy emulator on a port, starting a
detached one (reused by later runs and commands) only when none answers; a file lock next
to the data folder makes concurrent callers start at most one. :func:`stop_detached`
stops it again.
"""

from __future__ import annotations

import time
from pathlib import Path

import filelock

from analytics_assets.local.emulator_process import (
    LOCK_FILE_NAME,
    LOG_FILE_NAME,
    POLL_INTERVAL_SECONDS,
    SERVER_MODULE,
    EmbeddedEmulator,
    EmulatorStartError,
    detached_children,
    pid_file_path,
    read_pid_file,
)
from analytics_assets.local.network import emulator_url, is_healthy, port_is_free


def _runs_emulator_server(pid: int) -> bool:
    """False only when we can see that ``pid`` now runs something else (pid reuse)."""
    try:
        command_line = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True
    return SERVER_MODULE.encode() in command_line


def _recorded_detached_emulator(data_dir: Path) -> EmbeddedEmulator | None:
    data_dir = Path(data_dir).absolute()
    record = read_pid_file(pid_file_path(data_dir))
    pid, port = record.get("pid"), record.get("port")
    if not isinstance(pid, int) or not isinstance(port, int):
        return None
    process = detached_children.get(pid)
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
        time.sleep(POLL_INTERVAL_SECONDS * 5)
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
