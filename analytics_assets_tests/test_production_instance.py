"""The production instance (analytics_assets/deploy/dagster.yaml) stores runs in PostgreSQL."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass

import dagster as dg
import pytest
from dagster._core.storage.runs.base import RunStorage

from analytics_assets.extract import DateAggregatedExtractor
from analytics_assets.settings import PROJECT_ROOT
from analytics_assets_tests.materialize import (
    assets_for,
    day,
    partitions_from,
    resources_for,
    table_rows,
)
from analytics_assets_tests.postgres import SERVER, require_postgres, temporary_database

PRODUCTION_YAML = PROJECT_ROOT / "analytics_assets" / "deploy" / "dagster.yaml"

pytestmark = pytest.mark.postgres


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
        monkeypatch.setenv("DAGSTER_PG_HOST", SERVER["host"])
        monkeypatch.setenv("DAGSTER_PG_PORT", str(SERVER["port"]))
        monkeypatch.setenv("DAGSTER_PG_USER", SERVER["user"])
        monkeypatch.setenv("DAGSTER_PG_PASSWORD", "trust-auth-ignores-it")
        monkeypatch.setenv("DAGSTER_PG_DB", database)
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
    assets = assets_for([HoursExtractor], warehouse, partitions_from("2024-03-01"))
    result = dg.materialize(
        assets,
        instance=production_instance,
        resources=resources_for(warehouse),
        tags={
            "dagster/asset_partition_range_start": "2024-03-30",
            "dagster/asset_partition_range_end": "2024-04-01",
        },
    )
    assert result.success
    assert table_rows(warehouse, "hours") == [
        {"date": day("2024-03-30"), "hours": 24.0},
        {"date": day("2024-03-31"), "hours": 23.0},
        {"date": day("2024-04-01"), "hours": 24.0},
    ]
    stored = production_instance.get_run_by_id(result.run_id)
    assert stored is not None and stored.is_success
    status = production_instance.get_status_by_partition(
        dg.AssetKey("hours"),
        ["2024-03-30", "2024-03-31", "2024-04-01"],
        partitions_from("2024-03-01"),
    )
    assert set(status.values()) == {dg.AssetPartitionStatus.MATERIALIZED}


def test_the_production_instance_limits_runs_and_table_writers(production_instance):
    settings = production_instance.get_concurrency_config()
    assert settings.run_queue_config.max_concurrent_runs == 8
    assert settings.pool_config.default_pool_limit == 1
