"""The typed BigQuery IO manager: writes staged extractor days atomically, reads days as pandas.

It plays the part of dagster-gcp's ``BigQueryPandasIOManager`` (same resource config
shape, the partition window of the run selects the table slice) but fixes what makes the
stock one unfit here: its DELETE and its load are two jobs (not atomic), it upper-cases
columns, autodetects the schema, creates unpartitioned tables and formats partition
windows without their time zone. Partition keys here are local business days, compared
on the table's DATE column, so no time zone is ever dropped.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import dagster as dg

from analytics_assets.rows.staging import StagedRows
from analytics_assets.warehouse.resource import BigQueryWarehouse

if TYPE_CHECKING:
    import pandas as pd


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
            table_id = self.warehouse.write_days(obj)
        finally:
            obj.path.unlink(missing_ok=True)
        # Run totals, logged once: as output metadata they would land on every day of the
        # run's range, each day showing the whole run's numbers.
        context.log.info(
            f"{table_id}: replaced {len(obj.days)} day(s) with {obj.total_rows} row(s)"
        )

    def load_input(self, context: dg.InputContext) -> pd.DataFrame:
        table = context.asset_key.path[-1]
        columns = (context.definition_metadata or {}).get("columns")
        return self.warehouse.read_days(table, partition_days(context), columns)
