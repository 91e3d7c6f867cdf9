"""Datasets and tables in BigQuery: create them as declared, refuse any drift from the declaration.

A table is created once with the explicit schema of its row dataclass, lowercase columns,
and DAY partitioning on its ``date`` column. After that its schema is frozen: a run whose
declared schema differs from the live table fails before writing anything, saying what
changed and how to move on (name a new table, which backfills from the first date).
"""

from __future__ import annotations

from dataclasses import dataclass

from google.api_core.exceptions import NotFound
from google.cloud import bigquery

from analytics_assets.extract.schema import DATE_COLUMN, TableSpec

# The REST API answers with the legacy names of the standard SQL types.
_LEGACY_TYPE_NAMES = {
    "INTEGER": "INT64",
    "FLOAT": "FLOAT64",
    "BOOLEAN": "BOOL",
    "BIGNUMERIC": "BIGNUMERIC",
}
MANAGED_BY_LABEL = {"managed-by": "analytics-assets"}


class SchemaMismatchError(RuntimeError):
    """The live table's schema is not the one the extractor declares."""


class DatasetLocationError(RuntimeError):
    """The dataset exists in another location than the configured one."""


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


class TableManager:
    """Creates and checks the dataset and tables of one (project, dataset)."""

    def __init__(self, client: bigquery.Client, project: str, dataset: str, location: str) -> None:
        self.client = client
        self.project = project
        self.dataset = dataset
        self.location = location

    @property
    def dataset_id(self) -> str:
        return f"{self.project}.{self.dataset}"

    def table_id(self, table: str) -> str:
        return f"{self.project}.{self.dataset}.{table}"

    def ensure_dataset(self) -> bigquery.Dataset:
        try:
            existing = self.client.get_dataset(self.dataset_id)
        except NotFound:
            dataset = bigquery.Dataset(self.dataset_id)
            dataset.location = self.location
            dataset.labels = dict(MANAGED_BY_LABEL)
            dataset.description = "Daily analytics written by the analytics_assets code location."
            return self.client.create_dataset(dataset, exists_ok=True)
        if (existing.location or "").lower() != self.location.lower():
            raise DatasetLocationError(
                f"dataset {self.dataset_id} is in location {existing.location!r}, but "
                f"BIGQUERY_LOCATION is {self.location!r}; BigQuery cannot move a dataset: "
                "set BIGQUERY_LOCATION to match, or use another BIGQUERY_DATASET"
            )
        return existing

    def ensure_table(self, spec: TableSpec) -> bigquery.Table:
        """Create the table if missing; otherwise check its schema against ``spec``."""
        table_id = self.table_id(spec.name)
        try:
            live = self.client.get_table(table_id)
        except NotFound:
            table = bigquery.Table(table_id, schema=schema_fields(spec))
            table.time_partitioning = bigquery.TimePartitioning(
                type_=bigquery.TimePartitioningType.DAY, field=DATE_COLUMN
            )
            table.description = spec.description
            table.labels = {**MANAGED_BY_LABEL, "extractor-kind": spec.kind.value.replace("_", "-")}
            return self.client.create_table(table, exists_ok=True)
        self.check_schema(spec, live)
        return live

    def check_schema(self, spec: TableSpec, live: bigquery.Table) -> None:
        problems = describe_schema_drift(declared_columns(spec), live_columns(live))
        if problems:
            raise SchemaMismatchError(
                f"table {self.table_id(spec.name)} does not match its extractor's declaration: "
                + "; ".join(problems)
                + ". Changing a table is forbidden: give the extractor a new table_name "
                "(the new table backfills from ANALYTICS_FIRST_DATE) and keep or drop the "
                "old table yourself."
            )
