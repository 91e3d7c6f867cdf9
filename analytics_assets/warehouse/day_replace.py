"""The atomic, idempotent write: staged rows replace whole local days of a table in one transaction.

``WRITE_TRUNCATE`` into ``table$YYYYMMDD`` is BigQuery's own partition overwrite, but the
embedded emulator silently ignores it; a staging load followed by one
``BEGIN TRANSACTION; DELETE …; INSERT … SELECT …; COMMIT`` script is atomic on both, so a
failure at any point leaves the previous contents of every day untouched, and running the
same days again gives the same table.
"""

from __future__ import annotations

import datetime as dt
import uuid

from google.cloud import bigquery

from analytics_assets.rows.staging import StagedRows
from analytics_assets.warehouse.sql import replace_script
from analytics_assets.warehouse.tables import TableManager, schema_fields

STAGING_EXPIRY = dt.timedelta(hours=6)


class DayReplacer:
    """Loads a staging table from a parquet file and swaps the staged days into the target."""

    def __init__(
        self, tables: TableManager, job_config: bigquery.QueryJobConfig | None = None
    ) -> None:
        self.tables = tables
        self.client = tables.client
        self.job_config = job_config or bigquery.QueryJobConfig()

    def replace_days(self, staged: StagedRows) -> bigquery.QueryJob:
        spec = staged.spec
        target_id = self.tables.table_id(spec.name)
        staging_id = None
        if staged.total_rows:
            staging_id = self.tables.table_id(f"_staging_{spec.name}_{uuid.uuid4().hex[:12]}")
        try:
            if staging_id:
                self._load_staging(staged, staging_id)
            job = self.client.query(
                replace_script(target_id, staging_id, spec.column_names, staged.days),
                job_config=self.job_config,
            )
            job.result()
            return job
        finally:
            if staging_id:
                self.client.delete_table(staging_id, not_found_ok=True)

    def _load_staging(self, staged: StagedRows, staging_id: str) -> None:
        staging = bigquery.Table(staging_id, schema=schema_fields(staged.spec))
        staging.expires = dt.datetime.now(dt.UTC) + STAGING_EXPIRY
        self.client.create_table(staging)
        load_config = bigquery.LoadJobConfig(
            source_format=bigquery.SourceFormat.PARQUET,
            schema=schema_fields(staged.spec),
            write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE,
        )
        labels = self.job_config.labels
        if labels:
            load_config.labels = labels
        with staged.path.open("rb") as parquet:
            self.client.load_table_from_file(parquet, staging_id, job_config=load_config).result()
