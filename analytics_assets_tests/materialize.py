"""Test helpers: materialize extractor assets for days through Dagster, read tables back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import dagster as dg

from analytics_assets.assembly.assets import build_extractor_assets
from analytics_assets.assembly.extract_asset import RunPolicy
from analytics_assets.extract import Extractor
from analytics_assets.warehouse.io_manager import BigQueryRowsIOManager
from analytics_assets.warehouse.resource import BigQueryWarehouse

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def partitions_from(
    first_date: str, timezone: str = "Europe/Paris"
) -> dg.DailyPartitionsDefinition:
    return dg.DailyPartitionsDefinition(start_date=first_date, timezone=timezone)


def assets_for(
    extractors: Sequence[type[Extractor[Any]]],
    warehouse: BigQueryWarehouse,
    partitions: dg.DailyPartitionsDefinition,
    policy: RunPolicy | None = None,
) -> list[dg.AssetsDefinition]:
    return build_extractor_assets(
        extractors, partitions, f"{warehouse.project}.{warehouse.dataset}", policy
    )


def resources_for(warehouse: BigQueryWarehouse, **extra: Any) -> dict[str, Any]:
    return {
        "warehouse": warehouse,
        "bigquery_io_manager": BigQueryRowsIOManager(warehouse=warehouse),
        **extra,
    }


def materialize_days(
    assets: Sequence[dg.AssetsDefinition],
    warehouse: BigQueryWarehouse,
    first: str,
    last: str | None = None,
    *,
    raise_on_error: bool = True,
    instance: dg.DagsterInstance | None = None,
    **extra_resources: Any,
) -> dg.ExecuteInProcessResult:
    """One run for the day ``first``, or for the range ``first..last`` (single-run backfill)."""
    tags = {RANGE_START_TAG: first, RANGE_END_TAG: last} if last else None
    return dg.materialize(
        assets,
        resources=resources_for(warehouse, **extra_resources),
        partition_key=None if last else first,
        tags=tags,
        raise_on_error=raise_on_error,
        instance=instance,
    )


def table_rows(warehouse: BigQueryWarehouse, table: str) -> list[dict[str, Any]]:
    """Every row of ``table`` ordered by date then by all columns, as plain dicts."""
    result = warehouse.run_query(f"SELECT * FROM `{warehouse.table_id(table)}`", table)
    rows = [dict(row.items()) for row in result]
    return sorted(rows, key=lambda row: tuple(str(v) for v in row.values()))


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)
