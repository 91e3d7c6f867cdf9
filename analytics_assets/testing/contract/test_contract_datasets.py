"""Contract: the dataset is created in its location with description and labels, and its group
access is reconciled with the dataset's etag (a concurrent edit is never overwritten)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from analytics_assets.settings import load_settings
from analytics_assets.testing.contract.targets import elsewhere, emulator_lacks
from analytics_assets.warehouse.dataset_governance import ACCESS_RECORD_PREFIX, GROUP_ENTITY
from analytics_assets.warehouse.resource import BigQueryWarehouse
from analytics_assets.warehouse.tables import TableManager

pytestmark = pytest.mark.bigquery

DESCRIPTION = "Contract of analytics_assets: a dataset it creates."
LABELS = {"team": "data", "cost-center": "analytics"}
#: Groups granted on the emulator; on real BigQuery, the deployment's own configured groups.
EXAMPLE_READERS, EXAMPLE_WRITERS = ["analysts@example.com"], ["loaders@example.com"]


@pytest.fixture
def new_dataset(contract_warehouse: BigQueryWarehouse) -> Iterator[str]:
    """The name of a dataset that does not exist yet on the target; deleted after the test."""
    name = f"{contract_warehouse.dataset}_made"
    yield name
    client = contract_warehouse.get_client()
    client.delete_dataset(f"{contract_warehouse.project}.{name}", not_found_ok=True)


def test_a_missing_dataset_is_created_in_its_location_with_description_and_labels(
    contract_warehouse, new_dataset
):
    warehouse = elsewhere(
        contract_warehouse, new_dataset, dataset_description=DESCRIPTION, dataset_labels=LABELS
    )
    created = warehouse.tables().ensure_dataset()
    stored = warehouse.get_client().get_dataset(created.reference)
    assert (stored.location or "").lower() == warehouse.location.lower()
    assert stored.description == DESCRIPTION
    assert stored.labels == {"managed-by": "analytics-assets", **LABELS}
    assert warehouse.tables().ensure_dataset().etag == stored.etag  # matching: nothing sent


def _groups(warehouse: BigQueryWarehouse) -> tuple[list[str], list[str]]:
    if warehouse.uses_emulator:
        return EXAMPLE_READERS, EXAMPLE_WRITERS
    settings = load_settings()
    readers, writers = list(settings.bigquery_reader_groups), list(settings.bigquery_writer_groups)
    if not readers and not writers:
        pytest.skip(
            "no BIGQUERY_READER_GROUPS or BIGQUERY_WRITER_GROUPS configured: this deployment "
            "never changes the dataset's access list"
        )
    return readers, writers


def _managed(dataset) -> set[tuple[str, str]]:
    return {
        (entry.role, str(entry.entity_id))
        for entry in dataset.access_entries
        if entry.entity_type == GROUP_ENTITY
    }


def test_group_access_is_granted_then_withdrawn_with_the_dataset_s_etag(
    contract_warehouse, new_dataset
):
    readers, writers = _groups(contract_warehouse)
    granted = elsewhere(
        contract_warehouse, new_dataset, reader_groups=readers, writer_groups=writers
    )
    client = granted.get_client()
    before = granted.tables().ensure_dataset()
    stored = client.get_dataset(before.reference)
    assert _managed(stored) >= {("READER", g) for g in readers} | {("WRITER", g) for g in writers}
    assert (stored.description or "").endswith(
        f"{ACCESS_RECORD_PREFIX}{', '.join(sorted([*readers, *writers]))}"
    )
    withdrawn = elsewhere(contract_warehouse, new_dataset).tables().ensure_dataset()
    assert withdrawn.etag != stored.etag
    assert _managed(client.get_dataset(before.reference)).isdisjoint(
        {("READER", g) for g in readers} | {("WRITER", g) for g in writers}
    )


class EditedMeanwhile(TableManager):
    """Someone else labels the dataset between this manager's first read and its update."""

    edited = False

    def _get_or_create_dataset(self):
        dataset = super()._get_or_create_dataset()
        if not self.edited:
            self.edited = True
            theirs = self.client.get_dataset(self.dataset_id)
            theirs.labels = {**theirs.labels, "edited-by": "someone-else"}
            self.client.update_dataset(theirs, ["labels"])
        return dataset


def test_an_update_from_a_stale_read_is_refused_and_redone_keeping_the_concurrent_edit(
    request, contract_warehouse, new_dataset
):
    emulator_lacks(request, contract_warehouse, "ignores the etag (If-Match) of an update")
    elsewhere(contract_warehouse, new_dataset).tables().ensure_dataset()
    labelled = elsewhere(contract_warehouse, new_dataset, dataset_labels=LABELS)
    manager = EditedMeanwhile(
        labelled.get_client(),
        labelled.project,
        labelled.dataset,
        labelled.location,
        labelled.dataset_policy(),
    )
    manager.ensure_dataset()
    assert manager.client.get_dataset(manager.dataset_id).labels == {
        "managed-by": "analytics-assets",
        "edited-by": "someone-else",
        **LABELS,
    }
