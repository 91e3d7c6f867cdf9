"""The embedded emulator killed (SIGKILL) in the middle of a day replace, or dead for a whole run.

The emulator runs a script's statements one by one, each committed on its own in DuckDB:
the former ``DELETE …; INSERT …`` transaction lost the days when the emulator died between
the two. The replace is now one MERGE statement, which DuckDB commits whole or not at all;
these tests kill a real emulator process at points spread over the replace and restart it
on the same data. A dead emulator fails a run within a bounded time, naming it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.cloud import bigquery

from analytics_assets.local.config import EMULATOR_PROJECT
from analytics_assets.local.emulator_process import EmbeddedEmulator
from analytics_assets.local.network import free_port
from analytics_assets.testing import emulator_client, materialize
from analytics_assets.warehouse.api_retries import EMULATOR_PROBE_SECONDS, EMULATOR_RETRY_SECONDS
from analytics_assets.warehouse.resource import BigQueryWarehouse
from analytics_assets.warehouse.sql import replace_script
from analytics_assets_tests.test_dataset_governance import VisitsExtractor

DAYS = [dt.date(2024, 1, 1), dt.date(2024, 1, 2), dt.date(2024, 1, 3)]
ROWS_PER_DAY = 20_000
#: When, as a fraction of a whole replace's duration, the emulator is killed.
KILL_POINTS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
DATASET = f"{EMULATOR_PROJECT}.crash"
TARGET, STAGING = f"{DATASET}.visits", f"{DATASET}._staging_visits_1"
SCHEMA = [
    bigquery.SchemaField("date", "DATE", "REQUIRED"),
    bigquery.SchemaField("n", "INT64", "REQUIRED"),
]


def _rows(sign: int) -> str:
    """Every day's rows: n = 1..ROWS_PER_DAY, positive (the old contents) or negative (new)."""
    days = ", ".join(f"DATE '{day}'" for day in DAYS)
    return (
        f"SELECT day, {sign} * n FROM UNNEST([{days}]) AS day, "
        f"UNNEST(GENERATE_ARRAY(1, {ROWS_PER_DAY})) AS n"
    )


class Emulator:
    """An emulator process on its own data folder and port, killed and restarted at will."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir, self.port = data_dir, free_port()
        self.process = EmbeddedEmulator.start(data_dir, self.port, EMULATOR_PROJECT, detached=False)

    @property
    def url(self) -> str:
        return self.process.url

    def client(self) -> bigquery.Client:
        return emulator_client(self.url)

    def kill_and_restart(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.stop()
        self.process = EmbeddedEmulator.start(
            self.data_dir, self.port, EMULATOR_PROJECT, detached=False
        )


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    running = Emulator(tmp_path / "bigquery")
    try:
        yield running
    finally:
        running.process.stop()


def _seed(client: bigquery.Client) -> None:
    dataset = bigquery.Dataset(DATASET)
    dataset.location = "EU"
    client.create_dataset(dataset)
    target = bigquery.Table(TARGET, schema=SCHEMA)
    target.time_partitioning = bigquery.TimePartitioning(field="date")
    client.create_table(target)
    client.create_table(bigquery.Table(STAGING, schema=SCHEMA))
    client.query(f"INSERT INTO `{TARGET}` (`date`, n) {_rows(+1)}").result()
    client.query(f"INSERT INTO `{STAGING}` (`date`, n) {_rows(-1)}").result()


def _contents(client: bigquery.Client) -> str:
    """ "old" or "new" if every day holds all its old or all its new rows; else what it holds."""
    counted = client.query(
        f"SELECT `date`, COUNT(*) AS rows, COUNTIF(n < 0) AS new FROM `{TARGET}` GROUP BY `date`"
    ).result()
    per_day = {row["date"]: (row["rows"], row["new"]) for row in counted}
    if per_day == dict.fromkeys(DAYS, (ROWS_PER_DAY, 0)):
        return "old"
    if per_day == dict.fromkeys(DAYS, (ROWS_PER_DAY, ROWS_PER_DAY)):
        return "new"
    return f"lost or mixed: {per_day}"


def _restore_old(client: bigquery.Client) -> None:
    client.query(f"DELETE FROM `{TARGET}` WHERE TRUE").result()
    client.query(f"INSERT INTO `{TARGET}` (`date`, n) {_rows(+1)}").result()


def _replace_in_background(url: str, script: str) -> threading.Thread:
    def replace() -> None:
        short = bigquery.DEFAULT_RETRY.with_timeout(0.5)  # gone before the restart
        with contextlib.suppress(Exception):  # the emulator is killed under it: the point
            emulator_client(url).query(script, retry=short, job_retry=None).result(
                retry=short, job_retry=None
            )

    thread = threading.Thread(target=replace, daemon=True)
    thread.start()
    return thread


def test_killing_the_emulator_at_any_point_of_a_day_replace_never_loses_a_day(emulator):
    script = replace_script(TARGET, STAGING, ["date", "n"], DAYS)
    client = emulator.client()
    _seed(client)
    started = time.monotonic()
    client.query(script).result()
    duration = time.monotonic() - started
    assert _contents(client) == "new"

    outcomes = []
    for point in KILL_POINTS:
        _restore_old(client)
        replacing = _replace_in_background(emulator.url, script)
        time.sleep(duration * point)
        emulator.kill_and_restart()
        replacing.join(30)
        client = emulator.client()
        outcomes.append(_contents(client))

    assert set(outcomes) <= {"old", "new"}, list(zip(KILL_POINTS, outcomes, strict=True))


def test_a_run_on_a_dead_emulator_fails_within_a_bounded_time_naming_it(tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"
    warehouse = BigQueryWarehouse(project=EMULATOR_PROJECT, dataset="dead", emulator_url=dead)
    started = time.monotonic()
    run = materialize(VisitsExtractor, warehouse, "2024-01-02", raise_on_error=False)
    elapsed = time.monotonic() - started
    assert not run.success
    assert run.errors[0].startswith(
        f"WarehouseUnreachableError: the BigQuery emulator at {dead} does not answer "
        f"(ConnectionError, nothing within {EMULATOR_PROBE_SECONDS:g} s); is it running?"
    ), run.errors
    # The run's first call probes the emulator: not the client's default of ten minutes.
    assert elapsed < 3 * EMULATOR_RETRY_SECONDS


def test_a_run_on_a_hung_emulator_fails_in_seconds_naming_it_not_after_a_minute(tmp_path):
    with socket.socket() as hung:  # accepts connections (the kernel's backlog), never answers
        hung.bind(("127.0.0.1", 0))
        hung.listen(16)
        url = f"http://127.0.0.1:{hung.getsockname()[1]}"
        warehouse = BigQueryWarehouse(project=EMULATOR_PROJECT, dataset="hung", emulator_url=url)
        started = time.monotonic()
        run = materialize(VisitsExtractor, warehouse, "2024-01-02", raise_on_error=False)
        elapsed = time.monotonic() - started
    assert run.errors[0].startswith(
        f"WarehouseUnreachableError: the BigQuery emulator at {url} does not answer "
        f"(ReadTimeout, nothing within {EMULATOR_PROBE_SECONDS:g} s); is it running?"
    ), run.errors
    assert "restarts a stopped or hung embedded emulator" in run.errors[0]
    assert elapsed < EMULATOR_RETRY_SECONDS  # was 61 s: the client's 60 s read timeout
