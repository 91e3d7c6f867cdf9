"""The BigQuery warehouse resource: one client code path for real BigQuery and an emulator.

Real BigQuery and an emulator differ only in the endpoint and the credentials: with an
emulator (``emulator_url``, or what :meth:`BigQueryWarehouse.endpoint` of a subclass
gives) the client talks anonymously to that REST API, otherwise to Google (or to
``api_endpoint``) with credentials from the environment
(:mod:`analytics_assets.warehouse.credentials`). An ``api_endpoint`` on this machine
(``127.0.0.1``, ``localhost``) is an emulator standing in for BigQuery, to rehearse the
production path: it is sent no credentials. Everything else (DDL, loads, the day replace,
views, reads) is the same code.

google-cloud-bigquery (and the pandas it imports) is imported when a client is first
needed, not when the code location loads: it is 1.5 s of every load otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import dagster as dg
from pydantic import Field, PrivateAttr

from analytics_assets.extract.names import check_identifier, check_project_id
from analytics_assets.warehouse.dataset_governance import (
    DEFAULT_DATASET_DESCRIPTION,
    DatasetPolicy,
)
from analytics_assets.warehouse.limits import check_location, check_maximum_bytes_billed

if TYPE_CHECKING:
    import datetime as dt

    import pandas as pd
    from google.cloud import bigquery
    from google.cloud.bigquery.table import RowIterator

    from analytics_assets.rows.staging import StagedRows
    from analytics_assets.warehouse.api_retries import Retries
    from analytics_assets.warehouse.restatement import Restated
    from analytics_assets.warehouse.tables import TableManager

_LABEL_VALUE_MAX = 63


def job_labels(asset_name: str) -> dict[str, str]:
    """BigQuery job labels naming the asset (lowercase, at most 63 characters)."""
    value = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in asset_name.lower())
    return {"asset": value[:_LABEL_VALUE_MAX], "tool": "analytics-assets"}


def check_warehouse(warehouse: BigQueryWarehouse) -> None:
    """Refuse what BigQuery would refuse in every run: a malformed project id or dataset name
    (both are pasted into every table id), a location it does not have, a
    ``maximum_bytes_billed`` under its minimum, a description it cannot keep. Raises
    :class:`WarehouseConfigError` naming the setting."""
    check_project_id(warehouse.project, "BIGQUERY_PROJECT")
    check_identifier(warehouse.dataset, "BIGQUERY_DATASET")
    for setting, check in (
        ("BIGQUERY_LOCATION", lambda: check_location(warehouse.location)),
        (
            "BIGQUERY_MAXIMUM_BYTES_BILLED",
            lambda: check_maximum_bytes_billed(warehouse.maximum_bytes_billed),
        ),
        ("BIGQUERY_DATASET_DESCRIPTION", warehouse.dataset_policy),
    ):
        try:
            check()
        except ValueError as problem:
            raise WarehouseConfigError(f"{setting}: {problem}") from None


class WarehouseConfigError(ValueError):
    """The warehouse is configured with a value BigQuery would refuse."""


class BigQueryWarehouse(dg.ConfigurableResource):
    """Where the analytics tables live: a BigQuery project and dataset (or the emulator)."""

    project: str
    dataset: str
    location: str = "EU"
    #: The REST endpoint of a BigQuery emulator; None: Google's BigQuery.
    emulator_url: str | None = None
    #: Production only: another REST endpoint for BigQuery's API (BIGQUERY_API_ENDPOINT): a
    #: private or regional one, or an emulator on this machine to rehearse production.
    api_endpoint: str | None = None
    #: The cost guard of every query job, at least 10 MiB (BIGQUERY_MAXIMUM_BYTES_BILLED).
    maximum_bytes_billed: int | None = None
    #: ANALYTICS_ENV this warehouse belongs to (demo, local, production): shown in the UI.
    environment: str = "production"
    #: Dataset governance (BIGQUERY_DATASET_DESCRIPTION, _LABELS, _READER_GROUPS,
    #: _WRITER_GROUPS), validated by the settings; reconciled on every write.
    dataset_description: str = DEFAULT_DATASET_DESCRIPTION
    dataset_labels: dict[str, str] = Field(default_factory=dict)
    reader_groups: list[str] = Field(default_factory=list)
    writer_groups: list[str] = Field(default_factory=list)

    _client: Any = PrivateAttr(default=None)  # a bigquery.Client once get_client() ran
    _endpoint: str | None = PrivateAttr(default=None)  # where that client sends its requests

    @property
    def uses_emulator(self) -> bool:
        return self.emulator_url is not None

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        check_warehouse(self)

    def endpoint(self) -> str | None:
        """Where the client sends its requests; None for Google's BigQuery."""
        return self.emulator_url or self.api_endpoint

    def sends_no_credentials(self) -> bool:
        """True for an emulator (configured, or an ``api_endpoint`` on this machine). Reads the
        settings only: an embedded emulator is not started by asking."""
        if self.uses_emulator:
            return True
        if self.api_endpoint is None:
            return False
        from urllib.parse import urlsplit

        return urlsplit(self.api_endpoint).hostname in ("127.0.0.1", "localhost", "::1")

    def get_client(self) -> bigquery.Client:
        if self._client is None:
            from google.api_core.client_options import ClientOptions
            from google.auth.credentials import AnonymousCredentials
            from google.cloud import bigquery

            from analytics_assets.warehouse.credentials import (
                checked_token,
                credentials_from_environment,
            )

            endpoint = self._endpoint = self.endpoint()
            if self.uses_emulator and endpoint:
                from analytics_assets.warehouse.api_retries import probe_emulator

                probe_emulator(endpoint, self.project)
            options = ClientOptions(api_endpoint=endpoint) if endpoint else None
            if self.sends_no_credentials():
                credentials: Any = AnonymousCredentials()
            else:
                credentials = credentials_from_environment()
                checked_token(credentials)
            self._client = bigquery.Client(
                project=self.project,
                location=self.location,
                credentials=credentials,
                client_options=options,
            )
        return self._client

    def check_credentials(self, environ: Mapping[str, str] | None = None) -> None:
        """Refuse credentials that cannot work, before any run: found, parsed and of a kind the
        client accepts (CredentialsError naming the variable, never its value). No network:
        whether Google accepts them is the first run's to tell."""
        if self.sends_no_credentials():
            return
        from analytics_assets.warehouse.credentials import (
            CredentialsError,
            credentials_from_environment,
        )

        problem = None
        try:
            credentials_from_environment(environ)
        except CredentialsError as error:
            problem = str(error)
        if problem is not None:  # raised outside the handler: nothing of a secret is chained
            raise WarehouseConfigError(problem)

    def dataset_policy(self) -> DatasetPolicy:
        return DatasetPolicy.from_groups(
            self.dataset_description, self.dataset_labels, self.reader_groups, self.writer_groups
        )

    def retries(self) -> Retries:
        """How long calls are retried: Google's defaults, or briefly on an emulator."""
        from analytics_assets.warehouse.api_retries import Retries

        return Retries.for_endpoint(self.uses_emulator)

    def _unreachable(self) -> AbstractContextManager[None]:
        from analytics_assets.warehouse.api_retries import explain_unreachable

        return explain_unreachable(self._endpoint)

    def tables(self) -> TableManager:
        from analytics_assets.warehouse.tables import TableManager

        return TableManager(
            self.get_client(),
            self.project,
            self.dataset,
            self.location,
            self.dataset_policy(),
            self.retries(),
        )

    def table_id(self, table: str) -> str:
        return f"{self.project}.{self.dataset}.{table}"

    def query_config(self, asset_name: str) -> bigquery.QueryJobConfig:
        from google.cloud import bigquery

        return bigquery.QueryJobConfig(
            labels=job_labels(asset_name), maximum_bytes_billed=self.maximum_bytes_billed
        )

    def run_query(self, sql: str, asset_name: str) -> RowIterator:
        retries = self.retries()
        client = self.get_client()
        with self._unreachable():
            job = client.query(
                sql,
                job_config=self.query_config(asset_name),
                retry=retries.api,
                job_retry=retries.job,
            )
            return job.result(retry=retries.api, job_retry=retries.job)

    def write_days(self, staged: StagedRows) -> dict[dt.date, Restated]:
        """Create what is missing, check the schema, and atomically replace the staged days
        whose rows differ from the table's; what became of each day."""
        from analytics_assets.warehouse.day_replace import DayReplacer

        tables = self.tables()
        with self._unreachable():
            tables.ensure_dataset()
            tables.ensure_table(staged.spec)
            return DayReplacer(tables, self.query_config(staged.spec.name)).replace_days(staged)

    def table_facts(self, table: str) -> dict[str, int]:
        """What ``table`` holds as a whole: its rows and the days that have any (one query;
        BigQuery's table metadata would be free, but the emulator reports 0 for both)."""
        table_id = self.table_id(check_identifier(table, "table"))
        sql = (
            "SELECT COUNT(*) AS table_rows_total, COUNT(DISTINCT `date`) AS table_days_present "
            f"FROM `{table_id}`"
        )
        (row,) = list(self.run_query(sql, table))
        return {key: int(value) for key, value in row.items()}

    def read_days(
        self, table: str, days: Sequence[Any] | None, columns: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Rows of ``table`` for ``days`` (all days if None), ordered by date, as pandas."""
        from analytics_assets.warehouse.sql import days_predicate

        selected = (
            ", ".join(f"`{check_identifier(c, 'column')}`" for c in columns) if columns else "*"
        )
        where = f" WHERE {days_predicate(days)}" if days else ""
        table_id = self.table_id(check_identifier(table, "table"))
        sql = f"SELECT {selected} FROM `{table_id}`{where} ORDER BY `date`"
        rows = self.run_query(sql, table)
        with self._unreachable():
            return rows.to_arrow(create_bqstorage_client=False).to_pandas()
