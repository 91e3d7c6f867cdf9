"""Datasets and tables in BigQuery: create them as declared, refuse any drift from the declaration.

A table is created once with the explicit schema of its row dataclass, lowercase columns,
DAY partitioning on its ``date`` column, and labels recording its extractor kind and
differentiated fields (:mod:`analytics_assets.warehouse.table_markers`). After that it is
frozen: a run whose declaration differs from the live table (columns, kind or
differentiated fields) fails before writing anything, saying what changed and how to move
on (name a new table, which backfills from the first date).

The dataset is created in the configured location and reconciled with the configured
description, labels and group access on every write
(:mod:`analytics_assets.warehouse.dataset_governance`).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from google.api_core.exceptions import GoogleAPICallError, NotFound, PreconditionFailed
from google.cloud import bigquery

from analytics_assets.extract.schema import DATE_COLUMN, TableSpec
from analytics_assets.warehouse import dataset_api
from analytics_assets.warehouse.api_retries import Retries
from analytics_assets.warehouse.dataset_governance import (
    MANAGED_BY_LABEL,
    READER,
    DatasetPolicy,
    reconcile,
)
from analytics_assets.warehouse.table_markers import (
    describe_marker_drift,
    marker_labels,
    missing_markers,
)

# The REST API answers with the legacy names of the standard SQL types.
_LEGACY_TYPE_NAMES = {
    "INTEGER": "INT64",
    "FLOAT": "FLOAT64",
    "BOOLEAN": "BOOL",
    "BIGNUMERIC": "BIGNUMERIC",
}
#: Attempts at updating the dataset when a concurrent edit changed its etag meanwhile.
DATASET_UPDATE_ATTEMPTS = 3


class SchemaMismatchError(RuntimeError):
    """The live table's schema is not the one the extractor declares."""


class DatasetLocationError(RuntimeError):
    """The dataset exists in another location than the configured one."""


class DatasetGovernanceError(RuntimeError):
    """BigQuery refused the configured access of the dataset (e.g. a group it does not know)."""


def unknown_group_error(error: GoogleAPICallError, policy: DatasetPolicy) -> DatasetGovernanceError:
    """What to fix when BigQuery answers an access update with ``Not found: Email …``."""
    text = str(error)
    named = [email for email in sorted(policy.group_roles) if email in text.lower()]
    if not named:
        return DatasetGovernanceError(
            f"BigQuery refused the dataset's access list ({text}): an email in it is not a "
            "group BigQuery knows; check BIGQUERY_READER_GROUPS and BIGQUERY_WRITER_GROUPS"
        )
    email = named[0]
    variable = (
        "BIGQUERY_READER_GROUPS"
        if policy.group_roles[email] == READER
        else "BIGQUERY_WRITER_GROUPS"
    )
    return DatasetGovernanceError(
        f"{variable}: BigQuery does not know the group {email} ({text}); nothing was written. "
        f"Create the group (Google Workspace or Cloud Identity), or correct or remove it in "
        f"{variable}"
    )


@dataclass(frozen=True)
class LiveColumn:
    name: str
    bigquery_type: str
    mode: str

    def describe(self) -> str:
        return f"{self.name} {self.bigquery_type} {self.mode}"


def schema_fields(spec: TableSpec) -> list[bigquery.SchemaField]:
    return [
        bigquery.SchemaField(
            c.name, c.bigquery_type, mode=c.mode, description=c.options.description or ""
        )
        for c in spec.columns
    ]


def standard_type_name(field_type: str | None) -> str:
    """The standard SQL name of a type as the REST API reports it (``INTEGER`` -> ``INT64``)."""
    return _LEGACY_TYPE_NAMES.get(field_type or "", field_type or "")


def declared_columns(spec: TableSpec) -> list[LiveColumn]:
    return [LiveColumn(c.name, c.bigquery_type, c.mode) for c in spec.columns]


def live_columns(table: bigquery.Table) -> list[LiveColumn]:
    return [
        LiveColumn(
            f.name,
            standard_type_name(f.field_type),
            f.mode or "NULLABLE",
        )
        for f in table.schema
    ]


def describe_schema_drift(declared: list[LiveColumn], live: list[LiveColumn]) -> list[str]:
    """Human-readable differences between the declared and the live columns, in order."""
    declared_by_name = {c.name: c for c in declared}
    live_by_name = {c.name: c for c in live}
    problems = [f"column {c.describe()} is new" for c in declared if c.name not in live_by_name]
    problems += [
        f"column {c.describe()} is no longer declared"
        for c in live
        if c.name not in declared_by_name
    ]
    for name, wanted in declared_by_name.items():
        have = live_by_name.get(name)
        if have is not None and have != wanted:
            problems.append(
                f"column {name}: table has {have.describe()}, declared {wanted.describe()}"
            )
    if not problems and [c.name for c in declared] != [c.name for c in live]:
        problems.append(
            f"column order changed: table has {[c.name for c in live]}, "
            f"declared {[c.name for c in declared]}"
        )
    return problems


