"""`pip install 'analytics-assets[demo]'` in a fresh environment, then `analytics-assets dev` in an
empty folder: the demo's whole history goes green on the packaged instance settings (its
pools and run limits in force), every file of it under the folder's ``.local/``."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from analytics_assets_tests.dagster_dev import DagsterDev, dagster_dev_in
from analytics_assets_tests.dates import days_left_to_the_schedule
from analytics_assets_tests.wheel_projects import built_wheel, fresh_environment
from benchmarks.dev_server import DevServer

pytestmark = pytest.mark.outside
GREEN_WITHIN_SECONDS = 420
INSTANCE = """{ instance {
    poolConfig { defaultPoolLimit }
    runQueueConfig { maxConcurrentRuns tagConcurrencyLimitsYaml } } }"""


def _wait_until_green(dev: DagsterDev) -> list[str]:
    """Every partition of every asset materialized (but the newest days while the daily
    schedule owns them); the assets' names."""
    watcher = DevServer(dev.url)
    deadline = time.monotonic() + GREEN_WITHIN_SECONDS
    try:
        while time.monotonic() < deadline:
            statuses = watcher.partitions()
            failed = [s.asset for s in statuses if s.failed]
            assert not failed, f"failed partitions in {failed}:\n{dev.log_tail()}"
            owned = days_left_to_the_schedule()
            if statuses and all(s.partitions - s.materialized <= owned for s in statuses):
                return sorted(s.asset for s in statuses)
            time.sleep(5)
    finally:
        watcher.close()
    raise AssertionError(f"not green in {GREEN_WITHIN_SECONDS} s:\n{dev.log_tail()}")


def test_the_demo_goes_green_in_an_empty_folder_from_the_wheel(tmp_path):
    wheels = built_wheel(tmp_path / "wheels")
    bin_dir = fresh_environment(tmp_path, wheels, "analytics-assets[demo]")
    folder = tmp_path / "empty"
    folder.mkdir()
    with dagster_dev_in(folder, bin_dir, tmp_path / "dev.log") as dev:
        instance = dev.graphql(INSTANCE)["instance"]
        assets = _wait_until_green(dev)
    assert instance["poolConfig"]["defaultPoolLimit"] == 1  # one writer per table
    assert instance["runQueueConfig"]["maxConcurrentRuns"] == 6
    assert "analytics/catch_up" in instance["runQueueConfig"]["tagConcurrencyLimitsYaml"]
    assert assets == [
        "contract",
        "contract_delta",
        "email",
        "support_ticket",
        "user",
        "user_delta",
    ]
    assert sorted(path.name for path in folder.iterdir()) == [".local"]  # nothing else
    assert (folder / ".local" / "dagster" / "dagster.yaml").is_file()
    assert not Path(bin_dir.parent / "lib").joinpath("analytics_assets_tests").exists()
