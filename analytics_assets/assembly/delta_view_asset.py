"""A table with differentiated fields -> its ``<table>_delta`` view asset (day-over-day changes).

Each run re-creates the view (``CREATE OR REPLACE VIEW``, deterministic SQL from
:mod:`analytics_assets.warehouse.delta_view`) and reports each day's differences as that
day's metadata.
"""

from decimal import Decimal
from typing import Any

import dagster as dg

from analytics_assets.assembly.extract_asset import days_of
from analytics_assets.extract import TableSpec
from analytics_assets.warehouse.delta_view import delta_view_sql
from analytics_assets.warehouse.resource import BigQueryWarehouse

DELTA_GROUP = "delta_views"


def _metadata_number(value: Any) -> dg.MetadataValue | None:
    if value is None or value != value:  # NULL or NaN
        return None
    if isinstance(value, int | bool):
        return dg.MetadataValue.int(int(value))
    if isinstance(value, Decimal | float):
        return dg.MetadataValue.float(float(value))
    return None


def build_delta_view_asset(
    spec: TableSpec,
    partitions_def: dg.TimeWindowPartitionsDefinition,
    table_prefix: str,
) -> dg.AssetsDefinition:
    view_name = spec.delta_view_name
    differentiated = [c.name for c in spec.differentiated]

    @dg.asset(
        name=view_name,
        deps=[spec.name],
        partitions_def=partitions_def,
        backfill_policy=dg.BackfillPolicy.single_run(),
        kinds={"bigquery"},
        group_name=DELTA_GROUP,
        description=(
            f"Day-over-day differences of {', '.join(differentiated)} in {spec.name}: "
            "value minus the previous calendar day's; the raw value on the first day and "
            "after a gap; NULL when either value is NULL."
        ),
        metadata={
            "dagster/column_schema": dg.TableSchema(
                columns=[
                    dg.TableColumn(c.name, c.bigquery_type)
                    for c in spec.columns
                    if c.name == "date" or c.differentiate
                ]
            ),
            "dagster/table_name": f"{table_prefix}.{view_name}",
        },
    )
    def delta_view_asset(
        context: dg.AssetExecutionContext, warehouse: BigQueryWarehouse
    ) -> dg.MaterializeResult:
        sql = delta_view_sql(spec, warehouse.table_id(spec.name))
        view_id = warehouse.table_id(view_name)
        warehouse.run_query(f"CREATE OR REPLACE VIEW `{view_id}` AS\n{sql}", view_name)
        frame = warehouse.read_days(view_name, days_of(context))
        for record in frame.to_dict("records"):
            day = record["date"]
            numbers = {name: _metadata_number(record[name]) for name in differentiated}
            context.add_asset_metadata(
                {name: value for name, value in numbers.items() if value is not None},
                partition_key=day.isoformat(),
            )
        return dg.MaterializeResult(
            metadata={
                "dagster/table_name": view_id,
                "view_sql": dg.MetadataValue.md(f"```sql\n{sql}\n```"),
            }
        )

    return delta_view_asset
