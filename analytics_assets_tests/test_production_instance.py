"""The production instance (analytics_assets/deploy/dagster.yaml) stores runs in PostgreSQL."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from dagster._core.storage.runs.base import RunStorage

from analytics_assets.assembly.partitions import daily_partitions
from analytics_assets.extract import DateAggregatedExtractor, last_complete_day
from analytics_assets.testing import emulator_client, location_settings, materialize, table_rows
from analytics_assets_tests.dagster_dev import dagster_dev
from analytics_assets_tests.dates import day
from analytics_assets_tests.postgres import require_postgres, temporary_database
from benchmarks.production_instance import PRODUCTION_YAML, instance_environment

pytestmark = pytest.mark.postgres
SETTINGS = location_settings("2024-03-01")


@dataclass
class Hours:
    hours: float


class HoursExtractor(DateAggregatedExtractor[Hours]):
    source = "python"

    def extract(self, start: dt.datetime, end: dt.datetime):
        yield Hours((end - start).total_seconds() / 3600)


@pytest.fixture
def production_instance(tmp_path, monkeypatch):
    require_postgres()
    with temporary_database("dagster_prod") as database:
        shutil.copy(PRODUCTION_YAML, tmp_path / "dagster.yaml")
        for name, value in instance_environment(database).items():
            monkeypatch.setenv(name, value)
        instance = dg.DagsterInstance.from_config(str(tmp_path))
        try:
            yield instance
        finally:
            instance.dispose()


def test_a_backfill_range_runs_with_runs_and_events_stored_in_postgres(
    production_instance, warehouse
):
    storage: RunStorage = production_instance.run_storage
    assert type(storage).__name__ == "PostgresRunStorage"
    assert type(production_instance.event_log_storage).__name__ == "PostgresEventLogStorage"
    run = materialize(
        HoursExtractor,
        warehouse,
        "2024-03-30",
        "2024-04-01",
        settings=SETTINGS,
        instance=production_instance,
    )
    assert run.success
    assert table_rows(warehouse, "hours") == [
        {"date": day("2024-03-30"), "hours": 24.0},
        {"date": day("2024-03-31"), "hours": 23.0},
        {"date": day("2024-04-01"), "hours": 24.0},
    ]
    stored = production_instance.get_run_by_id(run.dagster_result.run_id)
    assert stored is not None and stored.is_success
    status = production_instance.get_status_by_partition(
        dg.AssetKey("hours"),
        ["2024-03-30", "2024-03-31", "2024-04-01"],
        daily_partitions(SETTINGS),
    )
    assert set(status.values()) == {dg.AssetPartitionStatus.MATERIALIZED}


def test_the_production_instance_limits_runs_and_table_writers(production_instance):
    settings = production_instance.get_concurrency_config()
    assert settings.run_queue_config.max_concurrent_runs == 8
    assert settings.pool_config.default_pool_limit == 1


LAUNCH_BACKFILL = """mutation($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } } }"""


@pytest.mark.dagster_dev
def test_dagster_dev_on_the_production_instance_runs_a_daemon_backfill_in_postgres(
    tmp_path, monkeypatch
):
    require_postgres()
    paris = ZoneInfo("Europe/Paris")
    last = last_complete_day(dt.datetime.now(dt.UTC), paris) - dt.timedelta(days=1)
    first = last - dt.timedelta(days=9)
    with temporary_database("dagster_prod") as database:
        pg = instance_environment(database)
        with dagster_dev(
            tmp_path,
            instance_yaml=PRODUCTION_YAML,
            ANALYTICS_FIRST_DATE=(first - dt.timedelta(days=5)).isoformat(),
            ANALYTICS_AUTOMATION_RUNNING="false",
            **pg,
        ) as dev:
            partitions = {"range": {"start": first.isoformat(), "end": last.isoformat()}}
            launched = dev.graphql(
                LAUNCH_BACKFILL,
                {
                    "params": {
                        "partitionsByAssets": [
                            {"assetKey": {"path": [name]}, "partitions": partitions}
                            for name in ("user", "user_delta")
                        ]
                    }
                },
            )["launchPartitionBackfill"]
            assert launched["__typename"] == "LaunchBackfillSuccess", launched
            runs = dev.wait_for_runs("dagster/backfill", launched["backfillId"], 1)
            assert [run["status"] for run in runs] == ["SUCCESS"]
            users = emulator_client(dev.emulator_url).query(
                "SELECT COUNT(*) AS days FROM `local-project.analytics.user_delta`"
            )
            assert next(iter(users.result()))["days"] == 10
            for name, value in pg.items():
                monkeypatch.setenv(name, value)
            stored = dg.DagsterInstance.from_config(str(dev.home))
            try:
                assert type(stored.run_storage).__name__ == "PostgresRunStorage"
                assert stored.get_run_by_id(runs[0]["runId"]) is not None
            finally:
                stored.dispose()
