"""Contract: a table is created with its schema, DAY partitioning, description and labels; the
schema guard reads the live table as declared, adopts an unlabelled one and refuses drift."""

from __future__ import annotations

import pytest
from google.cloud import bigquery

from analytics_assets.testing.contract.declarations import (
    EveryTypeExtractor,
    TallyExtractor,
    on_table,
)
from analytics_assets.warehouse.tables import (
    SchemaMismatchError,
    declared_columns,
    describe_table_drift,
    live_columns,
    schema_fields,
)

pytestmark = pytest.mark.bigquery


def created(warehouse, extractor) -> bigquery.Table:
    """What the IO manager does before a first write: the dataset, then the table; as read back."""
    tables = warehouse.tables()
    tables.ensure_dataset()
    tables.ensure_table(extractor.table)
    return warehouse.get_client().get_table(tables.table_id(extractor.table.name))


def test_a_table_is_created_with_its_schema_day_partitioning_description_and_labels(
    contract_warehouse,
):
    extractor = on_table(EveryTypeExtractor, "contract_created")
    live = created(contract_warehouse, extractor)
    assert live_columns(live) == declared_columns(extractor.table)
    assert [c.bigquery_type for c in live_columns(live)] == [
        "DATE", "TIMESTAMP", "INT64", "FLOAT64", "NUMERIC", "BOOL", "STRING", "BYTES", "DATE",
        "STRING", "NUMERIC",
    ]  # fmt: skip
    assert live.time_partitioning is not None
    assert (live.time_partitioning.type_, live.time_partitioning.field) == ("DAY", "date")
    assert live.description == "Rows of every column type."
    assert live.labels == {
        "managed-by": "analytics-assets",
        "extractor-kind": "individual-rows",
        "differentiated": "",
    }


def test_the_schema_guard_reads_the_live_table_as_declared_and_refuses_a_changed_one(
    contract_warehouse,
):
    extractor = on_table(TallyExtractor, "contract_guarded")
    assert describe_table_drift(extractor.table, created(contract_warehouse, extractor)) == []
    tables = contract_warehouse.tables()
    tables.ensure_table(extractor.table)  # read again, nothing to say
    client = contract_warehouse.get_client()
    live = client.get_table(tables.table_id("contract_guarded"))
    live.schema = [*live.schema, bigquery.SchemaField("note", "STRING")]
    client.update_table(live, ["schema"])
    with pytest.raises(
        SchemaMismatchError, match="column note STRING NULLABLE is no longer declared"
    ):
        tables.ensure_table(extractor.table)


def test_a_table_created_without_the_marker_labels_is_adopted(contract_warehouse):
    extractor = on_table(TallyExtractor, "contract_adopted")
    tables = contract_warehouse.tables()
    tables.ensure_dataset()
    client = contract_warehouse.get_client()
    table = bigquery.Table(
        tables.table_id("contract_adopted"), schema=schema_fields(extractor.table)
    )
    table.time_partitioning = bigquery.TimePartitioning(type_="DAY", field="date")
    table.labels = {"owner": "data-team"}
    client.create_table(table)
    tables.ensure_table(extractor.table)
    assert client.get_table(table.reference).labels == {
        "owner": "data-team",
        "extractor-kind": "date-aggregated",
        "differentiated": "total-level",
    }
