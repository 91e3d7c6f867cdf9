"""The atomic, idempotent write: staged rows replace whole local days of a table in one transaction.

``WRITE_TRUNCATE`` into ``table$YYYYMMDD`` is BigQuery's own partition overwrite, but the
embedded emulator silently ignores it; a staging load followed by one transaction whose
only statement is a MERGE (:func:`~analytics_assets.warehouse.sql.replace_script`) is
atomic on both, so a failure at any point, even the emulator's process killed in the
middle, leaves the previous contents of every day untouched, and running the same days
again gives the same table. Only the days whose rows differ from the table's are written
(:mod:`analytics_assets.warehouse.restatement`): running the same days again sends no DML.

A staging table carries its owner process in its labels; a killed run leaves it behind,
and the next write of the same table drops it (:mod:`analytics_assets.rows.leftovers`).
A transaction BigQuery aborted because another one wrote the table at the same time
(``Transaction is aborted due to concurrent update``) is run again, a few times.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid

from google.api_core.exceptions import NotFound
from google.cloud import bigquery

from analytics_assets.rows.leftovers import Owner, is_stale
from analytics_assets.rows.staging import StagedRows
from analytics_assets.warehouse.limits import refuse_too_many_days
from analytics_assets.warehouse.restatement import Restated, compare_days, days_to_write
from analytics_assets.warehouse.sql import replace_script
from analytics_assets.warehouse.tables import TableManager, schema_fields
from analytics_assets.warehouse.transient import is_concurrent_update_abort

STAGING_EXPIRY = dt.timedelta(hours=6)
STAGING_PREFIX = "_staging_"
#: Runs of the replace transaction when BigQuery aborts it for a concurrent update.
REPLACE_ATTEMPTS = 4
REPLACE_BACKOFF_SECONDS = 2.0


def staging_prefix(table: str) -> str:
    return f"{STAGING_PREFIX}{table}_"


class DayReplacer:
    """Loads a staging table from a parquet file and swaps the staged days into the target."""

    def __init__(
        self, tables: TableManager, job_config: bigquery.QueryJobConfig | None = None
    ) -> None:
        self.tables = tables
        self.client = tables.client
        self.retry = tables.retry
        self.job_retry = tables.retries.job
        self.job_config = job_config or bigquery.QueryJobConfig()

    def replace_days(self, staged: StagedRows) -> dict[dt.date, Restated]:
        """Replace the staged days that differ from the table's; what became of each day."""
        spec = staged.spec
        refuse_too_many_days(spec.name, staged.days)
        self.drop_stale_staging(spec.name)
        target_id = self.tables.table_id(spec.name)
        staging_id = None
        if staged.total_rows:
            staging_id = self.tables.table_id(f"{staging_prefix(spec.name)}{uuid.uuid4().hex[:12]}")
        try:
            if staging_id:
                self._load_staging(staged, staging_id)
            rows_per_day = {day: staged.rows_per_day.get(day, 0) for day in staged.days}
            fates = compare_days(
                self._select, target_id, staging_id, spec.column_names, rows_per_day
            )
            days = days_to_write(fates)
            if days:
                written = {day: staged.rows_per_day.get(day, 0) for day in days}
                self._run_replace(
                    replace_script(
                        target_id,
                        staging_id if any(written.values()) else None,
                        spec.column_names,
                        days,
                    )
                )
            return fates
        finally:
            if staging_id:
                self.client.delete_table(staging_id, not_found_ok=True, retry=self.retry)

    def _select(self, sql: str) -> list[bigquery.Row]:
        """The rows of a query, run as every job of the write is (labels, cost guard)."""
        job = self.client.query(
            sql, job_config=self.job_config, retry=self.retry, job_retry=self.job_retry
        )
        return list(job.result(retry=self.retry, job_retry=self.job_retry))

    def _run_replace(self, script: str) -> None:
        for attempt in range(1, REPLACE_ATTEMPTS + 1):
            try:
                self._select(script)
                return
            except Exception as error:
                if attempt == REPLACE_ATTEMPTS or not is_concurrent_update_abort(error):
                    raise
                time.sleep(REPLACE_BACKOFF_SECONDS * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))
        raise AssertionError("unreachable")  # pragma: no cover

    def drop_stale_staging(self, table: str, now: dt.datetime | None = None) -> list[str]:
        """Drop the staging tables of ``table`` that killed runs left; their ids."""
        now = now or dt.datetime.now(dt.UTC)
        dataset = f"{self.tables.project}.{self.tables.dataset}"
        dropped = []
        for item in self.client.list_tables(dataset, retry=self.retry):
            if not item.table_id.startswith(staging_prefix(table)):
                continue
            # The labels from the table itself: the emulator's list leaves them out.
            try:
                staging = self.client.get_table(item.reference, retry=self.retry)
            except NotFound:  # its own run finished and dropped it meanwhile
                continue
            if is_stale(Owner.from_labels(staging.labels), staging.created, now):
                self.client.delete_table(item.reference, not_found_ok=True, retry=self.retry)
                dropped.append(item.table_id)
        return dropped

    def _load_staging(self, staged: StagedRows, staging_id: str) -> None:
        staging = bigquery.Table(staging_id, schema=schema_fields(staged.spec))
        staging.expires = dt.datetime.now(dt.UTC) + STAGING_EXPIRY
        staging.labels = Owner.this_process().labels()
        self.client.create_table(staging, retry=self.retry)
        load_config = bigquery.LoadJobConfig(
            source_format=bigquery.SourceFormat.PARQUET,
            schema=schema_fields(staged.spec),
            write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE,
        )
        labels = self.job_config.labels
        if labels:
            load_config.labels = labels
        with staged.path.open("rb") as parquet:
            job = self.client.load_table_from_file(
                parquet,
                staging_id,
                job_config=load_config,
                num_retries=self.tables.retries.uploads,
            )
            job.result(retry=self.retry)
