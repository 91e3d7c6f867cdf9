"""The typed BigQuery IO manager: writes staged extractor days atomically, reads days as pandas.

It plays the part of dagster-gcp's ``BigQueryPandasIOManager`` (same resource config
shape, the partition window of the run selects the table slice) but fixes what makes the
stock one unfit here: its DELETE and its load are two jobs (not atomic), it upper-cases
columns, autodetects the schema, creates unpartitioned tables and formats partition
windows without their time zone. Partition keys here are local business days, compared
on the table's DATE column, so no time zone is ever dropped. Each day written records
whether it was ``new``, ``changed`` or ``unchanged`` (not rewritten) as its ``restated``
metadata (:mod:`analytics_assets.warehouse.restatement`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING

import dagster as dg

from analytics_assets.rows.staging import StagedRows
from analytics_assets.warehouse.resource import BigQueryWarehouse
from analytics_assets.warehouse.restatement import RESTATED_KEY, Restated, days_to_write, describe

if TYPE_CHECKING:
    import pandas as pd


def add_day_metadata(
    context: dg.OutputContext, day: dt.date, metadata: Mapping[str, str | int]
) -> None:
    """Metadata of one day of the output's asset, on that day's materialization only (a
    range run records one materialization per day; output metadata would land on all)."""
    context.step_context.add_asset_metadata(metadata, partition_key=day.isoformat())


def partition_days(context: dg.InputContext | dg.OutputContext) -> list[dt.date] | None:
    """The local days a run covers, from its partition keys (None when unpartitioned)."""
    if not context.has_asset_partitions:
        return None
    return [dt.date.fromisoformat(key) for key in context.asset_partition_keys]


class BigQueryRowsIOManager(dg.ConfigurableIOManager):
    """Stores :class:`StagedRows` into the extractor's DAY-partitioned table."""

    warehouse: BigQueryWarehouse

    def handle_output(self, context: dg.OutputContext, obj: StagedRows) -> None:
        if not isinstance(obj, StagedRows):
            raise TypeError(
                f"{context.asset_key.to_user_string()}: the BigQuery rows IO manager stores "
                f"extractor output (StagedRows), not {type(obj).__name__}"
            )
        try:
            fates = self.warehouse.write_days(obj)
        finally:
            obj.path.unlink(missing_ok=True)
        # The table as a whole after this run, on each of its days (the asset page shows the
        # latest; a day's own rows are its dagster/row_count, or its one row's numbers).
        facts = self.warehouse.table_facts(obj.spec.name)
        for day, fate in fates.items():
            if context.has_asset_partitions:
                add_day_metadata(context, day, {RESTATED_KEY: fate.value, **facts})
            if fate is Restated.UNCHANGED:
                context.log.info(f"{day}: unchanged, not rewritten (BigQuery holds its rows)")
        # Run totals, logged once: as output metadata they would land on every day of the
        # run's range, each day showing the whole run's numbers.
        written = days_to_write(fates)
        context.log.info(
            f"{self.warehouse.table_id(obj.spec.name)}: {describe(fates)}; replaced "
            f"{len(written)} day(s) with {sum(obj.rows_per_day.get(d, 0) for d in written)} row(s)"
        )

    def load_input(self, context: dg.InputContext) -> pd.DataFrame:
        table = context.asset_key.path[-1]
        columns = (context.definition_metadata or {}).get("columns")
        return self.warehouse.read_days(table, partition_days(context), columns)
