"""Keeps the emulator `analytics-assets dev` started alive: restarted when it dies or hangs.

A thread looks at the emulator every :data:`CHECK_INTERVAL_SECONDS`: a process that has
exited, or one that has not answered ``/healthz`` for :data:`HUNG_AFTER_SECONDS` (it still
accepts connections, so every request of a run would wait for the client's 60 s read
timeout), is stopped and started again on the same port and data folder, saying why in
the terminal. A run that failed meanwhile is retried by its step's retry policy or by the
catch-up. :meth:`EmulatorSupervisor.stop` stops the thread and whichever emulator is the
current one, so Ctrl-C leaves no emulator behind.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from analytics_assets.local.emulator_process import EmbeddedEmulator, EmulatorStartError
from analytics_assets.local.network import is_healthy

CHECK_INTERVAL_SECONDS = 2.0
HUNG_AFTER_SECONDS = 10.0
#: How long a hung emulator gets to end on SIGTERM before it is killed.
STOP_TIMEOUT_SECONDS = 3.0


class EmulatorSupervisor:
    """Restarts ``emulator`` (started here, not detached) whenever it dies or hangs."""

    def __init__(
        self,
        emulator: EmbeddedEmulator,
        project: str,
        *,
        say: Callable[[str], None] = print,
        check_interval: float = CHECK_INTERVAL_SECONDS,
        hung_after: float = HUNG_AFTER_SECONDS,
    ) -> None:
        self.emulator = emulator
        self.project = project
        self.restarts = 0
        self._say = say
        self._check_interval = check_interval
        self._hung_after = hung_after
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._watch, name="emulator-supervisor", daemon=True)

    def start(self) -> EmulatorSupervisor:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop watching, then stop the current emulator."""
        self._stopping.set()
        self._thread.join(timeout=STOP_TIMEOUT_SECONDS * 3 + 60)
        with self._lock:
            self.emulator.stop()

    def _watch(self) -> None:
        silent_since: float | None = None
        while not self._stopping.wait(self._check_interval):
            emulator = self.emulator
            if not emulator.is_running():
                self._restart(f"stopped (exit code {emulator.exit_code()})")
                silent_since = None
            elif is_healthy(emulator.url, timeout=1.0):
                silent_since = None
            elif silent_since is None:
                silent_since = time.monotonic()
            elif time.monotonic() - silent_since >= self._hung_after:
                self._restart(f"has not answered /healthz for {self._hung_after:g} s")
                silent_since = None

    def _restart(self, why: str) -> None:
        with self._lock:
            if self._stopping.is_set():
                return
            old = self.emulator
            self._say(
                f"The embedded BigQuery emulator {why}: restarting it on {old.url} "
                f"(its data in {old.data_dir} is kept)"
            )
            old.stop(timeout=STOP_TIMEOUT_SECONDS)
            try:
                self.emulator = EmbeddedEmulator.start(
                    Path(old.data_dir), old.port, self.project, detached=False,
                    log_path=old.log_path,
                )  # fmt: skip
            except EmulatorStartError as error:
                self._say(f"Could not restart it (tried again in a moment): {error}")
                return
            self.restarts += 1
            self._say(f"The embedded BigQuery emulator answers again on {old.url}")
