"""A table with differentiated fields -> its ``<table>_delta`` view asset (day-over-day changes).

Each run re-creates the view (``CREATE OR REPLACE VIEW``, deterministic SQL from
:mod:`analytics_assets.warehouse.delta_view`, shown as the asset's definition metadata) and
records each day's differences, with the day they belong to, as that day's metadata.
"""

from collections.abc import Sequence

import dagster as dg

from analytics_assets.assembly.day_metadata import numbers_of
from analytics_assets.assembly.extract_asset import days_of
from analytics_assets.assembly.location_names import LocationNames
from analytics_assets.extract import TableSpec
from analytics_assets.extract.schema import DATE_COLUMN
from analytics_assets.warehouse.delta_view import delta_view_sql
from analytics_assets.warehouse.resource import BigQueryWarehouse


def delta_column_schema(spec: TableSpec) -> dg.TableSchema:
    """The view's columns: the day, then each differentiated field's difference."""
    date = dg.TableColumn(
        DATE_COLUMN,
        "DATE",
        description="the local day",
        constraints=dg.TableColumnConstraints(nullable=False),
    )
    differences = [
        dg.TableColumn(
            c.name,
            c.bigquery_type,
            description=f"{c.name} of the day minus {c.name} of the previous calendar day; "
            f"the day's own {c.name} when the previous day has no row; NULL when either "
            "value is NULL"
            + (f" ({c.name}: {c.options.description})" if c.options.description else ""),
            # NULL only from a NULL value: a REQUIRED field's difference is never NULL
            constraints=dg.TableColumnConstraints(nullable=c.nullable),
        )
        for c in spec.differentiated
    ]
    return dg.TableSchema(columns=[date, *differences])


def build_delta_view_asset(
    spec: TableSpec,
    partitions_def: dg.TimeWindowPartitionsDefinition,
    table_prefix: str,
    names: LocationNames = LocationNames(),
    owners: Sequence[str] = (),
) -> dg.AssetsDefinition:
    view_name = spec.delta_view_name
    differentiated = [c.name for c in spec.differentiated]

    @dg.asset(
        key=names.asset_key(view_name),
        deps=[names.asset_key(spec.name)],
        partitions_def=partitions_def,
        backfill_policy=dg.BackfillPolicy.single_run(),
        required_resource_keys={names.warehouse},
        kinds={"bigquery"},
        owners=list(owners),
        group_name=names.delta_group,
        description=(
            f"Day-over-day differences of {', '.join(differentiated)} in {spec.name}: "
            "value minus the previous calendar day's; the raw value on the first day and "
            "after a gap; NULL when either value is NULL."
        ),
        metadata={
            "dagster/column_schema": delta_column_schema(spec),
            "dagster/table_name": f"{table_prefix}.{view_name}",
            "view_sql": dg.MetadataValue.md(
                f"```sql\n{delta_view_sql(spec, f'{table_prefix}.{spec.name}')}\n```"
            ),
        },
    )
    def delta_view_asset(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        warehouse: BigQueryWarehouse = getattr(context.resources, names.warehouse)
        sql = delta_view_sql(spec, warehouse.table_id(spec.name))
        view_id = warehouse.table_id(view_name)
        warehouse.run_query(f"CREATE OR REPLACE VIEW `{view_id}` AS\n{sql}", view_name)
        frame = warehouse.read_days(view_name, days_of(context))
        for record in frame.to_dict("records"):
            day = record[DATE_COLUMN]
            differences = numbers_of({name: record[name] for name in differentiated})
            # "date" names the day: no field can be called so (the system's column)
            context.add_asset_metadata(
                {DATE_COLUMN: day.isoformat(), **differences}, partition_key=day.isoformat()
            )
        return dg.MaterializeResult()

    return delta_view_asset
