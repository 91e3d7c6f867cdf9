"""The raw floor: the extractors' own queries, rows straight to parquet, one BigQuery load.

No Dagster, no validation, no staging table, no transaction: for each table, every day's
rows (read by the same extraction code as a run) go column by column into one parquet
file, loaded with a single ``load_table_from_file``. This is the least any pipeline
reading the same source and writing the same table must spend.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
from google.cloud import bigquery

from analytics_assets.extract import Extractor
from analytics_assets.extract.schema import TableSpec
from analytics_assets.rows.arrow import arrow_schema
from analytics_assets.rows.extraction import extracted_days
from analytics_assets.rows.staging import CHUNK_ROWS
from analytics_assets.warehouse.tables import schema_fields


class ParquetColumns:
    """Appends rows (value lists in column order) to a parquet file, a chunk at a time."""

    def __init__(self, spec: TableSpec, path: Path) -> None:
        self.spec = spec
        self.path = path
        self.rows = 0
        self._schema = arrow_schema(spec)
        self._columns: list[list[Any]] = [[] for _ in spec.columns]
        self._writer = pq.ParquetWriter(path, self._schema)

    def add(self, values: Sequence[Any]) -> None:
        for column, value in zip(self._columns, values, strict=True):
            column.append(value)
        if len(self._columns[0]) >= CHUNK_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self._columns[0]:
            arrays = [
                pa.array(column, type=f.type)
                for column, f in zip(self._columns, self._schema, strict=True)
            ]
            self._writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=self._schema))
            self.rows += len(self._columns[0])
            self._columns = [[] for _ in self.spec.columns]

    def close(self) -> None:
        self._flush()
        self._writer.close()


def load_parquet(
    client: bigquery.Client, spec: TableSpec, path: Path, table_id: str
) -> bigquery.LoadJob:
    """One load job replacing ``table_id`` with the parquet file ``path``."""
    config = bigquery.LoadJobConfig(
        source_format=bigquery.SourceFormat.PARQUET,
        schema=schema_fields(spec),
        write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE,
    )
    with path.open("rb") as parquet:
        job = client.load_table_from_file(parquet, table_id, job_config=config)
    job.result()
    return job


def row_values(spec: TableSpec, day: dt.date, rows: Iterable[Any]) -> Iterable[list[Any]]:
    """Each row's values in column order, ``date`` first, unchecked."""
    names = spec.column_names[1:]
    for row in rows:
        yield [day, *(getattr(row, name) for name in names)]


def raw_load(
    extractor: Extractor[Any],
    days: Sequence[dt.date],
    tz: ZoneInfo,
    client: bigquery.Client,
    table_id: str,
) -> int:
    """Extract ``days`` with ``extractor`` and load them into ``table_id``; the row count."""
    spec = type(extractor).table
    with tempfile.TemporaryDirectory(prefix="raw-floor-") as folder:
        writer = ParquetColumns(spec, Path(folder) / f"{spec.name}.parquet")
        for day, _window, rows in extracted_days(extractor, days, tz):
            for values in row_values(spec, day, rows):
                writer.add(values)
        writer.close()
        load_parquet(client, spec, writer.path, table_id)
    return writer.rows
