"""The metadata each day (partition) of an asset records: what is true of that day only.

* an individual-rows table: ``dagster/row_count``, the rows the extractor read that day
  (the ``rows_match_source`` check compares BigQuery with it);
* a date-aggregated table: the day's numbers themselves (``users``, ``clients``…), so the
  asset's *Plots* tab draws each of them day by day (a row count would always be 1);
* a delta view: the day's differences, and the day they belong to.

Run totals (rows written, days replaced) are not a day's: the run logs them once.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import dagster as dg

from analytics_assets.extract.schema import DATE_COLUMN, NUMERIC_TYPES, ExtractorKind, TableSpec
from analytics_assets.rows.staging import StagedRows

ROW_COUNT_KEY = "dagster/row_count"


def metadata_number(value: Any) -> dg.MetadataValue | None:
    """A number as plottable metadata; None for NULL, NaN, infinities and non-numbers."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return dg.MetadataValue.int(value)
    if isinstance(value, Decimal | float):
        number = float(value)
        return dg.MetadataValue.float(number) if abs(number) < float("inf") else None
    return None


def numbers_of(values: dict[str, Any]) -> dict[str, dg.MetadataValue]:
    """The plottable numbers among ``values`` (NULLs and non-numbers left out)."""
    numbers = {name: metadata_number(value) for name, value in values.items()}
    return {name: number for name, number in numbers.items() if number is not None}


def staged_day_metadata(spec: TableSpec, staged: StagedRows) -> dict[dt.date, dict[str, Any]]:
    """Each staged day's metadata: its row count, or its numbers (date-aggregated)."""
    if spec.kind != ExtractorKind.DATE_AGGREGATED:
        return {day: {ROW_COUNT_KEY: count} for day, count in staged.rows_per_day.items()}
    fields = [c.name for c in spec.columns if c.bigquery_type in NUMERIC_TYPES]
    if not fields or not staged.total_rows:
        return {day: {} for day in staged.days}
    import pyarrow.parquet as pq

    table = pq.read_table(staged.path, columns=[DATE_COLUMN, *fields])
    return {
        row[DATE_COLUMN]: numbers_of({name: row[name] for name in fields})
        for row in table.to_pylist()
    }