def describe_table_drift(spec: TableSpec, live: bigquery.Table) -> list[str]:
    """What differs between a declaration and its live table: columns first, then markers."""
    problems = describe_schema_drift(declared_columns(spec), live_columns(live))
    return problems or describe_marker_drift(spec, live.labels)


class TableManager:
    """Creates and checks the dataset and tables of one (project, dataset)."""

    def __init__(
        self,
        client: bigquery.Client,
        project: str,
        dataset: str,
        location: str,
        policy: DatasetPolicy | None = None,
        retries: Retries | None = None,
    ) -> None:
        self.client = client
        self.project = project
        self.dataset = dataset
        self.location = location
        self.policy = policy or DatasetPolicy()
        #: How long API calls and query jobs are retried (connection errors, 429, 5xx).
        self.retries = retries or Retries()
        self.retry = self.retries.api

    @property
    def dataset_id(self) -> str:
        return f"{self.project}.{self.dataset}"

    def table_id(self, table: str) -> str:
        return f"{self.project}.{self.dataset}.{table}"

    def ensure_dataset(self) -> bigquery.Dataset:
        """Create the dataset if missing, check its location, reconcile its governance.

        The update carries the etag it was computed from: if someone changed the dataset
        in between, BigQuery refuses it (412) and the reconciliation starts again from the
        new state, so a concurrent edit is never overwritten.
        """
        for _ in range(DATASET_UPDATE_ATTEMPTS - 1):
            with contextlib.suppress(PreconditionFailed):
                return self._reconcile_dataset()
        return self._reconcile_dataset()

    def _reconcile_dataset(self) -> bigquery.Dataset:
        dataset = self._get_or_create_dataset()
        self._check_location(dataset)
        changed = reconcile(dataset, self.policy)
        if not changed:
            return dataset
        try:
            return dataset_api.update_dataset(self.client, dataset, changed, self.retry)
        except NotFound as error:
            if "email" in str(error).lower():
                raise unknown_group_error(error, self.policy) from None
            raise

    def _get_or_create_dataset(self) -> bigquery.Dataset:
        try:
            return dataset_api.get_dataset(self.client, self.dataset_id, self.retry)
        except NotFound:
            # No access entries at creation: BigQuery then adds its defaults (project
            # owners, writers, readers, and the creator as OWNER); groups come in the update.
            dataset = bigquery.Dataset(self.dataset_id)
            dataset.location = self.location
            dataset.labels = {**MANAGED_BY_LABEL, **self.policy.labels}
            dataset.description = self.policy.description
            return self.client.create_dataset(dataset, exists_ok=True, retry=self.retry)

    def _check_location(self, dataset: bigquery.Dataset) -> None:
        if (dataset.location or "").lower() != self.location.lower():
            raise DatasetLocationError(
                f"dataset {self.dataset_id} is in location {dataset.location!r}, but "
                f"BIGQUERY_LOCATION is {self.location!r}; BigQuery cannot move a dataset: "
                "set BIGQUERY_LOCATION to match, or use another BIGQUERY_DATASET"
            )

    def ensure_table(self, spec: TableSpec) -> bigquery.Table:
        """Create the table if missing; otherwise check it against ``spec`` and adopt it."""
        table_id = self.table_id(spec.name)
        try:
            live = self.client.get_table(table_id, retry=self.retry)
        except NotFound:
            table = bigquery.Table(table_id, schema=schema_fields(spec))
            table.time_partitioning = bigquery.TimePartitioning(
                type_=bigquery.TimePartitioningType.DAY, field=DATE_COLUMN
            )
            table.description = spec.description
            table.labels = {**MANAGED_BY_LABEL, **marker_labels(spec)}
            return self.client.create_table(table, exists_ok=True, retry=self.retry)
        self.check_schema(spec, live)
        return self._adopt(spec, live)

    def _adopt(self, spec: TableSpec, live: bigquery.Table) -> bigquery.Table:
        """Write the marker labels a table created before them lacks (the whole label map,
        which BigQuery merges and the emulator replaces: the same result on both)."""
        missing = missing_markers(spec, live.labels)
        if not missing:
            return live
        live.labels = {**live.labels, **missing}
        return self.client.update_table(live, ["labels"], retry=self.retry)

    def check_schema(self, spec: TableSpec, live: bigquery.Table) -> None:
        problems = describe_table_drift(spec, live)
        if problems:
            raise SchemaMismatchError(
                f"table {self.table_id(spec.name)} does not match its extractor's declaration: "
                + "; ".join(problems)
                + ". Changing a table is forbidden: give the extractor a new table_name "
                "(the new table backfills from ANALYTICS_FIRST_DATE) and keep or drop the "
                "old table yourself."
            )
