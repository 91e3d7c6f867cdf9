"""An extractor class -> its daily-partitioned Dagster asset, writing rows through the IO manager.

The asset of a run covers one day or a contiguous range (single-run backfills): for each
local day it calls ``extract(start, end)``, validates and stages the rows, and hands them
to the BigQuery IO manager, which replaces exactly those days atomically. Transient
failures are retried (:mod:`analytics_assets.assembly.retries`).
"""

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg

from analytics_assets.assembly.day_metadata import staged_day_metadata
from analytics_assets.assembly.location_names import LocationNames
from analytics_assets.assembly.retries import backoff_seconds, is_transient
from analytics_assets.assembly.sources import extractor_resources, required_resource_keys
from analytics_assets.extract import Extractor, TableSpec, refuse_incomplete_days
from analytics_assets.rows.extraction import stage_days
from analytics_assets.rows.staging import (
    StagedRows,
    new_staging_file,
    remove_stale_staging_files,
)
from analytics_assets.warehouse.limits import refuse_too_many_days


@dataclass(frozen=True)
class RunPolicy:
    """How extract assets behave in runs: retries of transient failures."""

    max_retries: int = 0
    retry_delay_seconds: float = 20.0


def column_schema(spec: TableSpec) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=c.name,
                type=c.bigquery_type,
                description=c.options.description,
                constraints=dg.TableColumnConstraints(nullable=c.nullable),
                tags={"differentiated": ""} if c.differentiate else None,
            )
            for c in spec.columns
        ]
    )


def days_of(context: dg.AssetExecutionContext) -> list[dt.date]:
    return [dt.date.fromisoformat(key) for key in context.partition_keys]


def _stage_with_retries(
    context: dg.AssetExecutionContext,
    extractor: Extractor[Any],
    days: list[dt.date],
    tz: ZoneInfo,
    path: Path,
    policy: RunPolicy,
) -> StagedRows:
    try:
        return stage_days(extractor, days, tz, path, context.log)
    except Exception as error:
        path.unlink(missing_ok=True)
        if is_transient(error) and context.retry_number < policy.max_retries:
            wait = backoff_seconds(policy.retry_delay_seconds, context.retry_number)
            context.log.warning(
                f"transient failure (attempt {context.retry_number + 1} of "
                f"{policy.max_retries + 1}), retrying in {wait:.0f} s: {error}"
            )
            raise dg.RetryRequested(max_retries=policy.max_retries, seconds_to_wait=wait) from error
        raise
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def build_extract_asset(
    extractor_cls: type[Extractor[Any]],
    partitions_def: dg.TimeWindowPartitionsDefinition,
    table_prefix: str,
    policy: RunPolicy | None = None,
    names: LocationNames = LocationNames(),
) -> dg.AssetsDefinition:
    policy = policy or RunPolicy()
    spec = extractor_cls.table
    tz = ZoneInfo(partitions_def.timezone)
    source = extractor_cls.declared_source()

    @dg.asset(
        key=names.asset_key(spec.name),
        partitions_def=partitions_def,
        backfill_policy=dg.BackfillPolicy.single_run(),
        io_manager_key=names.io_manager,
        required_resource_keys=required_resource_keys(extractor_cls, names),
        kinds={"bigquery", source.kind or "python"},
        owners=list(extractor_cls.owners),
        group_name=names.extract_group,
        # One writer per table at a time: runs touching the same table queue (dagster.yaml).
        pool=names.pool(spec.name),
        description=spec.description or None,
        tags={"extractor_kind": spec.kind.value},
        metadata={
            "dagster/column_schema": column_schema(spec),
            "dagster/table_name": f"{table_prefix}.{spec.name}",
            "extractor": f"{extractor_cls.__module__}.{extractor_cls.__qualname__}",
            "source": source.name,
            "partition_expr": "date",
        },
    )
    def extract_asset(context: dg.AssetExecutionContext) -> StagedRows:
        days = days_of(context)
        refuse_incomplete_days(days, tz)
        refuse_too_many_days(spec.name, days)  # before extracting: the write would fail
        extractor = extractor_cls(
            resources=extractor_resources(extractor_cls, context.resources, names)
        )
        for left in remove_stale_staging_files(spec.name):
            context.log.info(f"removed {left.name}, left by a run that was killed")
        path = new_staging_file(spec.name)
        staged = _stage_with_retries(context, extractor, days, tz, path, policy)
        for day, metadata in staged_day_metadata(spec, staged).items():
            context.add_asset_metadata(metadata, partition_key=day.isoformat())
        return staged

    return extract_asset
