"""The dev loop heals: the emulator `analytics-assets dev` started is restarted on its port with
its data when it is killed or hangs, and stopping the supervisor leaves no emulator running.

Real emulator processes; SIGKILL and SIGSTOP as a crash and a hang would come.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from analytics_assets.local.config import EMULATOR_PROJECT
from analytics_assets.local.emulator_process import EmbeddedEmulator
from analytics_assets.local.emulator_supervisor import EmulatorSupervisor
from analytics_assets.local.network import free_port, is_healthy
from analytics_assets.rows.leftovers import process_is_running
from analytics_assets.testing import emulator_client

HUNG_AFTER = 2.0


@pytest.fixture
def supervised(tmp_path: Path) -> Iterator[tuple[EmulatorSupervisor, list[str]]]:
    emulator = EmbeddedEmulator.start(
        tmp_path / "bigquery", free_port(), EMULATOR_PROJECT, detached=False
    )
    emulator_client(emulator.url).create_dataset("kept")
    said: list[str] = []
    supervisor = EmulatorSupervisor(
        emulator, EMULATOR_PROJECT, say=said.append, check_interval=0.3, hung_after=HUNG_AFTER
    ).start()
    try:
        yield supervisor, said
    finally:
        supervisor.stop()


def _wait_for_restart(supervisor: EmulatorSupervisor, within: float = 60) -> None:
    deadline = time.monotonic() + within
    while supervisor.restarts == 0 or not is_healthy(supervisor.emulator.url):
        assert time.monotonic() < deadline, "the emulator was not restarted"
        time.sleep(0.2)


def test_a_killed_emulator_is_restarted_on_its_port_with_its_data(supervised):
    supervisor, said = supervised
    killed = supervisor.emulator
    os.killpg(killed.pid, signal.SIGKILL)
    _wait_for_restart(supervisor)
    assert supervisor.emulator.url == killed.url and supervisor.emulator.pid != killed.pid
    assert [d.dataset_id for d in emulator_client(killed.url).list_datasets()] == ["kept"]
    assert said[0].startswith(
        f"The embedded BigQuery emulator stopped (exit code -9): restarting it on {killed.url}"
    )
    assert said[1] == f"The embedded BigQuery emulator answers again on {killed.url}"


def test_a_hung_emulator_is_stopped_and_restarted(supervised):
    supervisor, said = supervised
    hung = supervisor.emulator
    os.killpg(hung.pid, signal.SIGSTOP)  # accepts connections, answers nothing
    _wait_for_restart(supervisor)
    assert not process_is_running(hung.pid)
    assert said[0].startswith(
        f"The embedded BigQuery emulator has not answered /healthz for {HUNG_AFTER:g} s"
    )
    assert [d.dataset_id for d in emulator_client(hung.url).list_datasets()] == ["kept"]


def test_stopping_the_supervisor_after_a_restart_leaves_no_emulator_running(supervised):
    supervisor, _ = supervised
    first = supervisor.emulator
    os.killpg(first.pid, signal.SIGKILL)
    _wait_for_restart(supervisor)
    second = supervisor.emulator
    supervisor.stop()
    assert not second.is_running() and not is_healthy(second.url)
    assert supervisor.restarts == 1
