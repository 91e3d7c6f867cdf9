"""The embedded BigQuery emulator: its patches, its launcher, its health check.

The BigQuery statements the project relies on are the contract suite's
(:mod:`analytics_assets.testing.contract`), which runs on the emulator in every test run.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from google.cloud import bigquery

import analytics_assets.local.emulator_patches as emulator_patches
from analytics_assets.local.emulator import ensure_running, stop_detached
from analytics_assets.local.emulator_process import (
    SERVER_MODULE,
    EmbeddedEmulator,
    EmulatorStartError,
    pid_file_path,
)
from analytics_assets.local.network import emulator_url, free_port, is_healthy, port_is_free
from analytics_assets.testing import emulator_client

PROJECT = "local-project"


@pytest.fixture
def client(bigquery_emulator: str) -> bigquery.Client:
    return emulator_client(bigquery_emulator, PROJECT)


def emulator_pids_serving(data_dir: Path) -> list[int]:
    """Pids of live emulator server processes whose command line names ``data_dir``."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            arguments = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if SERVER_MODULE.encode() in arguments and str(data_dir).encode() in arguments:
            pids.append(int(cmdline.parent.name))
    return pids


needs_proc = pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")


# -- the patches -----------------------------------------------------------------------------


def test_patches_apply_idempotently_to_the_pinned_bqemulator() -> None:
    emulator_patches.apply_patches()
    emulator_patches.apply_patches()

    from bqemulator.api.routes import upload

    assert emulator_patches.patches_applied()
    assert upload._PERMITTED_MEDIA_CONTENT_TYPES.count("*/*") == 1


def test_apply_patches_names_the_attribute_an_upgrade_moved(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bqemulator.api.routes import upload

    monkeypatch.delattr(upload, "_PERMITTED_MEDIA_CONTENT_TYPES")
    with pytest.raises(RuntimeError, match=r"api\.routes\.upload\._PERMITTED_MEDIA_CONTENT_TYPES"):
        emulator_patches.apply_patches()


# -- the running emulator ---------------------------------------------------------------


def test_emulator_answers_its_health_check(bigquery_emulator: str) -> None:
    assert is_healthy(bigquery_emulator)
    assert not is_healthy(emulator_url(free_port()))


def test_query_parameters_are_bound(client: bigquery.Client) -> None:
    config = bigquery.QueryJobConfig(
        query_parameters=[
            bigquery.ScalarQueryParameter("day", "DATE", dt.date(2024, 2, 29)),
            bigquery.ScalarQueryParameter("amount", "NUMERIC", decimal.Decimal("0.000000001")),
            bigquery.ScalarQueryParameter("label", "STRING", "it's"),
        ]
    )
    rows = client.query(
        "SELECT DATE_ADD(@day, INTERVAL 1 DAY) AS next_day, @amount * 2 AS doubled, @label AS l",
        job_config=config,
    ).result()

    assert [tuple(row.values()) for row in rows] == [
        (dt.date(2024, 3, 1), decimal.Decimal("0.000000002"), "it's")
    ]


def test_ensure_running_reuses_a_healthy_emulator_instead_of_starting_one(
    bigquery_emulator: str,
    tmp_path: Path,
) -> None:
    port = int(bigquery_emulator.rsplit(":", 1)[1])
    data_dir = tmp_path / "bigquery"

    assert ensure_running(data_dir, port, PROJECT) == bigquery_emulator
    assert not pid_file_path(data_dir).exists()
    assert not data_dir.exists()


@needs_proc
def test_concurrent_ensure_running_start_one_detached_emulator_that_stop_detached_ends(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "bigquery"
    port = free_port()
    caller = textwrap.dedent(
        f"""
        from pathlib import Path
        from analytics_assets.local.emulator import ensure_running
        print(ensure_running(Path({str(data_dir)!r}), {port}, {PROJECT!r}))
        """
    )
    callers = [
        subprocess.Popen([sys.executable, "-c", caller], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    try:
        outputs = [caller.communicate(timeout=90)[0].strip() for caller in callers]
        assert outputs == [emulator_url(port)] * 2
        [pid] = emulator_pids_serving(data_dir)
        assert json.loads(pid_file_path(data_dir).read_text()) == {
            "pid": pid,
            "port": port,
            "url": emulator_url(port),
        }
        assert ensure_running(data_dir, port, PROJECT) == emulator_url(port)
        assert emulator_pids_serving(data_dir) == [pid]
    finally:
        stopped = stop_detached(data_dir)

    assert stopped
    assert emulator_pids_serving(data_dir) == []
    assert port_is_free(port)
    assert not pid_file_path(data_dir).exists()
    assert stop_detached(data_dir) is False


@needs_proc
def test_stop_leaves_no_process_behind(tmp_path: Path) -> None:
    data_dir = tmp_path / "bigquery"
    started = time.monotonic()
    with EmbeddedEmulator.start(data_dir, free_port(), PROJECT, detached=False) as emulator:
        startup_seconds = time.monotonic() - started
        assert emulator_pids_serving(data_dir) == [emulator.pid]
    assert emulator_pids_serving(data_dir) == []
    assert not emulator.is_running()
    assert port_is_free(emulator.port)
    assert not is_healthy(emulator.url)
    assert startup_seconds < 30


def test_start_error_reports_port_data_dir_and_log_when_the_process_dies(tmp_path: Path) -> None:
    data_dir = tmp_path / "bigquery"
    data_dir.write_text("a file where the data directory should be")
    port = free_port()

    with pytest.raises(EmulatorStartError) as raised:
        EmbeddedEmulator.start(data_dir, port, PROJECT, detached=False)

    message = str(raised.value)
    assert "exited with code" in message
    assert f"port {port}" in message
    assert str(data_dir) in message
    assert "is a file" in message  # from the end of the emulator's log
    assert port_is_free(port)


@needs_proc
def test_start_error_on_timeout_kills_the_process_it_started(tmp_path: Path) -> None:
    data_dir = tmp_path / "bigquery"

    with pytest.raises(EmulatorStartError, match=r"within 0\.2 s"):
        EmbeddedEmulator.start(data_dir, free_port(), PROJECT, detached=False, startup_timeout=0.2)

    assert emulator_pids_serving(data_dir) == []


def test_port_held_by_something_else_is_an_error_not_a_second_emulator(tmp_path: Path) -> None:
    data_dir = tmp_path / "bigquery"
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]

        with pytest.raises(EmulatorStartError, match="already in use"):
            EmbeddedEmulator.start(data_dir, port, PROJECT, detached=False)
        with pytest.raises(EmulatorStartError, match="does not answer /healthz"):
            ensure_running(data_dir, port, PROJECT, busy_port_grace=0.3)

    assert not pid_file_path(data_dir).exists()
