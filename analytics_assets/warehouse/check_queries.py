"""The queries the data checks send: rows per day, and the daily values of a date-aggregated table.

Whatever the field names are (a field may be called ``day``, ``n`` or ``previous_x``), the
SQL names only the table's own columns, never an alias: columns are listed in the
SELECT, groups are by position (``GROUP BY 1``) and results are read by position, so no
alias can shadow a column or collide with one. Every identifier pasted here was
validated when the extractor was defined; days are DATE literals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from analytics_assets.extract.schema import DATE_COLUMN
from analytics_assets.warehouse.resource import BigQueryWarehouse
from analytics_assets.warehouse.sql import days_predicate


def rows_per_day_sql(table_id: str, days: Sequence[dt.date]) -> str:
    return (
        f"SELECT `{DATE_COLUMN}`, COUNT(*) FROM `{table_id}` "
        f"WHERE {days_predicate(days)} GROUP BY 1"
    )


def daily_values_sql(table_id: str, fields: Sequence[str], until: dt.date) -> str:
    columns = ", ".join(f"`{name}`" for name in (DATE_COLUMN, *fields))
    return (
        f"SELECT {columns} FROM `{table_id}` "
        f"WHERE `{DATE_COLUMN}` <= DATE '{until.isoformat()}' ORDER BY 1"
    )


def rows_per_day(
    warehouse: BigQueryWarehouse, table: str, days: Sequence[dt.date]
) -> dict[dt.date, int]:
    """How many rows ``table`` holds on each of ``days`` (days without rows are absent)."""
    if not days:
        return {}
    sql = rows_per_day_sql(warehouse.table_id(table), days)
    return {row[0]: row[1] for row in warehouse.run_query(sql, table)}


def daily_values(
    warehouse: BigQueryWarehouse, table: str, fields: Sequence[str], until: dt.date
) -> list[tuple[dt.date, tuple[Any, ...]]]:
    """Every row of ``table`` up to ``until`` as (date, values of ``fields``), by date."""
    sql = daily_values_sql(warehouse.table_id(table), fields, until)
    return [(row[0], tuple(row[1:])) for row in warehouse.run_query(sql, table)]
