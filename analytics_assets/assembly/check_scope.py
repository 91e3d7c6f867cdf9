"""What one run of a table's checks looks at: its days, and what Dagster and BigQuery know of them.

* A run that materializes days (one day, a range, a backfill chunk) checks **its days**.
* A run of the checks alone (the UI's *Execute all*, no partition) checks **every day
  Dagster records as materialized** (from the first date to the last complete day): a day
  whose rows were deleted in BigQuery since is found, however old.

Everything is read lazily and once per run: a check that is not selected costs nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass

import dagster as dg

from analytics_assets.extract.schema import ExtractorKind, TableSpec
from analytics_assets.warehouse.check_queries import daily_values, rows_per_day
from analytics_assets.warehouse.resource import BigQueryWarehouse

#: Partition keys per storage query (SQLite caps the variables of one statement).
KEYS_PER_QUERY = 500
#: Materialization records read per page.
RECORDS_PER_PAGE = 1000


def run_days(context: dg.AssetCheckExecutionContext) -> list[dt.date] | None:
    """The days the run materializes, or None for a run of the checks alone."""
    if not (context.has_partition_key or context.has_partition_key_range):
        return None
    return [dt.date.fromisoformat(key) for key in context.partition_keys]


def latest_materializations(
    instance: dg.DagsterInstance, key: dg.AssetKey, days: Iterable[str]
) -> dict[str, dg.EventLogRecord]:
    """The latest materialization record of each of ``days`` that has one."""
    wanted = sorted(set(days))
    found: dict[str, dg.EventLogRecord] = {}
    for start in range(0, len(wanted), KEYS_PER_QUERY):
        chunk = wanted[start : start + KEYS_PER_QUERY]
        records_filter = dg.AssetRecordsFilter(asset_key=key, asset_partitions=chunk)
        found.update(_latest_by_partition(instance, records_filter, set(chunk)))
    return found


def _latest_by_partition(
    instance: dg.DagsterInstance, records_filter: dg.AssetRecordsFilter, wanted: set[str]
) -> dict[str, dg.EventLogRecord]:
    found: dict[str, dg.EventLogRecord] = {}
    cursor = None
    while True:
        page = instance.fetch_materializations(records_filter, RECORDS_PER_PAGE, cursor)
        for record in page.records:  # newest first
            partition = record.partition_key
            if partition is not None and partition not in found:
                found[partition] = record
        if not page.has_more or len(found) == len(wanted):
            return found
        cursor = page.cursor


@dataclass
class CheckScope:
    """The days one run of ``spec``'s checks evaluates, with cached reads of their state."""

    spec: TableSpec
    #: The key of the table's asset (its name, behind the location's key prefix).
    key: dg.AssetKey
    partitions_def: dg.TimeWindowPartitionsDefinition
    instance: dg.DagsterInstance
    warehouse: BigQueryWarehouse
    materialized_days: list[dt.date] | None  # None: the checks run alone

    @property
    def checks_alone(self) -> bool:
        return self.materialized_days is None

    @functools.cached_property
    def days(self) -> list[dt.date]:
        """The days evaluated: the run's, or every day Dagster records as materialized."""
        if self.materialized_days is not None:
            return sorted(self.materialized_days)
        return [
            dt.date.fromisoformat(key)
            for key, status in self.statuses.items()
            if status == dg.AssetPartitionStatus.MATERIALIZED
        ]

    @functools.cached_property
    def first_day(self) -> dt.date:
        first = self.partitions_def.get_first_partition_key()
        assert first is not None, "daily partitions always have a first day"
        return dt.date.fromisoformat(first)

    @functools.cached_property
    def statuses(self) -> dict[str, dg.AssetPartitionStatus | None]:
        """Dagster's status of every day: materialized, failed, in progress or None (never run)."""
        keys = self.partitions_def.get_partition_keys()
        found = self.instance.get_status_by_partition(self.key, keys, self.partitions_def) or {}
        return {key: found.get(key) for key in keys}

    @functools.cached_property
    def materializations(self) -> dict[str, dg.EventLogRecord]:
        """The latest materialization of each evaluated day (what its evaluation targets)."""
        return latest_materializations(self.instance, self.key, [d.isoformat() for d in self.days])

    def recorded_rows(self, day: dt.date) -> int | None:
        """The rows the extractor read for ``day`` in its latest materialization, if recorded."""
        record = self.materializations.get(day.isoformat())
        materialization = record.asset_materialization if record else None
        count = materialization.metadata.get("dagster/row_count") if materialization else None
        return None if count is None else int(count.value)  # type: ignore[arg-type]

    @functools.cached_property
    def rows_per_day(self) -> dict[dt.date, int]:
        """Rows in BigQuery per day: every day from the first date (date-aggregated tables,
        for the missing-days check) or the evaluated days (individual rows)."""
        if not self.days:
            return {}
        if self.spec.kind == ExtractorKind.DATE_AGGREGATED:
            span = (max(self.days) - self.first_day).days + 1
            every_day = [self.first_day + dt.timedelta(n) for n in range(span)]
            return rows_per_day(self.warehouse, self.spec.name, every_day)
        return rows_per_day(self.warehouse, self.spec.name, self.days)

    def daily_values(self, fields: tuple[str, ...]) -> list[tuple[dt.date, tuple]]:
        """Every row up to the last evaluated day, as (date, values of ``fields``)."""
        if not self.days:
            return []
        return daily_values(self.warehouse, self.spec.name, fields, max(self.days))
