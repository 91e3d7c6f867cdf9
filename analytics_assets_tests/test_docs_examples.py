"""The docs' examples run as a reader runs them: the Quickstart's query of the local
warehouse finds the emulator on the port it was given, and gives up in seconds on a port
where nothing listens instead of hanging; the Operations page's command materializes days
older than the Materialize dialog's 90-day window into the instance the UI shows.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import dagster as dg

from analytics_assets.local.network import free_port
from analytics_assets.testing import emulator_client, running_emulator
from analytics_assets_tests.paths import REPO_ROOT
from analytics_assets_tests.processes import clean_environment
from analytics_assets_tests.test_docs import blocks

#: The Operations page's way to materialize any day, whatever the dialog's window.
MATERIALIZE_ANY_DAY = "DAGSTER_HOME=$PWD uv run dagster asset materialize"

QUERY = REPO_ROOT / "docs" / "examples" / "query_local_warehouse.py"


def run_query(port: int | str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(QUERY)],
        cwd=REPO_ROOT,
        env=clean_environment(ANALYTICS_EMULATOR_PORT=str(port)),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_quickstart_query_prints_the_newest_rows_of_an_emulator_on_another_port(tmp_path):
    with running_emulator(tmp_path / "bigquery") as url:
        client = emulator_client(url)
        client.create_dataset("analytics")
        client.query("CREATE TABLE analytics.user_delta (date DATE, users INT64)").result()
        client.query(
            "INSERT INTO analytics.user_delta (date, users) "
            "VALUES (DATE '2024-01-01', 3), (DATE '2024-01-02', 2)"
        ).result()
        done = run_query(url.rsplit(":", 1)[1])
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "{'date': datetime.date(2024, 1, 2), 'users': 2}",
        "{'date': datetime.date(2024, 1, 1), 'users': 3}",
    ]


def test_the_quickstart_query_gives_up_within_seconds_on_a_port_nothing_listens_on():
    started = time.monotonic()
    done = run_query(free_port())
    assert done.returncode != 0
    assert time.monotonic() - started < 60
    assert "RetryError: Timeout of 15.0s exceeded" in done.stderr


def test_the_operations_command_materializes_days_older_than_the_dialog_s_window(
    tmp_path, monkeypatch
):
    (command,) = [b.text for b in blocks() if b.text.startswith(MATERIALIZE_ANY_DAY)]
    shutil.copy(REPO_ROOT / "dagster.yaml", tmp_path)  # the folder `analytics-assets dev` runs in
    port = free_port()
    environment = clean_environment(UV_PROJECT=str(REPO_ROOT), ANALYTICS_EMULATOR_PORT=str(port))
    try:
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", command],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        rows = emulator_client(f"http://127.0.0.1:{port}").query(
            "SELECT date FROM analytics.user ORDER BY date"
        )
        assert [str(row["date"]) for row in rows.result()] == [
            "2024-03-29",
            "2024-03-30",
            "2024-03-31",
        ]
    finally:  # the command started a detached emulator, as a run does
        subprocess.run(
            ["uv", "run", "analytics-assets", "emulator", "stop"],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            timeout=60,
            check=False,
        )
    monkeypatch.chdir(tmp_path)  # the instance's folders are relative to where it runs
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        (run,) = instance.get_runs()
        assert run.status == dg.DagsterRunStatus.SUCCESS
        assert instance.get_materialized_partitions(dg.AssetKey("user_delta")) == {
            "2024-03-29",
            "2024-03-30",
            "2024-03-31",
        }
